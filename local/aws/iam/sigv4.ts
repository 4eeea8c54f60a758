// Verifies an AWS Signature Version 4 `Authorization` header (IAM User Guide, "Create a signed AWS
// API request": canonical request, string to sign, signing key, signature). Used by the gateway
// when signature checking is turned on (`startLocalAws({ iam, verifySignatures: true })`).
//
// The canonical URI of every service but S3 is the path as sent, URI-encoded once more (SigV4:
// "Each path segment must be URI-encoded twice ... except for Amazon S3"); the canonical query
// string is every parameter, URI-encoded, sorted by name then value; the canonical headers are the
// SignedHeaders, lowercase, values trimmed with inner runs of spaces folded to one.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface SignedRequest {
  readonly method: string;
  /** The request target as received: path and query, still percent-encoded. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export type SignatureCheck =
  { readonly ok: true } | { readonly ok: false; readonly reason: 'malformed' | 'mismatch' | 'unknown-key' };

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/;

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX. */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Checks the request's signature against the secret key of its access key id. */
export function verifySignature(
  req: SignedRequest,
  secretFor: (accessKeyId: string) => string | undefined,
): SignatureCheck {
  const m = AUTH_RE.exec(header(req.headers, 'authorization') ?? '');
  if (!m) return { ok: false, reason: 'malformed' };
  const [, akid, date, region, service, signedHeaders, signature] = m as unknown as string[];
  const secret = secretFor(akid!);
  if (secret === undefined) return { ok: false, reason: 'unknown-key' };
  const amzDate = header(req.headers, 'x-amz-date');
  if (!amzDate || !amzDate.startsWith(date!)) return { ok: false, reason: 'malformed' };

  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const rawQuery = q < 0 ? '' : req.url.slice(q + 1);
  const canonicalUri =
    service === 's3'
      ? rawPath
      : rawPath
          .split('/')
          .map((seg) => encode(seg))
          .join('/');
  const canonicalQuery = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      return [decode(eq < 0 ? p : p.slice(0, eq)), decode(eq < 0 ? '' : p.slice(eq + 1))] as const;
    })
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders!.split(';');
  const canonicalHeaders = names
    .map((n) => `${n}:${(header(req.headers, n) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const payloadHash =
    header(req.headers, 'x-amz-content-sha256') ?? createHash('sha256').update(req.body).digest('hex');
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date!).digest();
  for (const part of [region!, service!, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const expected = createHmac('sha256', key).update(stringToSign).digest();
  const given = Buffer.from(signature!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? { ok: true }
    : { ok: false, reason: 'mismatch' };
}
