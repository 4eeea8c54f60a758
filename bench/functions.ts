// Per Lambda: bundled size and module init (cold import) time.
//
// Bundles are built the way serverless.yml builds them (esbuild, minified ESM with a createRequire
// banner, AWS SDK v3 left to the nodejs20.x runtime). Init time is measured in a fresh Node process
// per sample: time to import the bundle (the SDK it imports comes from node_modules, as the
// runtime's would), median of 3. The self-contained bundle (SDK included) is reported beside it
// (`bytesWithSdk`, `initMsWithSdk`): one file loads faster than the SDK's many modules, at
// 0.6-2.2 MiB per function. The load average is reported because init times scale with it.
// Prints progress to stderr and ONE JSON object as the last stdout line.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FUNCTION_KEYS, HANDLER_PATHS } from '../functions/registry.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, '.cache', 'bench-functions');
const LIMIT = 1024 * 1024;
const SAMPLES = 3;

const common = {
  bundle: true,
  minify: true,
  platform: 'node' as const,
  target: 'node20',
  format: 'esm' as const,
  mainFields: ['module', 'main'],
  write: false,
  logLevel: 'silent' as const,
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

const env = {
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_TRACE_ENABLED: 'false',
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function initMs(file: string, key: string): number {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`importing ${key} failed: ${r.stderr.slice(0, 500)}`);
    samples.push(Number(r.stdout));
  }
  return Math.round(median(samples) * 10) / 10;
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

interface Figures {
  bytes: number;
  bytesWithSdk: number;
  initMs: number;
  initMsWithSdk: number;
  underLimit: boolean;
}
const functions: Record<string, Figures> = {};
for (const key of FUNCTION_KEYS) {
  const entry = join(root, HANDLER_PATHS[key]);
  const lean = (await build({ ...common, entryPoints: [entry], external: ['@aws-sdk/*'] })).outputFiles![0]!.contents;
  const full = (await build({ ...common, entryPoints: [entry] })).outputFiles![0]!.contents;
  const leanFile = join(outDir, `${key}.mjs`);
  const fullFile = join(outDir, `${key}.with-sdk.mjs`);
  writeFileSync(leanFile, lean);
  writeFileSync(fullFile, full);
  const f: Figures = {
    bytes: lean.length,
    bytesWithSdk: full.length,
    initMs: initMs(leanFile, key),
    initMsWithSdk: initMs(fullFile, key),
    underLimit: lean.length < LIMIT,
  };
  functions[key] = f;
  console.error(
    `${key.padEnd(26)} ${(f.bytes / 1024).toFixed(0).padStart(5)} KiB init ${f.initMs} ms | with SDK ${(f.bytesWithSdk / 1024).toFixed(0)} KiB init ${f.initMsWithSdk} ms`,
  );
}

const all = Object.values(functions);
console.log(
  JSON.stringify({
    benchmark: 'functions',
    limitBytes: LIMIT,
    allUnderLimit: all.every((f) => f.underLimit),
    maxBytes: Math.max(...all.map((f) => f.bytes)),
    maxInitMs: Math.max(...all.map((f) => f.initMs)),
    maxInitMsWithSdk: Math.max(...all.map((f) => f.initMsWithSdk)),
    loadAverage: Math.round(loadavg()[0]! * 10) / 10,
    functions,
  }),
);
