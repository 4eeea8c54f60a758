// What each packaged Lambda bundle still imports at run time. The Node.js runtimes provide the
// built-in modules and the AWS SDK v3 service clients (`@aws-sdk/client-*`), nothing else (Lambda
// Developer Guide, "Building Lambda functions with Node.js": the runtime includes the SDK's
// clients); every other package, @aws-sdk/credential-providers and @aws-sdk/util-* included (the
// MSK IAM signer needs them), must be inside the bundle.
import AdmZip from 'adm-zip';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { FUNCTION_KEYS } from '../../../local/lambda/registry.js';
import type { PackagedDeployment } from '../../../local/package.js';
import { ROOT, packaged_ } from '../../support/template.js';

let pkg: PackagedDeployment;
beforeAll(async () => {
  pkg = await packaged_();
}, 300_000);

/**
 * Module specifiers a bundle loads (static and dynamic imports, `require` calls), as esbuild's own
 * parser sees them: the bundle is re-read with every import external, and the metafile lists them.
 * (A regex would also match specifiers quoted inside error messages.)
 */
export async function bareImports(code: string): Promise<string[]> {
  const r = await build({
    stdin: { contents: code, loader: 'js', sourcefile: 'bundle.mjs' },
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    plugins: [
      {
        name: 'everything-external',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) =>
            args.kind === 'entry-point' ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  const found = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
  // An ESM bundle calls CommonJS `require`s of externals through esbuild's __require helper,
  // renamed by minification (`var G=(t=>typeof require<"u"?require:...`): calls of it, too.
  const helpers = code.matchAll(
    /(?:var|let|const)\s+([\w$]+)\s*=\s*\(+\s*[\w$]+\s*\)?\s*=>\s*typeof require\s*<\s*["']u["']\s*\?\s*require\b/g,
  );
  for (const [, name] of helpers) {
    const call = new RegExp(`(?<![\\w$.])${name!.replace(/\$/g, '\\$')}\\(\\s*["']([^"']+)["']\\s*\\)`, 'g');
    for (const m of code.matchAll(call)) found.push(m[1]!);
  }
  return [...new Set(found)].filter((s) => !s.startsWith('.') && !s.startsWith('/')).sort();
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const runtimeProvided = (s: string) =>
  builtins.has(s) || s.startsWith('node:') || /^@aws-sdk\/client-[a-z0-9-]+$/.test(s);

describe('packaged bundles', () => {
  it.each([...FUNCTION_KEYS])('%s imports only node built-ins and @aws-sdk/client-*', async (fn) => {
    const zip = new AdmZip(pkg.artifacts[fn]!);
    const entries = zip.getEntries().filter((e) => /\.(m?js|cjs)$/.test(e.entryName));
    expect(entries.length).toBeGreaterThan(0);
    const imports = (await Promise.all(entries.map((e) => bareImports(e.getData().toString('utf8'))))).flat();
    expect(imports.filter((s) => !runtimeProvided(s))).toEqual([]);
    // The handler really is inside (not an empty shim).
    expect(imports.some((s) => s.startsWith('@aws-sdk/client-'))).toBe(true);
  });

  it('bundles the MSK IAM signer with its SDK helpers into the Kafka-facing function', async () => {
    const zip = new AdmZip(pkg.artifacts.applyTopicsAndAcls!);
    const code = zip
      .getEntries()
      .map((e) => e.getData().toString('utf8'))
      .join('\n');
    const imports = await bareImports(code);
    expect(imports).not.toContain('@aws-sdk/credential-providers');
    expect(imports).not.toContain('aws-msk-iam-sasl-signer-js');
    // The signer's token: the presigned kafka-cluster:Connect action is in the bundle.
    expect(code).toContain('kafka-cluster:Connect');
  });

  it('finds a CommonJS require of an external through the minified __require helper', async () => {
    const code = readFileSync(join(ROOT, 'test/integration/serverless/fixtures/old-exclude-bundle.mjs'), 'utf8');
    expect(await bareImports(code)).toEqual([
      '@aws-sdk/client-s3',
      '@aws-sdk/credential-providers',
      'net',
      'node:module',
    ]);
  });

  it('finds imports in esbuild output, not in strings', async () => {
    expect(
      await bareImports(
        'import{a as b}from"@aws-sdk/client-s3";import*as c from"node:fs";import"x";const d=await import("@aws-sdk/client-kafka");var e=require("net");import{f}from"./g.js";throw new Error(`add [require("y")]`)',
      ),
    ).toEqual(['@aws-sdk/client-kafka', '@aws-sdk/client-s3', 'net', 'node:fs', 'x']);
  });
});
