// What the scale benchmarks share: their `--name N` flags, the small spec they upload by the
// hundred, and the resident memory of a process (bench/run.ts skips files that start with `_`).
import { readFileSync } from 'node:fs';

/** `--name N` from the command line: a positive integer, or `fallback` when the flag is absent. */
export function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

/** A two-segment domain's spec: one public channel, and optionally one protected channel granted to `grantee`. */
export function benchSpec(domain: string, grantee?: string): string {
  const [a, b] = domain.split('.');
  return [
    `asyncapi: '2.6.0'`,
    `id: 'urn:${a}:${b}'`,
    `info: { title: ${domain}, version: '1.0.0' }`,
    'channels:',
    '  _public.events:',
    '    bindings: { kafka: { partitions: 1, replicas: 1 } }',
    '    publish: { message: { payload: { type: object } } }',
    ...(grantee
      ? [
          '  _protected.orders:',
          '    bindings: { kafka: { partitions: 1, replicas: 1 } }',
          `    publish: { tags: [{ name: 'grant-access:${grantee}' }], message: { payload: { type: object } } }`,
        ]
      : []),
    '',
  ].join('\n');
}

/** Resident memory of a process in MiB (Linux /proc/<pid>/status VmRSS), 0 when unreadable. */
export function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
