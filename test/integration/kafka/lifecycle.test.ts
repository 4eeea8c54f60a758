// The broker leaves no JVM behind: not after stop(), not after Ctrl-C on the CLI, and not when the
// Node process that started it is killed with SIGKILL (the watchdog ends the JVM).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKafka } from '../../../local/kafka/broker.js';
import { KAFKA_START_TIMEOUT_MS } from '../../support/kafka.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/** Alive and not a zombie (a reparented zombie still answers kill(pid, 0)). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function isJava(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return false;
  }
}

/** Polls until the process is gone; false if it is still there after `ms`. */
async function gone(pid: number, ms = 60_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!running(pid)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return !running(pid);
}

/** Spawns a Node process running `args` under tsx and resolves with the first stdout line matching `re`. */
function spawnAndWait(args: string[], re: RegExp) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  const line = new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (l) => {
      if (re.test(l)) resolve(l);
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before reporting: ${err}`)));
  });
  return { child, line };
}

test(
  'stop() ends the JVM and removes its temporary data directory',
  async () => {
    const broker = await startKafka({ log: () => undefined });
    expect(isJava(broker.pid)).toBe(true);
    await broker.stop();
    expect(running(broker.pid)).toBe(false);
    expect(existsSync(broker.dataDir)).toBe(false);
    await broker.stop(); // idempotent
  },
  KAFKA_START_TIMEOUT_MS,
);

test(
  'SIGKILL of the Node parent leaves no orphan JVM',
  async () => {
    const { child, line } = spawnAndWait([join(here, 'fixtures', 'broker-child.ts')], /jvmPid/);
    const { jvmPid } = JSON.parse(await line) as { jvmPid: number };
    expect(isJava(jvmPid)).toBe(true);
    child.kill('SIGKILL');
    expect(await gone(jvmPid)).toBe(true);
  },
  KAFKA_START_TIMEOUT_MS,
);

test(
  'the CLI prints how to connect, without the password, and stops the JVM on Ctrl-C (SIGINT)',
  async () => {
    // Waits for the banner's last line (`kcat -F <file> -L`), so all of it has arrived.
    const { child, line } = spawnAndWait([join(root, 'local', 'kafka', 'cli.ts'), 'start'], /^\s+kcat -F \S+ -L$/);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    await line;
    const jvmPid = Number(/Kafka is running \(pid (\d+)\)/.exec(out)![1]);
    expect(out).toMatch(/SCRAM \(SASL_SSL, SCRAM-SHA-512\): 127\.0\.0\.1:\d+/);
    expect(out).toMatch(/mTLS .*: 127\.0\.0\.1:\d+/);
    expect(out).not.toMatch(/password\s*[=:]\s*\S{16,}/i);
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(await gone(jvmPid)).toBe(true);
  },
  KAFKA_START_TIMEOUT_MS,
);

test(
  'a start whose port another process took is tried again on fresh ports',
  async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const takenPort = (taken.address() as AddressInfo).port;
    const picks: number[][] = [];
    const free = async () => {
      const s = createServer();
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
      const port = (s.address() as AddressInfo).port;
      await new Promise((r) => s.close(r));
      return port;
    };
    try {
      const broker = await startKafka({
        log: () => undefined,
        // The first pick hands the SCRAM listener a port that is in use, as a racing worker would.
        pickPorts: async () => {
          const ports = [picks.length === 0 ? takenPort : await free(), await free(), await free(), await free()];
          picks.push(ports);
          return ports;
        },
      });
      try {
        expect(picks).toHaveLength(2);
        expect(broker.listeners.scram).toBe(`127.0.0.1:${picks[1]![0]}`);
      } finally {
        await broker.stop();
      }
    } finally {
      taken.close();
    }
  },
  2 * KAFKA_START_TIMEOUT_MS,
);
