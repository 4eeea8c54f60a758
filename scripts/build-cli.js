// Builds the `msk-spec` command into plain JavaScript (dist/cli/), so `npx msk-spec` starts in a
// fraction of the time tsx takes to compile the TypeScript sources on every start. `npm install`
// and `npm ci` run it (the `prepare` script); `npm run build` runs it by hand.
//
// Our code is split into chunks at every dynamic import, so a command loads only what it needs:
// validate never reads the AWS SDK or kafkajs. Packages stay external (node_modules is there at
// run time), except the two every command loads: commander, and yaml, whose 74 CommonJS files
// cost more to find and read one by one than to run. dist/cli/inputs.json lists the sources of the build; bin/msk-spec.js
// compares their times with the build's and runs the sources through tsx when one is newer, so
// an edit is never hidden behind a stale build.
import { build } from 'esbuild';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const defaultOutdir = path.join(root, 'dist/cli');
const BUNDLED = new Set(['commander', 'yaml']);

/** Every package import stays an import of node_modules at run time, except BUNDLED ones. */
const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return BUNDLED.has(name) ? undefined : { path: args.path, external: true };
    });
  },
};

/** Builds into `outdir` (dist/cli/ unless told); returns the output folder and the sources it read. */
export async function buildCli({ outdir = defaultOutdir } = {}) {
  // Built beside the old output, then swapped in, so a command started meanwhile sees either.
  const staging = `${outdir}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['cli/main.ts'],
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [externalPackages],
    // The bundled CommonJS packages require Node's built-ins; an ES module has no `require` of its own.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'));
  await writeFile(path.join(staging, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
  await mkdir(path.dirname(outdir), { recursive: true });
  const old = `${outdir}.${process.pid}.old`;
  await rename(outdir, old).catch((e) => {
    if (e.code !== 'ENOENT') throw e;
  });
  await rename(staging, outdir);
  await rm(old, { recursive: true, force: true });
  return { outdir, inputs };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { inputs } = await buildCli();
  console.error(`msk-spec: built dist/cli/ from ${inputs.length} sources`);
}
