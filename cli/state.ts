// `--current state.json`: a ClusterState as the Kafka adapter reads it (topics and ACL bindings),
// checked field by field so a hand-written file gets precise errors instead of a wrong plan.
import { OPERATIONS, PATTERN_TYPES, RESOURCE_TYPES, type AclBinding } from '../lib/access/types.js';
import type { ClusterState, TopicState } from '../lib/kafka/state.js';
import type { SpecIssue } from '../lib/spec/model.js';
import { jsonPath } from '../lib/spec/path.js';
import type { CliFs } from './io.js';

export const EMPTY_STATE: ClusterState = { topics: [], acls: [] };

type Result = { ok: true; state: ClusterState } | { ok: false; issues: SpecIssue[] };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function readState(file: string, fs: CliFs): Promise<Result> {
  const refused = (message: string): Result => ({ ok: false, issues: [{ file, path: '$', rule: 'state', message }] });
  let text: string;
  try {
    text = await fs.readFile(file);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return refused(`cannot read the state file (${reason}); expected a JSON file {"topics": [...], "acls": [...]}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return refused(`not JSON (${(e as Error).message}); expected {"topics": [...], "acls": [...]}`);
  }
  return parseState(value, file);
}

export function parseState(value: unknown, file: string): Result {
  const issues: SpecIssue[] = [];
  const bad = (path: (string | number)[], message: string) =>
    issues.push({ file, path: jsonPath(path), rule: 'state', message });
  if (!isRecord(value)) {
    bad([], 'expected an object {"topics": [...], "acls": [...]}');
    return { ok: false, issues };
  }
  const topics: TopicState[] = [];
  const acls: AclBinding[] = [];
  const rawTopics = value['topics'] ?? [];
  const rawAcls = value['acls'] ?? [];
  if (!Array.isArray(rawTopics)) bad(['topics'], 'expected a list of topics');
  else
    rawTopics.forEach((t, i) => {
      if (
        !isRecord(t) ||
        typeof t['name'] !== 'string' ||
        !Number.isInteger(t['partitions']) ||
        !Number.isInteger(t['replicationFactor'])
      ) {
        bad(
          ['topics', i],
          'expected {"name": string, "partitions": integer, "replicationFactor": integer, "configs": {string: string}}',
        );
        return;
      }
      const configs = t['configs'] ?? {};
      if (!isRecord(configs) || Object.values(configs).some((v) => typeof v !== 'string')) {
        bad(['topics', i, 'configs'], 'expected an object of string values');
        return;
      }
      topics.push({
        name: t['name'],
        partitions: t['partitions'] as number,
        replicationFactor: t['replicationFactor'] as number,
        configs: configs as Record<string, string>,
      });
    });
  if (!Array.isArray(rawAcls)) bad(['acls'], 'expected a list of ACL bindings');
  else
    rawAcls.forEach((a, i) => {
      const ok =
        isRecord(a) &&
        (RESOURCE_TYPES as readonly unknown[]).includes(a['resourceType']) &&
        (PATTERN_TYPES as readonly unknown[]).includes(a['patternType']) &&
        (OPERATIONS as readonly unknown[]).includes(a['operation']) &&
        (a['permission'] === 'ALLOW' || a['permission'] === 'DENY') &&
        typeof a['resourceName'] === 'string' &&
        typeof a['principal'] === 'string' &&
        (a['host'] === undefined || typeof a['host'] === 'string');
      if (!ok) {
        bad(
          ['acls', i],
          `expected {"resourceType": ${RESOURCE_TYPES.join('|')}, "resourceName": string, "patternType": LITERAL|PREFIXED, "principal": "User:...", "host": "*", "operation": ${OPERATIONS.join('|')}, "permission": ALLOW|DENY}`,
        );
        return;
      }
      acls.push({ ...(a as unknown as AclBinding), host: (a['host'] as string | undefined) ?? '*' });
    });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, state: { topics, acls } };
}
