// S3's wire format as the emulator reads and writes it: the REST-XML documents
// (https://docs.aws.amazon.com/AmazonS3/latest/API/Welcome.html), the XML error document
// (ErrorResponses.html), and the headers and query parameters of a request.
import { Readable } from 'node:stream';
import type { KoaContext } from './s3rver.js';

export const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** An S3 error: its code, message and HTTP status, answered as S3's XML error document. */
export class S3HttpError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** ErrorResponses.html, "REST error responses": `<Error><Code/><Message/><RequestId/></Error>`. */
export function errorDocument(e: S3HttpError, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(e.code)}</Code><Message>${xmlEscape(e.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
}

/** 400 MalformedXML: a configuration document S3 would not accept (ErrorResponses.html). */
export function malformedXml(): S3HttpError {
  return new S3HttpError(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
    400,
  );
}

/** Answers an XML document with status 200. */
export function sendXml(ctx: KoaContext, xml: string): void {
  ctx.type = 'application/xml';
  ctx.body = xml;
  ctx.status = 200;
}

/** Answers an empty 204 (the DeleteBucket* configuration calls). */
export function sendNoContent(ctx: KoaContext): void {
  ctx.status = 204;
  ctx.body = null;
}

/** Tags of a `<Tagging><TagSet><Tag><Key/><Value/></Tag>...` document. */
export function tagsFromXml(xml: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const m of xml.matchAll(/<Tag>\s*<Key>([\s\S]*?)<\/Key>\s*<Value>([\s\S]*?)<\/Value>\s*<\/Tag>/g))
    tags[xmlUnescape(m[1]!)] = xmlUnescape(m[2]!);
  return tags;
}

/** A `<Tagging>` document of tags (API_PutObjectTagging, request body). */
export function taggingXml(tags: readonly (readonly [string, string])[]): string {
  return `<Tagging><TagSet>${tags.map(([k, v]) => `<Tag><Key>${xmlEscape(k)}</Key><Value>${xmlEscape(v)}</Value></Tag>`).join('')}</TagSet></Tagging>`;
}

export function xmlUnescape(s: string): string {
  return s.replace(/&(lt|gt|amp|apos|quot|#x?[0-9a-fA-F]+);/g, (m, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };
    if (named[e]) return named[e];
    const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : m;
  });
}

export function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export function header(ctx: KoaContext, name: string): string | undefined {
  const v = ctx.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A query parameter's value (the first, when it is repeated). */
export function queryParam(ctx: KoaContext, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `x-amz-tagging`: URL query encoded; at most 10 tags, unique keys of 1-128 and values of 0-256 chars (S3 User Guide, "Categorizing your storage using tags"). */
export function parseTagging(value: string | undefined): [string, string][] | undefined {
  if (value === undefined) return undefined;
  const params = new URLSearchParams(value);
  const tags = [...params.entries()];
  const keys = new Set(tags.map(([k]) => k));
  if (tags.length > 10) throw new S3HttpError('BadRequest', 'Object tags cannot be greater than 10', 400);
  if (keys.size !== tags.length)
    throw new S3HttpError('InvalidTag', 'Cannot provide multiple Tags with the same key', 400);
  for (const [k, v] of tags) {
    if (k.length < 1 || k.length > 128)
      throw new S3HttpError('InvalidTag', 'The TagKey you have provided is invalid', 400);
    if (v.length > 256)
      throw new S3HttpError('InvalidTag', 'The TagValue you have provided is too long, max length is 256', 400);
  }
  return tags;
}

/** `x-amz-copy-source`: `[/]bucket/key[?versionId=id]`, URL-encoded (API_CopyObject). */
export function parseCopySource(value: string): { bucket: string; key: string; versionId?: string } {
  const [pathPart, queryPart] = value.replace(/^\//, '').split('?', 2) as [string, string | undefined];
  const slash = pathPart.indexOf('/');
  const bucket = safeDecode(slash < 0 ? pathPart : pathPart.slice(0, slash));
  const key = slash < 0 ? '' : safeDecode(pathPart.slice(slash + 1));
  const versionId = queryPart ? (new URLSearchParams(queryPart).get('versionId') ?? undefined) : undefined;
  return { bucket, key, ...(versionId ? { versionId } : {}) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** One `<Object>` of a DeleteObjects body (API_DeleteObjects, "ObjectIdentifier"), with its own XML. */
export interface DeleteEntry {
  readonly key: string;
  readonly versionId?: string;
  readonly xml: string;
}

export function deleteEntries(xml: string): DeleteEntry[] {
  return [...xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map((m) => {
    const versionId = /<VersionId>([\s\S]*?)<\/VersionId>/.exec(m[1]!)?.[1];
    return {
      key: xmlUnescape(/<Key>([\s\S]*?)<\/Key>/.exec(m[1]!)?.[1] ?? ''),
      ...(versionId !== undefined ? { versionId: xmlUnescape(versionId) } : {}),
      xml: m[0],
    };
  });
}

/** Gives s3rver, which reads request bodies from ctx.req, `body` instead of the consumed stream. */
export function replaceBody(ctx: KoaContext, body: Buffer): void {
  const original = ctx.req as NodeJS.ReadableStream & { headers?: unknown };
  ctx.req = Object.assign(Readable.from([body]), { headers: original.headers });
}
