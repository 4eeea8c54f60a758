// Object events: s3rver's events, enriched with version id and reason, become S3ObjectEvents, and
// an S3ObjectEvent becomes the event S3's EventBridge integration sends (S3 User Guide, "Amazon S3
// Event Notifications", "EventBridge event message structure").
import { buildArn, randomHex } from '../arn.js';
import { isoSeconds, type EventBridgeEvent } from '../eventbridge.js';
import type { KoaContext, S3rverRecord } from './s3rver.js';
import { requestOf, type S3ObjectEvent, type S3State } from './state.js';

/** The API call, as S3's EventBridge `detail.reason` names it. */
const REASONS: Record<string, string> = {
  PutObject: 'PutObject',
  PostObject: 'POST Object',
  CopyObject: 'CopyObject',
  CompleteMultipartUpload: 'CompleteMultipartUpload',
  DeleteObject: 'DeleteObject',
  DeleteObjects: 'DeleteObject',
};

let seq = 0n;
/** Sequencers only need to grow per key (S3 User Guide, "Event message structure"); a global counter does. */
export function sequencer(): string {
  seq += 1n;
  return (BigInt(Date.now()) * 1000n + (seq % 1000n)).toString(16).toUpperCase().padStart(16, '0');
}

/** The event S3's EventBridge integration sends for `e` (S3 User Guide, "EventBridge event message structure"). */
export function toEventBridgeEvent(
  s: S3State,
  e: S3ObjectEvent,
): Omit<EventBridgeEvent, 'version' | 'id'> & { id?: string } {
  const created = e.type.startsWith('ObjectCreated');
  const accountId = s.accountId;
  return {
    'detail-type': created ? 'Object Created' : 'Object Deleted',
    source: 'aws.s3',
    account: accountId,
    time: isoSeconds(e.time),
    region: s.region,
    resources: [buildArn('s3', '', '', e.bucket)],
    detail: {
      version: '0',
      bucket: { name: e.bucket },
      object: {
        key: e.key,
        ...(created ? { size: e.size, etag: e.etag } : {}),
        ...(e.versionId !== undefined ? { 'version-id': e.versionId } : {}),
        sequencer: e.sequencer,
      },
      'request-id': e.requestId,
      requester: accountId,
      'source-ip-address': e.sourceIp,
      reason: e.reason,
      ...(created
        ? {}
        : {
            'deletion-type':
              e.type === 'ObjectRemoved:DeleteMarkerCreated' ? 'Delete Marker Created' : 'Permanently Deleted',
          }),
    },
  };
}

/** Re-emits s3rver's events as S3ObjectEvents, with the version id and reason of the request in flight. */
export function onS3rverEvent(s: S3State, e: { Records: S3rverRecord[] }, ctx: KoaContext | undefined): void {
  const info = requestOf(ctx);
  for (const r of e.Records) {
    const created = r.eventName.startsWith('ObjectCreated');
    const operation = info?.operation ?? (created ? 'PutObject' : 'DeleteObject');
    let type = r.eventName;
    if (operation === 'CompleteMultipartUpload') type = 'ObjectCreated:CompleteMultipartUpload';
    if (!created && info?.deleteMarker) type = 'ObjectRemoved:DeleteMarkerCreated';
    const event: S3ObjectEvent = {
      type,
      bucket: r.s3.bucket.name,
      key: r.s3.object.key,
      ...(created
        ? { size: r.s3.object.size ?? 0, ...(r.s3.object.eTag !== undefined ? { etag: r.s3.object.eTag } : {}) }
        : {}),
      ...(info?.versionId !== undefined ? { versionId: info.versionId } : {}),
      sequencer: sequencer(),
      time: new Date(r.eventTime),
      reason: REASONS[operation] ?? operation,
      requestId: info?.requestId ?? randomHex(8).toUpperCase(),
      sourceIp: '127.0.0.1',
    };
    s.emitter.emit('object', event);
  }
}
