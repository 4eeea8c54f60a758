// Conditional requests: the preconditions of reads (GetObject, HeadObject) and of writes
// (PutObject, CopyObject, CompleteMultipartUpload), with the HTTP semantics S3 follows (RFC 7232).
import type { KoaContext } from './s3rver.js';
import { S3HttpError, header } from './wire.js';

/** The precondition headers of GetObject and HeadObject (RFC 7232). */
export const CONDITION_HEADERS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'] as const;

/** 412 PreconditionFailed (ErrorResponses.html, "List of error codes"). */
export function preconditionFailed(): S3HttpError {
  return new S3HttpError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
}

/** An ETag list of If-Match / If-None-Match (RFC 7232 section 3.1): `*` or quoted tags, weak or strong. */
function etagMatches(condition: string, etag: string): boolean {
  const bare = (t: string) => t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  return condition.split(',').some((c) => c.trim() === '*' || bare(c) === bare(etag));
}

/** An HTTP date (RFC 7231 section 7.1.1.1) in whole seconds; undefined when it does not parse (the condition is then ignored). */
function httpDateSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

/**
 * GetObject / HeadObject preconditions (API_GetObject, "If-Match", "If-Modified-Since",
 * "If-None-Match", "If-Unmodified-Since"; RFC 7232 section 6 for their order): If-Match false, or
 * (without If-Match) If-Unmodified-Since false, is 412 PreconditionFailed; If-None-Match false, or
 * (without If-None-Match) If-Modified-Since false, is 304 Not Modified. So If-Match true with
 * If-Unmodified-Since false serves the object, and If-None-Match false with If-Modified-Since true
 * is 304, as API_GetObject states. Dates compare in whole seconds (Last-Modified's resolution); a
 * date that does not parse is ignored. Returns true when the 304 answer is set. The headers are
 * then removed, so s3rver (which evaluates two of them its own way) does not decide again.
 */
export function notModified(ctx: KoaContext, etag: string, lastModified: Date): boolean {
  const seconds = Math.floor(lastModified.getTime() / 1000);
  const ifMatch = header(ctx, 'if-match');
  const ifNoneMatch = header(ctx, 'if-none-match');
  const unmodifiedSince = httpDateSeconds(header(ctx, 'if-unmodified-since'));
  const modifiedSince = httpDateSeconds(header(ctx, 'if-modified-since'));
  for (const h of CONDITION_HEADERS) delete ctx.headers[h];
  if (ifMatch !== undefined ? !etagMatches(ifMatch, etag) : unmodifiedSince !== undefined && seconds > unmodifiedSince)
    throw preconditionFailed();
  const notModified =
    ifNoneMatch !== undefined
      ? etagMatches(ifNoneMatch, etag)
      : modifiedSince !== undefined && seconds <= modifiedSince;
  if (!notModified) return false;
  ctx.status = 304;
  ctx.body = null;
  ctx.set('etag', etag);
  ctx.set('last-modified', lastModified.toUTCString());
  return true;
}

/** Serializes the operations on each key: one waits for the ones before it. */
export class KeyLocks {
  private readonly locks = new Map<string, Promise<void>>();

  /** Waits for the operations on `id` before this one; the result releases the key. */
  async lock(id: string): Promise<() => void> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const chained = previous.then(() => mine);
    this.locks.set(id, chained);
    await previous;
    return () => {
      release();
      if (this.locks.get(id) === chained) this.locks.delete(id);
    };
  }
}

/**
 * Conditional writes (API_PutObject, API_CopyObject, API_CompleteMultipartUpload: "If-None-Match",
 * "If-Match"; S3 User Guide, "How to prevent object overwrites with conditional writes"):
 * `If-None-Match: *` writes only when the key has no current object (a delete marker counts as
 * none), else 412 PreconditionFailed; `If-Match: <etag>` writes only over the current object with
 * that ETag, else 412, and 404 NoSuchKey when there is none. If-None-Match takes `*` only; another
 * value is 501 NotImplemented. The caller holds the key's lock (KeyLocks), so of two racing
 * `If-None-Match: *` writes exactly one succeeds and the other gets 412 (AWS may answer the
 * loser 409 ConditionalRequestConflict instead; callers handle both). `write` does the write.
 */
export async function conditionalWrite(
  ctx: KoaContext,
  bucket: string,
  key: string,
  write: () => Promise<void>,
): Promise<void> {
  const noneMatch = header(ctx, 'if-none-match');
  const match = header(ctx, 'if-match');
  if (noneMatch === undefined && match === undefined) return write();
  if (noneMatch !== undefined && noneMatch.trim() !== '*')
    throw new S3HttpError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501);
  const current = await ctx.store.getMetadata(bucket, key).catch(() => undefined);
  if (noneMatch !== undefined && current) throw preconditionFailed();
  if (match !== undefined) {
    if (!current) throw new S3HttpError('NoSuchKey', 'The specified key does not exist.', 404);
    if (!etagMatches(match, current.etag ?? '')) throw preconditionFailed();
  }
  await write();
}
