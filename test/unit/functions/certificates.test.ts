// IssueCertificate → CollectCertificate → FindExpiringCertificates against an in-memory S3 (a
// tiny bucket behind aws-sdk-client-mock), a mocked PCA that signs with a throwaway CA, and a
// mocked MSK cluster description.
import {
  DescribeCertificateAuthorityCommand,
  GetCertificateCommand,
  IssueCertificateCommand,
  ACMPCAClient,
} from '@aws-sdk/client-acm-pca';
import { DescribeClusterV2Command, KafkaClient } from '@aws-sdk/client-kafka';
import { jest } from '@jest/globals';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import { Readable } from 'node:stream';
import { collect, handler as collectHandler } from '../../../functions/collect-certificate/handler.js';
import { findExpiring } from '../../../functions/find-expiring-certificates/handler.js';
import { handler as issueHandler, issue } from '../../../functions/issue-certificate/handler.js';
import { resetIssueCaches } from '../../../lib/aws/certificates.js';
import { x509 } from '../../../lib/cert/x509.js';
import { ENV, PRIVATE_KEY_MARKERS, captureOutput, fakeContext, setEnv, testCa, mockAws } from './_support.js';

// IssueCertificate's idempotency tokens, written out: SHA-256 of `msk-spec-provisioner:<D>:<generation>`,
// base64url, first 36 characters. Literal on purpose: a change of the derivation would make a step
// retried across a deployment issue a second certificate, so it must show up here.
const TOKEN_SHOP_ORDERS_1 = '1WaAmFiUFNCEQuWkAfIcVt9Tnchy5IXYDy1f';
const TOKEN_SHOP_ORDERS_2 = 'nQlnNLFsbuwgIHYnrYyTzFchaVqqPEVZiXIX';

const s3 = mockAws(S3Client);
const pca = mockAws(ACMPCAClient);
const kafka = mockAws(KafkaClient);

interface Stored {
  body: string;
  sse?: string;
  kmsKey?: string;
}
let bucket: Map<string, Stored>;
/** Order of S3 writes (PutObject/CopyObject keys) and PCA calls, to check what happens before what. */
let journal: string[];
let ca: Awaited<ReturnType<typeof testCa>>;
let issued: Map<string, string>;
let inProgressFor: number;

const noSuchKey = () => Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });

function installFakes(): void {
  s3.on(PutObjectCommand).callsFake(
    (input: {
      Key: string;
      Body: string;
      ServerSideEncryption?: string;
      SSEKMSKeyId?: string;
      IfNoneMatch?: string;
    }) => {
      if (input.IfNoneMatch === '*' && bucket.has(input.Key))
        throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
          name: 'PreconditionFailed',
        });
      journal.push(`put ${input.Key}`);
      bucket.set(input.Key, { body: String(input.Body), sse: input.ServerSideEncryption, kmsKey: input.SSEKMSKeyId });
      return {};
    },
  );
  s3.on(CopyObjectCommand).callsFake(
    (input: { Key: string; CopySource: string; ServerSideEncryption?: string; SSEKMSKeyId?: string }) => {
      const src = bucket.get(input.CopySource.slice(input.CopySource.indexOf('/') + 1));
      if (!src) throw noSuchKey();
      journal.push(`copy ${input.Key}`);
      bucket.set(input.Key, { body: src.body, sse: input.ServerSideEncryption, kmsKey: input.SSEKMSKeyId });
      return {};
    },
  );
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const o = bucket.get(input.Key);
    if (!o) throw noSuchKey();
    return { Body: sdkStreamMixin(Readable.from([Buffer.from(o.body)])), ContentLength: o.body.length };
  });
  s3.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
    journal.push(`delete ${input.Key}`);
    bucket.delete(input.Key);
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
    Contents: [...bucket.keys()]
      .filter((k) => k.startsWith(input.Prefix))
      .sort()
      .map((Key) => ({ Key })),
    IsTruncated: false,
  }));
  kafka.on(DescribeClusterV2Command).resolves({
    ClusterInfo: {
      Provisioned: { ClientAuthentication: { Tls: { Enabled: true, CertificateAuthorityArnList: [ENV.PCA_ARN] } } },
    },
  } as never);
  pca.on(IssueCertificateCommand).callsFake(async (input: { Csr: Uint8Array; IdempotencyToken: string }) => {
    journal.push(`pca issue ${input.IdempotencyToken}`);
    const arn = `${ENV.PCA_ARN}/certificate/${input.IdempotencyToken}`;
    if (!issued.has(arn)) issued.set(arn, await ca.sign(new TextDecoder().decode(input.Csr)));
    return { CertificateArn: arn };
  });
  pca.on(GetCertificateCommand).callsFake((input: { CertificateArn: string }) => {
    if (inProgressFor-- > 0)
      throw Object.assign(new Error('The request is in progress.'), { name: 'RequestInProgressException' });
    return { Certificate: issued.get(input.CertificateArn), CertificateChain: ca.chainPem };
  });
}

beforeAll(async () => {
  ca = await testCa();
});

beforeEach(() => {
  for (const m of [s3, pca, kafka]) m.reset();
  setEnv();
  resetIssueCaches();
  bucket = new Map();
  journal = [];
  issued = new Map();
  inProgressFor = 0;
  installFakes();
});

const secretsIn = (text: string) => PRIVATE_KEY_MARKERS.some((m) => text.includes(m));

describe('IssueCertificate', () => {
  it('stores the private key under SSE-KMS before the CSR (CN=<domain>) goes to PCA with a deterministic token', async () => {
    const { result, output } = await captureOutput(() =>
      issueHandler({ domain: 'shop.orders', correlationId: 'exec-7' }, fakeContext('issueCertificate')),
    );
    expect(result).toMatchObject({ domain: 'shop.orders', status: 'ISSUING', generation: 1 });
    expect(journal).toEqual([
      'put certificates/shop.orders/pending/1/key.pem',
      `pca issue ${TOKEN_SHOP_ORDERS_1}`,
      'put certificates/shop.orders/pending/1/issued.json',
    ]);

    const key = bucket.get('certificates/shop.orders/pending/1/key.pem')!;
    expect(key.body).toContain('BEGIN PRIVATE KEY');
    expect(key).toMatchObject({ sse: 'aws:kms', kmsKey: ENV.KMS_KEY_ARN });

    const req = pca.commandCalls(IssueCertificateCommand)[0]!.args[0].input;
    expect(req).toMatchObject({
      CertificateAuthorityArn: ENV.PCA_ARN,
      SigningAlgorithm: 'SHA256WITHECDSA',
      Validity: { Value: 30, Type: 'DAYS' },
      IdempotencyToken: TOKEN_SHOP_ORDERS_1,
    });
    const csr = new x509.Pkcs10CertificateRequest(new TextDecoder().decode(req.Csr));
    expect(csr.subject).toBe('CN=shop.orders');
    expect(new TextDecoder().decode(req.Csr)).not.toContain('PRIVATE');

    // Nothing secret in the result or the logs.
    expect(secretsIn(JSON.stringify(result))).toBe(false);
    expect(secretsIn(output)).toBe(false);
    expect(output).toContain('exec-7');
  });

  it('a retried attempt of the same generation reuses the stored key (PCA dedupes by token; the key must match)', async () => {
    const first = await issue({ domain: 'shop.orders' });
    const second = await issue({ domain: 'shop.orders' });
    expect(second).toEqual(first);
    expect(journal.filter((j) => j.endsWith('/key.pem'))).toEqual(['put certificates/shop.orders/pending/1/key.pem']);
  });

  describe('an attempt that died after PCA answered, retried past the five-minute idempotency window', () => {
    const RECORD = 'certificates/shop.orders/pending/1/issued.json';

    it('records the ARN and the public key beside the pending key, under SSE-KMS, with no key material', async () => {
      const first = await issue({ domain: 'shop.orders' });
      if (first.status !== 'ISSUING') throw new Error('expected ISSUING');
      const record = bucket.get(RECORD)!;
      expect(record).toMatchObject({ sse: 'aws:kms', kmsKey: ENV.KMS_KEY_ARN });
      expect(JSON.parse(record.body)).toEqual({
        certificateArn: first.certificateArn,
        publicKeySha256: first.publicKeySha256,
        issuedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(secretsIn(record.body)).toBe(false);
    });

    it('collects the recorded certificate without asking PCA again, in the shape of a fresh issue', async () => {
      const first = await issue({ domain: 'shop.orders' });
      // Whatever PCA would answer now (a new certificate, the window being over), it is not asked.
      pca.on(IssueCertificateCommand).rejects(new Error('PCA must not be asked again'));
      journal = [];
      const retried = await issue({ domain: 'shop.orders' });
      expect(retried).toEqual(first);
      expect(journal).toEqual([]);
      if (retried.status !== 'ISSUING') throw new Error('expected ISSUING');
      await expect(collect(retried)).resolves.toMatchObject({ status: 'ISSUED', generation: 1 });
      // The generation is done: neither its pending key nor its record is left.
      expect([...bucket.keys()].filter((k) => k.includes('/pending/'))).toEqual([]);
    });

    it('ignores a record made for another key (and overwrites it with the new answer)', async () => {
      const first = await issue({ domain: 'shop.orders' });
      if (first.status !== 'ISSUING') throw new Error('expected ISSUING');
      const stale = { certificateArn: `${ENV.PCA_ARN}/certificate/other`, publicKeySha256: '00'.repeat(32) };
      bucket.set(RECORD, { body: JSON.stringify({ ...stale, issuedAt: new Date().toISOString() }) });
      journal = [];
      const retried = await issue({ domain: 'shop.orders' });
      expect(retried).toEqual(first);
      expect(journal).toEqual([`pca issue ${TOKEN_SHOP_ORDERS_1}`, `put ${RECORD}`]);
      expect(JSON.parse(bucket.get(RECORD)!.body)).toMatchObject({ certificateArn: first.certificateArn });
    });

    it('asks PCA again when the recorded certificate would itself be due for renewal by now', async () => {
      await issue({ domain: 'shop.orders' });
      journal = [];
      // 30-day validity: due after 20 days.
      await issue({ domain: 'shop.orders', now: new Date(Date.now() + 21 * 86_400_000).toISOString() });
      expect(journal).toEqual([`pca issue ${TOKEN_SHOP_ORDERS_1}`, `put ${RECORD}`]);
    });
  });

  it('asks PCA for its signing algorithm when none is configured', async () => {
    setEnv({ PCA_SIGNING_ALGORITHM: undefined });
    pca.on(DescribeCertificateAuthorityCommand).resolves({
      CertificateAuthority: {
        Status: 'ACTIVE',
        CertificateAuthorityConfiguration: { KeyAlgorithm: 'RSA_2048', SigningAlgorithm: 'SHA256WITHRSA', Subject: {} },
      },
    } as never);
    await issue({ domain: 'shop.orders' });
    expect(pca.commandCalls(IssueCertificateCommand)[0]!.args[0].input.SigningAlgorithm).toBe('SHA256WITHRSA');
  });

  it('fails clearly when the cluster does not trust the PCA, before generating anything', async () => {
    kafka.on(DescribeClusterV2Command).resolves({
      ClusterInfo: { Provisioned: { ClientAuthentication: { Tls: { CertificateAuthorityArnList: ['arn:other'] } } } },
    } as never);
    const err = (await issue({ domain: 'shop.orders' }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('ClusterTrustMissing');
    expect(err.message).toContain(ENV.PCA_ARN);
    expect(journal).toEqual([]);
  });

  it('supports RSA keys', async () => {
    setEnv({ CERT_KEY_ALGORITHM: 'RSA_2048' });
    await issue({ domain: 'shop.orders' });
    const csr = new x509.Pkcs10CertificateRequest(
      new TextDecoder().decode(pca.commandCalls(IssueCertificateCommand)[0]!.args[0].input.Csr),
    );
    expect(csr.publicKey.algorithm.name).toBe('RSASSA-PKCS1-v1_5');
  });
});

describe('CollectCertificate', () => {
  it('propagates RequestInProgressException by name for the ASL Retry', async () => {
    const issuing = await issue({ domain: 'shop.orders' });
    inProgressFor = 1;
    if (issuing.status !== 'ISSUING') throw new Error('expected ISSUING');
    await expect(collect(issuing)).rejects.toMatchObject({ name: 'RequestInProgressException' });
  });

  it('stores key, cert and chain under the serial, switches current.json last, then the index', async () => {
    const issuing = await issue({ domain: 'shop.orders' });
    if (issuing.status !== 'ISSUING') throw new Error('expected ISSUING');
    journal = [];
    const { result, output } = await captureOutput(() => collectHandler(issuing, fakeContext('collectCertificate')));
    const out = result as Awaited<ReturnType<typeof collect>>;
    expect(out).toMatchObject({ domain: 'shop.orders', status: 'ISSUED', generation: 1 });
    const base = `certificates/shop.orders/${out.serial}/`;
    const writes = journal.filter((j) => !j.startsWith('delete'));
    expect(writes).toEqual([
      `put ${base}key.pem`,
      `put ${base}cert.pem`,
      `put ${base}chain.pem`,
      'put certificates/shop.orders/current.json',
      expect.stringMatching(/^put certificates\/_index\/shop\.orders\/\d{8}T\d{6}Z_\d{8}T\d{6}Z_1_[0-9a-f]+$/),
    ]);
    expect(journal).toContain('delete certificates/shop.orders/pending/1/key.pem');
    expect(journal).toContain('delete certificates/shop.orders/pending/1/issued.json');
    for (const f of ['key.pem', 'cert.pem', 'chain.pem'])
      expect(bucket.get(base + f)).toMatchObject({ sse: 'aws:kms', kmsKey: ENV.KMS_KEY_ARN });
    expect(JSON.parse(bucket.get('certificates/shop.orders/current.json')!.body)).toEqual({
      domain: 'shop.orders',
      serial: out.serial,
      notBefore: out.notBefore,
      notAfter: out.notAfter,
      keys: { key: `${base}key.pem`, cert: `${base}cert.pem`, chain: `${base}chain.pem` },
      generation: 1,
    });
    expect(secretsIn(JSON.stringify(result)) || secretsIn(output)).toBe(false);
  });

  it('refuses a certificate for another key', async () => {
    const issuing = await issue({ domain: 'shop.orders' });
    if (issuing.status !== 'ISSUING') throw new Error('expected ISSUING');
    await expect(collect({ ...issuing, publicKeySha256: '00'.repeat(32) })).rejects.toMatchObject({
      name: 'CertificateMismatch',
    });
    expect(bucket.has('certificates/shop.orders/current.json')).toBe(false);
  });
});

describe('racing attempts of one generation', () => {
  it('the second attempt uses the key the first stored (conditional write), so key and certificate always pair', async () => {
    // Attempt B reads no pending key, generates its own, but A's conditional put lands first.
    const realGet = bucket.get.bind(bucket);
    let firstRead = true;
    const spy = jest.spyOn(bucket, 'get').mockImplementation((k: string) => {
      if (k.endsWith('pending/1/key.pem') && firstRead) {
        firstRead = false;
        return undefined;
      }
      return realGet(k);
    });
    await issue({ domain: 'shop.orders' }); // A
    const a = bucket.get('certificates/shop.orders/pending/1/key.pem')!.body;
    firstRead = true;
    const b = await issue({ domain: 'shop.orders' }); // B: its put is refused, it re-reads A's key
    spy.mockRestore();
    expect(bucket.get('certificates/shop.orders/pending/1/key.pem')!.body).toBe(a);
    if (b.status !== 'ISSUING') throw new Error('expected ISSUING');
    await expect(collect(b)).resolves.toMatchObject({ status: 'ISSUED' });
  });

  it('a second collect of the same generation, after the first stored it, succeeds with the same certificate', async () => {
    // Two executions of one new domain: both issue generation 1 (one key, PCA's idempotent answer),
    // and the first to collect promotes it and removes the pending key.
    const issuing = await issue({ domain: 'shop.orders' });
    if (issuing.status !== 'ISSUING') throw new Error('expected ISSUING');
    const first = await collect(issuing);
    expect(bucket.has('certificates/shop.orders/pending/1/key.pem')).toBe(false);
    journal = [];
    await expect(collect(issuing)).resolves.toEqual(first);
    expect(journal).toEqual([]); // nothing written again
    // A certificate other than the promoted one is still refused.
    bucket.set('certificates/shop.orders/current.json', {
      body: JSON.stringify({ ...JSON.parse(bucket.get('certificates/shop.orders/current.json')!.body), serial: 'ff' }),
    });
    await expect(collect(issuing)).rejects.toMatchObject({ name: 'CertificateMismatch' });
  });

  it('refuses to promote when the stored key does not match the certificate', async () => {
    const issuing = await issue({ domain: 'shop.orders' });
    if (issuing.status !== 'ISSUING') throw new Error('expected ISSUING');
    bucket.set('certificates/shop.orders/pending/1/key.pem', {
      body: await (
        await import('../../../lib/cert/keys.js')
      ).privateKeyToPem((await (await import('../../../lib/cert/keys.js')).generateKeyPair()).privateKey),
    });
    const err = (await collect(issuing).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('CertificateMismatch');
    expect(secretsIn(err.message)).toBe(false);
    expect(bucket.has('certificates/shop.orders/current.json')).toBe(false);
  });
});

describe('renewal cycle', () => {
  /** The scan of one execution: its summary and the due list it wrote for the renewal Map. */
  async function scanAt(input: { now?: string; trigger?: { time: string } }, executionName = 'daily-run') {
    const summary = await findExpiring({ ...input, executionName });
    const stored = bucket.get(summary.dueList.key)!;
    const due = JSON.parse(stored.body) as { domain: string; generation: number }[];
    return { ...summary, list: due, stored };
  }

  async function provision(domain: string, now?: string) {
    // (The fake S3 is one map for both buckets: the scan lists specs/ for the domains that have a spec.)
    bucket.set(`specs/${domain}.yaml`, { body: `id: urn:${domain}` });
    const i = await issue({ domain, ...(now ? { now } : {}) });
    return i.status === 'ISSUING' ? collect(i) : i;
  }

  it('a current certificate is left alone; at 2/3 of its life a new generation is issued and promoted', async () => {
    const first = await provision('shop.orders'); // signed 2026-03-01 for 30 days
    const again = await issue({ domain: 'shop.orders', now: '2026-03-10T00:00:00Z' });
    expect(again).toMatchObject({ status: 'CURRENT', generation: 1 });

    const scanEarly = await scanAt({ now: '2026-03-20T23:00:00Z' });
    expect([scanEarly.due, scanEarly.list]).toEqual([0, []]);
    expect(scanEarly.earliestNotAfter).toBe('2026-03-31T00:00:00.000Z');

    const scan = await scanAt({ trigger: { time: '2026-03-21T00:00:00Z' } });
    expect(scan.due).toBe(1);
    expect(scan.list).toEqual([expect.objectContaining({ domain: 'shop.orders', generation: 1 })]);

    const renewed = await issue({ domain: 'shop.orders', now: scan.now });
    expect(renewed).toMatchObject({ status: 'ISSUING', generation: 2 });
    expect(pca.commandCalls(IssueCertificateCommand).at(-1)!.args[0].input.IdempotencyToken).toBe(TOKEN_SHOP_ORDERS_2);
    if (renewed.status !== 'ISSUING') throw new Error('expected ISSUING');
    const second = await collect(renewed);
    expect(second.serial).not.toBe((first as { serial: string }).serial);

    // The old certificate's files stay (usable until they expire); the index keeps one entry.
    expect(bucket.has(`certificates/shop.orders/${(first as { serial: string }).serial}/cert.pem`)).toBe(true);
    expect([...bucket.keys()].filter((k) => k.startsWith('certificates/_index/'))).toHaveLength(1);
  });

  it('a domain with no spec is never renewed, however late its certificate', async () => {
    await provision('shop.orders');
    await provision('shop.payments');
    bucket.delete('specs/shop.payments.yaml');
    const scan = await scanAt({ now: '2026-03-29T00:00:00Z' });
    expect(scan.list.map((d) => d.domain)).toEqual(['shop.orders']);
    expect(scan.withoutSpec).toEqual(['shop.payments']);
  });

  it('the expiry scan costs List calls only, and one put of the due list under SSE-KMS', async () => {
    await provision('shop.orders');
    await provision('shop.payments');
    s3.resetHistory();
    const scan = await scanAt({ now: '2026-03-25T00:00:00Z' }, 'run-42');
    expect(scan.scanned).toBe(2);
    expect(scan.list.map((d) => d.domain)).toEqual(['shop.orders', 'shop.payments']);
    const used = s3.calls().map((c) => c.args[0].constructor.name);
    expect(new Set(used)).toEqual(new Set([ListObjectsV2Command.name, PutObjectCommand.name]));
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['rotation/run-42/due.json']);
    expect(scan.dueList).toEqual({ bucket: ENV.CERT_BUCKET, key: 'rotation/run-42/due.json' });
    expect(scan.stored).toMatchObject({ sse: 'aws:kms', kmsKey: ENV.KMS_KEY_ARN });
  });

  it('refuses a scan without an execution name for its due list, naming the field', async () => {
    const err = (await findExpiring({ now: '2026-03-25T00:00:00Z' } as never).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('"executionName"');
  });
});
