// A Kafka-protocol-aware fault proxy, local only: it stands between a client and the real broker's
// SASL_SSL/SCRAM listener, forwards every request and response unchanged, and on a test's rule
// answers one API itself with a correctly encoded error (NOT_CONTROLLER, NOT_LEADER_OR_FOLLOWER, …)
// the single-node local broker never gives. The fault matrix uses it (test/e2e/faults/kafka.test.ts).
//
// TLS: the proxy terminates the client's TLS with a server certificate from the broker's own CA
// (KafkaBroker.issueServerCertificate: `localhost`, 127.0.0.1), which the clients already trust, so
// host name verification still holds; for each client connection it opens its own TLS connection to
// the broker. SASL/SCRAM runs inside the Kafka protocol (SaslHandshake v1 then SaslAuthenticate
// requests, KIP-152) and carries no channel binding in Kafka's SCRAM (RFC 5802 gs2 header `n,,`), so
// it passes through the proxy unchanged. The proxy fronts the SCRAM listener only: for the mTLS
// listener it could not present the client's certificate (it holds no client key), so every client
// would become the proxy. The pipeline's admin, the one ApplyTopicsAndAcls uses, is SCRAM locally
// (local/environment.ts, KafkaAdminAuth SCRAM).
//
// Framing (Kafka protocol guide, "Protocol": every request and response is an int32 size and that
// many bytes; clients/src/main/resources/common/message/RequestHeader.json: header v1 is
// request_api_key int16, request_api_version int16, correlation_id int32, client_id nullable string,
// v2 adds tagged fields; ResponseHeader.json: v0 is correlation_id int32, v1 adds tagged fields).
// A broker answers the requests of one connection in order ("the server guarantees that on a single
// TCP connection, requests will be processed in the order they are sent and responses will return in
// that order too"), so an injected answer waits its turn behind the upstream answers before it.
//
// Metadata responses are rewritten so that the advertised broker is the proxy: otherwise the client
// would connect to the broker's own address after bootstrap and bypass the proxy (kafkajs sends
// CreateTopics, CreateAcls, … to the controller node from Metadata). The brokers array is decoded and
// re-encoded with the proxy's host and port; every other byte is copied. Why not a broker started
// with `advertised.listeners` at the proxy: the proxy then fronts the environment's one broker, which
// the tests' own admin and the MSK emulator keep using directly, and needs no broker of its own.
//
// Only the non-flexible versions of the APIs it decodes are supported (kafkajs 2.2 sends Metadata v6,
// CreateTopics v3, CreatePartitions v1, CreateAcls v1, DeleteAcls v1 to Kafka 4.1: its newest
// versions, all below each API's first flexible version); anything else is recorded in `failures`
// and the connection is closed, so a test sees it instead of a silent pass.
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, createServer, type TLSSocket } from 'node:tls';

/** Kafka API keys (clients/src/main/resources/common/message/*Request.json, `apiKey`). */
export const API_KEYS = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  FindCoordinator: 10,
  CreateTopics: 19,
  DeleteRecords: 21,
  OffsetForLeaderEpoch: 23,
  CreateAcls: 30,
  DeleteAcls: 31,
  CreatePartitions: 37,
  DescribeCluster: 60,
} as const;

/** Kafka error codes (clients/src/main/java/org/apache/kafka/common/protocol/Errors.java). */
export const ERROR_CODES = { NOT_LEADER_OR_FOLLOWER: 6, NOT_CONTROLLER: 41 } as const;

/** Answer the next `times` (default 1) requests of `apiKey` with `errorCode` for every entry, without forwarding them. */
export interface InjectRule {
  readonly apiKey: number;
  readonly errorCode: number;
  readonly times?: number;
  /** error_message, where the response has one; null when omitted. */
  readonly errorMessage?: string;
}

export interface ProxiedRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  /** True when the proxy answered it (a rule), false when the broker did. */
  readonly injected: boolean;
}

export interface KafkaFaultProxy {
  /** host:port clients bootstrap from. */
  readonly address: string;
  /** Arms a rule; returns a function that disarms what is left of it. */
  inject(rule: InjectRule): () => void;
  /** Every request seen, in order, across connections. */
  readonly requests: readonly ProxiedRequest[];
  /** Protocol situations the proxy cannot handle faithfully (the connection was closed). */
  readonly failures: readonly string[];
  close(): Promise<void>;
}

export interface KafkaFaultProxyOptions {
  /** The broker's SASL_SSL listener, host:port. */
  readonly upstream: string;
  /** CA of the broker's server certificate (the proxy verifies the broker as any client does). */
  readonly upstreamCaPem: string;
  /** The proxy's own server certificate and key (KafkaBroker.issueServerCertificate). */
  readonly tls: { readonly certPem: string; readonly keyPem: string };
  /** Listen address; 127.0.0.1 (the certificate's IP) when omitted. Port: a free one. */
  readonly host?: string;
}

class ProtocolFailure extends Error {}

/** Big-endian reader over one frame (Kafka's primitive types: "Protocol Primitive Types"). */
class Reader {
  constructor(
    private readonly buf: Buffer,
    public off = 0,
  ) {}
  int8(): number {
    return this.buf.readInt8((this.off += 1) - 1);
  }
  int16(): number {
    return this.buf.readInt16BE((this.off += 2) - 2);
  }
  int32(): number {
    return this.buf.readInt32BE((this.off += 4) - 4);
  }
  /** STRING / NULLABLE_STRING: int16 length (-1: null), UTF-8 bytes. */
  string(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    return this.buf.toString('utf8', this.off, (this.off += n));
  }
  /** ARRAY: int32 count (-1: null), then the elements. */
  array<T>(item: () => T): T[] {
    const n = this.int32();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }
}

class Writer {
  private readonly parts: Buffer[] = [];
  private fixed(size: number, put: (b: Buffer) => void): this {
    const b = Buffer.alloc(size);
    put(b);
    this.parts.push(b);
    return this;
  }
  int16(v: number): this {
    return this.fixed(2, (b) => b.writeInt16BE(v));
  }
  int32(v: number): this {
    return this.fixed(4, (b) => b.writeInt32BE(v));
  }
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const bytes = Buffer.from(v, 'utf8');
    this.int16(bytes.length);
    this.parts.push(bytes);
    return this;
  }
  bytes(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const sizePrefixed = (frame: Buffer) => Buffer.concat([new Writer().int32(frame.length).done(), frame]);

/**
 * What the proxy can answer itself, per API (non-flexible versions only): the request's entries (one
 * result each, named by topic where the response names one) and the response body carrying the error
 * for each. Field lists from clients/src/main/resources/common/message/<Api>Request.json and
 * <Api>Response.json.
 */
interface Injectable {
  /** The last version before the JSON's `flexibleVersions`. */
  readonly lastNonFlexible: number;
  readonly entries: (r: Reader, version: number) => (string | null)[];
  readonly answer: (w: Writer, version: number, entries: (string | null)[], code: number, msg: string | null) => void;
}

const skipInt32Array = (r: Reader) => r.array(() => r.int32());

/**
 * The entries of a CreateAcls creation or a DeleteAcls filter, which have the same shape on the wire:
 * ResourceType int8, ResourceName, PatternType int8 (1+), Principal, Host, Operation int8,
 * PermissionType int8 (the name, principal and host are nullable in a filter, read the same way).
 */
const aclEntries = (r: Reader, v: number) =>
  r.array(() => {
    r.int8();
    r.string();
    if (v >= 1) r.int8();
    r.string();
    r.string();
    r.int8();
    r.int8();
    return null;
  });

const INJECTABLE: Readonly<Record<number, Injectable>> = {
  // CreateTopicsRequest.json: Topics [Name, NumPartitions int32, ReplicationFactor int16,
  // Assignments [PartitionIndex int32, BrokerIds [int32]], Configs [Name, Value nullable]], TimeoutMs,
  // ValidateOnly (1+); flexible from 5. CreateTopicsResponse.json: ThrottleTimeMs (2+),
  // Topics [Name, ErrorCode int16, ErrorMessage nullable (1+)].
  [API_KEYS.CreateTopics]: {
    lastNonFlexible: 4,
    entries: (r) =>
      r.array(() => {
        const name = r.string();
        r.int32();
        r.int16();
        r.array(() => (r.int32(), skipInt32Array(r)));
        r.array(() => (r.string(), r.string()));
        return name;
      }),
    answer: (w, v, names, code, msg) => {
      if (v >= 2) w.int32(0);
      w.int32(names.length);
      for (const n of names) {
        w.string(n).int16(code);
        if (v >= 1) w.string(msg);
      }
    },
  },
  // CreatePartitionsRequest.json: Topics [Name, Count int32, Assignments nullable [BrokerIds [int32]]],
  // TimeoutMs, ValidateOnly; flexible from 2. Response: ThrottleTimeMs, Results [Name, ErrorCode, ErrorMessage nullable].
  [API_KEYS.CreatePartitions]: {
    lastNonFlexible: 1,
    entries: (r) =>
      r.array(() => {
        const name = r.string();
        r.int32();
        r.array(() => skipInt32Array(r));
        return name;
      }),
    answer: (w, _v, names, code, msg) => {
      w.int32(0).int32(names.length);
      for (const n of names) w.string(n).int16(code).string(msg);
    },
  },
  // CreateAclsRequest.json: Creations [ResourceType int8, ResourceName, ResourcePatternType int8 (1+),
  // Principal, Host, Operation int8, PermissionType int8]; flexible from 2. Response: ThrottleTimeMs,
  // Results [ErrorCode, ErrorMessage nullable], one per creation.
  [API_KEYS.CreateAcls]: {
    lastNonFlexible: 1,
    entries: aclEntries,
    answer: (w, _v, entries, code, msg) => {
      w.int32(0).int32(entries.length);
      for (let i = 0; i < entries.length; i++) w.int16(code).string(msg);
    },
  },
  // DeleteAclsRequest.json: Filters [ResourceTypeFilter int8, ResourceNameFilter nullable,
  // PatternTypeFilter int8 (1+), PrincipalFilter nullable, HostFilter nullable, Operation, PermissionType];
  // flexible from 2. Response: ThrottleTimeMs, FilterResults [ErrorCode, ErrorMessage nullable, MatchingAcls [..]].
  [API_KEYS.DeleteAcls]: {
    lastNonFlexible: 1,
    entries: aclEntries,
    answer: (w, _v, entries, code, msg) => {
      w.int32(0).int32(entries.length);
      for (let i = 0; i < entries.length; i++) w.int16(code).string(msg).int32(0);
    },
  },
};

/** MetadataResponse.json: flexible from 9; ThrottleTimeMs (3+), Brokers [NodeId, Host, Port, Rack nullable (1+)], then the rest. */
const METADATA_LAST_NON_FLEXIBLE = 8;

function rewriteMetadata(frame: Buffer, version: number, host: string, port: number): Buffer {
  if (version > METADATA_LAST_NON_FLEXIBLE)
    throw new ProtocolFailure(`Metadata v${version} (flexible) is not supported`);
  const r = new Reader(frame, 4); // after correlation_id (response header v0)
  const throttle = version >= 3 ? r.int32() : undefined;
  const brokers = r.array(() => {
    const nodeId = r.int32();
    r.string();
    r.int32();
    const rack = version >= 1 ? r.string() : undefined;
    return { nodeId, rack };
  });
  const w = new Writer().bytes(frame.subarray(0, 4));
  if (throttle !== undefined) w.int32(throttle);
  w.int32(brokers.length);
  for (const b of brokers) {
    w.int32(b.nodeId).string(host).int32(port);
    if (b.rack !== undefined) w.string(b.rack);
  }
  return w.bytes(frame.subarray(r.off)).done();
}

/** The request body's offset: after the v1 header (api key, version, correlation id, client_id). */
function bodyOffset(frame: Buffer): number {
  const r = new Reader(frame, 8);
  r.string();
  return r.off;
}

/**
 * ProduceRequest.json: with Acks 0 the broker sends no response (non-flexible v0–v8: TransactionalId
 * nullable string (3+), then Acks int16).
 */
function expectsResponse(frame: Buffer, apiKey: number, version: number): boolean {
  if (apiKey !== API_KEYS.Produce) return true;
  if (version > 8) throw new ProtocolFailure(`Produce v${version} (flexible) is not supported`);
  const r = new Reader(frame, bodyOffset(frame));
  if (version >= 3) r.string();
  return r.int16() !== 0;
}

/** APIs whose responses name brokers the proxy does not rewrite: a client following them would bypass it. */
const BYPASSING = new Set<number>([API_KEYS.FindCoordinator, API_KEYS.DescribeCluster]);

export async function startKafkaFaultProxy(opts: KafkaFaultProxyOptions): Promise<KafkaFaultProxy> {
  const [upHost, upPortText] = splitHostPort(opts.upstream);
  const upPort = Number(upPortText);
  const host = opts.host ?? '127.0.0.1';
  const rules: { rule: InjectRule; left: number }[] = [];
  const requests: ProxiedRequest[] = [];
  const failures: string[] = [];
  const sockets = new Set<TLSSocket>();
  let port = 0;

  const takeRule = (apiKey: number): InjectRule | undefined => {
    const i = rules.findIndex((r) => r.rule.apiKey === apiKey && r.left > 0);
    if (i < 0) return undefined;
    const entry = rules[i]!;
    entry.left -= 1;
    if (entry.left === 0) rules.splice(i, 1);
    return entry.rule;
  };

  const answer = (frame: Buffer, apiKey: number, version: number, correlationId: Buffer, rule: InjectRule) => {
    const api = INJECTABLE[apiKey];
    if (!api) throw new ProtocolFailure(`no injected answer for API key ${apiKey}`);
    if (version > api.lastNonFlexible)
      throw new ProtocolFailure(`API key ${apiKey} v${version} (flexible) is not supported`);
    const entries = api.entries(new Reader(frame, bodyOffset(frame)), version);
    const w = new Writer().bytes(correlationId);
    api.answer(w, version, entries, rule.errorCode, rule.errorMessage ?? null);
    return w.done();
  };

  const server = createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, (client) => {
    sockets.add(client);
    const upstream = tlsConnect({ host: upHost, port: upPort, ca: [opts.upstreamCaPem] });
    sockets.add(upstream);
    // In request order: each waits for its bytes (the broker's answer, or the proxy's own).
    const pending: { correlationId: number; apiKey: number; apiVersion: number; bytes?: Buffer }[] = [];
    const flush = () => {
      while (pending[0]?.bytes) client.write(sizePrefixed(pending.shift()!.bytes!));
    };
    const fail = (e: unknown) => {
      failures.push(e instanceof Error ? e.message : String(e));
      client.destroy();
      upstream.destroy();
    };
    const framed = (onFrame: (frame: Buffer) => void) => {
      let buf: Buffer = Buffer.alloc(0);
      return (chunk: Buffer) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        try {
          while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
            const size = buf.readInt32BE(0);
            onFrame(buf.subarray(4, 4 + size));
            buf = buf.subarray(4 + size);
          }
        } catch (e) {
          fail(e);
        }
      };
    };
    client.on(
      'data',
      framed((frame) => {
        const apiKey = frame.readInt16BE(0);
        const apiVersion = frame.readInt16BE(2);
        const correlationId = frame.readInt32BE(4);
        if (BYPASSING.has(apiKey))
          throw new ProtocolFailure(`API key ${apiKey} names brokers the proxy does not rewrite`);
        const rule = takeRule(apiKey);
        requests.push({ apiKey, apiVersion, injected: !!rule });
        if (rule) {
          pending.push({
            correlationId,
            apiKey,
            apiVersion,
            bytes: answer(frame, apiKey, apiVersion, frame.subarray(4, 8), rule),
          });
          flush();
          return;
        }
        if (expectsResponse(frame, apiKey, apiVersion)) pending.push({ correlationId, apiKey, apiVersion });
        upstream.write(sizePrefixed(frame));
      }),
    );
    upstream.on(
      'data',
      framed((frame) => {
        const correlationId = frame.readInt32BE(0);
        const waiting = pending.find((p) => !p.bytes);
        if (!waiting || waiting.correlationId !== correlationId)
          throw new ProtocolFailure(`the broker answered correlation id ${correlationId} out of order`);
        waiting.bytes =
          waiting.apiKey === API_KEYS.Metadata ? rewriteMetadata(frame, waiting.apiVersion, host, port) : frame;
        flush();
      }),
    );
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', closeBoth);
      s.on('close', closeBoth);
    }
  });
  // A failed handshake (a client that does not trust the proxy) is the client's error, not ours.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    address: `${host}:${port}`,
    inject(rule) {
      const entry = { rule, left: rule.times ?? 1 };
      rules.push(entry);
      return () => {
        const i = rules.indexOf(entry);
        if (i >= 0) rules.splice(i, 1);
      };
    },
    requests,
    failures,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function splitHostPort(address: string): [string, string] {
  const i = address.lastIndexOf(':');
  if (i <= 0) throw new Error(`not host:port: ${address}`);
  return [address.slice(0, i), address.slice(i + 1)];
}
