// The built `msk-spec` (scripts/build-cli.js → dist/cli/): plain JavaScript that loads only what a
// command needs. What is checked is the import graph of the output, not a timing: starting
// `validate` must not reach kafkajs or the AWS SDK, and no command's module is loaded statically.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
// @ts-expect-error: a plain JavaScript build script without type declarations
import { buildCli } from '../../../scripts/build-cli.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const work = mkdtempSync(path.join(tmpdir(), 'msk-spec-build-'));
const outdir = path.join(work, 'cli');
let inputs: string[] = [];

/** `import ... from "x"` (static) and `import("x")` (dynamic) specifiers of one output file. */
function importsOf(file: string): { staticImports: string[]; dynamicImports: string[] } {
  const text = readFileSync(path.join(outdir, file), 'utf8');
  const staticImports = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*"([^"]+)"|^\s*import\s*"([^"]+)"/gm),
  ].map((m) => (m[1] ?? m[2])!);
  const dynamicImports = [...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!);
  return { staticImports, dynamicImports };
}

/** Every package a file loads before its code runs: its static imports and theirs, transitively. */
function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of importsOf(file).staticImports) {
      if (spec.startsWith('./')) visit(spec.slice(2));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

/** The output chunk `import("./x.js")` in `from` leads to for `name` (e.g. "validate"). */
function chunkNamed(from: string, name: string): string {
  const found = importsOf(from).dynamicImports.find((s) => path.basename(s).startsWith(`${name}-`));
  if (!found) throw new Error(`no dynamic import of a ${name} chunk in ${from}`);
  return found.slice(2);
}

beforeAll(async () => {
  ({ inputs } = await buildCli({ outdir }));
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the built CLI', () => {
  it('lists the sources it was built from, so the bin can tell a stale build', () => {
    expect(inputs).toEqual(expect.arrayContaining(['cli/main.ts', 'cli/program.ts', 'lib/spec/parse.ts']));
    for (const f of inputs) expect(existsSync(path.join(repoRoot, f))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(outdir, 'inputs.json'), 'utf8'))).toEqual(inputs);
  });

  it('starts without loading any command: each one is its own chunk, imported when it runs', () => {
    const { packages } = staticClosure('main.js');
    expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual([]);
    const names = ['validate', 'plan', 'access', 'can', 'apply', 'upload', 'status', 'client-config'];
    const program = [...staticClosure('main.js').files];
    for (const name of names) expect(program.some((f) => path.basename(f).startsWith(`${name}-`))).toBe(false);
  });

  it('reaches neither kafkajs nor the AWS SDK when validate or plan runs, but apply and upload do', () => {
    const main = 'main.js';
    for (const name of ['validate', 'plan']) {
      const { packages } = staticClosure(chunkNamed(main, name));
      expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual([]);
    }
    const uploadOrApply = ['upload', 'apply'].map((n) => chunkNamed(main, n));
    for (const chunk of uploadOrApply) expect(importsOf(chunk).dynamicImports.length).toBeGreaterThan(0);
  });

  it('runs from its output folder as plain JavaScript', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(outdir, 'main.js'), 'validate', 'examples/specs'],
      {
        cwd: repoRoot,
      },
    );
    expect(stdout).toMatch(/\d+ spec\(s\) valid\.\n$/);
  });
});
