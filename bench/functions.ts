// Per Lambda: bundle size and module init (cold import) time, of the bundles `serverless package`
// really produces (local/package.ts; serverless.yml's esbuild settings: minified ESM, node22,
// only the runtime-provided @aws-sdk/client-* left external, everything else bundled, including the
// non-client SDK packages the MSK IAM signer needs).
//
// Init time is measured in a fresh Node process per sample: time to import the unzipped bundle
// (the service clients it imports come from node_modules, as the runtime's would), median of 3.
// The self-contained variant (clients bundled too, built here with the same esbuild options) is
// reported beside it (`bytesWithSdk`, `initMsWithSdk`). The load average is reported because init
// times scale with it. Prints progress to stderr and ONE JSON object as the last stdout line.
import AdmZip from 'adm-zip';
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FUNCTION_KEYS, HANDLER_PATHS } from '../local/lambda/registry.js';
import { packageDeployment } from '../local/package.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, '.cache', 'bench-functions');
const LIMIT = 1024 * 1024;
const SAMPLES = 3;

const common = {
  bundle: true,
  minify: true,
  platform: 'node' as const,
  target: 'node22',
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
const pkg = await packageDeployment({ root, log: (l) => process.stderr.write(`${l}\n`) });
console.error(`package ${pkg.cached ? 'cached' : 'built'} in ${pkg.ms} ms: ${pkg.dir}`);

interface Figures {
  zipBytes: number;
  bytes: number;
  bytesWithSdk: number;
  initMs: number;
  initMsWithSdk: number;
  underLimit: boolean;
}
const functions: Record<string, Figures> = {};
for (const key of FUNCTION_KEYS) {
  const zipPath = pkg.artifacts[key]!;
  const entry = new AdmZip(zipPath).getEntries().find((e) => e.entryName.endsWith('.mjs'));
  if (!entry) throw new Error(`${zipPath}: no .mjs bundle`);
  const lean = entry.getData();
  const leanFile = join(outDir, `${key}.mjs`);
  writeFileSync(leanFile, lean);
  const full = (await build({ ...common, entryPoints: [join(root, HANDLER_PATHS[key])] })).outputFiles![0]!.contents;
  const fullFile = join(outDir, `${key}.with-sdk.mjs`);
  writeFileSync(fullFile, full);
  const zipBytes = statSync(zipPath).size;
  const f: Figures = {
    zipBytes,
    bytes: lean.length,
    bytesWithSdk: full.length,
    initMs: initMs(leanFile, key),
    initMsWithSdk: initMs(fullFile, key),
    underLimit: zipBytes < LIMIT,
  };
  functions[key] = f;
  console.error(
    `${key.padEnd(26)} ${(f.bytes / 1024).toFixed(0).padStart(5)} KiB (zip ${(f.zipBytes / 1024).toFixed(0)} KiB) init ${f.initMs} ms | with SDK ${(f.bytesWithSdk / 1024).toFixed(0)} KiB init ${f.initMsWithSdk} ms`,
  );
}

const all = Object.values(functions);
console.log(
  JSON.stringify({
    benchmark: 'functions',
    limitBytes: LIMIT,
    allUnderLimit: all.every((f) => f.underLimit),
    maxBytes: Math.max(...all.map((f) => f.bytes)),
    maxZipBytes: Math.max(...all.map((f) => f.zipBytes)),
    maxInitMs: Math.max(...all.map((f) => f.initMs)),
    maxInitMsWithSdk: Math.max(...all.map((f) => f.initMsWithSdk)),
    loadAverage: Math.round(loadavg()[0]! * 10) / 10,
    functions,
  }),
);
