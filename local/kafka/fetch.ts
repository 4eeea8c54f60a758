// Finds Java and Apache Kafka's jars for the local broker, fetching the jars on first use.
// The version lives in local/kafka/pom.xml (one place); the Maven wrapper (./mvnw) fetches Maven
// itself and then the jars from Maven Central into .cache/kafka-<version>/libs (git-ignored).
// A marker file written after a complete copy makes the check on later runs a single stat().
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '..', '..');
const POM = join(here, 'pom.xml');
const MARKER = '.complete';

/** The pinned Apache Kafka version, read from local/kafka/pom.xml. */
export function kafkaVersion(): string {
  const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (!m) throw new Error(`${POM}: no <kafka.version> property`);
  return m[1]!;
}

export function kafkaLibsDir(version = kafkaVersion()): string {
  return process.env.MSK_LOCAL_KAFKA_LIBS ?? join(REPO_ROOT, '.cache', `kafka-${version}`, 'libs');
}

export interface JavaInfo {
  readonly bin: string;
  readonly major: number;
}

let javaCache: JavaInfo | undefined;

/** Locates `java` (JAVA_HOME first, then PATH) and checks it is 17 or newer. */
export function findJava(): JavaInfo {
  if (javaCache) return javaCache;
  const bin = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const run = spawnSync(bin, ['-version'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    throw new Error(
      `Java 17 or newer is needed to run the local Apache Kafka broker, and '${bin}' could not be run` +
        ` (${run.error?.message ?? `exit ${run.status}`}). Install a JRE 17+ (e.g. 'apt-get install` +
        ` openjdk-17-jre-headless', 'brew install openjdk@17', or https://adoptium.net) and put it on PATH or set JAVA_HOME.`,
    );
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(run.stderr + run.stdout);
  let major = m ? Number(m[1]) : 0;
  if (major === 1 && m?.[2]) major = Number(m[2]); // "1.8.0_x"
  if (major < 17) {
    throw new Error(
      `Apache Kafka 4.x needs Java 17 or newer; '${bin}' is Java ${major || 'unknown'}. Install a JRE 17+ and put it on PATH or set JAVA_HOME.`,
    );
  }
  javaCache = { bin, major };
  return javaCache;
}

/**
 * Returns the directory holding Kafka's jars, fetching them with the Maven wrapper if they are not
 * there yet. `log` receives progress lines (stderr by default).
 */
export async function ensureKafkaJars(
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<string> {
  const version = kafkaVersion();
  const libs = kafkaLibsDir(version);
  if (existsSync(join(libs, MARKER))) return libs;
  findJava(); // the wrapper needs Java too; fail with the clear message first
  // Fetch into a directory of our own and rename it into place: several processes (parallel test
  // workers) may fetch at once on a fresh clone, and none may ever see a half-copied jar.
  const partial = `${libs}.partial-${process.pid}-${Date.now()}`;
  mkdirSync(partial, { recursive: true });
  log(`[kafka] fetching Apache Kafka ${version} jars from Maven Central into ${libs} (first use only, ~45 MB)...`);
  const started = Date.now();
  const mvnw = join(REPO_ROOT, process.platform === 'win32' ? 'mvnw.cmd' : 'mvnw');
  const out: string[] = [];
  const code = await new Promise<number>((resolvePromise, reject) => {
    const child = spawn(mvnw, ['-B', '-q', '-ntp', '-f', POM, `-Dkafka.libs=${partial}`, 'package'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      out.push(b.toString());
      if (out.length > 200) out.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const tick = setInterval(
      () => log(`[kafka] still fetching (${Math.round((Date.now() - started) / 1000)} s)...`),
      10_000,
    );
    child.on('error', (e) => {
      clearInterval(tick);
      reject(e);
    });
    child.on('close', (c) => {
      clearInterval(tick);
      resolvePromise(c ?? 1);
    });
  });
  if (code !== 0 || !existsSync(join(partial, `kafka_2.13-${version}.jar`))) {
    rmSync(partial, { recursive: true, force: true });
    throw new Error(`fetching Kafka ${version} with ${mvnw} failed (exit ${code}):\n${out.join('').slice(-4000)}`);
  }
  writeFileSync(join(partial, MARKER), `${version}\n`);
  try {
    if (existsSync(libs) && !existsSync(join(libs, MARKER))) rmSync(libs, { recursive: true, force: true }); // left unfinished by an older version
    if (!existsSync(join(libs, MARKER))) renameSync(partial, libs);
    else rmSync(partial, { recursive: true, force: true });
  } catch {
    // Another process renamed its complete copy into place first: use that one.
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(libs, MARKER)))
      throw new Error(`Kafka jars in ${libs} are incomplete; remove the folder and retry`);
  }
  log(`[kafka] Kafka ${version} jars ready in ${Math.round((Date.now() - started) / 100) / 10} s`);
  return libs;
}

// `npm run kafka:fetch` / `tsx local/kafka/fetch.ts`
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureKafkaJars().then(
    (libs) => console.log(libs),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
