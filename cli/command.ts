// The shape of one `msk-spec` command: a module that declares its arguments and options on a
// commander Command and runs against an injectable context. cli/commands/index.ts lists them.
import type { Command } from 'commander';
import type { CliFs, CliIo, ExitCode } from './io.js';

export interface CommandContext {
  readonly io: CliIo;
  readonly fs: CliFs;
  /** Environment variables the command may read (CliIo.env, else process.env). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** One line on stdout. */
  out(line: string): void;
  /** One line on stderr. */
  err(line: string): void;
  /** A JSON document on stdout. */
  json(value: unknown): void;
}

export interface CliCommand {
  readonly name: string;
  /** Adds the command (`program.command(...)`) with its arguments, options and help; returns it. */
  define(program: Command): Command;
  /** Runs it with commander's processed arguments and options; returns the exit code. */
  run(args: readonly unknown[], opts: Record<string, unknown>, ctx: CommandContext): Promise<ExitCode>;
}
