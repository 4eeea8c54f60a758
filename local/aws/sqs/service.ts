// Emulated Amazon SQS (standard queues) on the gateway, over the AWS JSON 1.0 protocol that
// @aws-sdk/client-sqs speaks (`X-Amz-Target: AmazonSQS.<Operation>`, SQS Developer Guide, "Amazon
// SQS AWS JSON protocol FAQs"). Requests are validated against botocore's sqs model by the gateway
// (local/aws/models/), which also authorizes every call as the caller (local/aws/iam/actions.ts,
// `sqs:*` rows), with the queue policy as the resource policy (env.ts adds it as a provider).
//
// API reference: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/ (operation
// pages cited per operation). Queue state and message lifecycle: queue.ts.
//
// Errors (Developer Guide, "Interpreting Amazon SQS JSON API responses", "JSON error response
// structure"): the HTTP status, `x-amzn-query-error: <query code>;Sender` and a body
// `{"__type": "com.amazonaws.sqs#<shape>", "message": ...}`, e.g. QueueDoesNotExist with
// `AWS.SimpleQueueService.NonExistentQueue;Sender`. The query codes and statuses are the model's
// awsQueryError traits (as @aws-sdk/client-sqs carries them). Errors SQS's model has no shape for
// (InvalidParameterValue, MissingParameter, AccessDenied) come as `com.amazon.coral.service#<code>Exception`
// with the query code alone (as AWS answered an oversized SendMessage in 2026:
// `__type: 'com.amazon.coral.service#InvalidParameterValueException'`, Code InvalidParameterValue,
// artilleryio/artillery#3683). An IAM denial is AccessDenied, HTTP 403, and SQS writes the action
// in lower case ("is not authorized to perform: sqs:sendmessage on resource: ...", as quoted in
// aws/serverless-application-model#3633).
//
// In-process callers (the Lambda event source poller, EventBridge targets) use `call`, authorized
// the same way for the principal they act as.
//
// Deviations: standard queues only (FIFO refused at CreateQueue); no KMS (SqsManagedSseEnabled and
// KmsMasterKeyId are kept as attributes); a receive returns every available message up to the
// maximum, where AWS's short poll samples a subset of its servers; the Approximate* counts are
// exact; no batch operations, purge, tags API, permissions API or message move tasks; SenderId of
// a message EventBridge sends is a fixed local id.
import { AwsServiceError, LOCAL_ACCOUNT_ID, LOCAL_REGION, type JsonService, type RequestContext } from '../core.js';
import { buildArn, parseArn } from '../arn.js';
import { PageTokens, pageSize } from '../pagination.js';
import { requiredGrants } from '../iam/actions.js';
import { accountOf, firstDenial, type EnforcingAuthorizer } from '../iam/enforce.js';
import { policyProblems } from '../iam/authority.js';
import type { PolicyDocument } from '../iam/types.js';
import {
  Queue,
  md5Hex,
  md5OfMessageAttributes,
  newMessageId,
  parseReceiptHandle,
  type Clock,
  type MessageAttributeValue,
  type QueueCounts,
  type QueueSettings,
  type QueueTotals,
  type ReceivedMessage,
} from './queue.js';

/** The model's error shapes with their awsQueryError code and HTTP status (see the header). */
const ERRORS: Readonly<Record<string, readonly [queryCode: string, status: number]>> = {
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  QueueNameExists: ['QueueAlreadyExists', 400],
  InvalidAttributeName: ['InvalidAttributeName', 400],
  InvalidAttributeValue: ['InvalidAttributeValue', 400],
  InvalidMessageContents: ['InvalidMessageContents', 400],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
  OverLimit: ['OverLimit', 403],
  // A batch request's own errors (API_ChangeMessageVisibilityBatch, "Errors").
  EmptyBatchRequest: ['AWS.SimpleQueueService.EmptyBatchRequest', 400],
  TooManyEntriesInBatchRequest: ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400],
  BatchEntryIdsNotDistinct: ['AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400],
  InvalidBatchEntryId: ['AWS.SimpleQueueService.InvalidBatchEntryId', 400],
};

function sqsError(shape: keyof typeof ERRORS, message: string): AwsServiceError {
  return new AwsServiceError(shape, message, ERRORS[shape]![1]);
}

/** InvalidParameterValue, the query API's common error for a value out of range. */
function invalidParameter(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterValue', message, 400);
}

const noQueue = () => sqsError('QueueDoesNotExist', 'The specified queue does not exist.');

/** Queue names: "alphanumeric characters, hyphens (-), and underscores (_)", up to 80 (API_CreateQueue). */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** Batch entry ids follow the same rule: "up to 80 characters ... alphanumeric characters, hyphens(-), and underscores (_)" (the request entry shapes). */
const BATCH_ENTRY_ID = QUEUE_NAME;

/** Attribute ranges and defaults (API_CreateQueue, "Attributes"; API_SetQueueAttributes). */
const NUMERIC: Readonly<
  Record<
    | 'VisibilityTimeout'
    | 'MessageRetentionPeriod'
    | 'MaximumMessageSize'
    | 'DelaySeconds'
    | 'ReceiveMessageWaitTimeSeconds',
    readonly [number, number, number]
  >
> = {
  VisibilityTimeout: [0, 43_200, 30],
  MessageRetentionPeriod: [60, 1_209_600, 345_600],
  // "From 1,024 bytes (1 KiB) to 1,048,576 bytes (1 MiB). Default: 1,048,576 bytes (1 MiB)" (the
  // limit was 256 KiB until August 2025; botocore 1.44.8's model documents 1 MiB).
  MaximumMessageSize: [1_024, 1_048_576, 1_048_576],
  DelaySeconds: [0, 900, 0],
  ReceiveMessageWaitTimeSeconds: [0, 20, 0],
};

/** Attributes a caller may set; the rest of QueueAttributeName are read-only or FIFO-only. */
const SETTABLE = new Set([
  ...Object.keys(NUMERIC),
  'RedrivePolicy',
  'Policy',
  'SqsManagedSseEnabled',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
]);

/** Characters a message may hold (API_SendMessage, MessageBody). */
const ALLOWED_CHARS = /^[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

/** The SenderId EventBridge's messages carry here (AWS uses an internal id of its own). */
export const EVENTBRIDGE_SENDER_ID = 'AIDAEVENTBRIDGELOCAL';

export interface SqsCaller {
  readonly region: string;
  readonly accountId: string;
  /** The principal the call is authorized for (a role or user ARN, or a service principal). */
  readonly principalArn?: string;
  /** Condition keys the caller's request carries besides the global ones (aws:SourceArn, ...). */
  readonly context?: Readonly<Record<string, string>>;
  /** SenderId of messages this caller sends. */
  readonly senderId?: string;
  /** Ends a long poll early (it answers what it has: nothing). */
  readonly signal?: AbortSignal;
}

export interface SqsOptions {
  /** The clock (ms); tests may move it. Default Date.now. */
  readonly now?: Clock;
  /** The authority in-process calls are authorized against (the gateway authorizes HTTP ones). */
  readonly authorizer?: EnforcingAuthorizer;
  /** SenderId of a principal (IAM: "the user ID ... or the IAM role ID"), when IAM knows it. */
  readonly senderIdOf?: (principalArn: string) => string | undefined;
}

interface ReceiveInput {
  QueueUrl?: string;
  AttributeNames?: string[];
  MessageSystemAttributeNames?: string[];
  MessageAttributeNames?: string[];
  MaxNumberOfMessages?: number;
  VisibilityTimeout?: number;
  WaitTimeSeconds?: number;
}

/** A receive's messages as the API answers them. */
export interface WireMessage {
  readonly MessageId: string;
  readonly ReceiptHandle: string;
  readonly MD5OfBody: string;
  readonly Body: string;
  readonly Attributes?: Record<string, string>;
  readonly MD5OfMessageAttributes?: string;
  readonly MessageAttributes?: Record<string, MessageAttributeValue>;
}

export interface QueueStats extends QueueCounts, QueueTotals {
  readonly arn: string;
  readonly url: string;
}

export class SqsEmulator {
  /** Queues by ARN. */
  private readonly queues = new Map<string, Queue>();
  private readonly tokens = new PageTokens();
  private readonly clock: Clock;
  private readonly authorizer: EnforcingAuthorizer | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly parsedPolicies = new Map<string, { text: string; doc: PolicyDocument }>();
  private closed = false;
  /** Where queue URLs point: the gateway, so the SDK (which sends to a QueueUrl's host) lands here. */
  private endpoint = 'http://127.0.0.1';

  readonly service: JsonService;

  constructor(private readonly options: SqsOptions = {}) {
    this.clock = options.now ?? (() => Date.now());
    this.authorizer = options.authorizer;
    const operations = this.operations();
    this.service = {
      signingName: 'sqs',
      targetPrefix: 'AmazonSQS',
      operations: Object.fromEntries(
        Object.entries(operations).map(([name, f]) => [
          name,
          (input: Record<string, unknown>, ctx: RequestContext) =>
            f(input, {
              region: ctx.region,
              accountId: ctx.accountId,
              ...(ctx.principalArn ? { principalArn: ctx.principalArn } : {}),
            }),
        ]),
      ),
      errorWire: (err) => {
        const known = ERRORS[err.code];
        const queryCode = known?.[0] ?? err.code;
        const coral = err.code.endsWith('Exception') ? err.code : `${err.code}Exception`;
        return {
          type: known ? `com.amazonaws.sqs#${err.code}` : `com.amazon.coral.service#${coral}`,
          headers: { 'x-amzn-query-error': `${queryCode};${err.statusCode >= 500 ? 'Receiver' : 'Sender'}` },
        };
      },
      accessDenied: (message) => new AwsServiceError('AccessDenied', lowerCaseAction(message), 403),
    };
  }

  /** The gateway URL queue URLs are made of (call before the first CreateQueue). */
  setEndpoint(url: string): void {
    this.endpoint = url.replace(/\/+$/, '');
  }

  /** The URL a queue has (`<endpoint>/<account>/<name>`). */
  urlOf(accountId: string, name: string): string {
    return `${this.endpoint}/${accountId}/${name}`;
  }

  /**
   * The queue policy of a queue ARN (the IAM authority's resource-policy provider). The parsed
   * document is kept while the policy text stays, so the authority's validation cache holds.
   */
  queuePolicy(arn: string): PolicyDocument | undefined {
    const text = this.queues.get(arn)?.settings.Policy;
    if (!text) return undefined;
    const hit = this.parsedPolicies.get(arn);
    if (hit?.text === text) return hit.doc;
    const doc = JSON.parse(text) as PolicyDocument;
    this.parsedPolicies.set(arn, { text, doc });
    return doc;
  }

  /** The queue a URL (any host: only `/<account>/<name>` counts) or an ARN names. */
  queue(urlOrArn: string, region = LOCAL_REGION): Queue | undefined {
    if (urlOrArn.startsWith('arn:')) return this.queues.get(urlOrArn);
    const m = /^[^/]*\/\/[^/]+\/(\d{12})\/([^/?#]+)\/?$/.exec(urlOrArn);
    return m ? this.queues.get(buildArn('sqs', region, m[1]!, m[2]!)) : undefined;
  }

  /** Counts and totals of a queue (benchmarks read them); undefined when there is no such queue. */
  stats(urlOrArn: string): QueueStats | undefined {
    const q = this.queue(urlOrArn, regionOf(urlOrArn));
    return q && { arn: q.arn, url: q.url, ...q.counts(), ...q.totals };
  }

  queueArns(): string[] {
    return [...this.queues.keys()];
  }

  /** Ends every long poll in flight (they answer with no messages) and stops the wake-up timers. */
  close(): void {
    this.closed = true;
    for (const w of [...this.waiters]) w();
    for (const q of this.queues.values()) q.close();
  }

  // ---- in-process calls ----

  /**
   * An operation for an in-process caller, authorized like a request to the gateway (identity
   * policies of `caller.principalArn` and the queue policy). Answers what the API answers; throws
   * the API's errors.
   */
  async call(operation: string, input: Record<string, unknown>, caller: SqsCaller): Promise<Record<string, unknown>> {
    const run = this.operations()[operation];
    if (!run) throw new Error(`SqsEmulator.call: no operation ${operation}`);
    if (this.authorizer && caller.principalArn) {
      const grants = requiredGrants(`sqs:${operation}`, {
        region: caller.region,
        accountId: caller.principalArn.startsWith('arn:') ? accountOf(caller.principalArn) : caller.accountId,
        input,
        lookups: {},
      })!;
      const withContext = grants.map((g) => ({ ...g, context: { ...g.context, ...caller.context } }));
      const denial = await firstDenial(this.authorizer, caller.principalArn, withContext);
      if (denial) throw this.service.accessDenied!(denial.message);
    }
    return ((await run(input, caller)) ?? {}) as Record<string, unknown>;
  }

  /** Every operation, by name: the gateway's and `call`'s. */
  private operations(): Record<string, (input: Record<string, unknown>, caller: SqsCaller) => unknown> {
    /* eslint-disable @typescript-eslint/no-explicit-any */
    return {
      CreateQueue: (i, c) => this.createQueue(i as any, c),
      DeleteQueue: (i, c) => this.deleteQueue(i, c),
      GetQueueUrl: (i, c) => this.getQueueUrl(i, c),
      ListQueues: (i, c) => this.listQueues(i as any, c),
      GetQueueAttributes: (i, c) => this.getQueueAttributes(i as any, c),
      SetQueueAttributes: (i, c) => this.setQueueAttributes(i as any, c),
      SendMessage: (i, c) => this.sendMessage(i as any, c),
      ReceiveMessage: (i, c) => this.receiveMessage(i as any, c),
      DeleteMessage: (i, c) => this.deleteMessage(i, c),
      ChangeMessageVisibility: (i, c) => this.changeMessageVisibility(i as any, c),
      ChangeMessageVisibilityBatch: (i, c) => this.changeMessageVisibilityBatch(i as any, c),
    };
    /* eslint-enable @typescript-eslint/no-explicit-any */
  }

  /** Whether `principalArn` may perform `action` on the queue (evaluated, not recorded; no IAM: true). */
  allows(principalArn: string, action: string, queueArn: string): boolean {
    if (!this.authorizer) return true;
    const region = regionOf(queueArn);
    const grants = requiredGrants(action, {
      region,
      accountId: accountOf(principalArn),
      input: { QueueUrl: this.queues.get(queueArn)?.url ?? '' },
      lookups: {},
    });
    if (!grants) throw new Error(`no IAM mapping for ${action}`);
    return grants.every(
      (g) =>
        this.authorizer!.evaluate({ principalArn, action: g.action, resource: queueArn, context: g.context }).allowed,
    );
  }

  // ---- operations ----

  private byUrl(url: unknown, caller: SqsCaller): Queue {
    if (typeof url !== 'string' || url === '')
      throw new AwsServiceError('MissingParameter', 'The request must contain the parameter QueueUrl.', 400);
    const q = this.queue(url, caller.region);
    if (!q) throw noQueue();
    return q;
  }

  /** The settings an attribute map describes over `base` (API_CreateQueue / API_SetQueueAttributes, "Attributes"). */
  private settingsFrom(attrs: Record<string, unknown>, base: QueueSettings, region: string): QueueSettings {
    const out: QueueSettings = { ...base };
    for (const [name, raw] of Object.entries(attrs)) {
      const value = String(raw);
      if (!SETTABLE.has(name)) {
        if (name === 'FifoQueue' || name === 'ContentBasedDeduplication')
          throw sqsError('UnsupportedOperation', 'FIFO queues are not emulated locally (standard queues only).');
        throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
      const bad = () => sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
      if (name in NUMERIC) {
        const [min, max] = NUMERIC[name as keyof typeof NUMERIC];
        const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
        if (!(n >= min && n <= max)) throw bad();
        out[name as keyof typeof NUMERIC] = n;
      } else if (name === 'RedrivePolicy') {
        if (value === '') {
          delete out.RedrivePolicy;
          continue;
        }
        let p: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
        try {
          p = JSON.parse(value) as typeof p;
        } catch {
          throw invalidParameter(
            `Value ${value} for parameter RedrivePolicy is invalid. Reason: Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.`,
          );
        }
        const count = Number(p.maxReceiveCount);
        if (typeof p.deadLetterTargetArn !== 'string' || !Number.isInteger(count) || count < 1 || count > 1000)
          throw invalidParameter(
            `Value ${value} for parameter RedrivePolicy is invalid. Reason: Redrive policy needs deadLetterTargetArn and a maxReceiveCount from 1 to 1000.`,
          );
        // "The dead-letter queue ... must be in the same AWS account and Region" (Developer Guide,
        // "Using dead-letter queues"); it must exist.
        if (!this.queues.has(p.deadLetterTargetArn) || regionOf(p.deadLetterTargetArn) !== region)
          throw invalidParameter(
            `Value ${value} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
          );
        out.RedrivePolicy = { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: count };
      } else if (name === 'Policy') {
        if (value === '') {
          delete out.Policy;
          continue;
        }
        let doc: unknown;
        try {
          doc = JSON.parse(value);
        } catch {
          throw sqsError('InvalidAttributeValue', 'Invalid value for the parameter Policy.');
        }
        // IAM's validation of a resource policy (what SQS refuses as an invalid Policy).
        const problems = policyProblems(doc, 'resource');
        if (problems.length)
          throw sqsError(
            'InvalidAttributeValue',
            `Invalid value for the parameter Policy. Reason: ${problems.join('; ')}`,
          );
        out.Policy = value;
      } else if (name === 'SqsManagedSseEnabled') {
        if (value !== 'true' && value !== 'false') throw bad();
        out.SqsManagedSseEnabled = value === 'true';
      } else if (name === 'KmsMasterKeyId') {
        out.KmsMasterKeyId = value;
      }
    }
    return out;
  }

  // CreateQueue: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
  // An existing queue of that name is returned when the attributes given match it; a different
  // value is QueueNameExists ("If you provide the name of an existing queue along with the exact
  // names and values of all the queue's attributes, CreateQueue returns the queue URL for the
  // existing queue. If the queue name, attribute names, or attribute values don't match an
  // existing queue, CreateQueue returns an error").
  private createQueue(
    input: { QueueName?: unknown; Attributes?: Record<string, unknown>; tags?: Record<string, string> },
    caller: SqsCaller,
  ): unknown {
    const name = input.QueueName;
    if (typeof name !== 'string' || !QUEUE_NAME.test(name)) {
      if (typeof name === 'string' && name.endsWith('.fifo'))
        throw sqsError('UnsupportedOperation', 'FIFO queues are not emulated locally (standard queues only).');
      throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    const arn = buildArn('sqs', caller.region, caller.accountId, name);
    const defaults: QueueSettings = {
      VisibilityTimeout: NUMERIC.VisibilityTimeout[2],
      MessageRetentionPeriod: NUMERIC.MessageRetentionPeriod[2],
      MaximumMessageSize: NUMERIC.MaximumMessageSize[2],
      DelaySeconds: NUMERIC.DelaySeconds[2],
      ReceiveMessageWaitTimeSeconds: NUMERIC.ReceiveMessageWaitTimeSeconds[2],
      // "SqsManagedSseEnabled ... default true" for queues created after October 2022 (API_CreateQueue).
      SqsManagedSseEnabled: true,
    };
    const settings = this.settingsFrom(input.Attributes ?? {}, defaults, caller.region);
    const existing = this.queues.get(arn);
    if (existing) {
      for (const k of Object.keys(input.Attributes ?? {}))
        if (
          JSON.stringify(existing.settings[k as keyof QueueSettings]) !==
          JSON.stringify(settings[k as keyof QueueSettings])
        )
          throw sqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${k}`,
          );
      return { QueueUrl: existing.url };
    }
    const q = new Queue(name, arn, this.urlOf(caller.accountId, name), settings, this.clock, input.tags ?? {});
    this.queues.set(arn, q);
    return { QueueUrl: q.url };
  }

  // DeleteQueue: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteQueue.html
  private deleteQueue(input: { QueueUrl?: unknown }, caller: SqsCaller): unknown {
    const q = this.byUrl(input.QueueUrl, caller);
    q.close();
    this.queues.delete(q.arn);
    return {};
  }

  // GetQueueUrl: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueUrl.html
  private getQueueUrl(input: { QueueName?: unknown; QueueOwnerAWSAccountId?: unknown }, caller: SqsCaller): unknown {
    const account = typeof input.QueueOwnerAWSAccountId === 'string' ? input.QueueOwnerAWSAccountId : caller.accountId;
    const q = this.queues.get(buildArn('sqs', caller.region, account, String(input.QueueName ?? '')));
    if (!q) throw noQueue();
    return { QueueUrl: q.url };
  }

  // ListQueues: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListQueues.html
  // QueueNamePrefix; MaxResults 1-1000, and NextToken only when MaxResults was set ("You must set
  // MaxResults to receive a value for NextToken in the response"); at most 1,000 URLs otherwise.
  private listQueues(
    input: { QueueNamePrefix?: string; MaxResults?: number; NextToken?: string },
    caller: SqsCaller,
  ): unknown {
    const urls = [...this.queues.values()]
      .filter((q) => regionOf(q.arn) === caller.region && accountOfArn(q.arn) === caller.accountId)
      .filter((q) => input.QueueNamePrefix === undefined || q.name.startsWith(input.QueueNamePrefix))
      .map((q) => q.url)
      .sort();
    const invalid = (v: unknown) =>
      invalidParameter(
        `Value ${String(v)} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.`,
      );
    if (input.MaxResults === undefined) {
      const first = urls.slice(0, 1000);
      return first.length ? { QueueUrls: first } : {};
    }
    const size = pageSize(input.MaxResults, { min: 1, max: 1000, default: 1000 }, invalid);
    const { items, next } = this.tokens.page(urls, {
      listing: `ListQueues:${caller.region}:${caller.accountId}:${input.QueueNamePrefix ?? ''}`,
      size,
      token: input.NextToken,
      invalid: () => invalidParameter('Invalid NextToken value.'),
    });
    return { ...(items.length ? { QueueUrls: items } : {}), ...(next ? { NextToken: next } : {}) };
  }

  // GetQueueAttributes: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
  // "All" or names; none asked: no attributes. Values are strings; timestamps epoch seconds.
  private getQueueAttributes(input: { QueueUrl?: unknown; AttributeNames?: string[] }, caller: SqsCaller): unknown {
    const q = this.byUrl(input.QueueUrl, caller);
    const names = new Set(input.AttributeNames ?? []);
    const all = names.has('All');
    const counts = q.counts();
    const s = q.settings;
    const values: Record<string, string | undefined> = {
      QueueArn: q.arn,
      ApproximateNumberOfMessages: String(counts.available),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(q.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(q.lastModifiedAt / 1000)),
      VisibilityTimeout: String(s.VisibilityTimeout),
      MaximumMessageSize: String(s.MaximumMessageSize),
      MessageRetentionPeriod: String(s.MessageRetentionPeriod),
      DelaySeconds: String(s.DelaySeconds),
      ReceiveMessageWaitTimeSeconds: String(s.ReceiveMessageWaitTimeSeconds),
      SqsManagedSseEnabled: String(s.SqsManagedSseEnabled),
      RedrivePolicy: s.RedrivePolicy ? JSON.stringify(s.RedrivePolicy) : undefined,
      Policy: s.Policy,
      KmsMasterKeyId: s.KmsMasterKeyId,
    };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v !== undefined && (all || names.has(k))) out[k] = v;
    return Object.keys(out).length ? { Attributes: out } : {};
  }

  // SetQueueAttributes: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
  private setQueueAttributes(
    input: { QueueUrl?: unknown; Attributes?: Record<string, unknown> },
    caller: SqsCaller,
  ): unknown {
    const q = this.byUrl(input.QueueUrl, caller);
    q.settings = this.settingsFrom(input.Attributes ?? {}, q.settings, caller.region);
    q.lastModifiedAt = this.clock();
    return {};
  }

  // SendMessage: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
  // Body at least one character, of the allowed characters (InvalidMessageContents); body and
  // attributes (each name, type and value) within the queue's MaximumMessageSize (Developer Guide,
  // "Amazon SQS message quotas"; the answer AWS gives: InvalidParameterValue "One or more parameters
  // are invalid. Reason: Message must be shorter than <n> bytes."); DelaySeconds 0-900.
  private sendMessage(
    input: {
      QueueUrl?: unknown;
      MessageBody?: unknown;
      DelaySeconds?: number;
      MessageAttributes?: Record<string, MessageAttributeValue>;
    },
    caller: SqsCaller,
  ): unknown {
    const q = this.byUrl(input.QueueUrl, caller);
    const body = input.MessageBody;
    if (typeof body !== 'string' || body.length === 0)
      throw new AwsServiceError('MissingParameter', 'The request must contain the parameter MessageBody.', 400);
    if (!ALLOWED_CHARS.test(body))
      throw sqsError(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    const attrs = input.MessageAttributes ?? {};
    let size = Buffer.byteLength(body, 'utf8');
    for (const [name, a] of Object.entries(attrs)) {
      size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(a.DataType, 'utf8');
      size +=
        a.BinaryValue !== undefined
          ? Buffer.from(a.BinaryValue, 'base64').length
          : Buffer.byteLength(a.StringValue ?? '', 'utf8');
    }
    if (size > q.settings.MaximumMessageSize)
      throw invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${q.settings.MaximumMessageSize} bytes.`,
      );
    const delay = input.DelaySeconds ?? q.settings.DelaySeconds;
    if (!Number.isInteger(delay) || delay < 0 || delay > 900)
      throw invalidParameter(
        `Value ${delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`,
      );
    const md5Attrs = md5OfMessageAttributes(attrs);
    const m = q.add(
      {
        id: newMessageId(),
        body,
        md5OfBody: md5Hex(body),
        ...(md5Attrs ? { md5OfMessageAttributes: md5Attrs } : {}),
        messageAttributes: attrs,
        senderId:
          caller.senderId ??
          (caller.principalArn ? this.options.senderIdOf?.(caller.principalArn) : undefined) ??
          caller.accountId,
        sentAt: this.clock(),
      },
      delay,
    );
    return {
      MessageId: m.id,
      MD5OfMessageBody: m.md5OfBody,
      ...(md5Attrs ? { MD5OfMessageAttributes: md5Attrs } : {}),
    };
  }

  // ReceiveMessage: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
  // MaxNumberOfMessages 1-10 (default 1); VisibilityTimeout 0-43200 (default the queue's);
  // WaitTimeSeconds 0-20 (default the queue's ReceiveMessageWaitTimeSeconds): a long poll answers
  // as soon as a message is available, or empty when the wait is over (Developer Guide, "Amazon SQS
  // short and long polling").
  private async receiveMessage(input: ReceiveInput, caller: SqsCaller): Promise<unknown> {
    const q = this.byUrl(input.QueueUrl, caller);
    const max = input.MaxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10)
      throw invalidParameter(
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    const visibility = input.VisibilityTimeout ?? q.settings.VisibilityTimeout;
    if (!Number.isInteger(visibility) || visibility < 0 || visibility > 43_200)
      throw invalidParameter(
        `Value ${visibility} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.`,
      );
    const wait = input.WaitTimeSeconds ?? q.settings.ReceiveMessageWaitTimeSeconds;
    if (!Number.isInteger(wait) || wait < 0 || wait > 20)
      throw invalidParameter(
        `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
      );
    const got = await this.receiveFrom(q, max, visibility, wait * 1000, caller.signal);
    const messages = got.map((r) => wireMessage(r, input));
    return messages.length ? { Messages: messages } : {};
  }

  /** Receives from `q`, waiting up to `waitMs` for a first message (long poll). */
  async receiveFrom(
    q: Queue,
    max: number,
    visibilitySeconds: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<ReceivedMessage[]> {
    const dlq = (arn: string) => this.queues.get(arn);
    let got = q.receive(max, visibilitySeconds, dlq);
    if (got.length > 0 || waitMs <= 0 || this.closed || signal?.aborted) return got;
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        off();
        this.waiters.delete(finish);
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      signal?.addEventListener('abort', finish);
      const timer = setTimeout(finish, waitMs);
      const off = q.onChange(() => {
        if (q.counts().available > 0) finish();
      });
      this.waiters.add(finish);
      if (q.counts().available > 0) finish();
    });
    got = this.queues.get(q.arn) === q && !signal?.aborted ? q.receive(max, visibilitySeconds, dlq) : [];
    return got;
  }

  // DeleteMessage: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html
  // A handle this queue did not issue: ReceiptHandleIsInvalid ('The input receipt handle "<h>" is
  // not a valid receipt handle.'). An older receive's handle, or one of a message already deleted,
  // succeeds and deletes nothing (queue.ts).
  private deleteMessage(input: { QueueUrl?: unknown; ReceiptHandle?: unknown }, caller: SqsCaller): unknown {
    const q = this.byUrl(input.QueueUrl, caller);
    q.delete(this.handle(input.ReceiptHandle, q));
    return {};
  }

  private handle(raw: unknown, q: Queue) {
    const h = typeof raw === 'string' ? parseReceiptHandle(raw) : undefined;
    if (!h || h.queueArn !== q.arn)
      throw sqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${String(raw)}" is not a valid receipt handle.`,
      );
    return h;
  }

  // ChangeMessageVisibility: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
  // 0-43200 seconds from now, at most 12 hours after the receive ("Total VisibilityTimeout for the
  // message is beyond the limit [43200 seconds]"). A handle whose receive is over (its visibility
  // timeout ran out, or the message was received again) changes nothing and succeeds: AWS answers
  // OK there (found against AWS by LocalStack, localstack/localstack#9632); the
  // MessageNotInflight error the model lists is not raised (the same tests never saw it). A handle
  // of a message no longer in the queue is InvalidParameterValue "... Reason: Message does not
  // exist or is not available for visibility timeout change." (as AWS answers it, vmihailenco/taskq#29).
  private changeMessageVisibility(
    input: { QueueUrl?: unknown; ReceiptHandle?: unknown; VisibilityTimeout?: number },
    caller: SqsCaller,
  ): unknown {
    const q = this.byUrl(input.QueueUrl, caller);
    const seconds = input.VisibilityTimeout;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0 || seconds > 43_200)
      throw invalidParameter(
        `Value ${String(seconds)} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`,
      );
    const h = this.handle(input.ReceiptHandle, q);
    const result = q.changeVisibility(h, seconds);
    if (result === 'gone')
      throw invalidParameter(
        `Value ${String(input.ReceiptHandle)} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    if (result === 'beyond-limit')
      throw invalidParameter(
        `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]`,
      );
    return {};
  }

  // ChangeMessageVisibilityBatch: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibilityBatch.html
  // Up to 10 entries, each a ChangeMessageVisibility of its own: the request fails whole only for
  // the batch's shape (no entries, more than 10, an Id repeated, an Id that is not 1-80 of
  // [A-Za-z0-9_-]); an entry that fails is reported in Failed with the error ChangeMessageVisibility
  // would have raised (SenderFault true), and the others take effect.
  private changeMessageVisibilityBatch(
    input: { QueueUrl?: unknown; Entries?: { Id?: unknown; ReceiptHandle?: unknown; VisibilityTimeout?: number }[] },
    caller: SqsCaller,
  ): unknown {
    this.byUrl(input.QueueUrl, caller);
    const entries = input.Entries ?? [];
    if (entries.length === 0)
      throw sqsError(
        'EmptyBatchRequest',
        'There should be at least one ChangeMessageVisibilityBatchRequestEntry in the request.',
      );
    if (entries.length > 10)
      throw sqsError(
        'TooManyEntriesInBatchRequest',
        `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
      );
    const seen = new Set<unknown>();
    for (const e of entries) {
      if (typeof e.Id !== 'string' || !BATCH_ENTRY_ID.test(e.Id))
        throw sqsError(
          'InvalidBatchEntryId',
          'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        );
      if (seen.has(e.Id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${e.Id} repeated.`);
      seen.add(e.Id);
    }
    const Successful: { Id: string }[] = [];
    const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const { Id, ...entry } of entries) {
      try {
        this.changeMessageVisibility({ QueueUrl: input.QueueUrl, ...entry }, caller);
        Successful.push({ Id: Id as string });
      } catch (e) {
        if (!(e instanceof AwsServiceError)) throw e;
        const Code = ERRORS[e.code]?.[0] ?? e.code;
        Failed.push({ Id: Id as string, SenderFault: e.statusCode < 500, Code, Message: e.message });
      }
    }
    return { Successful, Failed };
  }

  // ---- EventBridge targets ----

  /**
   * Makes rule targets `arn:aws:sqs:...` send the event (or its Input/InputPath/InputTransformer
   * result) as the message body. EventBridge sends as the service principal events.amazonaws.com,
   * which only the queue policy can allow, with aws:SourceArn the rule's ARN and aws:SourceAccount
   * its account (EventBridge User Guide, "Using resource-based policies for Amazon EventBridge",
   * "Amazon SQS permissions"). A denial or a missing queue fails the delivery, which EventBridge
   * records (its FailedInvocations).
   */
  attachToEventBridge(eb: {
    registerTarget(
      arnOrPattern: string,
      handler: (
        input: unknown,
        invocation: { ruleArn: string; target: { Arn: string; InputTransformer?: unknown } },
      ) => unknown,
    ): () => void;
  }): () => void {
    return eb.registerTarget('arn:aws:sqs:*', async (input, invocation) => {
      const arn = parseArn(invocation.target.Arn)!;
      const q = this.queues.get(invocation.target.Arn);
      if (!q) throw noQueue();
      const ruleAccount = parseArn(invocation.ruleArn)?.accountId ?? LOCAL_ACCOUNT_ID;
      await this.call(
        'SendMessage',
        {
          QueueUrl: q.url,
          // The event, or the Input/InputPath value, as JSON text; an InputTransformer's result as
          // the text it produced (User Guide, "Amazon EventBridge input transformation").
          MessageBody: typeof input === 'string' && invocation.target.InputTransformer ? input : JSON.stringify(input),
        },
        {
          region: arn.region,
          accountId: arn.accountId,
          principalArn: 'events.amazonaws.com',
          context: { 'aws:SourceArn': invocation.ruleArn, 'aws:SourceAccount': ruleAccount },
          senderId: EVENTBRIDGE_SENDER_ID,
        },
      );
    });
  }
}

/** A received message as ReceiveMessage answers it, with the attributes asked for. */
function wireMessage(r: ReceivedMessage, input: ReceiveInput): WireMessage {
  const m = r.message;
  const system = new Set([...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])]);
  const all = system.has('All');
  const values: Record<string, string | undefined> = {
    SenderId: m.senderId,
    SentTimestamp: String(m.sentAt),
    ApproximateReceiveCount: String(m.receiveCount),
    ApproximateFirstReceiveTimestamp: m.firstReceivedAt !== undefined ? String(m.firstReceivedAt) : undefined,
    DeadLetterQueueSourceArn: m.deadLetterSourceArn,
  };
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined && (all || system.has(k))) attributes[k] = v;
  const wanted = input.MessageAttributeNames ?? [];
  const messageAttributes: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(m.messageAttributes))
    if (wanted.some((w) => w === 'All' || w === '.*' || w === k || (w.endsWith('.*') && k.startsWith(w.slice(0, -1)))))
      messageAttributes[k] = v;
  const hasMessageAttributes = Object.keys(messageAttributes).length > 0;
  return {
    MessageId: m.id,
    ReceiptHandle: r.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(attributes).length ? { Attributes: attributes } : {}),
    ...(hasMessageAttributes
      ? { MD5OfMessageAttributes: md5OfMessageAttributes(messageAttributes)!, MessageAttributes: messageAttributes }
      : {}),
  };
}

function regionOf(urlOrArn: string): string {
  return parseArn(urlOrArn)?.region ?? LOCAL_REGION;
}

function accountOfArn(arn: string): string {
  return parseArn(arn)?.accountId ?? LOCAL_ACCOUNT_ID;
}

/** SQS writes the action of a denial in lower case (see the header). */
function lowerCaseAction(message: string): string {
  return message
    .replace(/perform: sqs:([A-Za-z]+)/, (_m, a: string) => `perform: sqs:${a.toLowerCase()}`)
    .replace(/allows the sqs:([A-Za-z]+) action/, (_m, a: string) => `allows the sqs:${a.toLowerCase()} action`);
}
