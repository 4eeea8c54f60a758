// The third-party s3rver (@20minutes/s3rver, a CommonJS Koa app) that stores the objects: minimal
// typings for the parts of it the emulator uses, and its modules, loaded once.
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Readable } from 'node:stream';

const require = createRequire(import.meta.url);

export interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  ip: string;
  status: number;
  body: unknown;
  type: string;
  store: S3rverStore;
  set(name: string, value: string): void;
  remove(name: string): void;
  request: { body?: unknown };
  req: NodeJS.ReadableStream;
  /** Koa's per-request namespace: the emulator keeps the request's RequestInfo here (state.ts). */
  state: Record<string, unknown>;
}
export type Next = () => Promise<void>;
type KoaMiddleware = (ctx: KoaContext, next: Next) => Promise<void>;

export interface S3rverObject {
  metadata: Record<string, string>;
  content: Readable | null;
}

export interface S3rverStore {
  getBucket(name: string): Promise<unknown>;
  putBucket(name: string): Promise<unknown>;
  getObject(bucket: string, key: string): Promise<S3rverObject | null>;
  getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
  putObject(object: unknown): Promise<unknown>;
  deleteObject(bucket: string, key: string): Promise<void>;
  existsObject?(bucket: string, key: string): Promise<boolean>;
  getSubresource?(bucket: string, key: string, type: string): Promise<{ toXML(): string } | null>;
  putSubresource(bucket: string, key: string, resource: unknown): Promise<void>;
  deleteSubresource(bucket: string, key: string, type: string): Promise<void>;
}

export interface S3rverRecord {
  eventName: string;
  eventTime: string;
  s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer: string } };
}

export interface S3rverApp {
  middleware: KoaMiddleware[];
  store: S3rverStore;
  /** Koa's prototype of every request's `ctx`. */
  context: { store: S3rverStore };
  httpServer?: Server;
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  /** An object event, with the request that caused it (local/patches: s3rver passes its `ctx`). */
  on(event: 'event', listener: (e: { Records: S3rverRecord[] }, ctx: KoaContext) => void): void;
}

interface S3rverModules {
  readonly S3rver: new (opts: Record<string, unknown>) => S3rverApp;
  /** s3rver's object model: what its store's putObject takes and getObject returns. */
  readonly S3Object: (new (
    bucket: string,
    key: string,
    content: Buffer | NodeJS.ReadableStream | null,
    metadata: Record<string, string>,
  ) => S3rverObject) & { readonly ALLOWED_METADATA: readonly string[] };
  /** s3rver's bucket model: what its store's getBucket returns. */
  readonly S3Bucket: new (name: string, creationDate: Date) => unknown;
  /** s3rver's subresource models (cors, website, tagging) by type, as its store rebuilds them from XML. */
  readonly configModel: (
    type: string,
  ) => (new (xml: string) => { readonly type: string; toXML(space?: number): string }) | undefined;
  /** s3rver's tagging subresource: validates `<Tagging>` XML into what putSubresource stores. */
  readonly TaggingConfiguration: { validate(xml: string): unknown };
  /** s3rver's one account, whose key pairs it checks signatures with. */
  readonly accounts: {
    registry: Map<string, unknown>;
    DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secret: string): void };
  };
}

interface ConfigModule {
  readonly TaggingConfiguration: S3rverModules['TaggingConfiguration'];
  readonly getConfigModel: S3rverModules['configModel'];
}

const configModels = (m: ConfigModule) => ({
  TaggingConfiguration: m.TaggingConfiguration,
  configModel: m.getConfigModel,
});

let loaded: S3rverModules | undefined;

/** s3rver's modules, required on first use (importing the emulator stays cheap). */
export function s3rver(): S3rverModules {
  loaded ??= {
    S3rver: require('@20minutes/s3rver') as S3rverModules['S3rver'],
    S3Object: require('@20minutes/s3rver/lib/models/object') as S3rverModules['S3Object'],
    S3Bucket: require('@20minutes/s3rver/lib/models/bucket') as S3rverModules['S3Bucket'],
    ...configModels(require('@20minutes/s3rver/lib/models/config') as ConfigModule),
    accounts: require('@20minutes/s3rver/lib/models/account') as S3rverModules['accounts'],
  };
  return loaded;
}
