// A librdkafka new enough for SCRAM with Kafka 4.x, for kcat in the tests.
//
// librdkafka before 2.6.1 repeats the client nonce in the SCRAM client-final-message and Kafka 4.x
// refuses it (librdkafka#4895). Debian 12's kcat links librdkafka 2.0.2. librdkafka keeps its ABI
// within 2.x, so that kcat runs with a newer library on LD_LIBRARY_PATH. The newer library comes
// from the confluent-kafka wheel on PyPI (manylinux, all dependencies linked in), fetched with
// `python3 -m pip download` into .cache/librdkafka-<version>/ (git-ignored). Linux x86_64 only.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './fetch.js';

/** The confluent-kafka wheel whose bundled librdkafka is used (2.16.x bundles librdkafka 2.16.0). */
export const CONFLUENT_KAFKA_WHEEL_VERSION = '2.16.1';

/** librdkafka version `kcat` reports with this environment, as [major, minor, patch]. */
export function kcatLibrdkafkaVersion(env: NodeJS.ProcessEnv = process.env): [number, number, number] | undefined {
  const r = spawnSync('kcat', ['-V'], { encoding: 'utf8', env });
  const m = /librdkafka (\d+)\.(\d+)\.(\d+)/.exec(`${r.stdout}${r.stderr}`);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function scramCapable(v: readonly number[] | undefined): boolean {
  return !!v && v[0]! * 1e6 + v[1]! * 1e3 + v[2]! >= 2_006_001;
}

/**
 * A directory holding a SCRAM-capable `librdkafka.so.1`, fetching it on first use; undefined when
 * that is not possible here (not Linux x86_64, no python3/pip, no network). Synchronous on purpose:
 * test files decide at load time which suites to declare.
 */
export function modernLibrdkafkaDir(log: (l: string) => void = () => undefined): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  const dir = join(REPO_ROOT, '.cache', `librdkafka-confluent-kafka-${CONFLUENT_KAFKA_WHEEL_VERSION}`);
  const lib = join(dir, 'librdkafka.so.1');
  if (existsSync(lib)) return dir;
  log(`[kafka] fetching librdkafka from the confluent-kafka ${CONFLUENT_KAFKA_WHEEL_VERSION} wheel (PyPI) for kcat...`);
  const tmp = mkdtempSync(join(tmpdir(), 'librdkafka-'));
  try {
    const dl = spawnSync(
      'python3',
      [
        '-m',
        'pip',
        'download',
        `confluent-kafka==${CONFLUENT_KAFKA_WHEEL_VERSION}`,
        '--only-binary=:all:',
        '--no-deps',
        '--quiet',
        '--disable-pip-version-check',
        '-d',
        tmp,
      ],
      { encoding: 'utf8', timeout: 180_000 },
    );
    const wheel = readdirSync(tmp).find((f) => f.endsWith('.whl'));
    if (dl.status !== 0 || !wheel) return undefined;
    const out = join(tmp, 'x');
    const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', join(tmp, wheel), out], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const libsDir = join(out, 'confluent_kafka.libs');
    const so =
      unzip.status === 0 && existsSync(libsDir)
        ? readdirSync(libsDir).find((f) => f.startsWith('librdkafka'))
        : undefined;
    if (!so) return undefined;
    mkdirSync(dir, { recursive: true });
    // Copy then rename: a concurrent reader sees no library or a whole one, never half of it.
    const part = `${lib}.${process.pid}.part`;
    copyFileSync(join(libsDir, so), part);
    renameSync(part, lib);
    return dir;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
