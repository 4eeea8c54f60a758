// What a command may touch outside the core: two output streams and the file system, injectable so
// tests run the CLI in-process.
import { readdir, readFile, stat } from 'node:fs/promises';

export interface TextSink {
  write(text: string): unknown;
}

export interface CliFs {
  readFile(path: string): Promise<string>;
  /** Size in bytes and whether the path is a directory. */
  stat(path: string): Promise<{ size: number; isDirectory: boolean }>;
  readdir(path: string): Promise<string[]>;
}

export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly fs?: CliFs;
  /** Environment variables (default process.env): AWS settings and MSK_SPEC_* defaults. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export const nodeFs: CliFs = {
  readFile: (p) => readFile(p, 'utf8'),
  stat: async (p) => {
    const s = await stat(p);
    return { size: s.size, isDirectory: s.isDirectory() };
  },
  readdir: (p) => readdir(p),
};

export const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr, fs: nodeFs };

/**
 * A reader that stops early (`msk-spec plan ... | head -1`) closes the pipe, and the next write fails
 * with EPIPE, which Node raises as an 'error' event: unhandled, it kills the process with a stack
 * trace. Like other command-line tools, end quietly instead: nobody is left to read the rest, and the
 * command did what was asked until then, so the exit code is 0. Other stream errors stay fatal.
 */
export function endQuietlyWhenOutputCloses(
  stream: Pick<NodeJS.EventEmitter, 'on'>,
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    exit(EXIT.OK);
  });
}

/** Exit codes, documented in `--help`. */
export const EXIT = {
  OK: 0,
  INVALID: 1,
  CHANGES: 2,
  DENIED: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
