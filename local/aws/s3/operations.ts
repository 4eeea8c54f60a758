// Which S3 operation a request is, and the checks S3 makes on the request line before anything
// else (S3 API reference, each operation's "Request Syntax").
import { randomChars } from '../arn.js';
import type { KoaContext } from './s3rver.js';
import { S3HttpError, queryParam } from './wire.js';

/** Operation name (as in the S3 API reference) of a path-style request. */
export function s3OperationOf(
  method: string,
  path: string,
  query: Record<string, unknown>,
  headers: Record<string, unknown>,
): string {
  const parts = path.split('/').filter(Boolean);
  const has = (q: string) => q in query;
  if (parts.length === 0) return 'ListBuckets';
  if (parts.length === 1) {
    const sub = [
      'versioning',
      'notification',
      'tagging',
      'cors',
      'website',
      'location',
      'policy',
      'lifecycle',
      'encryption',
      'acl',
      'versions',
      'uploads',
      'delete',
    ].find(has);
    const cap = (s: string) =>
      ({
        versioning: 'Versioning',
        notification: 'NotificationConfiguration',
        tagging: 'Tagging',
        cors: 'Cors',
        website: 'Website',
        location: 'Location',
        policy: 'Policy',
        lifecycle: 'LifecycleConfiguration',
        encryption: 'Encryption',
        acl: 'Acl',
      })[s] ?? s;
    switch (method) {
      case 'PUT':
        return sub ? `PutBucket${cap(sub)}` : 'CreateBucket';
      case 'DELETE':
        return sub ? `DeleteBucket${cap(sub)}` : 'DeleteBucket';
      case 'HEAD':
        return 'HeadBucket';
      case 'POST':
        return sub === 'delete' ? 'DeleteObjects' : 'PostObject';
      default:
        if (sub === 'versions') return 'ListObjectVersions';
        if (sub === 'uploads') return 'ListMultipartUploads';
        if (sub) return `GetBucket${cap(sub)}`;
        return query['list-type'] === '2' ? 'ListObjectsV2' : 'ListObjects';
    }
  }
  switch (method) {
    case 'PUT':
      if (has('tagging')) return 'PutObjectTagging';
      if (has('uploadId')) return 'x-amz-copy-source' in headers ? 'UploadPartCopy' : 'UploadPart';
      return 'x-amz-copy-source' in headers ? 'CopyObject' : 'PutObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      return 'PostObject';
    case 'DELETE':
      if (has('uploadId')) return 'AbortMultipartUpload';
      return has('tagging') ? 'DeleteObjectTagging' : 'DeleteObject';
    case 'HEAD':
      return 'HeadObject';
    default:
      if (has('tagging')) return 'GetObjectTagging';
      if (has('acl')) return 'GetObjectAcl';
      if (has('uploadId')) return 'ListParts';
      return 'GetObject';
  }
}

export function randomVersionId(): string {
  return randomChars(32, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._');
}

/** Operations that create an object under the request's key. */
const KEY_WRITES = new Set(['PutObject', 'CopyObject', 'CreateMultipartUpload', 'UploadPart', 'UploadPartCopy']);
/** Object operations that take a `versionId` query parameter. */
const VERSIONED_OPERATIONS = new Set([
  'GetObject',
  'HeadObject',
  'DeleteObject',
  'GetObjectTagging',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'GetObjectAcl',
]);

/** The version ids this emulator issues (randomVersionId), and S3's `null` version. */
export const VERSION_ID = /^(?:null|[A-Za-z0-9._]{32})$/;

/**
 * Checks S3 makes on the request line before anything else:
 * - a key is at most 1,024 bytes of UTF-8 (S3 User Guide, "Naming Amazon S3 objects"); a write of
 *   a longer one is 400 KeyTooLongError "Your key is too long" (ErrorResponses.html, "List of error
 *   codes"); no object can have such a key, so any other object call answers NoSuchKey;
 * - a version id S3 cannot decode is 400 InvalidArgument "Invalid version id specified" (an empty
 *   one "Version id cannot be the empty string"), not 404: only a well-formed id of a version that
 *   does not exist is 404 NoSuchVersion (API_GetObject, "Errors").
 */
export function checkObjectRequest(ctx: KoaContext, operation: string, key: string): void {
  if (key !== '' && Buffer.byteLength(key, 'utf8') > 1024) {
    if (KEY_WRITES.has(operation)) throw new S3HttpError('KeyTooLongError', 'Your key is too long', 400);
    throw new S3HttpError('NoSuchKey', 'The specified key does not exist.', 404);
  }
  if (!VERSIONED_OPERATIONS.has(operation) || !('versionId' in ctx.query)) return;
  const id = queryParam(ctx, 'versionId');
  if (id === undefined || id === '')
    throw new S3HttpError('InvalidArgument', 'Version id cannot be the empty string', 400);
  if (!VERSION_ID.test(id)) throw new S3HttpError('InvalidArgument', 'Invalid version id specified', 400);
}
