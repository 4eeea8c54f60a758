// One Amazon SQS standard queue: its messages and their lifecycle (SQS Developer Guide, "Amazon SQS
// visibility timeout", "Amazon SQS message lifecycle", "Using dead-letter queues in Amazon SQS",
// "Amazon SQS short and long polling"). No protocol here: local/aws/sqs/service.ts reads requests
// and writes answers; this file keeps the state and decides what a receive, a delete or a
// visibility change does to it.
//
// A message is, at any instant, one of (derived from its timestamps against the clock, never kept
// as a flag, so the state is right whenever it is read):
//   delayed    – sent with a delay not yet over (DelaySeconds; never received);
//   available  – may be received;
//   in flight  – received, its visibility timeout not over, not deleted.
// A message older than MessageRetentionPeriod is gone ("Amazon SQS automatically deletes messages
// that have been in a queue for more than the maximum message retention period"); it is dropped
// when the queue is next read.
//
// Receipt handles: each receive gives the message a new one ("A new receipt handle is returned
// every time you receive a message"; API_ReceiveMessage). Only the latest deletes it: an older one
// is accepted and deletes nothing (API_DeleteMessage: "you must provide the most recently received
// ReceiptHandle for the message (otherwise, the request succeeds, but the message will not be
// deleted)"). The handle names the queue, the message and the receive it came from.
//
// Redrive (Developer Guide, "Using dead-letter queues": "When the ReceiveCount for a message
// exceeds the maxReceiveCount for a queue, Amazon SQS moves the message to a dead-letter queue"):
// a message that has been received maxReceiveCount times is moved when it would be received once
// more, keeping its id, body, attributes, receive count and enqueue time ("The expiration of a
// message is always based on its original enqueue timestamp. When a message is moved to a
// dead-letter queue, the enqueue timestamp is unchanged", standard queues), and it carries
// DeadLetterQueueSourceArn.
import { EventEmitter } from 'node:events';
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** A message attribute as SendMessage carries it (API_MessageAttributeValue). */
export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  /** Base64 on the JSON wire, as the SDK sends blobs. */
  readonly BinaryValue?: string;
}

export interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly senderId: string;
  /** Enqueue time (ms), kept across a move to the dead-letter queue. */
  readonly sentAt: number;
  /** Not receivable before this time (ms): DelaySeconds. */
  availableAt: number;
  /** In flight until this time (ms), when received. */
  visibleUntil: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The receive the latest handle came from (1-based); 0 before the first. */
  receiveSeq: number;
  /** Time of the latest receive (ms): the 12-hour visibility bound counts from it. */
  receivedAt?: number;
  deadLetterSourceArn?: string;
}

export interface QueueSettings {
  /** Seconds, 0-43200 (default 30). */
  VisibilityTimeout: number;
  /** Seconds, 60-1209600 (default 345600, 4 days). */
  MessageRetentionPeriod: number;
  /** Bytes, 1024-1048576 (default 1048576). */
  MaximumMessageSize: number;
  /** Seconds, 0-900 (default 0). */
  DelaySeconds: number;
  /** Seconds, 0-20 (default 0). */
  ReceiveMessageWaitTimeSeconds: number;
  RedrivePolicy?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number };
  /** The queue policy (a JSON policy document) as set. */
  Policy?: string;
  SqsManagedSseEnabled: boolean;
  KmsMasterKeyId?: string;
}

/** What a receive returns for one message. */
export interface ReceivedMessage {
  readonly message: StoredMessage;
  readonly receiptHandle: string;
}

export type Clock = () => number;

/** What a receipt handle names. */
export interface ReceiptHandleParts {
  readonly queueArn: string;
  readonly messageId: string;
  readonly seq: number;
}

const HANDLE_PREFIX = 'LQ1';

export function makeReceiptHandle(p: ReceiptHandleParts): string {
  // A random tail, as AWS handles are opaque and never repeat.
  const raw = JSON.stringify([p.queueArn, p.messageId, p.seq, randomBytes(6).toString('base64url')]);
  return `${HANDLE_PREFIX}${Buffer.from(raw, 'utf8').toString('base64url')}`;
}

/** The parts of a handle this emulator issued; undefined for anything else. */
export function parseReceiptHandle(handle: string): ReceiptHandleParts | undefined {
  if (!handle.startsWith(HANDLE_PREFIX)) return undefined;
  try {
    const v = JSON.parse(Buffer.from(handle.slice(HANDLE_PREFIX.length), 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(v) || v.length !== 4) return undefined;
    const [queueArn, messageId, seq] = v as [unknown, unknown, unknown];
    if (typeof queueArn !== 'string' || typeof messageId !== 'string' || typeof seq !== 'number') return undefined;
    return { queueArn, messageId, seq };
  } catch {
    return undefined;
  }
}

export const md5Hex = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

/**
 * MD5OfMessageAttributes as SQS computes it (Developer Guide, "Calculating the MD5 message digest
 * for message attributes"): attributes sorted by name; for each, the name, the data type (each as a
 * 4-byte big-endian length and its UTF-8 bytes), one transport byte (1 string or number, 2 binary)
 * and the value as a length and its bytes.
 */
export function md5OfMessageAttributes(attrs: Readonly<Record<string, MessageAttributeValue>>): string | undefined {
  const names = Object.keys(attrs).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  const lengthPrefixed = (b: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    parts.push(len, b);
  };
  for (const name of names) {
    const a = attrs[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(a.DataType, 'utf8'));
    if (a.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(a.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(a.StringValue ?? '', 'utf8'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

/** The queue's counts, as GetQueueAttributes names them. */
export interface QueueCounts {
  /** ApproximateNumberOfMessages: available now. */
  readonly available: number;
  /** ApproximateNumberOfMessagesNotVisible: in flight. */
  readonly inFlight: number;
  /** ApproximateNumberOfMessagesDelayed. */
  readonly delayed: number;
}

/** Running totals (benchmarks read them). */
export interface QueueTotals {
  sent: number;
  received: number;
  deleted: number;
  movedToDeadLetterQueue: number;
  expired: number;
}

export class Queue {
  readonly createdAt: number;
  lastModifiedAt: number;
  readonly tags: Record<string, string>;
  /** In arrival order (a standard queue's order is best effort; this one keeps it). */
  private readonly messages = new Map<string, StoredMessage>();
  private readonly events = new EventEmitter();
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  readonly totals: QueueTotals = { sent: 0, received: 0, deleted: 0, movedToDeadLetterQueue: 0, expired: 0 };

  constructor(
    readonly name: string,
    readonly arn: string,
    readonly url: string,
    public settings: QueueSettings,
    private readonly clock: Clock,
    tags: Readonly<Record<string, string>> = {},
  ) {
    this.createdAt = clock();
    this.lastModifiedAt = this.createdAt;
    this.tags = { ...tags };
    this.events.setMaxListeners(0);
  }

  /** Calls `listener` whenever a message may have become available or the counts changed. */
  onChange(listener: () => void): () => void {
    this.events.on('change', listener);
    this.scheduleWake();
    return () => {
      this.events.off('change', listener);
    };
  }

  private changed(): void {
    this.scheduleWake();
    this.events.emit('change');
  }

  /**
   * While someone listens, a timer fires when the next delayed or in-flight message becomes
   * available, so long polls and pollers wake without polling.
   */
  private scheduleWake(): void {
    if (this.events.listenerCount('change') === 0) return this.clearWake();
    const now = this.clock();
    let next = Infinity;
    for (const m of this.messages.values()) {
      const at = Math.max(m.availableAt, m.visibleUntil);
      if (at > now && at < next) next = at;
    }
    if (next === this.wakeAt && this.wakeTimer) return;
    this.clearWake();
    if (next === Infinity) return;
    this.wakeAt = next;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Infinity;
        this.changed();
      },
      Math.max(0, next - now) + 1,
    );
    this.wakeTimer.unref();
  }

  private clearWake(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
  }

  close(): void {
    this.clearWake();
    this.events.removeAllListeners();
  }

  /** Drops messages past the retention period. */
  private expire(now: number): void {
    const limit = this.settings.MessageRetentionPeriod * 1000;
    for (const [id, m] of this.messages)
      if (now - m.sentAt >= limit) {
        this.messages.delete(id);
        this.totals.expired++;
      }
  }

  counts(): QueueCounts {
    const now = this.clock();
    this.expire(now);
    let available = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const m of this.messages.values()) {
      if (m.availableAt > now) delayed++;
      else if (m.visibleUntil > now) inFlight++;
      else available++;
    }
    return { available, inFlight, delayed };
  }

  /** Whether the queue holds no message in any state. */
  get empty(): boolean {
    this.expire(this.clock());
    return this.messages.size === 0;
  }

  add(
    m: Omit<StoredMessage, 'availableAt' | 'visibleUntil' | 'receiveCount' | 'receiveSeq'>,
    delaySeconds: number,
  ): StoredMessage {
    const stored: StoredMessage = {
      ...m,
      availableAt: this.clock() + delaySeconds * 1000,
      visibleUntil: 0,
      receiveCount: 0,
      receiveSeq: 0,
    };
    this.messages.set(stored.id, stored);
    this.totals.sent++;
    this.changed();
    return stored;
  }

  /** A message moved here from a source queue by redrive (its state carried over, available at once). */
  adopt(m: StoredMessage, sourceArn: string): void {
    this.messages.set(m.id, {
      ...m,
      availableAt: this.clock(),
      visibleUntil: 0,
      deadLetterSourceArn: sourceArn,
    });
    this.changed();
  }

  /**
   * Receives up to `max` available messages, each in flight for `visibilitySeconds`. A message
   * already received maxReceiveCount times goes to `deadLetter` instead (when the queue has a
   * redrive policy and the target exists).
   */
  receive(max: number, visibilitySeconds: number, deadLetter: (arn: string) => Queue | undefined): ReceivedMessage[] {
    const now = this.clock();
    this.expire(now);
    const out: ReceivedMessage[] = [];
    const redrive = this.settings.RedrivePolicy;
    for (const m of [...this.messages.values()]) {
      if (out.length >= max) break;
      if (m.availableAt > now || m.visibleUntil > now) continue;
      if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
        const dlq = deadLetter(redrive.deadLetterTargetArn);
        if (dlq) {
          this.messages.delete(m.id);
          this.totals.movedToDeadLetterQueue++;
          dlq.adopt(m, this.arn);
          continue;
        }
      }
      m.receiveCount++;
      m.receiveSeq++;
      m.firstReceivedAt ??= now;
      m.receivedAt = now;
      m.visibleUntil = now + visibilitySeconds * 1000;
      this.totals.received++;
      out.push({
        message: m,
        receiptHandle: makeReceiptHandle({ queueArn: this.arn, messageId: m.id, seq: m.receiveSeq }),
      });
    }
    if (out.length > 0) this.changed();
    return out;
  }

  /**
   * DeleteMessage with a handle of this queue: 'deleted', 'stale' (an older receive's handle: the
   * message stays) or 'gone' (no such message any more: deleted before, expired or moved).
   */
  delete(h: ReceiptHandleParts): 'deleted' | 'stale' | 'gone' {
    const m = this.messages.get(h.messageId);
    if (!m) return 'gone';
    if (m.receiveSeq !== h.seq) return 'stale';
    this.messages.delete(m.id);
    this.totals.deleted++;
    this.changed();
    return 'deleted';
  }

  /**
   * ChangeMessageVisibility: 'changed'; 'not-in-flight' (the handle's receive is over: its
   * visibility timeout ran out or a newer receive took the message); 'gone'; or 'beyond-limit' when
   * the new timeout would end more than 12 hours after the receive (API_ChangeMessageVisibility:
   * "you can't extend the timeout of a message ... to more than a maximum visibility timeout of 12
   * hours").
   */
  changeVisibility(h: ReceiptHandleParts, seconds: number): 'changed' | 'not-in-flight' | 'gone' | 'beyond-limit' {
    const now = this.clock();
    this.expire(now);
    const m = this.messages.get(h.messageId);
    if (!m) return 'gone';
    if (m.receiveSeq !== h.seq || m.visibleUntil <= now) return 'not-in-flight';
    const until = now + seconds * 1000;
    if (until - (m.receivedAt ?? now) > 43_200_000) return 'beyond-limit';
    m.visibleUntil = until;
    this.changed();
    return 'changed';
  }

  /** The message a handle names, if it is still here (for tests and the poller's bookkeeping). */
  message(id: string): StoredMessage | undefined {
    return this.messages.get(id);
  }
}

/** A fresh message id (API_SendMessage: MessageId, "A unique identifier for the message"). */
export const newMessageId = (): string => randomUUID();
