#!/usr/bin/env node
// The `msk-spec` command. It runs the TypeScript sources directly through tsx, so a fresh clone
// needs only `npm install` before `npx msk-spec ...` works: there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
