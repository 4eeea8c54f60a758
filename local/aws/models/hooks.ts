// Request validation from the official service models, as each emulated service answers it. The
// gateway (JSON and REST-JSON) and S3 call these before authorizing and running an operation.
//
// - AWS JSON services (Secrets Manager, KMS, ACM PCA, EventBridge, Step Functions): a constraint
//   violation is `ValidationException` (HTTP 400), "The input fails to satisfy the constraints
//   specified by an AWS service" (each API reference, "Common Errors"), with AWS's
//   "N validation error(s) detected: ..." message; a value of the wrong JSON type cannot be read
//   into the shape and is `SerializationException` (400), as the JSON protocol answers. Secrets
//   Manager's InvalidParameterException and InvalidRequestException stay the emulator's, for its
//   own checks after these (its API reference lists them for values the model allows).
// - MSK (restJson1): `BadRequestException` (400), every MSK operation's error for "the request
//   isn't valid because the input is incorrect" (MSK API reference), with `invalidParameter`
//   naming the member, a field of the model's BadRequestException shape.
// - S3 (restXml): a body that does not fit its shape is `MalformedXML` ("The XML you provided was
//   not well-formed or did not validate against our published schema"); a header or query value
//   outside its shape is `InvalidArgument`, a storage class `InvalidStorageClass`; all 400
//   (S3 API reference, "Error responses", list of error codes).
//
// - IAM (query): `ValidationError` (HTTP 400) with the same "N validation error(s) detected" text
//   (IAM API reference, "Common Errors": ValidationError, "The input fails to satisfy the constraints
//   specified by an AWS service"); a path outside its pattern gets IAM's own sentence ("The specified
//   value for path is invalid. It must begin and end with / ...", as IAM answers CreateRole and
//   CreatePolicy; pathPrefix likewise).
//
// When the models cannot be had (no python3/pip or no access to PyPI), validation is off and one
// line says so; the model-validation test fails in that case, so CI never runs without it.
import { Readable } from 'node:stream';
import { AwsServiceError } from '../core.js';
import { modelForSigningName } from './fetch.js';
import type { ServiceModel } from './types.js';
import { validateInput, violationMessage, type Violation } from './validate.js';
import { fromQuery, fromXml, parseXml, queryErrorXml, restInput, toQueryXml, type HttpRequestParts } from './wire.js';

let unavailable = false;

function model(signingName: string): ServiceModel | undefined {
  if (unavailable || process.env.MSK_LOCAL_AWS_VALIDATE === 'off') return undefined;
  try {
    return modelForSigningName(signingName);
  } catch (e) {
    unavailable = true;
    process.stderr.write(
      `[models] request validation from the AWS service models is off: ${e instanceof Error ? e.message : String(e)}\n`,
    );
    return undefined;
  }
}

/** The error an AWS JSON service answers for `input` to `operation`, or undefined when it fits the model. */
export function jsonRequestError(signingName: string, operation: string, input: unknown): AwsServiceError | undefined {
  const m = model(signingName);
  if (!m?.operations[operation]) return undefined;
  const violations = validateInput(m, operation, input);
  if (violations.length === 0) return undefined;
  const type = violations.find((v) => v.kind === 'type');
  if (type)
    return new AwsServiceError(
      'SerializationException',
      type.path === ''
        ? 'Start of structure or map found where not expected.'
        : `Cannot deserialize the value at '${type.path}'.`,
      400,
    );
  return new AwsServiceError('ValidationException', violationMessage(violations), 400);
}

/** MSK (restJson1): the error for a request to `operation`, or undefined when it fits the model. */
export function restJsonRequestError(
  signingName: string,
  operation: string,
  parts: HttpRequestParts,
): AwsServiceError | undefined {
  const m = model(signingName);
  if (!m?.operations[operation]) return undefined;
  const input = restInput(m, operation, parts);
  const violations = validateInput(m, operation, input, {
    pathName: (name, ref) => ref.locationName ?? name[0]!.toLowerCase() + name.slice(1),
  });
  if (violations.length === 0) return undefined;
  return new AwsServiceError('BadRequestException', violationMessage(violations), 400, {
    invalidParameter: violations[0]!.path,
  });
}

export interface S3RequestError {
  readonly code: string;
  readonly message: string;
  readonly status: number;
}

/** Whether `operation`'s payload is an XML document (read before validating), not a blob or stream. */
export function s3HasXmlPayload(operation: string): boolean {
  const m = model('s3');
  const op = m?.operations[operation];
  const input = op?.input ? m!.shapes[op.input.shape] : undefined;
  const payload = input?.payload !== undefined ? input.members?.[input.payload] : undefined;
  return payload !== undefined && m!.shapes[payload.shape]?.type === 'structure';
}

/** S3 (restXml): the error for a request to `operation` (body: the XML payload, when it has one). */
export function s3RequestError(operation: string, parts: HttpRequestParts): S3RequestError | undefined {
  const m = model('s3');
  if (!m?.operations[operation]) return undefined;
  const malformed: S3RequestError = {
    code: 'MalformedXML',
    message: 'The XML you provided was not well-formed or did not validate against our published schema',
    status: 400,
  };
  let input: Record<string, unknown>;
  try {
    input = restInput(m, operation, parts, (shapeName, ref, body) => {
      if (m.shapes[shapeName]?.type !== 'structure') return body; // a blob or text payload, not XML
      const text = Buffer.isBuffer(body) ? body.toString('utf8') : String(body);
      if (text.trim() === '') return undefined;
      const doc = parseXml(text);
      const root = doc.children[0];
      const wire = ref.locationName ?? m.shapes[shapeName]?.locationName;
      if (!root || doc.children.length !== 1 || (wire !== undefined && root.name !== wire)) throw new Error('root');
      return fromXml(m, shapeName, root);
    });
  } catch {
    return malformed;
  }
  const op = m.operations[operation]!;
  const shape = m.shapes[op.input!.shape]!;
  // A blob or text payload (PutObject's Body, PutBucketPolicy's Policy) is the handler's to read.
  const opaque = shape.payload !== undefined && !s3HasXmlPayload(operation) ? shape.payload : undefined;
  const violations = validateInput(m, operation, input, { pathName: (name) => name }).filter(
    (v) => v.member !== opaque,
  );
  if (violations.length === 0) return undefined;
  const first: Violation = violations[0]!;
  const ref = shape.members?.[first.member];
  if (!ref?.location) return malformed;
  if (ref.locationName === 'x-amz-storage-class')
    return { code: 'InvalidStorageClass', message: 'The storage class you specified is not valid', status: 400 };
  return {
    code: 'InvalidArgument',
    message: `${ref.location === 'header' ? 'Header' : 'Argument'} ${ref.locationName ?? first.member}: ${violationMessage([first])}`,
    status: 400,
  };
}

/** What s3RequestErrorOf reads of a Koa request (local/aws/s3.ts). */
export interface S3KoaRequest {
  readonly path: string;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  req: NodeJS.ReadableStream;
}

/**
 * S3's error for the request in `ctx`, or undefined when it fits the model. An XML payload is read
 * and put back as a fresh stream on `ctx.req` for the handlers after this one.
 */
export async function s3RequestErrorOf(ctx: S3KoaRequest, operation: string): Promise<S3RequestError | undefined> {
  if (!model('s3')?.operations[operation]) return undefined;
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(ctx.query))
    for (const item of Array.isArray(v) ? v : v === undefined ? [] : [v]) query.append(k, item);
  let body: Buffer | undefined;
  if (s3HasXmlPayload(operation)) {
    const chunks: Buffer[] = [];
    for await (const c of ctx.req as AsyncIterable<Buffer | string>)
      chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    body = Buffer.concat(chunks);
    const original = ctx.req as NodeJS.ReadableStream & { headers?: unknown };
    ctx.req = Object.assign(Readable.from([body]), { headers: original.headers });
  }
  return s3RequestError(operation, { path: ctx.path, query, headers: ctx.headers, ...(body ? { body } : {}) });
}

/** IAM's own wording for a path outside its pattern (by the member's path in the message). */
const QUERY_PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  path: 'The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.',
  pathPrefix:
    'The specified value for pathPrefix is invalid. It must begin with the / character and contain only alphanumeric characters and/or / characters.',
};

/**
 * A Query-protocol request (IAM): the input in member-name form (typed by the model when it is
 * there), and the service's error when it does not fit the model.
 */
export function queryRequest(
  signingName: string,
  operation: string,
  params: URLSearchParams,
): { input: Record<string, unknown>; error?: AwsServiceError } {
  const m = model(signingName);
  const op = m?.operations[operation];
  const input = fromQuery(params, op?.input ? m : undefined, op?.input?.shape);
  if (!m || !op) return { input };
  const violations = validateInput(m, operation, input);
  if (violations.length === 0) return { input };
  const first = violations[0]!;
  const special = first.kind === 'pattern' || first.kind === 'min' ? QUERY_PATTERN_MESSAGES[first.path] : undefined;
  return { input, error: new AwsServiceError('ValidationError', special ?? violationMessage(violations), 400) };
}

/** The XML answer of a Query-protocol operation; with the model, the output is held to its shape (throws otherwise). */
export function queryResponseXml(
  signingName: string,
  operation: string,
  output: Readonly<Record<string, unknown>> | undefined,
  opts: { xmlNamespace: string; requestId: string },
): string {
  const m = model(signingName);
  return toQueryXml(operation, output, { ...opts, ...(m?.operations[operation] ? { model: m } : {}) });
}

export { queryErrorXml };
