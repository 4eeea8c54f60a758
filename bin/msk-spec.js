#!/usr/bin/env node
// The `msk-spec` command. It runs the plain JavaScript build in dist/cli/ (made by
// scripts/build-cli.js, which `npm install` and `npm ci` run as `prepare`), so a start costs
// about what Node's own does. When the build is missing, or a source it was made from has changed
// since, it runs the TypeScript sources through tsx instead (a development dependency): slower,
// but an edit is never hidden behind a stale build. `npm run build` makes it fast again.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = new URL('../dist/cli/main.js', import.meta.url);

function buildIsCurrent() {
  try {
    const builtAt = statSync(built).mtimeMs;
    const inputs = JSON.parse(readFileSync(new URL('../dist/cli/inputs.json', import.meta.url), 'utf8'));
    return inputs.every((f) => statSync(root + f).mtimeMs <= builtAt);
  } catch {
    return false;
  }
}

if (buildIsCurrent()) {
  await import(built.href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    console.error('msk-spec: dist/cli/ is missing or out of date and tsx is not installed; run `npm run build`');
    process.exit(1);
  }
  if (process.stderr.isTTY) console.error('msk-spec: running the sources through tsx (`npm run build` starts faster)');
  register();
  await import('../cli/main.ts');
}
