// Reading spec files for a command: paths and directories → parsed specs, with every refusal as a
// `file: path: [rule] message` line.
import path from 'node:path';
import type { AclBinding } from '../lib/access/types.js';
import type { ProvisionConfig } from '../lib/config.js';
import type { DomainSpec, SpecIssue } from '../lib/spec/model.js';
import { parseSpec } from '../lib/spec/parse.js';
import { checkSpecSet } from '../lib/plan/plan.js';
import type { CliFs } from './io.js';

export interface FileResult {
  readonly file: string;
  readonly spec?: DomainSpec;
  readonly issues: SpecIssue[];
  readonly warnings: SpecIssue[];
}

export interface LoadedSpecs {
  readonly files: FileResult[];
  readonly specs: DomainSpec[];
  /** Every refusal of every file. */
  readonly issues: SpecIssue[];
}

const SPEC_FILE = /\.(ya?ml|json)$/i;

/** Files as given; a directory stands for its *.yaml, *.yml and *.json files (not recursive), sorted. */
export async function expandPaths(paths: readonly string[], fs: CliFs): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let isDirectory = false;
    try {
      isDirectory = (await fs.stat(p)).isDirectory;
    } catch {
      isDirectory = false; // reported when reading
    }
    if (isDirectory) {
      const names = (await fs.readdir(p)).filter((n) => SPEC_FILE.test(n)).sort();
      out.push(...names.map((n) => path.join(p, n)));
    } else out.push(p);
  }
  return out;
}

export async function loadSpecs(paths: readonly string[], config: ProvisionConfig, fs: CliFs): Promise<LoadedSpecs> {
  const files: FileResult[] = [];
  for (const file of await expandPaths(paths, fs)) files.push(await loadOne(file, config, fs));
  return {
    files,
    specs: files.flatMap((f) => (f.spec ? [f.spec] : [])),
    issues: files.flatMap((f) => f.issues),
  };
}

async function loadOne(file: string, config: ProvisionConfig, fs: CliFs): Promise<FileResult> {
  const refuse = (rule: string, message: string): FileResult => ({
    file,
    issues: [{ file, path: '$', rule, message }],
    warnings: [],
  });
  let text: string;
  try {
    const { size, isDirectory } = await fs.stat(file);
    if (isDirectory) return refuse('file-read', 'is a directory with no spec files; expected a spec file');
    // Checked before reading, so a huge file is never loaded into memory.
    if (size > config.limits.maxSpecBytes)
      return refuse('max-size', `the spec is ${size} bytes; at most ${config.limits.maxSpecBytes} bytes are accepted`);
    text = await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return refuse(
      'file-read',
      code === 'ENOENT'
        ? 'no such file; expected a path to a spec file or a directory of them'
        : `cannot read the file (${code ?? (e as Error).message})`,
    );
  }
  const r = parseSpec(text, file, config);
  return r.ok ? { file, spec: r.spec, issues: [], warnings: r.warnings } : { file, issues: r.issues, warnings: [] };
}

export const formatIssue = (i: SpecIssue): string => `${i.file}: ${i.path}: [${i.rule}] ${i.message}`;
export const formatWarning = (i: SpecIssue): string => `warning: ${formatIssue(i)}`;

/** `ALLOW User:shop.order READ on TOPIC PREFIXED shop.order.` (host shown only when not `*`). */
export function formatBinding(b: AclBinding): string {
  const host = b.host === '*' ? '' : ` from host ${b.host}`;
  return `${b.permission} ${b.principal} ${b.operation} on ${b.resourceType} ${b.patternType} ${b.resourceName}${host}`;
}

/** Spec-set errors (PlanError) as issues pointing at the file that declares the domain. */
export function specSetIssues(specs: readonly DomainSpec[], errors: ReturnType<typeof checkSpecSet>): SpecIssue[] {
  return errors.map((e) => {
    const spec = specs.find((s) => s.domain === e.domain);
    const topic = e.topic !== undefined ? spec?.owned.find((t) => t.name === e.topic) : undefined;
    return {
      file: spec?.source ?? `(domain ${e.domain})`,
      path: topic?.path ?? '$.id',
      rule: e.rule,
      message: e.message,
    };
  });
}

/**
 * Everything that refuses a set of spec files: each file's own issues; when every file is fine, the
 * rules that need the whole set (the same domain twice, domain ids nested in one another).
 */
export function refusals(loaded: LoadedSpecs, config: ProvisionConfig): SpecIssue[] {
  if (loaded.issues.length > 0) return loaded.issues;
  return specSetIssues(loaded.specs, checkSpecSet(loaded.specs, { topics: [], acls: [] }, config));
}
