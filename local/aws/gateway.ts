// One loopback HTTP server for every emulated AWS service except S3.
//
// Wire protocols (Smithy "AWS JSON 1.0/1.1 protocol" and "AWS restJson1 protocol" specs,
// https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html, .../aws-restjson1-protocol.html):
// - JSON: POST /, `X-Amz-Target: <targetPrefix>.<Operation>`, `Content-Type: application/x-amz-json-1.x`.
//   Errors: HTTP status + body `{"__type": code, "message": ...}` (+ `x-amzn-errortype` header).
// - REST-JSON: method + path; errors carry the `x-amzn-errortype` header and a JSON body.
// - Query (IAM; Smithy "AWS query protocol", https://smithy.io/2.0/aws/protocols/aws-query-protocol.html):
//   POST / with a form-encoded body `Action=<Operation>&Version=<version>&<members>`, dispatched on
//   the SigV4 scope's service name. Answers are XML `<XResponse><XResult>...</XResult>
//   <ResponseMetadata><RequestId/></ResponseMetadata></XResponse>`; errors
//   `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code/><Message/></Error><RequestId/></ErrorResponse>`
//   with the error's HTTP status. IAM's own errors for the caller (IAM API reference, "Common
//   Errors"): MissingAuthenticationToken and InvalidClientTokenId (403), SignatureDoesNotMatch (403),
//   a denial AccessDenied (403) with IAM's message, an unknown Action InvalidAction (400).
// Region comes from the SigV4 credential scope in `Authorization`
// (`Credential=<AKID>/<date>/<region>/<service>/aws4_request`, SigV4 reference
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html). Signatures are not checked.
//
// IAM (only when an authorizer is given, `startLocalAws({ iam })`): the caller is the principal the
// SigV4 access key id belongs to. A request without SigV4 answers MissingAuthenticationTokenException,
// an access key IAM never issued UnrecognizedClientException ("The security token included in the
// request is invalid.", AWS JSON protocol "Common Errors"). Then every grant local/aws/iam/actions.ts
// lists for the operation is authorized; a denial answers AccessDeniedException (HTTP 400) with
// IAM's message on the JSON services, and ForbiddenException (403) on MSK's REST API, the error its
// API reference lists for a caller without permission (UnauthorizedException, 401, for credentials it
// cannot validate). Signatures are verified only with `verifySignatures` (InvalidSignatureException
// otherwise; off by default, a deviation, see local/aws/env.ts). Operations then
// get the principal, the authorizer and the resource lookups in their RequestContext, for the KMS
// calls a service makes on the caller's behalf.
//
// Control API (not AWS; for tests and other processes): under `/_local/`
//   GET    /_local/health          → {ok, services}
//   GET    /_local/faults          → {faults: ActiveFault[]}
//   POST   /_local/faults          → body FaultSpec → {id}
//   DELETE /_local/faults          → clear all;  DELETE /_local/faults/<id> → remove one
// and whatever others add with `registerControl`.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  AwsServiceError,
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  type JsonService,
  type Operation,
  type RequestContext,
  type RestJsonService,
} from './core.js';
import { FaultInjector, type FaultSpec } from './faults.js';
import { RequestCounts } from './request-counts.js';
import { requiredGrants, type ResourceLookups } from './iam/actions.js';
import { accessKeyOf, accountOf, firstDenial, type EnforcingAuthorizer } from './iam/enforce.js';
import { verifySignature } from './iam/sigv4.js';
import {
  jsonRequestError,
  queryErrorXml,
  queryRequest,
  queryResponseXml,
  restJsonRequestError,
} from './models/hooks.js';

export interface ControlRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
}
export type ControlHandler = (
  req: ControlRequest,
) => Promise<{ status?: number; body?: unknown }> | { status?: number; body?: unknown };

export interface GatewayOptions {
  /** Shared fault injector (default: a new one). */
  readonly faults?: FaultInjector;
  /** Port to listen on (default 0: a free port). Host is always 127.0.0.1. */
  readonly port?: number;
  /** Called with one line per unexpected server-side error (default: console.error). */
  readonly log?: (line: string) => void;
  /** Authorize every request against IAM (default: no IAM, any credentials accepted). */
  readonly iam?: EnforcingAuthorizer;
  /** Emulator state IAM needs to name resources (with `iam`). */
  readonly lookups?: ResourceLookups;
  /** With `iam`: also verify SigV4 signatures against the principal's secret key (default false). */
  readonly verifySignatures?: boolean;
}

type Caller = { readonly principalArn: string } | { readonly error: AwsServiceError };

/** A service on the AWS Query protocol (IAM), dispatched on its SigV4 signing name and `Action`. */
export interface QueryService {
  readonly signingName: string;
  /** The API version clients send as `Version` (IAM: 2010-05-08). */
  readonly version: string;
  readonly xmlNamespace: string;
  /** A global service's one Region (IAM: us-east-1, where AWS authorizes its requests), whatever the client's. */
  readonly globalRegion?: string;
  readonly operations: Readonly<Record<string, Operation>>;
}

export type AnyService = JsonService | RestJsonService | QueryService;

type Protocol = 'json' | 'rest' | 'query';

function isJsonService(s: AnyService): s is JsonService {
  return 'targetPrefix' in s;
}

function isQueryService(s: AnyService): s is QueryService {
  return 'version' in s && 'xmlNamespace' in s;
}

/** The caller errors of each protocol: a missing token, an unknown key, a signature that does not match. */
const CALLER_ERRORS: Readonly<
  Record<Protocol, Readonly<Record<'missing' | 'unknown' | 'signature', [string, number]>>>
> = {
  json: {
    missing: ['MissingAuthenticationTokenException', 400],
    unknown: ['UnrecognizedClientException', 400],
    signature: ['InvalidSignatureException', 400],
  },
  rest: {
    missing: ['UnauthorizedException', 401],
    unknown: ['UnauthorizedException', 401],
    signature: ['InvalidSignatureException', 403],
  },
  query: {
    missing: ['MissingAuthenticationToken', 403],
    unknown: ['InvalidClientTokenId', 403],
    signature: ['SignatureDoesNotMatch', 403],
  },
};

/** Region and account from a SigV4 `Authorization` header. A 12-digit access key id is taken as the account id. */
export function identityFromAuthorization(header: string | undefined): {
  region: string;
  accountId: string;
  service?: string;
} {
  const m = /Credential=([^/,\s]+)\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/.exec(header ?? '');
  if (!m) return { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID };
  const [, akid, region, service] = m as unknown as [string, string, string, string];
  return { region, accountId: /^\d{12}$/.test(akid) ? akid : LOCAL_ACCOUNT_ID, service };
}

export class Gateway {
  readonly faults: FaultInjector;
  /** Requests by caller, service and operation (bench/_cost.ts). */
  readonly requests = new RequestCounts();
  private readonly jsonByPrefix = new Map<string, JsonService>();
  private readonly rest: RestJsonService[] = [];
  private readonly query = new Map<string, QueryService>();
  private readonly controls = new Map<string, ControlHandler>();
  private readonly proxies = new Map<string, URL>();
  private readonly log: (line: string) => void;
  private server: Server | undefined;
  private port: number;
  private _url = '';
  private iam: EnforcingAuthorizer | undefined;
  private lookups: ResourceLookups = {};
  private verifySignatures = false;

  constructor(opts: GatewayOptions = {}) {
    this.faults = opts.faults ?? new FaultInjector();
    this.port = opts.port ?? 0;
    this.log = opts.log ?? ((l) => console.error(l));
    this.iam = opts.iam;
    this.lookups = opts.lookups ?? {};
    this.verifySignatures = opts.verifySignatures ?? false;
    this.registerBuiltInControls();
  }

  /** Turns IAM enforcement on (or, with undefined, off) for requests from now on. */
  enforce(
    iam: EnforcingAuthorizer | undefined,
    lookups: ResourceLookups = this.lookups,
    opts: { verifySignatures?: boolean } = {},
  ): void {
    this.iam = iam;
    this.lookups = lookups;
    if (opts.verifySignatures !== undefined) this.verifySignatures = opts.verifySignatures;
  }

  /** The authorizer requests are checked against, if any. */
  get authorizer(): EnforcingAuthorizer | undefined {
    return this.iam;
  }

  /** One request for a known operation, by whoever's access key signed it (known only with IAM on). */
  private count(req: IncomingMessage, service: string, operation: string): void {
    const akid = accessKeyOf(header(req, 'authorization'));
    this.requests.add(service, operation, akid === undefined ? undefined : this.iam?.principalForAccessKey(akid));
  }

  /** Who signed the request (only with IAM on), with the protocol's error names. */
  private caller(req: IncomingMessage, raw: Buffer, protocol: Protocol): Caller {
    const errors = CALLER_ERRORS[protocol];
    const fail = (kind: 'missing' | 'unknown' | 'signature', message: string): Caller => ({
      error: new AwsServiceError(errors[kind][0], message, errors[kind][1]),
    });
    const authorization = header(req, 'authorization');
    const akid = accessKeyOf(authorization);
    if (akid === undefined) return fail('missing', 'Missing Authentication Token');
    const principalArn = this.iam?.principalForAccessKey(akid);
    if (principalArn === undefined)
      return fail(
        'unknown',
        protocol === 'rest'
          ? "The request is not authorized. The provided credentials couldn't be validated."
          : 'The security token included in the request is invalid.',
      );
    if (this.verifySignatures) {
      const iam = this.iam!;
      const check = verifySignature(
        { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: raw },
        (k) => {
          const p = iam.principalForAccessKey(k);
          return p === undefined ? undefined : iam.credentialsFor(p).secretAccessKey;
        },
      );
      // AWS's answer to a signature it computes differently (AWS JSON protocol "Common Errors").
      if (!check.ok)
        return fail(
          'signature',
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        );
    }
    return { principalArn };
  }

  /** Authorizes `operationKey`'s grants for the caller; the service's error for the first denial. */
  private async denied(
    principalArn: string,
    operationKey: string,
    region: string,
    input: unknown,
    protocol: Protocol,
    accessDenied?: (message: string) => AwsServiceError,
  ): Promise<AwsServiceError | undefined> {
    const rest = protocol === 'rest';
    const iam = this.iam;
    if (!iam) return undefined;
    const grants = requiredGrants(operationKey, {
      region,
      accountId: accountOf(principalArn),
      input: input && typeof input === 'object' ? (input as Record<string, unknown>) : {},
      lookups: this.lookups,
    });
    if (!grants) {
      // A gap in local/aws/iam/actions.ts, not the caller's fault: fail loudly.
      this.log(`gateway: no IAM mapping for ${operationKey}`);
      return new AwsServiceError('InternalFailure', `No IAM mapping for ${operationKey} in the local emulator.`, 500);
    }
    let denial;
    try {
      denial = await firstDenial(iam, principalArn, grants);
    } catch (err) {
      // The evaluator refused its input (a resource the reference does not know for the action): a
      // gap in local/aws/iam/actions.ts, reported as the service's internal failure.
      this.log(`gateway: IAM evaluation of ${operationKey} failed: ${String((err as Error)?.message ?? err)}`);
      return new AwsServiceError(
        rest ? 'InternalServerErrorException' : 'InternalFailure',
        'The request processing has failed because of an unknown error, exception or failure.',
        500,
      );
    }
    if (!denial) return undefined;
    if (accessDenied) return accessDenied(denial.message);
    if (protocol === 'query') return new AwsServiceError('AccessDenied', denial.message, 403);
    return rest
      ? new AwsServiceError('ForbiddenException', denial.message, 403)
      : new AwsServiceError('AccessDeniedException', denial.message, 400);
  }

  /** `http://127.0.0.1:<port>` once started. */
  get url(): string {
    if (!this._url) throw new Error('gateway not started');
    return this._url;
  }

  /** Adds a service. JSON services are keyed by target prefix, REST-JSON ones by path prefixes. */
  registerService(service: AnyService): void {
    if (isJsonService(service)) {
      if (this.jsonByPrefix.has(service.targetPrefix))
        throw new Error(`service ${service.targetPrefix} already registered`);
      this.jsonByPrefix.set(service.targetPrefix, service);
    } else if (isQueryService(service)) {
      if (this.query.has(service.signingName)) throw new Error(`service ${service.signingName} already registered`);
      this.query.set(service.signingName, service);
    } else {
      this.rest.push(service);
    }
  }

  /** Adds a control route under `/_local/` (`path` without that prefix, e.g. `pca/delay`). Exact path match, or `path/*` for a prefix. */
  registerControl(method: string, path: string, handler: ControlHandler): void {
    this.controls.set(`${method.toUpperCase()} ${path.replace(/^\/+/, '')}`, handler);
  }

  /** Signing names of the registered services. */
  services(): string[] {
    return [
      ...[...this.jsonByPrefix.values()].map((s) => s.signingName),
      ...this.rest.map((s) => s.signingName),
      ...this.query.keys(),
    ];
  }

  async start(): Promise<string> {
    if (this.server) return this.url;
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.log(`gateway: unhandled ${String((err as Error)?.stack ?? err)}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    // Keep-alive sockets must not hold `stop()` up.
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this._url = `http://127.0.0.1:${this.port}`;
    return this._url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /**
   * Forwards requests signed for `signingName` (SigV4 scope) that no registered service claims to
   * another local endpoint, e.g. `s3` to s3rver, so a client configured with AWS_ENDPOINT_URL alone
   * still reaches S3 (path-style).
   */
  proxyService(signingName: string, targetUrl: string): void {
    this.proxies.set(signingName, new URL(targetUrl));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.proxies.size > 0 && header(req, 'x-amz-target') === undefined && !(req.url ?? '').startsWith('/_local/')) {
      const scope = identityFromAuthorization(header(req, 'authorization')).service;
      const target = scope !== undefined ? this.proxies.get(scope) : undefined;
      if (target) return proxy(req, res, target);
    }
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    if (url.pathname.startsWith('/_local/')) return this.handleControl(method, url, raw, res);

    const ident = identityFromAuthorization(header(req, 'authorization'));
    const target = header(req, 'x-amz-target');
    if (target !== undefined) return this.handleJson(target, header(req, 'content-type'), raw, ident, req, res);
    const queryService = ident.service !== undefined ? this.query.get(ident.service) : undefined;
    if (queryService || /^application\/x-www-form-urlencoded/.test(header(req, 'content-type') ?? ''))
      return this.handleQuery(queryService ?? [...this.query.values()][0], raw, url, ident, req, res);

    const service = this.rest.find((s) =>
      s.pathPrefixes.some((p) => url.pathname === p || url.pathname.startsWith(p.endsWith('/') ? p : `${p}/`)),
    );
    if (!service) {
      return sendRestError(
        res,
        new AwsServiceError('UnknownOperationException', `No emulated service handles ${method} ${url.pathname}`, 404),
      );
    }
    let body: unknown = undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return sendRestError(
          res,
          new AwsServiceError('BadRequestException', 'The request body is not valid JSON.', 400),
        );
      }
    }
    let who: { principalArn: string } | undefined;
    if (this.iam) {
      const c = this.caller(req, raw, 'rest');
      if ('error' in c) return sendRestError(res, c.error);
      who = c;
    }
    const ctx = {
      region: ident.region,
      accountId: who ? accountOf(who.principalArn) : ident.accountId,
      service: service.signingName,
      ...(who && this.iam ? { principalArn: who.principalArn, authorizer: this.iam, lookups: this.lookups } : {}),
    };
    const route = service.route({ method, path: url.pathname, query: url.searchParams, body }, ctx);
    if (!route) {
      return sendRestError(
        res,
        new AwsServiceError('UnknownOperationException', `Unknown operation ${method} ${url.pathname}`, 404),
      );
    }
    this.count(req, service.signingName, route.operation);
    // The input is checked against the service model (local/aws/models/) once the caller is known.
    const invalid = restJsonRequestError(service.signingName, route.operation, {
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    });
    if (invalid) return sendRestError(res, invalid);
    if (who) {
      const denied = await this.denied(
        who.principalArn,
        `${service.signingName}:${route.operation}`,
        ident.region,
        route.input ?? body,
        'rest',
      );
      if (denied) return sendRestError(res, denied);
    }
    try {
      await this.faults.apply(service.signingName, route.operation);
      const out = await route.run();
      const text = out.body === undefined ? '' : JSON.stringify(out.body);
      res.writeHead(out.status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
      });
      res.end(text);
    } catch (err) {
      sendRestError(res, this.toServiceError(err, `${service.signingName}:${route.operation}`));
    }
  }

  private async handleJson(
    target: string,
    contentType: string | undefined,
    raw: Buffer,
    ident: { region: string; accountId: string },
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const ct = /application\/x-amz-json-1\.[01]/.exec(contentType ?? '')?.[0] ?? 'application/x-amz-json-1.1';
    const dot = target.lastIndexOf('.');
    const prefix = dot > 0 ? target.slice(0, dot) : target;
    const opName = dot > 0 ? target.slice(dot + 1) : '';
    const service = this.jsonByPrefix.get(prefix);
    // Unknown targets: AWS answers UnknownOperationException (AWS JSON protocol, common errors).
    const op =
      service && Object.prototype.hasOwnProperty.call(service.operations, opName)
        ? service.operations[opName]
        : undefined;
    if (!service || !op) {
      return sendJsonError(
        res,
        ct,
        new AwsServiceError('UnknownOperationException', `Unknown operation ${target}`, 400),
        service,
      );
    }
    let input: unknown = {};
    if (raw.length > 0) {
      try {
        input = JSON.parse(raw.toString('utf8'));
      } catch {
        return sendJsonError(
          res,
          ct,
          new AwsServiceError('SerializationException', 'Start of structure or map found where not expected.', 400),
          service,
        );
      }
    }
    let ctx: RequestContext = {
      region: ident.region,
      accountId: ident.accountId,
      service: service.signingName,
      operation: opName,
    };
    this.count(req, service.signingName, opName);
    // The input is checked against the service model (local/aws/models/) once the caller is known.
    const invalid = jsonRequestError(service.signingName, opName, input);
    if (this.iam) {
      const c = this.caller(req, raw, 'json');
      if ('error' in c) return sendJsonError(res, ct, c.error, service);
      if (invalid) return sendJsonError(res, ct, invalid, service);
      const denied = await this.denied(
        c.principalArn,
        `${service.signingName}:${opName}`,
        ident.region,
        input,
        'json',
        service.accessDenied,
      );
      if (denied) return sendJsonError(res, ct, denied, service);
      ctx = {
        ...ctx,
        accountId: accountOf(c.principalArn),
        principalArn: c.principalArn,
        authorizer: this.iam,
        lookups: this.lookups,
      };
    }
    if (invalid) return sendJsonError(res, ct, invalid, service);
    try {
      await this.faults.apply(service.signingName, opName);
      const out = await op(input ?? {}, ctx);
      const text = JSON.stringify(out ?? {});
      res.writeHead(200, {
        'content-type': ct,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': randomUUID(),
      });
      res.end(text);
    } catch (err) {
      sendJsonError(res, ct, this.toServiceError(err, `${service.signingName}:${opName}`), service);
    }
  }

  private async handleQuery(
    service: QueryService | undefined,
    raw: Buffer,
    url: URL,
    ident: { region: string; accountId: string },
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const requestId = randomUUID();
    const namespace = service?.xmlNamespace ?? '';
    const send = (status: number, xml: string): void => {
      res.writeHead(status, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(xml),
        'x-amzn-requestid': requestId,
      });
      res.end(xml);
    };
    const fail = (e: AwsServiceError) => send(e.statusCode, queryErrorXml(e, { xmlNamespace: namespace, requestId }));
    // The members come in the body (POST) or, for GET, in the query string.
    const params = raw.length > 0 ? new URLSearchParams(raw.toString('utf8')) : url.searchParams;
    const action = params.get('Action') ?? '';
    const op =
      service && Object.prototype.hasOwnProperty.call(service.operations, action)
        ? service.operations[action]
        : undefined;
    if (!service || !op)
      return fail(
        new AwsServiceError(
          'InvalidAction',
          `Could not find operation ${action} for version ${params.get('Version') ?? ''}`,
          400,
        ),
      );
    this.count(req, service.signingName, action);
    const { input, error: invalid } = queryRequest(service.signingName, action, params);
    const region = service.globalRegion ?? ident.region;
    let ctx: RequestContext = {
      region,
      accountId: ident.accountId,
      service: service.signingName,
      operation: action,
    };
    if (this.iam) {
      const c = this.caller(req, raw, 'query');
      if ('error' in c) return fail(c.error);
      if (invalid) return fail(invalid);
      const denied = await this.denied(c.principalArn, `${service.signingName}:${action}`, region, input, 'query');
      if (denied) return fail(denied);
      ctx = {
        ...ctx,
        accountId: accountOf(c.principalArn),
        principalArn: c.principalArn,
        authorizer: this.iam,
        lookups: this.lookups,
      };
    }
    if (invalid) return fail(invalid);
    try {
      await this.faults.apply(service.signingName, action);
      const out = (await op(input, ctx)) as Record<string, unknown> | undefined;
      send(200, queryResponseXml(service.signingName, action, out, { xmlNamespace: namespace, requestId }));
    } catch (err) {
      const e = this.toServiceError(err, `${service.signingName}:${action}`);
      fail(e.code === 'InternalFailure' ? new AwsServiceError('ServiceFailure', e.message, 500) : e);
    }
  }

  private toServiceError(err: unknown, where: string): AwsServiceError {
    if (err instanceof AwsServiceError) return err;
    this.log(`gateway: ${where} failed: ${String((err as Error)?.stack ?? err)}`);
    return new AwsServiceError(
      'InternalFailure',
      'The request processing has failed because of an unknown error, exception or failure.',
      500,
    );
  }

  private async handleControl(method: string, url: URL, raw: Buffer, res: ServerResponse): Promise<void> {
    const path = url.pathname.slice('/_local/'.length).replace(/\/+$/, '');
    let handler = this.controls.get(`${method} ${path}`);
    if (!handler) {
      // Prefix routes: `faults/*`
      for (const [key, h] of this.controls) {
        const [m, p] = key.split(' ') as [string, string];
        if (m === method && p.endsWith('/*') && path.startsWith(p.slice(0, -1))) {
          handler = h;
          break;
        }
      }
    }
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body ?? {});
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (!handler) return send(404, { error: `no control route ${method} /_local/${path}` });
    let body: unknown = undefined;
    try {
      body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      return send(400, { error: 'body is not JSON' });
    }
    try {
      const out = await handler({ method, path, query: url.searchParams, body });
      send(out.status ?? 200, out.body);
    } catch (err) {
      const e = err as Error;
      send(err instanceof AwsServiceError ? err.statusCode : 500, { error: e.message, code: e.name });
    }
  }

  private registerBuiltInControls(): void {
    this.registerControl('GET', 'health', () => ({ body: { ok: true, services: this.services() } }));
    this.registerControl('GET', 'faults', () => ({ body: { faults: this.faults.list() } }));
    this.registerControl('POST', 'faults', (req) => ({
      status: 201,
      body: { id: this.faults.add(req.body as FaultSpec) },
    }));
    this.registerControl('DELETE', 'faults', () => {
      this.faults.clear();
      return { status: 204 };
    });
    this.registerControl('DELETE', 'faults/*', (req) => {
      const id = req.path.slice('faults/'.length);
      return this.faults.remove(id) ? { status: 204 } : { status: 404, body: { error: `no fault ${id}` } };
    });
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function proxy(req: IncomingMessage, res: ServerResponse, target: URL): Promise<void> {
  return new Promise((resolve) => {
    const out = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
        upstream.on('end', () => resolve());
      },
    );
    out.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy error: ${e.message}`);
      resolve();
    });
    req.pipe(out);
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJsonError(res: ServerResponse, contentType: string, err: AwsServiceError, service?: JsonService): void {
  const wire = service?.errorWire?.(err);
  const text = JSON.stringify({ ...err.extra, __type: wire?.type ?? err.code, message: err.message });
  res.writeHead(err.statusCode, {
    ...wire?.headers,
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-errortype': err.code,
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

function sendRestError(res: ServerResponse, err: AwsServiceError): void {
  const text = JSON.stringify({ ...err.extra, message: err.message });
  res.writeHead(err.statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-errortype': err.code,
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/** Starts a gateway on a free loopback port. */
export async function startGateway(opts: GatewayOptions = {}): Promise<Gateway> {
  const gw = new Gateway(opts);
  await gw.start();
  return gw;
}

/** Steers the fault injector of a gateway in another process through its control API. */
export class RemoteFaults {
  constructor(private readonly endpoint: string) {}

  async add(spec: FaultSpec): Promise<string> {
    const res = await fetch(`${this.endpoint}/_local/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(spec),
    });
    const body = (await res.json()) as { id?: string; error?: string };
    if (!res.ok || !body.id) throw new Error(`adding fault failed: ${res.status} ${body.error ?? ''}`);
    return body.id;
  }

  async remove(id: string): Promise<void> {
    await fetch(`${this.endpoint}/_local/faults/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  async clear(): Promise<void> {
    await fetch(`${this.endpoint}/_local/faults`, { method: 'DELETE' });
  }

  async list(): Promise<unknown[]> {
    const res = await fetch(`${this.endpoint}/_local/faults`);
    return ((await res.json()) as { faults: unknown[] }).faults;
  }
}
