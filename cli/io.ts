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

/** Exit codes, documented in `--help`. */
export const EXIT = {
  OK: 0,
  INVALID: 1,
  CHANGES: 2,
  DENIED: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
