// The objects' bytes and metadata, held in memory: a store with the interface of s3rver's own
// FilesystemStore (lib/stores/filesystem.js, which s3rver's controllers call through `ctx.store`),
// put in its place when the emulator starts.
//
// Why not s3rver's files: a PutObject there is about twenty file operations (the bytes, their MD5
// and the metadata in three files, each written, then read back for the version history), and a
// burst of uploads spent more CPU on them than on everything else S3 does. In memory an object is
// replaced in one step, so a read sees the old object or the new one whole, never a mix (S3 User
// Guide, "Amazon S3 data consistency model"), and a key may be any UTF-8 string S3 accepts,
// including ones that are not file names (`x/../y`, `./q`).
//
// What a store answers is s3rver's: `getMetadata` gives the stored headers with `etag` (the quoted
// MD5), `last-modified` (an HTTP date) and `content-length`, and throws ENOENT for a missing
// object; `getObject` returns an S3Object with a stream of the requested range, or null.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { s3rver, type S3rverObject, type S3rverStore } from './s3rver.js';
import { readAll } from './wire.js';

interface StoredObject {
  readonly content: Buffer;
  /** The headers s3rver keeps for an object (S3Object.ALLOWED_METADATA and x-amz-meta-*). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly md5: string;
  readonly modified: Date;
}

interface StoredBucket {
  readonly created: Date;
  readonly objects: Map<string, StoredObject>;
  /** Subresource XML (tagging of an object, cors or website of the bucket) by `key\0type`. */
  readonly subresources: Map<string, string>;
  readonly uploads: Map<string, { key: string; metadata: Record<string, string>; parts: Map<number, Buffer> }>;
}

interface ConfigResource {
  readonly type: string;
  toXML(space?: number): string;
}

const notFound = (what: string): Error => Object.assign(new Error(`ENOENT: ${what}`), { code: 'ENOENT' });

const bytesOf = async (content: unknown): Promise<Buffer> =>
  Buffer.isBuffer(content)
    ? Buffer.from(content)
    : typeof content === 'string'
      ? Buffer.from(content)
      : content
        ? readAll(content as NodeJS.ReadableStream)
        : Buffer.alloc(0);

const md5Of = (b: Buffer): string => createHash('md5').update(b).digest('hex');

let allowedMetadata: ReadonlySet<string> | undefined;

/** What FilesystemStore.putMetadata keeps of an object's headers. */
function keptMetadata(metadata: Readonly<Record<string, unknown>>): Record<string, string> {
  const allowed = (allowedMetadata ??= new Set(s3rver().S3Object.ALLOWED_METADATA));
  const kept: Record<string, string> = {};
  for (const [h, v] of Object.entries(metadata))
    if (v !== undefined && (allowed.has(h) || h.startsWith('x-amz-meta-'))) kept[h] = String(v);
  return kept;
}

export class MemoryStore implements S3rverStore {
  private readonly buckets = new Map<string, StoredBucket>();

  private bucket(name: string): StoredBucket {
    const b = this.buckets.get(name);
    if (!b) throw notFound(name);
    return b;
  }

  private find(bucket: string, key: string): StoredObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  /** Every key of `bucket`, in no particular order (listings sort them). */
  keys(bucket: string): IterableIterator<string> {
    return (this.buckets.get(bucket)?.objects ?? new Map<string, StoredObject>()).keys();
  }

  reset(): void {
    this.buckets.clear();
  }

  async listBuckets(): Promise<unknown[]> {
    return [...this.buckets]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, b]) => new (s3rver().S3Bucket)(name, b.created));
  }

  async getBucket(name: string): Promise<unknown> {
    const b = this.buckets.get(name);
    return b ? new (s3rver().S3Bucket)(name, b.created) : null;
  }

  async putBucket(name: string): Promise<unknown> {
    if (!this.buckets.has(name))
      this.buckets.set(name, { created: new Date(), objects: new Map(), subresources: new Map(), uploads: new Map() });
    return this.getBucket(name);
  }

  async deleteBucket(name: string): Promise<void> {
    this.buckets.delete(name);
  }

  /**
   * s3rver's listing. Its one caller is s3rver's DeleteBucket, which asks for one key to refuse a
   * bucket that is not empty; the listings S3 answers are listings.ts's, in S3's key order.
   */
  async listObjects(
    bucket: string,
    options: { delimiter?: string; startAfter?: string; prefix?: string; maxKeys?: number },
  ): Promise<{ objects: unknown[]; commonPrefixes: string[]; isTruncated: boolean }> {
    const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
    const keys: string[] = [];
    const commonPrefixes = new Set<string>();
    let isTruncated = false;
    for (const key of [...this.keys(bucket)].sort()) {
      if (key <= startAfter || !key.startsWith(prefix)) continue;
      const at = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (at >= 0) {
        commonPrefixes.add(key.slice(0, at + delimiter.length));
        continue;
      }
      if (keys.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      keys.push(key);
    }
    const { S3Object } = s3rver();
    const objects = await Promise.all(
      keys.map(async (k) => new S3Object(bucket, k, null, await this.getMetadata(bucket, k))),
    );
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
  }

  async existsObject(bucket: string, key: string): Promise<boolean> {
    return this.find(bucket, key) !== undefined;
  }

  async getMetadata(bucket: string, key: string): Promise<Record<string, string>> {
    const o = this.find(bucket, key);
    if (!o) throw notFound(`${bucket}/${key}`);
    return metadataOf(o);
  }

  /** The object's bytes and headers as getObject would give them, without a stream: for the version history. */
  current(
    bucket: string,
    key: string,
  ): { readonly body: Buffer; readonly headers: Record<string, string> } | undefined {
    const o = this.find(bucket, key);
    return o && { body: o.content, headers: metadataOf(o) };
  }

  async getObject(
    bucket: string,
    key: string,
    options?: { start?: number; end?: number },
  ): Promise<S3rverObject | null> {
    const o = this.find(bucket, key);
    if (!o) return null;
    const { S3Object } = s3rver();
    const lastByte = Math.max(0, o.content.length - 1);
    const range = { start: options?.start ?? 0, end: Math.min(options?.end ?? Infinity, lastByte) };
    const ranged = options !== undefined && (options.start !== undefined || Boolean(options.end));
    // An unsatisfiable range: no content, and the controller answers 416 (as FilesystemStore).
    const satisfiable = range.start >= 0 && range.start <= range.end;
    const content = satisfiable ? Readable.from(o.content.subarray(range.start, range.end + 1)) : null;
    const object = new S3Object(bucket, key, content, metadataOf(o)) as S3rverObject & { range?: typeof range };
    if (ranged) object.range = range;
    return object;
  }

  async putObject(object: unknown): Promise<{ size: number; md5: string }> {
    const { bucket, key, content, metadata } = object as {
      bucket: string;
      key: string;
      content: unknown;
      metadata: Record<string, unknown>;
    };
    const b = this.bucket(bucket);
    const bytes = await bytesOf(content);
    const md5 = md5Of(bytes);
    b.objects.set(key, { content: bytes, metadata: keptMetadata(metadata), md5, modified: new Date() });
    return { size: bytes.length, md5 };
  }

  async copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata: Record<string, unknown> | null,
  ): Promise<Record<string, string>> {
    const src = this.find(srcBucket, srcKey);
    if (!src) throw notFound(`${srcBucket}/${srcKey}`);
    const metadata = replacementMetadata ? keptMetadata(replacementMetadata) : src.metadata;
    this.bucket(destBucket).objects.set(destKey, { ...src, metadata, modified: new Date() });
    return this.getMetadata(destBucket, destKey);
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    this.buckets.get(bucket)?.objects.delete(key);
  }

  async initiateUpload(
    bucket: string,
    key: string,
    uploadId: string,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    this.bucket(bucket).uploads.set(uploadId, { key, metadata: keptMetadata(metadata), parts: new Map() });
  }

  async putPart(
    bucket: string,
    uploadId: string,
    partNumber: number | string,
    content: unknown,
  ): Promise<{ size: number; md5: string }> {
    const upload = this.bucket(bucket).uploads.get(uploadId);
    if (!upload) throw notFound(`upload ${uploadId}`);
    const bytes = await bytesOf(content);
    upload.parts.set(Number(partNumber), bytes);
    return { size: bytes.length, md5: md5Of(bytes) };
  }

  async putObjectMultipart(
    bucket: string,
    uploadId: string,
    parts: readonly { number: number | string }[],
  ): Promise<{ size: number; md5: string }> {
    const b = this.bucket(bucket);
    const upload = b.uploads.get(uploadId);
    if (!upload) throw notFound(`upload ${uploadId}`);
    const ordered = [...parts].sort((x, y) => Number(x.number) - Number(y.number));
    const content = Buffer.concat(
      ordered.map((p) => {
        const part = upload.parts.get(Number(p.number));
        if (!part) throw notFound(`upload ${uploadId} part ${p.number}`);
        return part;
      }),
    );
    b.uploads.delete(uploadId);
    return this.putObject({ bucket, key: upload.key, content, metadata: upload.metadata });
  }

  async getSubresource(bucket: string, key: string | undefined, type: string): Promise<ConfigResource | null> {
    const xml = this.buckets.get(bucket)?.subresources.get(`${key ?? ''}\0${type}`);
    const Model = s3rver().configModel(type);
    return xml === undefined || !Model ? null : new Model(xml);
  }

  async putSubresource(bucket: string, key: string | undefined, resource: unknown): Promise<void> {
    const r = resource as ConfigResource;
    this.bucket(bucket).subresources.set(`${key ?? ''}\0${r.type}`, r.toXML(2));
  }

  async deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void> {
    this.buckets.get(bucket)?.subresources.delete(`${key ?? ''}\0${type}`);
  }
}

function metadataOf(o: StoredObject): Record<string, string> {
  return {
    ...o.metadata,
    etag: JSON.stringify(o.md5),
    'last-modified': o.modified.toUTCString(),
    'content-length': String(o.content.length),
  };
}
