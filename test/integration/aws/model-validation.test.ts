// Request validation from the official service models (local/aws/models/): every operation the
// emulators serve, every constraint of its input shape in the botocore model (required members,
// string/list/map/blob lengths, numeric ranges, enums, patterns, nested), one value just inside
// and one just outside. The values come from the model (local/aws/models/samples.ts), nothing is
// hand-copied. Each case is checked twice:
// - by the interpreter: inside gives no violation, outside gives exactly that kind at that path;
// - on the wire, through the real endpoints with the service's protocol: outside is answered with
//   the service's validation error (JSON services: ValidationException, "N validation error(s)
//   detected: Value ... at '<path>' failed to satisfy constraint: ..."; MSK: BadRequestException
//   with invalidParameter; S3: MalformedXML / InvalidArgument / InvalidStorageClass), inside is
//   never refused by the model validation (the emulator may still refuse it for its own reasons:
//   a resource that does not exist, a policy that is no JSON).
import { startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import { AcmPcaEmulator } from '../../../local/aws/acm-pca.js';
import { StepFunctionsEmulator } from '../../../local/aws/stepfunctions.js';
import { MskEmulator } from '../../../local/aws/msk.js';
import { s3OperationOf } from '../../../local/aws/s3.js';
import type { JsonService } from '../../../local/aws/core.js';
import { ensureServiceModels, modelForSigningName, serviceModel } from '../../../local/aws/models/fetch.js';
import { constraintsOf, validateInput, type Constraint } from '../../../local/aws/models/validate.js';
import { constraintCase, sampleInput } from '../../../local/aws/models/samples.js';
import { jsonRequestError, restJsonRequestError, s3RequestError } from '../../../local/aws/models/hooks.js';
import type { ServiceModel } from '../../../local/aws/models/types.js';

import { jest } from '@jest/globals';
import { NoopBroker } from '../../support/noop-broker.js';

jest.setTimeout(300_000);

let local: LocalAws;
let jsonServices: JsonService[];
let msk: MskEmulator;

beforeAll(async () => {
  ensureServiceModels();
  local = await startLocalAws({ buckets: ['b'] });
  const pca = new AcmPcaEmulator();
  const sfn = new StepFunctionsEmulator();
  msk = new MskEmulator({ broker: new NoopBroker() });
  local.gateway.registerService(pca);
  local.gateway.registerService(sfn);
  local.gateway.registerService(msk);
  jsonServices = [local.kms.service, local.secrets.service, local.events.service, local.sqs.service, pca, sfn];
});
afterAll(async () => {
  msk?.close();
  await local?.stop();
});

const lcFirst = (s: string) => s[0]!.toLowerCase() + s.slice(1);

/** AWS's path of a constraint (`tags.1.member.value`); `rest` names members by their JSON locationName. */
function awsPath(model: ServiceModel, operation: string, c: Constraint, rest: boolean): string {
  let shape = model.shapes[model.operations[operation]!.input!.shape]!;
  const out: string[] = [];
  for (const seg of c.path) {
    if (seg === '[]') {
      out.push('1.member');
      shape = model.shapes[shape.member!.shape]!;
    } else if (seg === '{}' || seg === '{key}') {
      out.push('*');
      shape = model.shapes[shape.value!.shape]!;
    } else {
      const ref = shape.members![seg]!;
      out.push(rest ? (ref.locationName ?? lcFirst(seg)) : lcFirst(seg));
      shape = model.shapes[ref.shape]!;
    }
  }
  return out.join('.');
}

const stats = { operations: 0, constraints: 0, cases: 0, noOutside: 0 };
/** Operations and constraints per service, for the record. */
const perService: Record<string, { operations: number; constraints: number }> = {};
const tally = (service: string, operations: number, constraints: number): void => {
  const t = (perService[service] ??= { operations: 0, constraints: 0 });
  t.operations += operations;
  t.constraints += constraints;
};

// ---- the operations each emulator serves ----

function mskOperations(model: ServiceModel): string[] {
  return Object.entries(model.operations)
    .filter(([name, op]) => {
      const path = op.http.requestUri.split('?')[0]!.replace(/\{[^}]+\}/g, 'arn%3Aaws%3Akafka%3Ax');
      const route = msk.route(
        { method: op.http.method, path, query: new URLSearchParams(), body: {} },
        { region: 'us-east-1', accountId: '000000000000', service: 'kafka' },
      );
      return route?.operation === name;
    })
    .map(([name]) => name);
}

function s3Operations(model: ServiceModel): string[] {
  return Object.entries(model.operations)
    .filter(([name, op]) => {
      const [p, q = ''] = op.http.requestUri.split('?');
      const path = p!.replace('{Bucket}', 'b').replace(/\{Key\+\}/, 'k');
      const query = Object.fromEntries(new URLSearchParams(q));
      const input = model.shapes[op.input?.shape ?? '']?.members ?? {};
      const headers: Record<string, string> = {};
      for (const ref of Object.values(input))
        if (ref.location === 'header' && ref.locationName === 'x-amz-copy-source') headers['x-amz-copy-source'] = 'b/k';
      for (const [, ref] of Object.entries(input))
        if (ref.location === 'querystring' && ref.locationName === 'uploadId') query.uploadId = 'u';
      return s3OperationOf(op.http.method, path, query, headers) === name;
    })
    .map(([name]) => name);
}

// ---- wire forms ----

function toJsonWire(model: ServiceModel, shapeName: string, v: unknown): unknown {
  const shape = model.shapes[shapeName];
  if (!shape || v === null || typeof v !== 'object') return v;
  if (shape.type === 'list') return (v as unknown[]).map((x) => toJsonWire(model, shape.member!.shape, x));
  if (shape.type === 'map')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonWire(model, shape.value!.shape, x)]));
  const out: Record<string, unknown> = {};
  for (const [name, x] of Object.entries(v as Record<string, unknown>)) {
    const ref = shape.members?.[name];
    if (ref) out[ref.locationName ?? name] = toJsonWire(model, ref.shape, x);
  }
  return out;
}

const esc = (s: string) => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

function toXml(model: ServiceModel, shapeName: string, v: unknown, element: string): string {
  const shape = model.shapes[shapeName]!;
  if (shape.type === 'structure') {
    let inner = '';
    let attrs = '';
    for (const [name, x] of Object.entries(v as Record<string, unknown>)) {
      const ref = shape.members![name]!;
      const wire = ref.locationName ?? name;
      if (ref.xmlAttribute) {
        attrs += ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ${wire}="${esc(String(x))}"`;
        continue;
      }
      const ms = model.shapes[ref.shape]!;
      if (ms.type === 'list' && (ref.flattened || ms.flattened))
        for (const item of x as unknown[]) inner += toXml(model, ms.member!.shape, item, wire);
      else inner += toXml(model, ref.shape, x, wire);
    }
    return `<${element}${attrs}>${inner}</${element}>`;
  }
  if (shape.type === 'list') {
    const item = shape.member!.locationName ?? 'member';
    return `<${element}>${(v as unknown[]).map((x) => toXml(model, shape.member!.shape, x, item)).join('')}</${element}>`;
  }
  return `<${element}>${esc(String(v))}</${element}>`;
}

interface WireRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body?: string;
}

/** A REST request for a member-name input; undefined when a URI label is missing. */
function toRest(
  model: ServiceModel,
  operation: string,
  input: Record<string, unknown>,
  xml: boolean,
): WireRequest | undefined {
  const op = model.operations[operation]!;
  const shape = model.shapes[op.input!.shape]!;
  const [template, fixedQuery = ''] = op.http.requestUri.split('?');
  const query = new URLSearchParams(fixedQuery);
  const headers: Record<string, string> = {};
  let path = template!;
  const body: Record<string, unknown> = {};
  let payload: string | undefined;
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const v = input[name];
    if (ref.location === 'uri') {
      const label = new RegExp(`\\{${ref.locationName ?? name}(\\+?)\\}`);
      const m = label.exec(path);
      if (!m) continue;
      if (v === undefined || v === '') return undefined;
      const text = String(v);
      path = path.replace(label, m[1] ? text.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(text));
      continue;
    }
    if (v === undefined) continue;
    if (ref.location === 'querystring') {
      for (const item of Array.isArray(v) ? v : [v]) query.append(ref.locationName ?? name, String(item));
    } else if (ref.location === 'header')
      headers[(ref.locationName ?? name).toLowerCase()] = Array.isArray(v) ? v.join(',') : String(v);
    else if (ref.location === 'headers') {
      for (const [k, x] of Object.entries(v as Record<string, string>))
        headers[`${ref.locationName}${k}`.toLowerCase()] = x;
    } else if (shape.payload === name) {
      const ps = model.shapes[ref.shape]!;
      payload =
        ps.type === 'structure'
          ? xml
            ? toXml(model, ref.shape, v, ref.locationName ?? name)
            : JSON.stringify(toJsonWire(model, ref.shape, v))
          : String(v);
    } else body[ref.locationName ?? name] = toJsonWire(model, ref.shape, v);
  }
  if (!xml && payload === undefined && Object.keys(body).length > 0) payload = JSON.stringify(body);
  return { method: op.http.method, path, query, headers, ...(payload !== undefined ? { body: payload } : {}) };
}

async function send(
  base: string,
  r: WireRequest,
  signingName: string,
): Promise<{ status: number; code: string; message: string; body: string; invalidParameter?: string }> {
  const qs = r.query.toString();
  const res = await fetch(`${base}${r.path}${qs ? `?${qs}` : ''}`, {
    method: r.method,
    headers: {
      ...r.headers,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${signingName}/aws4_request, SignedHeaders=host, Signature=0`,
      ...(r.body !== undefined && !r.headers['content-type'] ? { 'content-type': 'application/json' } : {}),
    },
    ...(r.body !== undefined ? { body: r.body } : {}),
  });
  const body = await res.text();
  const xmlCode = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  let json: { message?: string; Message?: string; __type?: string; invalidParameter?: string } = {};
  try {
    json = JSON.parse(body) as typeof json;
  } catch {
    /* XML or empty */
  }
  return {
    status: res.status,
    code: res.headers.get('x-amzn-errortype') ?? xmlCode ?? json.__type ?? '',
    message: json.message ?? json.Message ?? /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '',
    body,
    ...(json.invalidParameter !== undefined ? { invalidParameter: json.invalidParameter } : {}),
  };
}

// ---- the tests ----

test('the models are there: botocore service-2.json for every emulated service', () => {
  for (const s of ['secretsmanager', 'kms', 'acm-pca', 'kafka', 'events', 'stepfunctions', 's3', 'sqs'] as const)
    expect(Object.keys(serviceModel(s).operations).length).toBeGreaterThan(10);
});

test('AWS JSON services: every emulated operation, every constraint, just inside and just outside', async () => {
  const failures: string[] = [];
  for (const service of jsonServices) {
    const model = modelForSigningName(service.signingName)!;
    const version = model.metadata.jsonVersion ?? '1.1';
    for (const operation of Object.keys(service.operations)) {
      expect(model.operations[operation]).toBeDefined(); // every emulated operation is in the model
      stats.operations++;
      tally(service.signingName, 1, 0);
      // The sample input itself fits the model.
      expect(validateInput(model, operation, sampleInput(model, operation))).toEqual([]);
      for (const c of constraintsOf(model, operation)) {
        stats.constraints++;
        tally(service.signingName, 0, 1);
        const cs = constraintCase(model, operation, c);
        if (!cs?.outside) {
          stats.noOutside++;
          continue;
        }
        stats.cases++;
        const where = `${service.targetPrefix}.${operation} ${c.path.join('.')} ${c.kind}`;
        const path = awsPath(model, operation, c, false);
        if (validateInput(model, operation, cs.inside).length > 0)
          failures.push(`${where}: inside refused by the interpreter`);
        const vo = validateInput(model, operation, cs.outside);
        if (!vo.some((v) => v.kind === c.kind)) failures.push(`${where}: outside not refused by the interpreter`);
        const call = (input: unknown) =>
          send(
            local.endpoint,
            {
              method: 'POST',
              path: '/',
              query: new URLSearchParams(),
              headers: {
                'x-amz-target': `${service.targetPrefix}.${operation}`,
                'content-type': `application/x-amz-json-${version}`,
              },
              body: JSON.stringify(input),
            },
            service.signingName,
          );
        const out = await call(cs.outside);
        if (
          out.status !== 400 ||
          out.code !== 'ValidationException' ||
          !out.message.includes(`at '${path.split('*')[0]}`)
        )
          failures.push(`${where}: outside answered ${out.status} ${out.code} ${out.message.slice(0, 160)}`);
        // Inside: the gateway's check (the same function) lets it through, and the emulator does not fail on it
        // (it may refuse it for its own reasons: an unknown resource, a policy that is no JSON).
        const hook = jsonRequestError(service.signingName, operation, cs.inside);
        if (hook) failures.push(`${where}: inside refused by the gateway's check: ${hook.message.slice(0, 160)}`);
        const inside = await call(cs.inside);
        if (inside.status >= 500)
          failures.push(`${where}: inside answered ${inside.status} ${inside.code} ${inside.message.slice(0, 160)}`);
      }
    }
  }
  expect(failures).toEqual([]);
});

test('MSK (restJson1): every emulated operation, every constraint, just inside and just outside: BadRequestException', async () => {
  const model = serviceModel('kafka');
  const operations = mskOperations(model);
  expect(operations.length).toBeGreaterThanOrEqual(10);
  const failures: string[] = [];
  for (const operation of operations) {
    stats.operations++;
    tally('kafka', 1, 0);
    expect(validateInput(model, operation, sampleInput(model, operation))).toEqual([]);
    for (const c of constraintsOf(model, operation)) {
      stats.constraints++;
      tally('kafka', 0, 1);
      const cs = constraintCase(model, operation, c);
      if (!cs?.outside) {
        stats.noOutside++;
        continue;
      }
      stats.cases++;
      const where = `kafka.${operation} ${c.path.join('.')} ${c.kind}`;
      if (validateInput(model, operation, cs.inside).length > 0)
        failures.push(`${where}: inside refused by the interpreter`);
      if (!validateInput(model, operation, cs.outside).some((v) => v.kind === c.kind))
        failures.push(`${where}: outside not refused by the interpreter`);
      const outReq = toRest(model, operation, cs.outside, false);
      if (outReq) {
        const out = await send(local.endpoint, outReq, 'kafka');
        if (
          out.status !== 400 ||
          out.code !== 'BadRequestException' ||
          out.invalidParameter !== awsPath(model, operation, c, true)
        )
          failures.push(
            `${where}: outside answered ${out.status} ${out.code} ${out.invalidParameter} ${out.message.slice(0, 160)}`,
          );
      }
      const inReq = toRest(model, operation, cs.inside, false)!;
      const hook = restJsonRequestError('kafka', operation, {
        ...inReq,
        body: inReq.body !== undefined ? JSON.parse(inReq.body) : undefined,
      });
      if (hook) failures.push(`${where}: inside refused by the gateway's check: ${hook.message.slice(0, 160)}`);
      const inside = await send(local.endpoint, inReq, 'kafka');
      if (inside.status >= 500)
        failures.push(`${where}: inside answered ${inside.status} ${inside.code} ${inside.message.slice(0, 160)}`);
    }
  }
  expect(failures).toEqual([]);
});

test('S3 (restXml): every emulated operation, every constraint, just inside and just outside: MalformedXML, InvalidArgument, InvalidStorageClass', async () => {
  const model = serviceModel('s3');
  const operations = s3Operations(model);
  expect(operations.length).toBeGreaterThanOrEqual(30);
  const failures: string[] = [];
  for (const operation of operations) {
    stats.operations++;
    tally('s3', 1, 0);
    const base = { ...sampleInput(model, operation), Bucket: 'b' };
    const baseReq = toRest(model, operation, base, true)!;
    expect([
      operation,
      s3RequestError(operation, {
        ...baseReq,
        body: baseReq.body !== undefined ? Buffer.from(baseReq.body) : undefined,
      }),
      baseReq.body,
    ]).toEqual([operation, undefined, baseReq.body]);
    for (const c of constraintsOf(model, operation)) {
      stats.constraints++;
      tally('s3', 0, 1);
      // Bucket and Key are the path: S3 routes on them before any operation is known.
      if (c.path.length === 1 && (c.path[0] === 'Bucket' || c.path[0] === 'Key')) {
        stats.noOutside++;
        continue;
      }
      const inputShape = model.shapes[model.operations[operation]!.input!.shape]!;
      // A blob or text payload (PutObject's Body, PutBucketPolicy's Policy) is the handler's to read.
      const opaque = inputShape.payload === c.path[0] && model.shapes[c.shape]?.type !== 'structure';
      const cs = opaque ? undefined : constraintCase(model, operation, c);
      if (!cs?.outside) {
        stats.noOutside++;
        continue;
      }
      stats.cases++;
      const where = `s3.${operation} ${c.path.join('.')} ${c.kind}`;
      const parts = (input: Record<string, unknown>) => {
        const r = toRest(model, operation, { ...input, Bucket: 'b' }, true)!;
        return { r, parts: { ...r, body: r.body !== undefined ? Buffer.from(r.body) : undefined } };
      };
      const inside = parts(cs.inside);
      const insideError = s3RequestError(operation, inside.parts);
      if (insideError)
        failures.push(`${where}: inside refused: ${insideError.code} ${insideError.message.slice(0, 160)}`);
      const outside = parts(cs.outside);
      // Without its uploadId or x-amz-copy-source the request is another operation (UploadPart without
      // uploadId is PutObject): S3 routes on those members, as on Bucket and Key.
      const routed = s3OperationOf(
        outside.r.method,
        outside.r.path,
        Object.fromEntries(outside.r.query),
        outside.r.headers,
      );
      if (routed !== operation) {
        stats.cases--;
        stats.noOutside++;
        continue;
      }
      const expected = s3RequestError(operation, outside.parts);
      if (!expected) {
        failures.push(`${where}: outside not refused`);
        continue;
      }
      const top = model.shapes[model.operations[operation]!.input!.shape]!.members![c.path[0]!]!;
      expect(expected.code).toBe(
        top.location === undefined
          ? 'MalformedXML'
          : top.locationName === 'x-amz-storage-class'
            ? 'InvalidStorageClass'
            : 'InvalidArgument',
      );
      // ... and the S3 endpoint answers it so.
      // HTTP headers are Latin-1: a value outside it cannot be sent (the interpreter's check above stands).
      if (Object.values(outside.r.headers).some((h) => /[^\u0000-\u00ff]/.test(h))) continue;
      const res = await send(local.s3Endpoint, outside.r, 's3');
      // A HEAD answer has no body: its status is all there is.
      if (res.status !== 400 || (outside.r.method !== 'HEAD' && res.code !== expected.code))
        failures.push(`${where}: outside answered ${res.status} ${res.code} (expected ${expected.code})`);
    }
  }
  expect(failures).toEqual([]);
});

test('the counts', () => {
  // Printed for the record (the note on issue 9 quotes them).
  process.stderr.write(`[model-validation] ${JSON.stringify({ ...stats, perService })}\n`);
  expect(stats.operations).toBeGreaterThan(90);
  expect(stats.cases).toBeGreaterThan(700);
});
