// The contract between the emulated AWS services and the one HTTP gateway that serves them.
//
// The unmodified SDK v3 clients reach the gateway through AWS_ENDPOINT_URL. Services that speak the
// AWS JSON 1.0/1.1 protocols (Secrets Manager, KMS, ACM PCA, EventBridge, Step Functions) are
// dispatched on the `X-Amz-Target: <targetPrefix>.<Operation>` header; MSK's control API speaks
// REST-JSON (`/v1/clusters/...`, `/api/v2/clusters/...`) and is dispatched by path. S3 is a
// third-party server on its own port (AWS_ENDPOINT_URL_S3).
//
// Errors follow the wire format of the protocol: JSON protocols answer `{"__type": code, "message": ...}`
// with the error's HTTP status (AWS JSON protocol reference: "Error responses"), REST-JSON answers
// the `x-amzn-errortype` header plus a JSON body.

import type { Authorizer } from './iam/types.js';
import type { ResourceLookups } from './iam/actions.js';

export class AwsServiceError extends Error {
  constructor(
    /** The AWS error code the SDK turns into an exception class, e.g. `ResourceNotFoundException`. */
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    /** Extra members serialized beside `message` (some errors carry fields). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export interface RequestContext {
  readonly region: string;
  readonly accountId: string;
  readonly service: string;
  readonly operation: string;
  /**
   * The authenticated caller (IAM user or role ARN) when the gateway enforces IAM; undefined
   * otherwise. Emulators that call KMS on the caller's behalf authorize that call for this principal.
   */
  readonly principalArn?: string;
  /** The authority that authorized the request (with principalArn), for checks on the caller's behalf. */
  readonly authorizer?: Authorizer;
  /** Emulator state IAM needs to name resources (a secret's ARN, an alias's key). */
  readonly lookups?: ResourceLookups;
}

export type Operation = (input: any, ctx: RequestContext) => unknown | Promise<unknown>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A service on the AWS JSON protocol, dispatched on X-Amz-Target. */
export interface JsonService {
  /** SigV4 signing name, e.g. `secretsmanager`, `kms`, `acm-pca`, `events`, `states`. */
  readonly signingName: string;
  /** X-Amz-Target prefix, e.g. `secretsmanager`, `TrentService`, `ACMPrivateCA`, `AWSEvents`, `AWSStepFunctions`. */
  readonly targetPrefix: string;
  readonly operations: Readonly<Record<string, Operation>>;
  /**
   * How an error goes on the wire, for services that write it other than `{"__type": code}` (an
   * AWS query-compatible service, SQS: a namespaced `__type` and the `x-amzn-query-error` header).
   */
  readonly errorWire?: (err: AwsServiceError) => { readonly type: string; readonly headers?: Record<string, string> };
  /** The service's answer to an IAM denial (default: AccessDeniedException, HTTP 400). */
  readonly accessDenied?: (message: string) => AwsServiceError;
}

export interface RestRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export interface RestResponse {
  readonly status: number;
  readonly body?: unknown;
}

/** A service on the REST-JSON protocol (MSK's `kafka` API), dispatched by path. */
export interface RestJsonService {
  readonly signingName: string;
  /** Path prefixes this service owns, e.g. `/v1/clusters`, `/api/v2/clusters`. */
  readonly pathPrefixes: readonly string[];
  /**
   * Returns the operation name (for fault injection, logs and IAM), the operation's input as IAM
   * sees it (path parameters and body members, named as in the API reference), and runs it.
   */
  route(
    req: RestRequest,
    ctx: Omit<RequestContext, 'operation'>,
  ): { operation: string; input?: Readonly<Record<string, unknown>>; run: () => Promise<RestResponse> } | undefined;
}

export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';
