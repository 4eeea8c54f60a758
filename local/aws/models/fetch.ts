// The official AWS service models, as data: botocore's `botocore/data/<service>/<version>/service-2.json`
// (gzipped in recent wheels) for the services the embedded cloud emulates. They are the same Smithy
// models the SDKs are generated from, translated to the JSON form botocore reads: each operation's
// input shape with its members, `required`, `min`/`max` (length for strings, lists, maps and blobs;
// value for numbers), `pattern`, `enum`, and for REST protocols each member's `location`.
//
// Fetched on first use, like the Kafka jars (local/kafka/fetch.ts) and librdkafka
// (local/kafka/librdkafka.ts): the pinned botocore wheel from PyPI with `python3 -m pip download`,
// unpacked with Python's own zipfile and gzip into .cache/botocore-<version>/<service>.json
// (git-ignored). Nothing from botocore is committed. The folder is built under a private name and
// renamed into place, and a marker written last makes later checks a single stat() per service:
// parallel jest workers may race here and none reads a half-written model. A service added to
// MODEL_SERVICES after a folder was made is unpacked beside the others, each file renamed into
// place on its own (an existing cache is completed, not rebuilt).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceModel } from './types.js';

/** The botocore release whose models are used (PyPI `botocore`, pinned so every machine validates alike). */
export const BOTOCORE_VERSION = '1.44.8';

/** botocore's service folder names for the services the emulators serve. */
export const MODEL_SERVICES = [
  'secretsmanager',
  'kms',
  'acm-pca',
  'kafka',
  'events',
  'stepfunctions',
  's3',
  'iam',
  'sqs',
] as const;
export type ModelService = (typeof MODEL_SERVICES)[number];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const MARKER = '.complete';

export function modelsDir(version = BOTOCORE_VERSION): string {
  return process.env.MSK_LOCAL_AWS_MODELS ?? join(ROOT, '.cache', `botocore-${version}`);
}

// Unpacks the newest API version of each named service from the wheel: argv = wheel, out dir, services...
const UNPACK = `
import gzip, json, re, sys, zipfile
wheel, out, services = sys.argv[1], sys.argv[2], sys.argv[3:]
z = zipfile.ZipFile(wheel)
names = z.namelist()
for s in services:
    found = sorted(n for n in names if re.fullmatch(r'botocore/data/' + re.escape(s) + r'/[0-9-]+/service-2\\.json(\\.gz)?', n))
    if not found:
        sys.exit('no model for ' + s)
    raw = z.read(found[-1])
    if found[-1].endswith('.gz'):
        raw = gzip.decompress(raw)
    json.loads(raw)
    open(out + '/' + s + '.json', 'wb').write(raw)
`;

function run(cmd: string, args: readonly string[], timeout: number): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  });
  return { ok: r.status === 0, out: `${r.error?.message ?? ''}${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/**
 * The folder holding `<service>.json` for every MODEL_SERVICES entry, fetching the botocore wheel on
 * first use. Synchronous: the gateway and S3 load models when a service is registered. Throws with
 * what is missing (python3 with pip, or the network to PyPI).
 */
export function ensureServiceModels(log: (line: string) => void = () => undefined): string {
  const dir = modelsDir();
  const complete = existsSync(join(dir, MARKER));
  const missing = complete ? MODEL_SERVICES.filter((s) => !existsSync(join(dir, `${s}.json`))) : [...MODEL_SERVICES];
  if (missing.length === 0) return dir;
  if (process.env.MSK_LOCAL_AWS_MODELS)
    throw new Error(`MSK_LOCAL_AWS_MODELS=${dir} holds no ${complete ? missing.join(', ') : MARKER}`);
  log(
    `[models] fetching the AWS service models (botocore ${BOTOCORE_VERSION} wheel, PyPI) into ${dir} (first use only)...`,
  );
  const tmp = mkdtempSync(join(tmpdir(), 'botocore-'));
  const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
  try {
    const dl = run(
      'python3',
      [
        '-m',
        'pip',
        'download',
        `botocore==${BOTOCORE_VERSION}`,
        '--no-deps',
        '--only-binary=:all:',
        '--quiet',
        '-d',
        tmp,
      ],
      300_000,
    );
    const wheel = join(tmp, `botocore-${BOTOCORE_VERSION}-py3-none-any.whl`);
    if (!dl.ok || !existsSync(wheel))
      throw new Error(
        `fetching botocore ${BOTOCORE_VERSION} with 'python3 -m pip download' failed (python3 with pip and access to PyPI are needed):\n${dl.out.slice(-2000)}`,
      );
    mkdirSync(partial, { recursive: true });
    const unpack = run('python3', ['-c', UNPACK, wheel, partial, ...missing], 120_000);
    if (!unpack.ok) throw new Error(`unpacking the botocore models failed:\n${unpack.out.slice(-2000)}`);
    if (complete) {
      // Completing an existing folder: each new file appears whole (rename within one file system).
      for (const s of missing)
        if (!existsSync(join(dir, `${s}.json`))) renameSync(join(partial, `${s}.json`), join(dir, `${s}.json`));
      log(`[models] AWS service models ready in ${dir}`);
      return dir;
    }
    writeFileSync(join(partial, MARKER), `${BOTOCORE_VERSION}\n`);
    mkdirSync(dirname(dir), { recursive: true });
    try {
      if (!existsSync(join(dir, MARKER))) {
        rmSync(dir, { recursive: true, force: true }); // an unfinished copy of an older run
        renameSync(partial, dir);
      }
    } catch {
      // Another process renamed its complete copy into place first: use that one.
      if (!existsSync(join(dir, MARKER)))
        throw new Error(`AWS service models in ${dir} are incomplete; remove it and retry`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(partial, { recursive: true, force: true });
  }
  log(`[models] AWS service models ready in ${dir}`);
  return dir;
}

const loaded = new Map<string, ServiceModel>();

/** The parsed model of one service (botocore folder name), fetching the models on first use. */
export function serviceModel(service: ModelService): ServiceModel {
  let m = loaded.get(service);
  if (!m) {
    const dir = ensureServiceModels((l) => process.stderr.write(`${l}\n`));
    m = JSON.parse(readFileSync(join(dir, `${service}.json`), 'utf8')) as ServiceModel;
    loaded.set(service, m);
  }
  return m;
}

/** The model whose SigV4 signing name is `signingName` (`states` → stepfunctions, `kafka`, `s3`, ...). */
export function modelForSigningName(signingName: string): ServiceModel | undefined {
  for (const s of MODEL_SERVICES) {
    const m = serviceModel(s);
    if ((m.metadata.signingName ?? m.metadata.endpointPrefix) === signingName) return m;
  }
  return undefined;
}

// `tsx local/aws/models/fetch.ts`: fetch ahead and print the folder.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureServiceModels((l) => process.stderr.write(`${l}\n`)));
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
