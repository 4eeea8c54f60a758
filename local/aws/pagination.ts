// One helper for the opaque page tokens of the emulators' list operations: Secrets Manager's and
// ACM PCA's `NextToken`, KMS's `Marker`/`NextMarker`, EventBridge's, MSK's and Step Functions'
// `NextToken`/`nextToken`, S3's ListObjectsV2 `ContinuationToken`.
//
// Every API reference calls these tokens opaque: a client passes back what it was given and nothing
// else (e.g. API_ListSecrets: "NextToken ... a token that indicates where the output should
// continue from"; API_ListObjectsV2: "NextContinuationToken ... is obfuscated and is not a real
// key"). A token here is the position its listing continues from, sealed with AES-256-GCM under a
// key of this process, with the listing's name as additional authenticated data. So a token is
// opaque to the client, a forged or truncated one fails authentication, and one issued by another
// listing (another operation, another bucket, another secret's versions, another filter) fails
// too; each case answers the error the service documents for an invalid token, which the caller
// names (InvalidNextTokenException, InvalidMarkerException, InvalidToken, InvalidArgument, ...).
//
// Page sizes (`MaxResults`, `Limit`, `max-keys`) have per-operation bounds and defaults, from the
// API references; `pageSize` checks them and the caller names the error, as each service words it.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Where a listing continues: an offset into it, or a key to continue after (S3), or a tuple. */
export type Position = number | string | readonly (number | string)[];

const IV = 12;
const TAG = 16;

/** Bounds of a page size: the API reference's minimum, maximum and the default when absent. */
export interface SizeBounds {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/**
 * A request's page size: `raw` when it is an integer within `bounds`, `bounds.default` when absent
 * (undefined or null); otherwise the error `invalid` makes from the rejected value.
 */
export function pageSize(raw: unknown, bounds: SizeBounds, invalid: (value: unknown) => Error): number {
  if (raw === undefined || raw === null) return bounds.default;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < bounds.min || raw > bounds.max) throw invalid(raw);
  return raw;
}

/** One page of a listing and, when more follow, the token of the next. */
export interface Page<T> {
  readonly items: T[];
  readonly next?: string;
}

/** Seals and opens the page tokens of one emulator; its key lives as long as the emulator. */
export class PageTokens {
  private readonly key = randomBytes(32);

  /** An opaque token that continues `listing` from `position`. */
  seal(listing: string, position: Position): string {
    const iv = randomBytes(IV);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(listing, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify(position), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /**
   * The position a token of `listing` continues from. A token that is not a string, not one this
   * emulator sealed, or sealed for another listing throws `invalid()`.
   */
  open(token: unknown, listing: string, invalid: () => Error): Position {
    if (typeof token !== 'string') throw invalid();
    const raw = Buffer.from(token, 'base64url');
    if (raw.length <= IV + TAG) throw invalid();
    let position: unknown;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV));
      decipher.setAAD(Buffer.from(listing, 'utf8'));
      decipher.setAuthTag(raw.subarray(IV, IV + TAG));
      position = JSON.parse(
        Buffer.concat([decipher.update(raw.subarray(IV + TAG)), decipher.final()]).toString('utf8'),
      );
    } catch {
      throw invalid();
    }
    return position as Position;
  }

  /**
   * The page of `items` that `token` continues to (the first page when the token is absent:
   * undefined, null or empty), `size` items long, with the token of the next page when more follow.
   * Positions are offsets into `items`.
   */
  page<T>(
    items: readonly T[],
    opts: { readonly listing: string; readonly size: number; readonly token: unknown; readonly invalid: () => Error },
  ): Page<T> {
    let start = 0;
    if (opts.token !== undefined && opts.token !== null && opts.token !== '') {
      const at = this.open(opts.token, opts.listing, opts.invalid);
      if (typeof at !== 'number' || !Number.isInteger(at) || at < 0) throw opts.invalid();
      start = at;
    }
    const end = start + opts.size;
    return {
      items: items.slice(start, end),
      ...(end < items.length ? { next: this.seal(opts.listing, end) } : {}),
    };
  }
}
