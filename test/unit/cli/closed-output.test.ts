// `msk-spec ... | head -1`: when the reader goes away, the command ends quietly with exit code 0,
// as other command-line tools do, instead of dying on an unhandled EPIPE with a stack trace.
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { endQuietlyWhenOutputCloses } from '../../../cli/io.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Runs the real binary with its stdout pipe closed before the command gets to write anything. */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; signal: string | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/msk-spec.js'), ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Closing our end at once: tsx needs far longer to start than this takes, so every write the
    // command makes meets a pipe without a reader.
    child.stdout.destroy();
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, err }));
  });
}

describe('a closed stdout', () => {
  it.each([
    ['validate --help', ['validate', '--help']],
    ['access examples/specs', ['access', 'examples/specs']],
  ])('ends `msk-spec %s` quietly with exit code 0', async (_name, args) => {
    const r = await runWithClosedStdout(args);
    expect(r.err).toBe('');
    expect(r).toEqual({ code: 0, signal: null, err: '' });
  });

  it('exits 0 on EPIPE and leaves every other stream error fatal', () => {
    const stream = new EventEmitter();
    const exits: number[] = [];
    endQuietlyWhenOutputCloses(stream, (code) => exits.push(code));
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([0]);
    expect(() => stream.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow('EIO');
    expect(exits).toEqual([0]);
  });
});
