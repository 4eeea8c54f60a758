// Request validation of the emulated IAM API from botocore's iam model (local/aws/models/), the way
// model-validation.test.ts holds the other services: every operation the IAM service serves, every
// constraint of its input shape, one value just inside and one just outside (samples.ts), sent on
// the wire in the Query protocol's form encoding. Outside is answered `ValidationError` (400) naming
// the member's path (or IAM's own sentence for a path); inside is never refused by validation. And
// every answer of the sample inputs is XML the model's output shape holds (the serializer refuses
// anything else, so an answer that went through is one).
import { startLocalAws, localAdminArn, type LocalAws } from '../../../local/aws/env.js';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { serviceModel } from '../../../local/aws/models/fetch.js';
import { constraintsOf, validateInput } from '../../../local/aws/models/validate.js';
import { constraintCase, sampleInput } from '../../../local/aws/models/samples.js';
import { fromQuery } from '../../../local/aws/models/wire.js';
import { IAM_ERROR_STATUS } from '../../../local/aws/iam/service.js';
import type { ServiceModel } from '../../../local/aws/models/types.js';

import { jest } from '@jest/globals';

jest.setTimeout(120_000);

let local: LocalAws;
let iam: IamAuthority;

beforeAll(async () => {
  iam = new IamAuthority();
  local = await startLocalAws({ iam, log: () => undefined });
});
afterAll(async () => {
  await local?.stop();
});

/** The Query protocol's form encoding of a member-name input (Smithy "AWS query protocol"). */
function toForm(model: ServiceModel, shapeName: string, v: unknown, prefix: string, out: URLSearchParams): void {
  const shape = model.shapes[shapeName]!;
  if (shape.type === 'structure')
    for (const [name, x] of Object.entries(v as Record<string, unknown>)) {
      const ref = shape.members![name]!;
      toForm(model, ref.shape, x, prefix === '' ? name : `${prefix}.${name}`, out);
    }
  else if (shape.type === 'list' && (v as unknown[]).length === 0) out.append(prefix, '');
  else if (shape.type === 'list')
    (v as unknown[]).forEach((x, i) => toForm(model, shape.member!.shape, x, `${prefix}.member.${i + 1}`, out));
  else if (shape.type === 'map')
    Object.entries(v as Record<string, unknown>).forEach(([k, x], i) => {
      out.append(`${prefix}.entry.${i + 1}.key`, k);
      toForm(model, shape.value!.shape, x, `${prefix}.entry.${i + 1}.value`, out);
    });
  else out.append(prefix, String(v));
}

async function call(operation: string, input: Record<string, unknown>) {
  const model = serviceModel('iam');
  const form = new URLSearchParams({ Action: operation, Version: '2010-05-08' });
  toForm(model, model.operations[operation]!.input!.shape, input, '', form);
  const res = await fetch(local.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: `AWS4-HMAC-SHA256 Credential=${iam.credentialsFor(localAdminArn()).accessKeyId}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: form.toString(),
  });
  const body = await res.text();
  return {
    status: res.status,
    code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? '',
    message: /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '',
    body,
  };
}

const served = () => Object.keys(local.iamService!.operations);

test('the form encoding reads back into the same input (wire.ts fromQuery)', () => {
  const model = serviceModel('iam');
  for (const operation of served()) {
    const input = sampleInput(model, operation) as Record<string, unknown>;
    const form = new URLSearchParams();
    toForm(model, model.operations[operation]!.input!.shape, input, '', form);
    expect(fromQuery(form, model, model.operations[operation]!.input!.shape)).toEqual(input);
  }
});

test('IAM (query): every emulated operation, every constraint, just inside and just outside: ValidationError', async () => {
  const model = serviceModel('iam');
  const failures: string[] = [];
  let cases = 0;
  for (const operation of served()) {
    expect(model.operations[operation]).toBeDefined();
    expect(validateInput(model, operation, sampleInput(model, operation))).toEqual([]);
    for (const c of constraintsOf(model, operation)) {
      const cs = constraintCase(model, operation, c);
      if (!cs?.outside) continue;
      cases++;
      const where = `${operation} ${c.path.join('.')} ${c.kind}`;
      const out = await call(operation, cs.outside as Record<string, unknown>);
      const member = c.path[0]![0]!.toLowerCase() + c.path[0]!.slice(1);
      if (out.status !== 400 || out.code !== 'ValidationError' || !out.message.includes(member))
        failures.push(`${where}: outside answered ${out.status} ${out.code} ${out.message.slice(0, 160)}`);
      const inside = await call(operation, cs.inside as Record<string, unknown>);
      if (inside.code === 'ValidationError' || inside.status >= 500)
        failures.push(`${where}: inside answered ${inside.status} ${inside.code} ${inside.message.slice(0, 160)}`);
    }
  }
  expect(cases).toBeGreaterThan(30);
  expect(failures).toEqual([]);
});

test('answers: the sample inputs get XML under <XResponse><XResult>, or a modelled error, never a 5xx', async () => {
  const model = serviceModel('iam');
  for (const operation of served()) {
    const out = await call(operation, sampleInput(model, operation) as Record<string, unknown>);
    expect(out.status).toBeLessThan(500);
    if (out.status === 200) {
      expect(out.body).toMatch(new RegExp(`^<${operation}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/">`));
      if (model.operations[operation]!.output) expect(out.body).toContain(`<${operation}Result>`);
    } else {
      const modelled = (model.operations[operation]!.errors ?? []).map(
        (e) => (model.shapes[e.shape] as { error?: { code?: string } }).error?.code,
      );
      expect(modelled).toContain(out.code);
    }
  }
});

test("the service's error statuses are the model's (each error shape's httpStatusCode)", () => {
  const model = serviceModel('iam');
  const byCode = Object.fromEntries(
    Object.values(model.shapes)
      .map((s) => (s as { error?: { code?: string; httpStatusCode?: number } }).error)
      .filter((e): e is { code: string; httpStatusCode: number } => e?.code !== undefined)
      .map((e) => [e.code, e.httpStatusCode]),
  );
  for (const [code, status] of Object.entries(IAM_ERROR_STATUS)) expect([code, byCode[code]]).toEqual([code, status]);
});
