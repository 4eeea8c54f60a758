// `bindings.kafka` → topic settings: partitions, replicas, configs (or the binding's own
// `topicConfiguration`) and the stage filter `envs`, merged from every place a reader says applies
// (2.x: the channel and its publish operation; 3.x: the channel and its send operations).
import { isObject, type Json, type JsonObject } from './load.js';
import { jsonPath, kindOf, quote } from './path.js';
import { deref, type Collector, type Path, type Source } from './reader.js';
import type { ProvisionConfig } from '../config.js';
import { topicConfigProblem, topicSettingsProblems } from './topic-configs.js';

export interface TopicSettings {
  partitions?: number;
  replicas?: number;
  configs: Record<string, string>;
  envs?: string[];
}

const MAX_PARTITIONS = 2 ** 31 - 1;
const MAX_REPLICAS = 2 ** 15 - 1;
const CONFIG_KEY = /^[a-z0-9][a-z0-9._-]*$/;

/** Topic settings merged from every binding that applies; conflicting values are refused. */
export function readBindings(
  root: JsonObject,
  sources: Source[],
  c: Collector,
  config: ProvisionConfig,
): TopicSettings | undefined {
  const errorsBefore = c.errors.length;
  const merged: TopicSettings = { configs: {} };
  const origin: Record<string, string> = {};
  const put = (field: string, value: unknown, path: Path) => {
    const previous = origin[field];
    const current = field.startsWith('configs.')
      ? merged.configs[field.slice(8)]
      : (merged as unknown as Record<string, unknown>)[field];
    if (previous !== undefined && JSON.stringify(current) !== JSON.stringify(value)) {
      c.error(
        path,
        'binding-conflict',
        `${field} is set to ${quote(JSON.stringify(current))} at ${previous} and to ${quote(JSON.stringify(value))} here; expected one value`,
      );
      return;
    }
    origin[field] = jsonPath(path);
    if (field.startsWith('configs.')) merged.configs[field.slice(8)] = value as string;
    else (merged as unknown as Record<string, unknown>)[field] = value;
  };

  for (const source of sources) {
    const bindings = deref(root, source.value, source.path, c);
    if (bindings === undefined || bindings === null) continue;
    if (!isObject(bindings)) {
      c.error(source.path, 'binding-configs', `expected \`bindings\` to be a mapping, got ${kindOf(bindings)}`);
      continue;
    }
    const kPath = [...source.path, 'kafka'];
    const kafka = deref(root, bindings['kafka'], kPath, c);
    if (kafka === undefined || kafka === null) continue;
    if (!isObject(kafka)) {
      c.error(kPath, 'binding-configs', `expected \`bindings.kafka\` to be a mapping, got ${kindOf(kafka)}`);
      continue;
    }
    if (kafka['partitions'] !== undefined) {
      const v = kafka['partitions'];
      if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_PARTITIONS)
        put('partitions', v, [...kPath, 'partitions']);
      else
        c.error(
          [...kPath, 'partitions'],
          'binding-partitions',
          `expected a positive whole number of partitions (1 to ${MAX_PARTITIONS}), got ${kindOf(v)}`,
        );
    }
    if (kafka['replicas'] !== undefined) {
      const v = kafka['replicas'];
      if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_REPLICAS)
        put('replicas', v, [...kPath, 'replicas']);
      else
        c.error(
          [...kPath, 'replicas'],
          'binding-replicas',
          `expected a positive whole number of replicas (1 to ${MAX_REPLICAS}), got ${kindOf(v)}`,
        );
    }
    for (const field of ['configs', 'topicConfiguration'] as const) {
      const v = kafka[field];
      if (v === undefined || v === null) continue;
      const cPath = [...kPath, field];
      if (!isObject(v)) {
        c.error(
          cPath,
          'binding-configs',
          `expected \`${field}\` to be a mapping of Kafka topic config names to values, got ${kindOf(v)}`,
        );
        continue;
      }
      for (const [name, value] of Object.entries(v)) {
        const vPath = [...cPath, name];
        if (!CONFIG_KEY.test(name)) {
          c.error(
            vPath,
            'binding-configs',
            `${quote(name)} is not a Kafka topic config name; expected lowercase words joined by '.', such as retention.ms`,
          );
          continue;
        }
        const text = configValue(name, value);
        // Kafka's own definition of the setting (topic-configs.ts): known name, type, range.
        const problem = typeof text === 'string' ? topicConfigProblem(name, text) : undefined;
        if (problem) c.error(vPath, problem.rule, problem.message);
        else if (typeof text === 'string') put(`configs.${name}`, text, vPath);
        else
          c.error(
            vPath,
            'binding-configs',
            `expected a string, number or boolean (or a list of them) for ${name}, ${text.problem}`,
          );
      }
    }
    if (kafka['envs'] !== undefined) {
      const v = kafka['envs'];
      const ePath = [...kPath, 'envs'];
      if (Array.isArray(v) && v.every((e) => typeof e === 'string' && e.trim() !== ''))
        put('envs', [...new Set(v as string[])], ePath);
      else
        c.error(
          ePath,
          'binding-envs',
          `expected \`envs\` to be a list of stage names, e.g. [staging, prod], got ${Array.isArray(v) ? 'a list with a non-string or empty entry' : kindOf(v)}`,
        );
    }
  }
  if (c.errors.length === errorsBefore)
    for (const { field, problem } of topicSettingsProblems(merged, config))
      c.error(origin[field] ?? jsonPath(sources[0]?.path ?? []), problem.rule, problem.message);
  return c.errors.length > errorsBefore ? undefined : merged;
}

/** Kafka takes every topic config as a string; lists (cleanup.policy) are comma-joined without spaces. */
function configValue(name: string, value: Json): string | { problem: string } {
  const scalar = (v: Json): string | undefined => {
    if (typeof v === 'string') return v;
    if (typeof v === 'boolean') return String(v);
    if (typeof v === 'number')
      return Number.isFinite(v) && (!Number.isInteger(v) || Number.isSafeInteger(v)) ? String(v) : undefined;
    return undefined;
  };
  if (Array.isArray(value)) {
    const parts = value.map(scalar);
    if (parts.some((p) => p === undefined)) return { problem: 'got a list with a nested or non-finite value' };
    return (parts as string[]).map((p) => p.trim()).join(',');
  }
  const s = scalar(value);
  if (s === undefined)
    return {
      problem:
        typeof value === 'number'
          ? `got ${value}, which is not a finite number JavaScript can hold exactly; quote it`
          : `got ${kindOf(value)}`,
    };
  return name === 'cleanup.policy'
    ? s
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')
        .join(',')
    : s;
}
