// Lambda event source mappings for Amazon SQS standard queues, as the Lambda service runs them
// (Lambda Developer Guide, "Using Lambda with Amazon SQS" and its pages "Creating and configuring
// an Amazon SQS event source mapping", "Configuring scaling behavior for SQS event source
// mappings", "Handling errors for an SQS event source in Lambda", "Lambda parameters for Amazon
// SQS event source mappings"). Owned by the Lambda runtime (local/lambda/runtime.ts), which stops
// every poller on close.
//
// Creation is validated like CreateEventSourceMapping (InvalidParameterValueException):
// - BatchSize 1-10,000 (default 10), above 10 only with MaximumBatchingWindowInSeconds of at least
//   1 (0-300); ScalingConfig.MaximumConcurrency 2-1000 (Lambda API reference, ScalingConfig);
// - "Your function's timeout must be less than or equal to the queue's visibility timeout. Lambda
//   validates this requirement when you create or update an event source mapping" (AWS's answer:
//   "Queue visibility timeout: X seconds is less than Function timeout: Y seconds");
// - the execution role must allow sqs:ReceiveMessage, sqs:DeleteMessage and
//   sqs:GetQueueAttributes on the queue ("Execution role permissions"; AWS's answer: "The provided
//   execution role does not have permissions to call ReceiveMessage on SQS"): the three are
//   evaluated against the role's policies and the queue policy, and the visibility timeout is then
//   read with GetQueueAttributes as the role (so the permission is exercised, as Lambda uses it).
//
// Polling: one long poll at a time (WaitTimeSeconds 20, "Lambda uses long polling"), woken by the
// queue as soon as a message is sent or becomes visible (no busy loop); each receive takes up to
// min(BatchSize, 10) messages, and with a batching window more receives fill the batch until it is
// full or the window is over. At most MaximumConcurrency batches are invoked at once; without it,
// five ("Lambda starts processing five batches at a time with five concurrent invocations"; AWS
// then scales up, which a single machine has no use for). Every SQS call is made as the function's
// execution role, so the role's policy and the queue policy decide, as on AWS.
//
// The result of an invocation:
// - success: the batch is deleted; with ReportBatchItemFailures every message but those the
//   response names in `batchItemFailures[].itemIdentifier`. An empty or null response, or an empty
//   or null batchItemFailures, is a complete success; a response that is not of that shape, an
//   empty or null itemIdentifier, or one naming a message not in the batch is a complete failure
//   ("Implementing partial batch responses": "Lambda treats a batch as a complete failure if your
//   function returns ... invalid JSON ..., an empty string itemIdentifier, a null itemIdentifier,
//   an itemIdentifier with a bad key name, an itemIdentifier value with a message ID that doesn't
//   exist");
// - a function error, a timeout or a crashed runtime: nothing is deleted, the messages come back
//   when their visibility timeout ends (the handler's own ChangeMessageVisibility stands: the
//   poller never changes a message's visibility);
// - a throttle (TooManyRequestsException from reserved concurrency): the poller retries the same
//   batch with backoff until the visibility timeout it was received with would be over, then lets
//   the messages return to the queue ("If the invocation fails due to throttling, Lambda gradually
//   backs off retries ... Lambda continues to retry the message until the message's timestamp
//   exceeds your queue's visibility timeout, at which point Lambda drops the message", "Backoff
//   strategy for failed invocations"). Dropped messages are not lost: they reappear and count one
//   more receive towards maxReceiveCount, as on AWS.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../aws/core.js';
import { parseArn } from '../aws/arn.js';

/** What a mapping needs from SQS (the embedded SqsEmulator provides it). */
export interface EventSourceQueues {
  queue(arn: string):
    | {
        readonly url: string;
        readonly settings: { readonly VisibilityTimeout: number };
        readonly empty: boolean;
        onChange(listener: () => void): () => void;
      }
    | undefined;
  call(
    operation: string,
    input: Record<string, unknown>,
    caller: { region: string; accountId: string; principalArn?: string; signal?: AbortSignal },
  ): Promise<Record<string, unknown>>;
  /** Whether the principal may perform the action on the queue (evaluated, not recorded). */
  allows(principalArn: string, action: string, queueArn: string): boolean;
}

/** AWS::Lambda::EventSourceMapping / CreateEventSourceMapping, the members an SQS mapping uses. */
export interface SqsEventSourceMappingConfig {
  readonly eventSourceArn: string;
  /** Name or ARN of the function. */
  readonly functionName: string;
  readonly batchSize?: number;
  readonly maximumBatchingWindowInSeconds?: number;
  readonly enabled?: boolean;
  readonly functionResponseTypes?: readonly string[];
  readonly maximumConcurrency?: number;
}

/** What the runtime tells a mapping about its function. */
export interface MappedFunction {
  readonly functionName: string;
  readonly functionArn: string;
  readonly roleArn: string;
  readonly timeoutSeconds: number;
  readonly invoke: (event: unknown) => Promise<unknown>;
}

/** A mapping's counts so far (benchmarks read them). */
export interface EventSourceStats {
  readonly uuid: string;
  readonly eventSourceArn: string;
  readonly functionName: string;
  /** Invocations that ran the function (throttled attempts are not counted here). */
  readonly invocations: number;
  /** Attempts refused with TooManyRequestsException, and batches given up on after them. */
  readonly throttles: number;
  readonly throttledBatchesDropped: number;
  /** Invocations that ended in a function error, a timeout or a crash. */
  readonly functionErrors: number;
  /** Responses with ReportBatchItemFailures that were not a valid partial batch response. */
  readonly invalidResponses: number;
  readonly messagesReceived: number;
  readonly messagesDeleted: number;
  /** Messages a function reported in batchItemFailures. */
  readonly messagesReportedFailed: number;
  readonly inFlight: number;
  readonly maxInFlight: number;
}

type MutableStats = { -readonly [K in keyof EventSourceStats]: EventSourceStats[K] };

/** Lambda's own starting concurrency for an SQS mapping without MaximumConcurrency (see the header). */
export const DEFAULT_SQS_CONCURRENCY = 5;
const LONG_POLL_SECONDS = 20;
/**
 * "Lambda passes all of the records in the batch to the function in a single call, up to the
 * payload limit for synchronous invocation (6 MB)" (API_CreateEventSourceMapping, BatchSize): a
 * batch whose event would be larger goes to the function in several calls, one after another.
 */
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const THROTTLE_BACKOFF_MS = [50, 100, 200, 400, 800, 1000] as const;

function invalid(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterValueException', message, 400);
}

interface WireMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
}

/** One SQS record as Lambda sends it ("Using Lambda with Amazon SQS", "Example standard queue message event"). */
function record(m: WireMessage, eventSourceArn: string, region: string): Record<string, unknown> {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId,
    receiptHandle: m.ReceiptHandle,
    body: m.Body,
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount,
      SentTimestamp: a.SentTimestamp,
      SenderId: a.SenderId,
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp,
      ...(a.DeadLetterQueueSourceArn ? { DeadLetterQueueSourceArn: a.DeadLetterQueueSourceArn } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        {
          ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
          ...(v.BinaryValue !== undefined ? { binaryValue: v.BinaryValue } : {}),
          stringListValues: [],
          binaryListValues: [],
          dataType: v.DataType,
        },
      ]),
    ),
    ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
    md5OfBody: m.MD5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: eventSourceArn,
    awsRegion: region,
  };
}

/**
 * The message ids a ReportBatchItemFailures response names as failed, or 'invalid' for a response
 * Lambda treats as a complete failure (see the header).
 */
export function failedItems(response: unknown, batchIds: ReadonlySet<string>): string[] | 'invalid' {
  if (response === null || response === undefined) return [];
  if (typeof response !== 'object' || Array.isArray(response)) return 'invalid';
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return 'invalid';
  const out: string[] = [];
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !batchIds.has(id)) return 'invalid';
    out.push(id);
  }
  return out;
}

export class SqsEventSourceMapping {
  readonly uuid = randomUUID();
  readonly batchSize: number;
  readonly windowSeconds: number;
  readonly maximumConcurrency: number;
  readonly reportBatchItemFailures: boolean;
  private readonly region: string;
  private readonly accountId: string;
  private readonly events = new EventEmitter();
  private readonly abort = new AbortController();
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private gathering = false;
  private readonly counters: MutableStats;

  constructor(
    config: SqsEventSourceMappingConfig,
    private readonly fn: MappedFunction,
    private readonly sqs: EventSourceQueues,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    const arn = parseArn(config.eventSourceArn);
    if (!arn || arn.service !== 'sqs')
      throw invalid(
        `The event source ARN ${config.eventSourceArn} is not an Amazon SQS queue ARN (only SQS mappings are emulated).`,
      );
    this.region = arn.region;
    this.accountId = arn.accountId;
    const batch = config.batchSize ?? 10;
    const window = config.maximumBatchingWindowInSeconds ?? 0;
    if (!Number.isInteger(batch) || batch < 1 || batch > 10_000)
      throw invalid(`BatchSize ${batch} is out of range: 1 to 10000 for an Amazon SQS standard queue.`);
    if (!Number.isInteger(window) || window < 0 || window > 300)
      throw invalid(`MaximumBatchingWindowInSeconds ${window} is out of range: 0 to 300.`);
    if (batch > 10 && window < 1)
      throw invalid('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
    const max = config.maximumConcurrency;
    if (max !== undefined && (!Number.isInteger(max) || max < 2 || max > 1000))
      throw invalid(
        `1 validation error detected: Value '${max}' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value ${max < 2 ? 'greater than or equal to 2' : 'less than or equal to 1000'}`,
      );
    const queue = sqs.queue(config.eventSourceArn);
    if (!queue)
      throw invalid(
        `Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.`,
      );
    for (const action of ['ReceiveMessage', 'DeleteMessage', 'GetQueueAttributes'])
      if (!sqs.allows(fn.roleArn, `sqs:${action}`, config.eventSourceArn))
        throw invalid(`The provided execution role does not have permissions to call ${action} on SQS`);
    this.batchSize = batch;
    this.windowSeconds = window;
    this.maximumConcurrency = max ?? DEFAULT_SQS_CONCURRENCY;
    this.reportBatchItemFailures = (config.functionResponseTypes ?? []).includes('ReportBatchItemFailures');
    this.counters = {
      uuid: this.uuid,
      eventSourceArn: config.eventSourceArn,
      functionName: fn.functionName,
      invocations: 0,
      throttles: 0,
      throttledBatchesDropped: 0,
      functionErrors: 0,
      invalidResponses: 0,
      messagesReceived: 0,
      messagesDeleted: 0,
      messagesReportedFailed: 0,
      inFlight: 0,
      maxInFlight: 0,
    };
    this.events.setMaxListeners(0);
    this.enabled = config.enabled ?? true;
  }

  private readonly enabled: boolean;

  /**
   * The rest of CreateEventSourceMapping: the queue's visibility timeout, read as the execution
   * role (GetQueueAttributes, one of the three permissions Lambda asks of it), against the
   * function's timeout; then polling starts when the mapping is enabled.
   */
  async init(): Promise<this> {
    const url = this.sqs.queue(this.eventSourceArn)!.url;
    const out = await this.sqs.call(
      'GetQueueAttributes',
      { QueueUrl: url, AttributeNames: ['VisibilityTimeout'] },
      {
        region: this.region,
        accountId: this.accountId,
        principalArn: this.fn.roleArn,
      },
    );
    const visibility = Number((out.Attributes as Record<string, string> | undefined)?.VisibilityTimeout);
    if (visibility < this.fn.timeoutSeconds)
      throw invalid(
        `Queue visibility timeout: ${visibility} seconds is less than Function timeout: ${this.fn.timeoutSeconds} seconds`,
      );
    if (this.enabled) this.start();
    return this;
  }

  get eventSourceArn(): string {
    return this.counters.eventSourceArn;
  }

  stats(): EventSourceStats {
    return { ...this.counters, inFlight: this.inFlight.size };
  }

  private caller() {
    return { region: this.region, accountId: this.accountId, principalArn: this.fn.roleArn, signal: this.abort.signal };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.poll().catch((e: unknown) => this.log(`event source ${this.uuid}: poller stopped: ${String(e)}`));
  }

  /** Stops polling and waits for the invocations in flight (their results are still applied). */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Resolves when the queue holds no message (none available, delayed or in flight) and no batch
   * is being gathered or invoked: everything sent so far was processed and deleted (or moved to the
   * dead-letter queue, or expired).
   */
  /** Whether the queue is empty and no batch is being gathered or invoked (what `drained` waits for). */
  get idle(): boolean {
    const queue = this.sqs.queue(this.eventSourceArn);
    return !queue || (queue.empty && this.inFlight.size === 0 && !this.gathering);
  }

  async drained(): Promise<void> {
    const queue = this.sqs.queue(this.eventSourceArn);
    const idle = () => this.idle;
    if (idle()) return;
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!idle()) return;
        offQueue?.();
        this.events.off('change', check);
        resolve();
      };
      const offQueue = queue?.onChange(check);
      this.events.on('change', check);
      check();
    });
  }

  private receive(max: number, wait: number): Promise<WireMessage[]> {
    const url = this.sqs.queue(this.eventSourceArn)?.url;
    if (!url) return Promise.resolve([]);
    return this.sqs
      .call(
        'ReceiveMessage',
        {
          QueueUrl: url,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: wait,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        },
        this.caller(),
      )
      .then((out) => (out.Messages as WireMessage[] | undefined) ?? []);
  }

  private async poll(): Promise<void> {
    while (this.running) {
      if (this.inFlight.size >= this.maximumConcurrency) {
        await Promise.race(this.inFlight);
        continue;
      }
      let batch: WireMessage[];
      let receivedAt: number;
      try {
        batch = await this.receive(Math.min(10, this.batchSize), LONG_POLL_SECONDS);
        receivedAt = Date.now();
        if (batch.length > 0 && this.windowSeconds > 0) {
          // The batching window, for any batch size ("the maximum amount of time ... that Lambda
          // spends gathering records before invoking the function", Lambda API reference,
          // CreateEventSourceMapping): more receives until the batch is full or the window is over.
          this.gathering = true;
          const until = receivedAt + this.windowSeconds * 1000;
          while (this.running && batch.length < this.batchSize && Date.now() < until) {
            // A long poll of the whole seconds left, at least one (a poll of 0 s would spin here
            // while the window runs out): it answers as soon as a message is there, so only a
            // window that ends with nothing to add is overrun, by under a second.
            const more = await this.receive(
              Math.min(10, this.batchSize - batch.length),
              Math.max(1, Math.min(LONG_POLL_SECONDS, Math.ceil((until - Date.now()) / 1000))),
            );
            if (more.length === 0 && Date.now() >= until) break;
            batch.push(...more);
          }
        }
      } catch (e) {
        this.gathering = false;
        if (!this.running) break;
        // A refused poll (a policy changed after creation): Lambda keeps retrying; so does this, slowly.
        this.log(`event source ${this.uuid}: ReceiveMessage failed: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
        continue;
      }
      this.gathering = false;
      if (batch.length === 0) {
        this.events.emit('change');
        continue;
      }
      this.counters.messagesReceived += batch.length;
      const visibilityMs = (this.sqs.queue(this.eventSourceArn)?.settings.VisibilityTimeout ?? 0) * 1000;
      const p: Promise<void> = this.process(batch, receivedAt + visibilityMs)
        .catch((e: unknown) => this.log(`event source ${this.uuid}: batch failed: ${String(e)}`))
        .finally(() => {
          this.inFlight.delete(p);
          this.events.emit('change');
        });
      this.inFlight.add(p);
      this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.inFlight.size);
    }
  }

  /** Invokes the function with the batch, in as many calls as the payload limit needs. */
  private async process(batch: WireMessage[], visibleAgainAt: number): Promise<void> {
    const records = batch.map((m) => record(m, this.eventSourceArn, this.region));
    const overhead = Buffer.byteLength(JSON.stringify({ Records: [] }));
    let part: { m: WireMessage; r: Record<string, unknown> }[] = [];
    let size = overhead;
    for (const [i, m] of batch.entries()) {
      const r = records[i]!;
      const bytes = Buffer.byteLength(JSON.stringify(r)) + 1;
      if (part.length > 0 && size + bytes > SYNC_PAYLOAD_LIMIT) {
        await this.invokeAndDelete(part, visibleAgainAt);
        part = [];
        size = overhead;
      }
      part.push({ m, r });
      size += bytes;
    }
    if (part.length > 0) await this.invokeAndDelete(part, visibleAgainAt);
  }

  /** Invokes the function with one event and deletes what it processed. */
  private async invokeAndDelete(
    part: readonly { m: WireMessage; r: Record<string, unknown> }[],
    visibleAgainAt: number,
  ): Promise<void> {
    const batch = part.map((p) => p.m);
    const event = { Records: part.map((p) => p.r) };
    let response: unknown;
    for (let attempt = 0; ; attempt++) {
      try {
        this.counters.invocations++;
        response = await this.fn.invoke(event);
        break;
      } catch (e) {
        if (e instanceof AwsServiceError && e.code === 'TooManyRequestsException') {
          this.counters.invocations--;
          this.counters.throttles++;
          const wait = THROTTLE_BACKOFF_MS[Math.min(attempt, THROTTLE_BACKOFF_MS.length - 1)]!;
          if (!this.running || Date.now() + wait >= visibleAgainAt) {
            this.counters.throttledBatchesDropped++;
            return;
          }
          await new Promise((r) => setTimeout(r, wait));
          continue;
        }
        // A function error, a timeout or a crash: the batch returns after its visibility timeout.
        this.counters.functionErrors++;
        this.log(`event source ${this.uuid}: ${this.fn.functionName} failed: ${(e as Error).name}`);
        return;
      }
    }
    let failed = new Set<string>();
    if (this.reportBatchItemFailures) {
      const ids = failedItems(response, new Set(batch.map((m) => m.MessageId)));
      if (ids === 'invalid') {
        this.counters.invalidResponses++;
        return;
      }
      failed = new Set(ids);
      this.counters.messagesReportedFailed += failed.size;
    }
    const url = this.sqs.queue(this.eventSourceArn)?.url;
    if (!url) return;
    for (const m of batch) {
      if (failed.has(m.MessageId)) continue;
      try {
        await this.sqs.call('DeleteMessage', { QueueUrl: url, ReceiptHandle: m.ReceiptHandle }, this.caller());
        this.counters.messagesDeleted++;
      } catch (e) {
        this.log(`event source ${this.uuid}: DeleteMessage failed: ${(e as Error).message}`);
      }
    }
  }
}
