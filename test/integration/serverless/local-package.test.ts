// local/package.ts: one `serverless package` per set of inputs, shared by concurrent callers, and a
// cache hit that costs a stat and a read. Uses a stage of its own, so the entry the other tests and
// the local deployer use is never rebuilt or removed here.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_KEYS } from '../../../local/lambda/registry.js';
import { packageDeployment, packageInputs, type PackagedDeployment } from '../../../local/package.js';
import { ROOT } from '../../support/template.js';

const stage = `pkgtest${process.pid}`;
let first: PackagedDeployment[];

beforeAll(async () => {
  first = await Promise.all([packageDeployment({ root: ROOT, stage }), packageDeployment({ root: ROOT, stage })]);
}, 300_000);

afterAll(() => {
  if (first?.[0]) rmSync(first[0].dir, { recursive: true, force: true });
});

describe('packageDeployment', () => {
  it('builds once for two concurrent callers, into .cache/package/<sha256 of the inputs>', () => {
    expect(first.map((p) => p.cached).sort()).toEqual([false, true]);
    expect(first[0]!.dir).toBe(first[1]!.dir);
    expect(first[0]!.dir).toBe(join(ROOT, '.cache', 'package', packageInputs(ROOT, stage).key));
    expect(existsSync(`${first[0]!.dir}.lock`)).toBe(false);
  });

  it('returns the template and one zip per function', () => {
    const p = first[0]!;
    expect(p.templatePath).toBe(join(p.dir, 'cloudformation-template-update-stack.json'));
    expect(Object.keys(p.template.Resources)).toContain('ProvisionStateMachine');
    expect(Object.keys(p.artifacts).sort()).toEqual([...FUNCTION_KEYS].sort());
    for (const zip of Object.values(p.artifacts)) expect(existsSync(zip)).toBe(true);
    expect(JSON.stringify(p.template)).toContain(`msk-spec-provisioner-${stage}-provision`);
  });

  it('answers a later call from the cache at once', async () => {
    const again = await packageDeployment({ root: ROOT, stage });
    expect(again.cached).toBe(true);
    expect(again.dir).toBe(first[0]!.dir);
    expect(again.ms).toBeLessThan(1000);
  });

  it('keys the cache by the inputs, the stage included', () => {
    const a = packageInputs(ROOT, stage);
    expect(a.key).toMatch(/^[0-9a-f]{64}$/);
    expect(packageInputs(ROOT, `${stage}x`).key).not.toBe(a.key);
    for (const f of ['serverless.yml', 'package.json', 'package-lock.json', 'tsconfig.json'])
      expect(a.files).toContain(f);
    for (const d of ['state-machines/', 'functions/', 'lib/', 'deploy/'])
      expect(a.files.some((f) => f.startsWith(d))).toBe(true);
    expect(a.files.some((f) => f.startsWith('test/') || f.startsWith('local/') || f.startsWith('node_modules/'))).toBe(
      false,
    );
  });
});
