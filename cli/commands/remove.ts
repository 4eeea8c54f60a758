// `msk-spec remove <domain> [--bucket B] [--wait] [--force]`: deletes the domain's spec object(s)
// (specs/<D>.yaml|yml|json; in the versioned bucket a delete marker, so the version can still be
// restored), which starts the decommission workflow through S3 "Object Deleted" → EventBridge. The
// workflow waits its grace period before revoking anything (docs/architecture.md#decommission).
// --force also starts a forced run for the domain, which passes the bulk-removal guard: the way
// to go on after a REFUSED report. --wait follows the run and prints its report.
// Exit 0 removed (with --wait: DECOMMISSIONED or RESTORED), 1 refused, failed, nothing to remove, or AWS failed.
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { CliCommand, CommandContext } from '../command.js';
import { EXIT } from '../io.js';
import { awsClients, ENV_DEFAULTS, optionOrEnv, UsageError, withAwsOptions } from '../options.js';
import { formatRemoval } from './status.js';
import { awsErrorName } from '../../lib/errors.js';
import { domainIdProblem } from '../../lib/spec/names.js';

async function decommissionStateMachine(sfn: SFNClient, given: string | undefined): Promise<string> {
  if (given) return given;
  const { ListStateMachinesCommand } = await import('@aws-sdk/client-sfn');
  const found: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ ...(nextToken ? { nextToken } : {}) }));
    for (const m of page.stateMachines ?? [])
      if (/(^|-)decommission$|^DecommissionStateMachine$/i.test(m.name ?? '')) found.push(m.stateMachineArn!);
    nextToken = page.nextToken;
  } while (nextToken);
  if (found.length !== 1)
    throw new UsageError(
      `--wait and --force need --state-machine-arn: ${found.length === 0 ? 'no' : found.length} decommission state machine(s) found`,
    );
  return found[0]!;
}

/** The run to follow: the forced one we started, or the one the S3 event started for one of `keys`. */
async function findRun(sfn: SFNClient, machine: string, keys: readonly string[], since: Date, deadline: number) {
  const { DescribeExecutionCommand, ListExecutionsCommand } = await import('@aws-sdk/client-sfn');
  for (;;) {
    const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machine, maxResults: 100 }));
    for (const e of list.executions ?? []) {
      if (!e.startDate || e.startDate.getTime() < since.getTime()) continue;
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn! }));
      const key = (JSON.parse(d.input ?? '{}') as { detail?: { object?: { key?: string } } }).detail?.object?.key;
      if (key && keys.includes(key)) return e.executionArn!;
    }
    if (Date.now() > deadline) throw new Error('timed out: no decommission execution started for the removed spec');
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function waitFor(sfn: SFNClient, arn: string, deadline: number, ctx: CommandContext): Promise<string> {
  const { DescribeExecutionCommand } = await import('@aws-sdk/client-sfn');
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    if (d.status !== 'RUNNING') return d.status ?? 'UNKNOWN';
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${arn}`);
    ctx.err(`  waiting for ${arn} (grace period, then revocation)`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

export const removeCommand: CliCommand = {
  name: 'remove',
  define: (program) =>
    withAwsOptions(
      program
        .command('remove')
        .description(
          "delete a domain's spec from the bucket, which starts the decommission workflow (after its grace period: SCRAM, certificates and ACLs revoked, topics kept); --wait prints the report",
        )
        .argument('<domain>', 'the domain id')
        .option('--bucket <bucket>', `the spec bucket (default $${ENV_DEFAULTS.specBucket})`)
        .option('--wait', 'follow the decommission run and print its report; exit 1 unless DECOMMISSIONED or RESTORED')
        .option('--force', 'also start a forced run, which passes the bulk-removal guard (after a REFUSED report)')
        .option('--state-machine-arn <arn>', 'the decommission state machine (default: the one named *-decommission)')
        .option(
          '--timeout <seconds>',
          'with --wait: give up after this long (default 7200: the grace period is an hour)',
        )
        .option('--json', 'print machine-readable JSON on stdout'),
    ).addHelpText(
      'after',
      `
The spec bucket is versioned: until the grace period ends, restoring the spec's previous version
(or uploading it again) stops the decommission (RESTORED, nothing changed).

Examples:
  msk-spec remove shop.order --bucket my-spec-bucket --wait
  msk-spec remove shop.order --force --wait     # after a REFUSED report`,
    ),
  async run([domain], opts, ctx) {
    const d = String(domain);
    const problem = domainIdProblem(d);
    if (problem) throw new UsageError(`${JSON.stringify(d)} is not a domain id: ${problem}`);
    const bucket = optionOrEnv(opts, 'bucket', ctx.env, ENV_DEFAULTS.specBucket, { flag: '--bucket' })!;
    const timeoutS = opts['timeout'] === undefined ? 7200 : Number(opts['timeout']);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0)
      throw new UsageError(`--timeout expects a number of seconds, got ${JSON.stringify(opts['timeout'])}`);
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    const { listKeys } = await import('../../lib/aws/cert-store.js');
    const { readReport } = await import('../../lib/aws/reports.js');
    const aws = awsClients(ctx.env, opts);
    const s3 = await aws.s3();
    try {
      const sfn = opts['wait'] || opts['force'] ? await aws.sfn() : undefined;
      const machine = sfn
        ? await decommissionStateMachine(
            sfn,
            optionOrEnv(opts, 'stateMachineArn', ctx.env, 'MSK_SPEC_DECOMMISSION_ARN'),
          )
        : undefined;
      const candidates = ['yaml', 'yml', 'json'].map((e) => `specs/${d}.${e}`);
      const keys = (await listKeys(s3, bucket, `specs/${d}.`)).filter((k) => candidates.includes(k));
      if (keys.length === 0 && !opts['force']) {
        ctx.err(`msk-spec: no spec for ${d} in s3://${bucket}/specs/ (use --force to decommission it anyway)`);
        return EXIT.INVALID;
      }
      const since = new Date(Date.now() - 60_000);
      for (const key of keys) {
        const out = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        if (!opts['json'])
          ctx.out(`removed s3://${bucket}/${key}${out.VersionId ? ` (delete marker ${out.VersionId})` : ''}`);
      }
      let arn: string | undefined;
      if (opts['force'] && sfn && machine) {
        const { StartExecutionCommand } = await import('@aws-sdk/client-sfn');
        const started = await sfn.send(
          new StartExecutionCommand({ stateMachineArn: machine, input: JSON.stringify({ domain: d, force: true }) }),
        );
        arn = started.executionArn;
        if (!opts['json']) ctx.out(`started a forced decommission run: ${arn}`);
      }
      if (!opts['wait'] || !sfn || !machine) {
        if (opts['json']) ctx.json({ ok: true, domain: d, removed: keys, execution: arn ?? null });
        return EXIT.OK;
      }
      const deadline = Date.now() + timeoutS * 1000;
      arn ??= await findRun(sfn, machine, keys, since, deadline);
      const status = await waitFor(sfn, arn, deadline, ctx);
      const report = await readReport(s3, bucket, d);
      const mine = report && report.executionId === arn ? report : undefined;
      const ok = mine?.status === 'DECOMMISSIONED' || mine?.status === 'RESTORED';
      if (opts['json']) ctx.json({ ok, domain: d, removed: keys, execution: arn, status, report: mine ?? null });
      else {
        ctx.out(`${d}: ${mine?.status ?? `no report (execution ${status})`}`);
        if (mine) for (const line of formatRemoval(mine)) ctx.out(line);
      }
      return ok ? EXIT.OK : EXIT.INVALID;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      ctx.err(`msk-spec: error: ${awsErrorName(e) ?? 'Error'}: ${(e as Error).message}`);
      return EXIT.INVALID;
    }
  },
};
