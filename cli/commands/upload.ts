// `msk-spec upload <files...> --bucket B [--wait [--state-machine-arn ARN]]`: validates the specs
// locally first (the same refusals as `validate`; nothing is uploaded when one is refused), then
// PUTs each to `specs/<domain>.<ext>` (the key binds the owner:
// docs/architecture.md#the-s3-key-binds-the-owner), which starts the provision workflow. With
// --wait it follows each execution through the Step Functions API (per-state progress on stderr)
// and prints the report the workflow wrote.
// Exit 0 uploaded (and, with --wait, provisioned), 1 refused locally, failed in the workflow, or AWS failed.
import path from 'node:path';
import type { ExecutionListItem, HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import type { CliCommand, CommandContext } from '../command.js';
import { EXIT } from '../io.js';
import {
  awsClients,
  configFromOptions,
  ENV_DEFAULTS,
  optionOrEnv,
  UsageError,
  withAwsOptions,
  withCommonOptions,
} from '../options.js';
import { formatIssue, formatWarning, loadSpecs, refusals } from '../specs.js';
import { formatReport } from './status.js';
import type { ProvisionReport } from '../../lib/aws/reports.js';
import { awsErrorName } from '../../lib/errors.js';
import { retry } from '../../lib/retry.js';

interface Uploaded {
  readonly file: string;
  readonly domain: string;
  readonly key: string;
  readonly versionId?: string;
  /** Local time of the PutObject call. */
  readonly putAt: number;
}

/** `specs/<domain>.<ext>`: the extension of the file (yaml, yml or json), lowercased. */
export function specKey(file: string, domain: string): string {
  const ext = /\.(ya?ml|json)$/i.exec(path.basename(file))?.[1]?.toLowerCase() ?? 'yaml';
  return `specs/${domain}.${ext}`; // lib/aws/specs.ts SPEC_PREFIX
}

/** The provision state machine: the option, $MSK_SPEC_STATE_MACHINE_ARN, or the one machine named like it. */
async function provisionStateMachine(
  sfn: SFNClient,
  opts: Record<string, unknown>,
  ctx: CommandContext,
): Promise<string> {
  const given = optionOrEnv(opts, 'stateMachineArn', ctx.env, ENV_DEFAULTS.stateMachineArn);
  if (given) return given;
  const { ListStateMachinesCommand } = await import('@aws-sdk/client-sfn');
  const found: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ ...(nextToken ? { nextToken } : {}) }));
    for (const m of page.stateMachines ?? []) {
      // serverless.yml names it <service>-<stage>-provision; the embedded default, ProvisionStateMachine.
      if (/(^|-)provision$|^ProvisionStateMachine$/i.test(m.name ?? '')) found.push(m.stateMachineArn!);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  if (found.length !== 1)
    throw new UsageError(
      `--wait needs --state-machine-arn (or ${ENV_DEFAULTS.stateMachineArn}): ${found.length === 0 ? 'no' : found.length} provision state machine(s) found`,
    );
  return found[0]!;
}

interface ExecutionInput {
  detail?: { bucket?: { name?: string }; object?: { key?: string; 'version-id'?: string } };
}

const inputOf = (text: string | undefined): ExecutionInput => {
  try {
    return JSON.parse(text ?? '{}') as ExecutionInput;
  } catch {
    return {};
  }
};

function progressLine(domain: string, h: HistoryEvent): string | undefined {
  const type = h.type ?? '';
  if (/StateExited$/.test(type) && /^Task/.test(type))
    return `  ${domain}: ✓ ${h.stateExitedEventDetails?.name ?? '?'}`;
  if (type === 'TaskFailed' || type === 'LambdaFunctionFailed') {
    const d = (h.taskFailedEventDetails ?? h.lambdaFunctionFailedEventDetails) as { error?: string } | undefined;
    return `  ${domain}: ↻ ${d?.error ?? 'task error'} (retried or caught by the workflow)`;
  }
  if (type === 'ExecutionFailed' || type === 'ExecutionAborted' || type === 'ExecutionTimedOut')
    return `  ${domain}: ✗ ${type}`;
  if (type === 'ExecutionSucceeded') return `  ${domain}: execution succeeded`;
  return undefined;
}

/**
 * Follows the execution each upload started (matched by key and object version in its S3 event
 * input) until all have stopped; returns the execution ARN per key. No timing assumptions beyond
 * the overall timeout.
 */
async function follow(
  sfn: SFNClient,
  stateMachineArn: string,
  uploads: readonly Uploaded[],
  since: Date,
  timeoutMs: number,
  ctx: CommandContext,
): Promise<Map<string, { arn: string; status: string; error?: string }>> {
  const { DescribeExecutionCommand, GetExecutionHistoryCommand, ListExecutionsCommand } =
    await import('@aws-sdk/client-sfn');
  const byKey = new Map(uploads.map((u) => [u.key, u]));
  const matched = new Map<string, string>(); // execution arn → key
  const seen = new Map<string, number>();
  const done = new Map<string, { arn: string; status: string; error?: string }>();
  const checked = new Set<string>();
  /** One look at the executions: every finished one recorded, progress printed; the map once all are done. */
  const look = async () => {
    const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100 }));
    const recent = (list.executions ?? []).filter(
      (e: ExecutionListItem) => e.startDate && e.startDate.getTime() >= since.getTime(),
    );
    for (const e of recent) {
      const arn = e.executionArn!;
      if (!checked.has(arn)) {
        checked.add(arn);
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        const obj = inputOf(d.input).detail?.object;
        const u = obj?.key ? byKey.get(obj.key) : undefined;
        // With a version id the S3 event names exactly our object; without one (an unversioned
        // bucket) only an execution that started after our put can be ours (5 s of clock slack).
        const ours = u?.versionId
          ? !obj?.['version-id'] || obj['version-id'] === u.versionId
          : !!u && (e.startDate?.getTime() ?? 0) >= u.putAt - 5_000;
        if (u && ours && ![...matched.values()].includes(u.key)) matched.set(arn, u.key);
      }
      const key = matched.get(arn);
      if (key === undefined || done.has(key)) continue;
      const domain = byKey.get(key)!.domain;
      const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }));
      const events = history.events ?? [];
      for (const h of events.slice(seen.get(arn) ?? 0)) {
        const line = progressLine(domain, h);
        if (line) ctx.err(line);
      }
      seen.set(arn, events.length);
      if (e.status !== 'RUNNING') {
        const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        done.set(key, { arn, status: d.status ?? 'UNKNOWN', ...(d.error ? { error: d.error } : {}) });
      }
    }
    return done.size === uploads.length ? done : undefined;
  };
  return retry(look, {
    timeoutMs,
    delayMs: 500,
    retryIf: () => false, // an AWS error ends the wait; it is the command's to report
    giveUp: () => {
      const started = new Set(matched.values());
      const waiting = uploads.filter((u) => !done.has(u.key));
      const notStarted = waiting.filter((u) => !started.has(u.key)).map((u) => u.key);
      const running = waiting.filter((u) => started.has(u.key)).map((u) => u.key);
      return new Error(
        [
          `timed out after ${timeoutMs / 1000} s`,
          ...(running.length > 0 ? [`still running for ${running.join(', ')}`] : []),
          ...(notStarted.length > 0
            ? [
                `no execution of ${stateMachineArn} started for ${notStarted.join(', ')} (does the bucket send events to EventBridge, and does the rule target this state machine?)`,
              ]
            : []),
        ].join('; '),
      );
    },
  });
}

export const uploadCommand: CliCommand = {
  name: 'upload',
  define: (program) =>
    withAwsOptions(
      withCommonOptions(
        program
          .command('upload')
          .description(
            'validate specs locally, then put each into the spec bucket as specs/<domain>.<ext>, which starts the provision workflow; --wait follows it and prints the report',
          )
          .argument('<files...>', 'spec files or directories')
          .option('--bucket <bucket>', `the spec bucket (default $${ENV_DEFAULTS.specBucket})`)
          .option(
            '--wait',
            'follow the provision execution(s) (progress on stderr) and print the report; exit 1 unless provisioned',
          )
          .option(
            '--state-machine-arn <arn>',
            `the provision state machine (default $${ENV_DEFAULTS.stateMachineArn}, else the one named *-provision)`,
          )
          .option('--timeout <seconds>', 'with --wait: give up after this long (default 600)'),
      ),
    ).addHelpText(
      'after',
      `
Examples:
  msk-spec upload examples/specs/shop.order.yaml --bucket my-spec-bucket
  MSK_SPEC_SPEC_BUCKET=my-spec-bucket msk-spec upload specs/ --wait`,
    ),
  async run([files], opts, ctx) {
    const config = configFromOptions(opts);
    const bucket = optionOrEnv(opts, 'bucket', ctx.env, ENV_DEFAULTS.specBucket, { flag: '--bucket' })!;
    const timeoutS = opts['timeout'] === undefined ? 600 : Number(opts['timeout']);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0)
      throw new UsageError(`--timeout expects a number of seconds, got ${JSON.stringify(opts['timeout'])}`);

    const loaded = await loadSpecs(files as string[], config, ctx.fs);
    const warnings = loaded.files.flatMap((f) => f.warnings);
    const issues = refusals(loaded, config);
    for (const w of opts['json'] ? [] : warnings) ctx.err(formatWarning(w));
    if (issues.length > 0) {
      if (opts['json']) ctx.json({ ok: false, issues, warnings, uploaded: [] });
      else {
        for (const i of issues) ctx.err(formatIssue(i));
        ctx.out(
          `${new Set(issues.map((i) => i.file)).size} of ${loaded.files.length} spec(s) refused, ${issues.length} issue(s); nothing uploaded.`,
        );
      }
      return EXIT.INVALID;
    }

    // The SDK loads on first use, so commands that need no AWS start fast.
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const { readReport } = await import('../../lib/aws/reports.js');
    const aws = awsClients(ctx.env, opts);
    const s3 = await aws.s3();
    const sfn = opts['wait'] ? await aws.sfn() : undefined;
    const uploaded: Uploaded[] = [];
    let stateMachineArn: string | undefined;
    try {
      // Resolved before uploading, so a --wait that cannot work fails before anything starts.
      if (sfn) stateMachineArn = await provisionStateMachine(sfn, opts, ctx);
      // Executions are matched by key and version; a minute of slack absorbs clock skew with AWS.
      const since = new Date(Date.now() - 60_000);
      for (const f of loaded.files) {
        const spec = f.spec!;
        const key = specKey(f.file, spec.domain);
        const out = await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: await ctx.fs.readFile(f.file),
            ContentType: key.endsWith('.json') ? 'application/json' : 'application/yaml',
          }),
        );
        const versionId = out.VersionId && out.VersionId !== 'null' ? out.VersionId : undefined;
        uploaded.push({
          file: f.file,
          domain: spec.domain,
          key,
          ...(versionId ? { versionId } : {}),
          putAt: Date.now(),
        });
        if (!opts['json'])
          ctx.out(`uploaded ${f.file} -> s3://${bucket}/${key}${versionId ? ` (version ${versionId})` : ''}`);
      }
      if (!sfn || !stateMachineArn) {
        if (opts['json']) ctx.json({ ok: true, uploaded });
        return EXIT.OK;
      }

      ctx.err(`following ${uploaded.length} provision execution(s) of ${stateMachineArn}`);
      const executions = await follow(sfn, stateMachineArn, uploaded, since, timeoutS * 1000, ctx);
      const reports: (ProvisionReport | undefined)[] = await Promise.all(
        uploaded.map((u) => readReport(s3, bucket, u.domain)),
      );
      const results = uploaded.map((u, i) => {
        const execution = executions.get(u.key)!;
        const r = reports[i];
        // A report from an earlier run is not this run's answer.
        const report = r && (!r.executionId || r.executionId === execution.arn) ? r : undefined;
        return { ...u, execution, report };
      });
      const ok = results.every((r) => r.report?.status === 'PROVISIONED');
      if (opts['json']) {
        ctx.json({ ok, uploaded: results.map((r) => ({ ...r, report: r.report ?? null })) });
      } else {
        for (const r of results) {
          ctx.out(
            `${r.domain}: ${r.report?.status ?? `no report (execution ${r.execution.status}${r.execution.error ? `: ${r.execution.error}` : ''})`}`,
          );
          if (r.report) for (const line of formatReport(r.report)) ctx.out(line);
        }
      }
      return ok ? EXIT.OK : EXIT.INVALID;
    } catch (e) {
      if (e instanceof UsageError) throw e;
      ctx.err(`msk-spec: error: ${awsErrorName(e) ?? 'Error'}: ${(e as Error).message}`);
      if (opts['json']) ctx.json({ ok: false, uploaded });
      return EXIT.INVALID;
    }
  },
};
