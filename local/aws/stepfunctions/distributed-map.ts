// Distributed Map states (ItemProcessor.ProcessorConfig.Mode DISTRIBUTED), which aws-local-stepfunctions does not
// run: definition.ts hands the engine a Task state in the Map state's place (same InputPath, ResultSelector,
// ResultPath, OutputPath, Retry, Catch, Next/End), whose handler is `DistributedMapRunner.run`.
//
// Developer Guide, "Using Map state in Distributed mode" (state-map-distributed.html):
// - each item runs as a child workflow execution of its own ("Map Run"), with its own execution history (so the
//   parent's 25,000-event quota no longer grows with the items), under the parent's role; the child executions are
//   named `<state machine name>/<Label>:<name>` and the Map Run `mapRun:<state machine name>/<Label>:<id>`;
// - MaxConcurrency bounds the children running at once (0, the default: up to 10,000);
// - ToleratedFailurePercentage / ToleratedFailureCount (default 0): when more children fail than tolerated the Map
//   Run fails with States.ExceedToleratedFailureThreshold and the running children are stopped;
// - ItemSelector is evaluated per item in the parent, with `$$.Map.Item.Index` and `$$.Map.Item.Value`; its result is
//   the child's input.
// "ItemReader (Map)" (input-output-itemreader.html): `arn:aws:states:::s3:listObjectsV2` with Parameters Bucket and
// Prefix lists the objects (paging through the whole listing); each item is `{Etag, Key, LastModified (epoch seconds),
// Size, StorageClass}`; `arn:aws:states:::s3:getObject` with Parameters Bucket and Key and ReaderConfig
// `{InputType: JSON}` reads a JSON file whose content is an array, each element one item (a file that is not a JSON
// array fails the state). ReaderConfig.MaxItems limits the count. A failure to read is States.ItemReaderFailed.
// "ResultWriter (Map)" (input-output-resultwriter.html): `arn:aws:states:::s3:putObject` with Bucket and Prefix
// writes `<Prefix>/<Map Run id>/manifest.json` and one file per status, `SUCCEEDED_<n>.json` and `FAILED_<n>.json`
// (the children's ARN, name, input, output or error and cause, dates, status: Transformation NONE, the default with
// an export), and the state's result is only `{MapRunArn, ResultWriterDetails: {Bucket, Key}}` (Key: the manifest).
// A failure to write is States.ResultWriterFailed. Without a ResultWriter the result is the array of the children's
// outputs, held to the 256 KiB quota like any state result.
// "IAM policies for using Distributed Map states" (iam-policies-eg-dist-map.html): the state machine's role needs
// states:StartExecution on the state machine itself (children are started as executions of it) and
// states:DescribeExecution and states:StopExecution on its executions; the ItemReader lists the bucket as the role
// (s3:ListBucket) and the ResultWriter writes as the role (s3:PutObject): both go through the emulated S3 with the
// role's credentials, so its policy and the bucket's apply.
//
// Deviations: no ItemBatcher, no ItemReader other than s3:listObjectsV2 and a JSON file (no CSV, JSONL, manifest or
// ItemsPointer), no WriterConfig, no redrive (refused at
// CreateStateMachine, naming the field); result files are never split (AWS splits at 5 GB); a role that may not start
// or describe the children fails the Map state with States.Runtime and AWS's denial text (what AWS reports then is not
// documented); EXPRESS children run with STANDARD semantics, like every execution here.
import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { DataLimitExceeded, MAX_PAYLOAD_BYTES, payloadBytes, resultTooLarge } from './limits.js';
import type { ExecutionRecord, Json, StateMachineRecord } from './records.js';
import { StatesError, type Push } from './tasks.js';

/** Developer Guide, "Distributed Map state": at most 10,000 child workflow executions run in parallel. */
export const MAX_CHILD_CONCURRENCY = 10_000;

/** A Distributed Map state as CreateStateMachine found it (definition.ts). */
export interface DistributedMapSpec {
  readonly stateName: string;
  readonly label: string;
  readonly itemsPath: string;
  readonly itemSelector?: Json;
  readonly itemReader?: { readonly resource: string; readonly parameters: Json; readonly maxItems?: number };
  readonly resultWriter?: { readonly parameters: Json };
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage: number;
  readonly toleratedFailureCount: number;
  /** The ItemProcessor as a state machine of its own: what each child execution runs. */
  readonly processor: StateMachineRecord;
}

export type MapRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

export interface MapRunRecord {
  readonly arn: string;
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly startDate: number;
  stopDate?: number;
  status: MapRunStatus;
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage: number;
  readonly toleratedFailureCount: number;
  readonly counts: {
    pending: number;
    running: number;
    succeeded: number;
    failed: number;
    timedOut: number;
    aborted: number;
    total: number;
    resultsWritten: number;
  };
}

/** What the runner needs from the emulator. */
export interface MapHost {
  readonly region: string;
  readonly accountId: string;
  /** Starts a child execution of `machine` under `arn` (input already checked as JSON). */
  startChild(
    machine: StateMachineRecord,
    arn: string,
    name: string,
    inputText: string,
    input: Json,
    mapRunArn: string,
  ): ExecutionRecord;
  /** Stops a running child (the parent's role must allow states:StopExecution). */
  stopChild(parent: ExecutionRecord, childArn: string): void;
  registerMapRun(run: MapRunRecord): void;
  /** undefined when the role may make the request, else AWS's denial text. */
  denial(request: { principalArn: string; action: string; resource: string }): string | undefined;
  /** An aws-sdk integration call as the execution's role (tasks.ts TaskRunner.callSdk). */
  callSdk(exec: ExecutionRecord, service: string, action: string, input: Json): Promise<Json>;
}

interface ChildResult {
  readonly arn: string;
  readonly name: string;
  readonly input: string;
  readonly status: string;
  readonly startDate: number;
  readonly stopDate: number;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** One engine machine per payload template, which evaluates it (Parameters of a Pass state) with a given context. */
const templates = new WeakMap<object, StateMachine>();
async function evaluate(template: Json, input: Json, context: Record<string, unknown>): Promise<Json> {
  if (template === null || typeof template !== 'object') return template;
  let m = templates.get(template);
  if (!m) {
    m = new StateMachine({
      StartAt: 'Evaluate',
      States: { Evaluate: { Type: 'Pass', Parameters: template, End: true } },
    } as unknown as StateMachineDefinition);
    templates.set(template, m);
  }
  return (await m.run(input as never, { context: context as never }).result) as Json;
}

export class DistributedMapRunner {
  constructor(private readonly host: MapHost) {}

  /** Runs one Distributed Map state of `exec` on the state's effective input; returns the state's result. */
  async run(exec: ExecutionRecord, spec: DistributedMapSpec, input: Json, push: Push): Promise<Json> {
    const { region, accountId } = this.host;
    const machineName = exec.stateMachineArn.slice(exec.stateMachineArn.indexOf(':stateMachine:') + 14);
    const mapRunId = randomUUID();
    const mapRunArn = `arn:aws:states:${region}:${accountId}:mapRun:${machineName}/${spec.label}:${mapRunId}`;
    const context = {
      Execution: {
        Id: exec.arn,
        Name: exec.name,
        RoleArn: exec.roleArn,
        StartTime: new Date(exec.startDate).toISOString(),
      },
      StateMachine: { Id: exec.stateMachineArn, Name: machineName },
    };
    // "IAM policies for using Distributed Map states": children are executions of this very state machine.
    this.authorize(exec, 'states:StartExecution', exec.stateMachineArn);
    const items = await this.items(exec, spec, input, context);

    const run: MapRunRecord = {
      arn: mapRunArn,
      executionArn: exec.arn,
      stateMachineArn: spec.processor.arn,
      startDate: Date.now(),
      status: 'RUNNING',
      maxConcurrency: spec.maxConcurrency,
      toleratedFailurePercentage: spec.toleratedFailurePercentage,
      toleratedFailureCount: spec.toleratedFailureCount,
      counts: {
        pending: items.length,
        running: 0,
        succeeded: 0,
        failed: 0,
        timedOut: 0,
        aborted: 0,
        total: items.length,
        resultsWritten: 0,
      },
    };
    this.host.registerMapRun(run);
    push('MapRunStarted', { mapRunStartedEventDetails: { mapRunArn } });

    const results: ChildResult[] = [];
    let next = 0;
    let failures = 0;
    let failure: StatesError | undefined;
    let described = false;
    const tolerated = (n: number) =>
      n <= spec.toleratedFailureCount || (n * 100) / items.length <= spec.toleratedFailurePercentage;
    const running = new Set<string>();
    const worker = async (): Promise<void> => {
      while (!failure && next < items.length && exec.status === 'RUNNING') {
        const index = next++;
        const childInput =
          spec.itemSelector === undefined
            ? items[index]!
            : await evaluate(spec.itemSelector, input, {
                ...context,
                Map: { Item: { Index: index, Value: items[index] } },
              });
        const name = randomUUID();
        const arn = `arn:aws:states:${region}:${accountId}:execution:${machineName}/${spec.label}:${name}`;
        const inputText = JSON.stringify(childInput);
        run.counts.pending--;
        run.counts.running++;
        let result: ChildResult;
        if (Buffer.byteLength(inputText, 'utf8') > MAX_PAYLOAD_BYTES) {
          // The child's input is held to the execution input quota, as StartExecution holds it.
          const now = Date.now();
          result = {
            arn,
            name,
            input: '{}',
            status: 'FAILED',
            startDate: now,
            stopDate: now,
            error: 'States.DataLimitExceeded',
            cause: resultTooLarge('ItemSelector'),
          };
        } else {
          const child = this.host.startChild(spec.processor, arn, name, inputText, childInput, mapRunArn);
          exec.children.add(arn);
          running.add(arn);
          if (!described) {
            // The parent follows its children with DescribeExecution; one check per Map Run (the children's ARNs
            // differ only in their name).
            described = true;
            this.authorize(exec, 'states:DescribeExecution', arn);
          }
          await child.done;
          running.delete(arn);
          exec.children.delete(arn);
          result = {
            arn,
            name,
            input: inputText,
            status: child.status,
            startDate: child.startDate,
            stopDate: child.stopDate ?? Date.now(),
            ...(child.output !== undefined ? { output: child.output } : {}),
            ...(child.error !== undefined ? { error: child.error } : {}),
            ...(child.cause !== undefined ? { cause: child.cause } : {}),
          };
        }
        results[index] = result;
        run.counts.running--;
        const key = ({ SUCCEEDED: 'succeeded', FAILED: 'failed', TIMED_OUT: 'timedOut', ABORTED: 'aborted' } as const)[
          result.status as 'SUCCEEDED'
        ];
        if (key) run.counts[key]++;
        if (result.status !== 'SUCCEEDED' && !failure && !tolerated(++failures)) {
          failure = new StatesError(
            'States.ExceedToleratedFailureThreshold',
            `The specified tolerated failure threshold was exceeded (${failures} of ${items.length} child executions failed).`,
          );
          // The Map Run fails: its running children are stopped.
          for (const childArn of running) this.host.stopChild(exec, childArn);
        }
      }
    };
    const width = Math.min(spec.maxConcurrency === 0 ? MAX_CHILD_CONCURRENCY : spec.maxConcurrency, items.length);
    await Promise.all(Array.from({ length: width }, worker));
    if (exec.status !== 'RUNNING') {
      run.status = 'ABORTED';
      run.stopDate = Date.now();
      throw new StatesError('States.Runtime', `The execution has ended (${exec.status}).`);
    }

    let output: Json;
    try {
      output = spec.resultWriter
        ? await this.writeResults(exec, spec, input, context, mapRunArn, mapRunId, results.filter(Boolean))
        : results.map((r) => (r.status === 'SUCCEEDED' ? (JSON.parse(r.output ?? 'null') as Json) : entry(r)));
      run.counts.resultsWritten = spec.resultWriter ? results.length : 0;
    } catch (err) {
      failure ??= err as StatesError;
      output = null;
    }
    run.stopDate = Date.now();
    if (failure) {
      run.status = 'FAILED';
      push('MapRunFailed', { mapRunFailedEventDetails: { error: failure.name, cause: failure.message } });
      throw failure;
    }
    // Without a ResultWriter the children's outputs are the state's result: 256 KiB at most.
    if (payloadBytes(output) > MAX_PAYLOAD_BYTES) {
      run.status = 'FAILED';
      const e = new DataLimitExceeded(resultTooLarge(spec.stateName));
      push('MapRunFailed', { mapRunFailedEventDetails: { error: e.name, cause: e.message } });
      throw e;
    }
    run.status = 'SUCCEEDED';
    push('MapRunSucceeded');
    return output;
  }

  /**
   * One S3 call of the ItemReader or ResultWriter, as the role. These are Step Functions' own requests, not a state's
   * (no Retry applies), so a failure without an HTTP answer (S3.SdkClientException: a reset keep-alive connection,
   * say) is tried again, up to 3 attempts, as the SDK's standard retry mode would.
   */
  private async s3(exec: ExecutionRecord, action: string, input: Json): Promise<Json> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.host.callSdk(exec, 's3', action, input);
      } catch (err) {
        if (attempt >= 3 || (err as Error).name !== 'S3.SdkClientException') throw err;
      }
    }
  }

  private authorize(exec: ExecutionRecord, action: string, resource: string): void {
    const denial = this.host.denial({ principalArn: exec.roleArn, action, resource });
    if (denial) throw new StatesError('States.Runtime', denial);
  }

  /** The items: the ItemReader's listing, or the array at ItemsPath of the state's input. */
  private async items(
    exec: ExecutionRecord,
    spec: DistributedMapSpec,
    input: Json,
    context: Record<string, unknown>,
  ): Promise<Json[]> {
    if (!spec.itemReader) {
      const { items } = (await evaluate({ 'items.$': spec.itemsPath }, input, context)) as { items: Json };
      if (!Array.isArray(items))
        throw new StatesError(
          'States.Runtime',
          `The ItemsPath '${spec.itemsPath}' of '${spec.stateName}' is not an array.`,
        );
      return items;
    }
    const max = spec.itemReader.maxItems ?? Infinity;
    if (spec.itemReader.resource === 'arn:aws:states:::s3:getObject')
      return this.jsonFileItems(exec, spec, input, context, max);
    const params = (await evaluate(spec.itemReader.parameters, input, context)) as { Bucket?: string; Prefix?: string };
    const items: Json[] = [];
    let token: string | undefined;
    do {
      let page: { Contents?: Record<string, Json>[]; IsTruncated?: boolean; NextContinuationToken?: string };
      try {
        page = (await this.s3(exec, 'listObjectsV2', {
          Bucket: params.Bucket ?? null,
          ...(params.Prefix !== undefined ? { Prefix: params.Prefix } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        })) as typeof page;
      } catch (err) {
        const e = err as Error;
        throw new StatesError('States.ItemReaderFailed', `${e.name}: ${e.message}`);
      }
      for (const o of page.Contents ?? []) {
        if (items.length >= max) break;
        items.push({
          Etag: o['ETag'] ?? null,
          Key: o['Key'] ?? null,
          LastModified: Math.floor(Date.parse(String(o['LastModified'])) / 1000),
          Size: o['Size'] ?? 0,
          StorageClass: o['StorageClass'] ?? 'STANDARD',
        });
      }
      token = page.IsTruncated && items.length < max ? page.NextContinuationToken : undefined;
    } while (token);
    return items;
  }

  /** ItemReader over a JSON file in S3 (ReaderConfig InputType JSON): the array it holds, each element one item. */
  private async jsonFileItems(
    exec: ExecutionRecord,
    spec: DistributedMapSpec,
    input: Json,
    context: Record<string, unknown>,
    max: number,
  ): Promise<Json[]> {
    const params = (await evaluate(spec.itemReader!.parameters, input, context)) as {
      Bucket?: string;
      Key?: string;
      VersionId?: string;
    };
    let body: unknown;
    try {
      const out = (await this.s3(exec, 'getObject', {
        Bucket: params.Bucket ?? null,
        Key: params.Key ?? null,
        ...(params.VersionId !== undefined ? { VersionId: params.VersionId } : {}),
      })) as { Body?: string };
      body = JSON.parse(String(out.Body ?? ''));
    } catch (err) {
      const e = err as Error;
      throw new StatesError('States.ItemReaderFailed', `${e.name}: ${e.message}`);
    }
    if (!Array.isArray(body))
      throw new StatesError(
        'States.ItemReaderFailed',
        `The JSON file s3://${String(params.Bucket)}/${String(params.Key)} of '${spec.stateName}' does not hold an array.`,
      );
    return (body as Json[]).slice(0, Number.isFinite(max) ? max : undefined);
  }

  /** ResultWriter: the result files and their manifest under `<Prefix>/<Map Run id>/`; the state's small result. */
  private async writeResults(
    exec: ExecutionRecord,
    spec: DistributedMapSpec,
    input: Json,
    context: Record<string, unknown>,
    mapRunArn: string,
    mapRunId: string,
    results: ChildResult[],
  ): Promise<Json> {
    const params = (await evaluate(spec.resultWriter!.parameters, input, context)) as {
      Bucket?: string;
      Prefix?: string;
    };
    const bucket = String(params.Bucket);
    const base = `${params.Prefix ? `${String(params.Prefix).replace(/\/$/, '')}/` : ''}${mapRunId}`;
    const put = async (key: string, body: string): Promise<void> => {
      try {
        await this.s3(exec, 'putObject', {
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
        });
      } catch (err) {
        const e = err as Error;
        throw new StatesError('States.ResultWriterFailed', `${e.name}: ${e.message}`);
      }
    };
    const files: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', { Key: string; Size: number }[]> = {
      FAILED: [],
      PENDING: [],
      SUCCEEDED: [],
    };
    for (const status of ['SUCCEEDED', 'FAILED'] as const) {
      const group = results.filter((r) => (status === 'SUCCEEDED') === (r.status === 'SUCCEEDED'));
      if (group.length === 0) continue;
      const key = `${base}/${status}_0.json`;
      const body = JSON.stringify(group.map(entry));
      await put(key, body);
      files[status].push({ Key: key, Size: Buffer.byteLength(body, 'utf8') });
    }
    const manifestKey = `${base}/manifest.json`;
    await put(manifestKey, JSON.stringify({ DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: files }));
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } };
  }
}

/** One child in a result file (Transformation NONE): the execution as DescribeExecution describes it. */
function entry(r: ChildResult): Json {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    ExecutionArn: r.arn,
    Input: r.input,
    InputDetails: { Included: true },
    Name: r.name,
    ...(r.output !== undefined ? { Output: r.output, OutputDetails: { Included: true } } : {}),
    ...(r.error !== undefined ? { Error: r.error } : {}),
    ...(r.cause !== undefined ? { Cause: r.cause } : {}),
    StartDate: iso(r.startDate),
    StateMachineArn: r.arn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
    Status: r.status,
    StopDate: iso(r.stopDate),
  };
}
