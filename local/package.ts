// `serverless package`, once per set of inputs: the CloudFormation template and the Lambda zips a
// deployer (AWS, or the local emulated cloud) deploys. The template holds no parameter value (they
// are CloudFormation Parameters, passed at deploy time), so one package serves every deployment of
// a stage and can be cached.
//
//   packageDeployment({ root, stage? }) → { dir, templatePath, template, artifacts, cached, ms }
//
// The cache lives in .cache/package/<sha256 of the inputs>/ (serverless.yml, state-machines/**,
// functions/**, lib/**, deploy/** (the local serverless plugin), package.json, package-lock.json,
// tsconfig.json, the stage and the region).
// A hit is a stat() and a JSON read. A miss runs serverless in a private copy of the inputs
// (node_modules linked), because serverless and serverless-esbuild write into the service
// directory (.serverless/, .esbuild/) whatever `--package` says; so several packagings, of any
// stage, never share a work folder. Concurrent callers of one key (jest workers, processes) take a
// lock (an O_EXCL file naming its owner's pid); the others wait and then find the cache filled. The
// result is built in a `.partial-*` directory and renamed into place complete, as
// local/kafka/fetch.ts does with the Kafka jars. Stale entries are pruned after a build.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump when the packaging itself changes in a way the inputs do not show. */
const CACHE_FORMAT = 1;
const MARKER = '.complete';
export const PACKAGE_REGION = 'us-east-1';
const INPUT_FILES = ['serverless.yml', 'package.json', 'package-lock.json', 'tsconfig.json'];
const INPUT_DIRS = ['state-machines', 'functions', 'lib', 'deploy'];
/** Complete entries kept besides the one just built; older ones (by last use, idle an hour) are removed. */
const KEEP = 4;
const LOCK_STALE_MS = 10 * 60_000;

/* eslint-disable @typescript-eslint/no-explicit-any */
export type CloudFormationTemplate = {
  AWSTemplateFormatVersion?: string;
  Parameters?: Record<string, any>;
  Conditions?: Record<string, any>;
  Resources: Record<string, { Type: string; Properties?: any; Condition?: string; DependsOn?: any }>;
  Outputs?: Record<string, any>;
};
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface PackageOptions {
  /** Repository root (the folder holding serverless.yml). */
  readonly root: string;
  /** `--stage`; default `local`. Stage names appear in resource names, so each stage has its own entry. */
  readonly stage?: string;
  /** Progress lines (a cold package takes about a minute). */
  readonly log?: (line: string) => void;
}

export interface PackagedDeployment {
  /** The cache entry: the `--package` output of serverless. */
  readonly dir: string;
  /** `<dir>/cloudformation-template-update-stack.json`. */
  readonly templatePath: string;
  readonly template: CloudFormationTemplate;
  /** serverless.yml function key → its zip. */
  readonly artifacts: Readonly<Record<string, string>>;
  /** True when the entry existed (nothing was built by this call). */
  readonly cached: boolean;
  readonly ms: number;
}

function listFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  if (existsSync(join(root, dir))) walk(join(root, dir));
  return out;
}

/** The inputs (relative paths, sorted) and their sha256 together with the stage and region. */
export function packageInputs(root: string, stage: string): { files: string[]; key: string } {
  const files = [
    ...INPUT_FILES.filter((f) => existsSync(join(root, f))),
    ...INPUT_DIRS.flatMap((d) => listFiles(root, d)),
  ].sort();
  const h = createHash('sha256');
  h.update(JSON.stringify({ CACHE_FORMAT, stage, region: PACKAGE_REGION }));
  for (const f of files) {
    const body = readFileSync(join(root, f));
    h.update(`\0${f}\0${body.length}\0`);
    h.update(body);
  }
  return { files, key: h.digest('hex') };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<path>` as an exclusive lock; false while someone else (alive, recent) holds it. */
function tryLock(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeFileSync(fd, `${process.pid}\n${Date.now()}\n`);
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  try {
    const [pid, at] = readFileSync(path, 'utf8').split('\n').map(Number);
    if (!pid || !pidAlive(pid) || Date.now() - (at ?? 0) > LOCK_STALE_MS) {
      // Left by a process that died: take it over (one of the racers wins the rename).
      const mine = `${path}.takeover-${process.pid}`;
      writeFileSync(mine, `${process.pid}\n${Date.now()}\n`);
      renameSync(mine, path);
      return readFileSync(path, 'utf8').startsWith(`${process.pid}\n`);
    }
  } catch {
    // Released between our open and our read: try again on the next round.
  }
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readEntry(dir: string, cached: boolean, started: number): PackagedDeployment {
  const templatePath = join(dir, 'cloudformation-template-update-stack.json');
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as CloudFormationTemplate;
  const state = JSON.parse(readFileSync(join(dir, 'serverless-state.json'), 'utf8')) as {
    service: { functions: Record<string, unknown> };
  };
  const artifacts = Object.fromEntries(Object.keys(state.service.functions).map((k) => [k, join(dir, `${k}.zip`)]));
  for (const [k, zip] of Object.entries(artifacts))
    if (!existsSync(zip)) throw new Error(`package ${dir}: no artifact for function ${k}`);
  return { dir, templatePath, template, artifacts, cached, ms: Date.now() - started };
}

function runServerless(cwd: string, out: string, stage: string, log: (l: string) => void): Promise<void> {
  const bin = join(cwd, 'node_modules', 'serverless', 'bin', 'serverless.js');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [bin, 'package', '--package', out, '--stage', stage, '--region', PACKAGE_REGION],
      {
        cwd,
        env: {
          ...process.env,
          SLS_TELEMETRY_DISABLED: '1',
          SLS_TRACKING_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          SLS_INTERACTIVE_SETUP_DISABLE: '1',
          // Packaging never calls AWS; keep a developer's profile out of it.
          AWS_REGION: PACKAGE_REGION,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const tail: string[] = [];
    const keep = (b: Buffer) => {
      tail.push(b.toString());
      if (tail.length > 200) tail.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const started = Date.now();
    const tick = setInterval(
      () => log(`[package] serverless package (${Math.round((Date.now() - started) / 1000)} s)...`),
      15_000,
    );
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', (e) => {
      clearInterval(tick);
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearInterval(tick);
      clearTimeout(timer);
      if (code === 0) resolvePromise();
      else reject(new Error(`serverless package failed (${signal ?? `exit ${code}`}):\n${tail.join('').slice(-6000)}`));
    });
  });
}

function prune(cacheDir: string, current: string): void {
  const entries: { path: string; used: number }[] = [];
  for (const e of readdirSync(cacheDir, { withFileTypes: true })) {
    const p = join(cacheDir, e.name);
    const owner = /\.(?:partial|work)-(\d+)-/.exec(e.name);
    if (owner) {
      if (!pidAlive(Number(owner[1]))) rmSync(p, { recursive: true, force: true });
      continue;
    }
    if (!e.isDirectory() || p === current || !/^[0-9a-f]{64}$/.test(e.name)) continue;
    if (existsSync(`${p}.lock`)) continue;
    try {
      entries.push({ path: p, used: statSync(join(p, MARKER)).mtimeMs });
    } catch {
      entries.push({ path: p, used: 0 }); // incomplete: from an older layout or a crash
    }
  }
  entries.sort((a, b) => b.used - a.used);
  // Beyond the newest KEEP, and not used within the last hour (someone may still be reading it).
  const cutoff = Date.now() - 60 * 60_000;
  for (const e of entries.slice(KEEP)) if (e.used < cutoff) rmSync(e.path, { recursive: true, force: true });
}

/** Packages the service (or returns the cached package of the same inputs). */
export async function packageDeployment(options: PackageOptions): Promise<PackagedDeployment> {
  const started = Date.now();
  const root = resolve(options.root);
  const stage = options.stage ?? 'local';
  const log = options.log ?? (() => undefined);
  const cacheDir = join(root, '.cache', 'package');
  const { files, key } = packageInputs(root, stage);
  const dir = join(cacheDir, key);
  const hit = () => {
    const now = new Date();
    try {
      utimesSync(join(dir, MARKER), now, now); // last use, for pruning
    } catch {
      // read-only cache: fine
    }
    return readEntry(dir, true, started);
  };
  if (existsSync(join(dir, MARKER))) return hit();

  mkdirSync(cacheDir, { recursive: true });
  const lock = `${dir}.lock`;
  let waited = false;
  while (!tryLock(lock)) {
    if (!waited) log(`[package] another process is packaging ${key.slice(0, 12)}; waiting`);
    waited = true;
    await sleep(250);
    if (existsSync(join(dir, MARKER))) return hit();
  }
  try {
    if (existsSync(join(dir, MARKER))) return hit();
    const work = join(cacheDir, `.work-${process.pid}-${Date.now()}`);
    const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
    try {
      mkdirSync(work, { recursive: true });
      for (const f of files) cpSync(join(root, f), join(work, f));
      symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
      log(`[package] serverless package --stage ${stage} (${files.length} input files) into ${dir}`);
      await runServerless(work, partial, stage, log);
      writeFileSync(join(partial, MARKER), `${key}\n`);
      readEntry(partial, false, started); // complete before it becomes visible
      rmSync(dir, { recursive: true, force: true }); // an incomplete leftover, never a complete entry
      renameSync(partial, dir);
    } finally {
      rmSync(work, { recursive: true, force: true });
      rmSync(partial, { recursive: true, force: true });
    }
    try {
      prune(cacheDir, dir);
    } catch {
      // pruning is best effort
    }
    return readEntry(dir, false, started);
  } finally {
    rmSync(lock, { force: true });
  }
}

// `tsx local/package.ts [stage]`: package (or find the cached package) and print where it is.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  packageDeployment({ root, stage: process.argv[2] ?? 'local', log: (l) => process.stderr.write(`${l}\n`) }).then(
    (p) => console.log(JSON.stringify({ dir: p.dir, cached: p.cached, ms: p.ms, artifacts: p.artifacts })),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
