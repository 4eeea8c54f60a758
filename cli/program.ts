// `msk-spec`: builds the commander program from the command modules and runs it in-process.
// `run` never calls process.exit; it returns the exit code, so tests (and bin/) decide what to do.
import { Command, CommanderError } from 'commander';
import type { CliCommand, CommandContext } from './command.js';
import { COMMANDS, type LazyCommand } from './commands/index.js';
import { EXIT, nodeFs, type CliIo, type ExitCode } from './io.js';
import { UsageError } from './options.js';

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok: valid specs, no changes planned, access allowed, applied, provisioned
  1  invalid input: a spec is refused, a file is unreadable, bad options; also a refused plan,
     a failed provisioning, a missing report or credential, an AWS or Kafka error
  2  changes planned (plan, apply --dry-run)
  3  access denied (can)`;

/**
 * The command modules `argv` needs: only the named command's when there is one (`msk-spec validate
 * ...`), every one otherwise (the full help, an unknown command and its suggestions).
 */
export async function commandsFor(
  argv: readonly string[],
  commands: readonly LazyCommand[] = COMMANDS,
): Promise<CliCommand[]> {
  const named = commands.find((c) => c.name === argv[0]);
  // One after the other: jest's ES module support fails on concurrent imports of a shared module.
  const loaded: CliCommand[] = [];
  for (const c of named ? [named] : commands) loaded.push(await c.load());
  return loaded;
}

export function buildProgram(
  ctx: CommandContext,
  onExit: (code: ExitCode) => void,
  commands: readonly CliCommand[],
): Command {
  const program = new Command('msk-spec')
    .description(
      'Self-service Kafka data products on Amazon MSK: validate AsyncAPI specs, plan topics and ACLs, ask who may do what.',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void ctx.io.stdout.write(s),
      writeErr: (s) => void ctx.io.stderr.write(s),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);
  for (const c of commands) {
    const cmd = c.define(program);
    cmd.addHelpText('after', EXIT_CODES_HELP);
    cmd.action(async function (this: Command) {
      onExit(await c.run(this.processedArgs, this.opts(), ctx));
    });
  }
  return program;
}

/** Runs `msk-spec` with `argv` (the arguments after the program name) and returns its exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx: CommandContext = {
    io,
    fs: io.fs ?? nodeFs,
    env: io.env ?? process.env,
    out: (line) => void io.stdout.write(`${line}\n`),
    err: (line) => void io.stderr.write(`${line}\n`),
    json: (value) => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
  let code: ExitCode = EXIT.OK;
  const program = buildProgram(ctx, (c) => (code = c), await commandsFor(argv));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.INVALID;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; every parse error is invalid input.
      return e.exitCode === 0 ? EXIT.OK : EXIT.INVALID;
    }
    if (e instanceof UsageError) {
      ctx.err(`msk-spec: error: ${e.message}`);
      return EXIT.INVALID;
    }
    throw e;
  }
}
