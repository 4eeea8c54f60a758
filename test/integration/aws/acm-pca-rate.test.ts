// The emulated ACM Private CA's request rates (local/aws/acm-pca.ts, "Request rates"): Service Quotas' default of 25
// IssueCertificate requests per second per account and Region, over it ThrottlingException (HTTP 400), through the
// unmodified SDK client with its retries turned off. The clock is injected, so "within one second" is exact.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import {
  ACMPCAClient,
  CreateCertificateAuthorityCommand,
  GetCertificateCommand,
  IssueCertificateCommand,
} from '@aws-sdk/client-acm-pca';
import { Gateway } from '../../../local/aws/gateway.js';
import { AcmPcaEmulator, DEFAULT_REQUEST_RATES } from '../../../local/aws/acm-pca.js';

x509.cryptoProvider.set(webcrypto as never);

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
let clock = 1_800_000_000_000;
let gw: Gateway;
let pca: ACMPCAClient;
let caArn: string;
let csr: Uint8Array;
const emulator = new AcmPcaEmulator({ readyAfterPolls: 0, rateClock: () => clock });

beforeAll(async () => {
  gw = new Gateway({ log: () => undefined });
  gw.registerService(emulator);
  await gw.start();
  pca = new ACMPCAClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  caArn = (
    await pca.send(
      new CreateCertificateAuthorityCommand({
        CertificateAuthorityType: 'ROOT',
        CertificateAuthorityConfiguration: {
          KeyAlgorithm: 'EC_prime256v1',
          SigningAlgorithm: 'SHA256WITHECDSA',
          Subject: { CommonName: 'rate test CA' },
        },
      }),
    )
  ).CertificateAuthorityArn!;
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])) as never;
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=rate.test',
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as never,
  });
  csr = new TextEncoder().encode(request.toString('pem'));
});
afterAll(async () => {
  await gw.stop();
});

const issue = () =>
  pca
    .send(
      new IssueCertificateCommand({
        CertificateAuthorityArn: caArn,
        Csr: csr,
        SigningAlgorithm: 'SHA256WITHECDSA',
        Validity: { Value: 30, Type: 'DAYS' },
      }),
    )
    .then(
      (out) => ({ ok: out.CertificateArn! }),
      (e: { name: string; $metadata?: { httpStatusCode?: number } }) => ({
        error: e.name,
        status: e.$metadata?.httpStatusCode,
      }),
    );

test('the defaults are the Service Quotas values: IssueCertificate 25/s, GetCertificate 75/s', () => {
  expect(DEFAULT_REQUEST_RATES).toMatchObject({ IssueCertificate: 25, GetCertificate: 75 });
});

test('30 IssueCertificate calls within one second: 25 accepted, 5 ThrottlingException (400); the bucket refills', async () => {
  const before = emulator.requestRateStats().IssueCertificate;
  const first = await Promise.all(Array.from({ length: 30 }, issue));
  expect(first.filter((r) => 'ok' in r)).toHaveLength(25);
  expect(first.filter((r) => 'error' in r)).toEqual(
    Array.from({ length: 5 }, () => ({ error: 'ThrottlingException', status: 400 })),
  );

  // Half a second later nothing has come back yet; a second after the first calls every token has.
  clock += 500;
  expect(await issue()).toEqual({ error: 'ThrottlingException', status: 400 });
  clock += 500;
  const second = await Promise.all(Array.from({ length: 25 }, issue));
  expect(second.every((r) => 'ok' in r)).toBe(true);
  expect(await issue()).toEqual({ error: 'ThrottlingException', status: 400 });

  const after = emulator.requestRateStats().IssueCertificate;
  expect({
    accepted: after.accepted - before.accepted,
    throttled: after.throttled - before.throttled,
    peak: after.peakPerSecond,
  }).toEqual({ accepted: 50, throttled: 7, peak: 25 });
});

test('tokens come back one by one, a second after each was spent: never more than the rate in any one second', async () => {
  clock += 10_000;
  // 10 calls now, 15 more 600 ms later: the bucket is empty until the first 10 come back at +1000 ms.
  await Promise.all(Array.from({ length: 10 }, issue));
  clock += 600;
  await Promise.all(Array.from({ length: 15 }, issue));
  expect(await issue()).toEqual({ error: 'ThrottlingException', status: 400 });
  clock += 400;
  const back = await Promise.all(Array.from({ length: 11 }, issue));
  expect(back.filter((r) => 'ok' in r)).toHaveLength(10);
  expect(emulator.requestRateStats().IssueCertificate.peakPerSecond).toBe(25);
});

test('GetCertificate has a rate of its own (75/s), which IssueCertificate does not spend', async () => {
  clock += 10_000;
  const issued = await issue();
  if (!('ok' in issued)) throw new Error('issue failed');
  const get = () =>
    pca.send(new GetCertificateCommand({ CertificateAuthorityArn: caArn, CertificateArn: issued.ok })).then(
      () => 'ok',
      (e: Error) => e.name,
    );
  const results = await Promise.all(Array.from({ length: 76 }, get));
  expect(results.filter((r) => r === 'ok')).toHaveLength(75);
  expect(results.filter((r) => r === 'ThrottlingException')).toHaveLength(1);
});

test('a rate given to the emulator replaces the default; setRequestRate changes it for the requests that follow', async () => {
  const slow = new AcmPcaEmulator({ requestRates: { IssueCertificate: 2 }, rateClock: () => clock });
  expect(slow.requestRateStats().IssueCertificate.rate).toBe(2);
  expect(slow.requestRateStats().GetCertificate.rate).toBe(75);
  clock += 10_000;
  emulator.setRequestRate('IssueCertificate', 1);
  try {
    expect('ok' in (await issue())).toBe(true);
    expect(await issue()).toEqual({ error: 'ThrottlingException', status: 400 });
    expect(emulator.requestRateStats().IssueCertificate).toEqual({
      rate: 1,
      accepted: 1,
      throttled: 1,
      peakPerSecond: 1,
    });
  } finally {
    emulator.setRequestRate('IssueCertificate', 25);
  }
});
