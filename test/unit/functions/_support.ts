// Shared by the handler tests: environment, captured log output, a throwaway CA.
import { mockClient as rawMockClient } from 'aws-sdk-client-mock';
import { resetClients } from '../../../lib/aws/clients.js';
import { x509 } from '../../../lib/cert/x509.js';
import { webcrypto } from 'node:crypto';

export const ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDTEST',
  AWS_SECRET_ACCESS_KEY: 'test-secret-not-real',
  SPEC_BUCKET: 'spec-bucket',
  CERT_BUCKET: 'cert-bucket',
  KMS_KEY_ARN: 'arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555',
  CLUSTER_ARN: 'arn:aws:kafka:us-east-1:111122223333:cluster/data/abcd-1',
  PCA_ARN: 'arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/ca-1',
  PCA_SIGNING_ALGORITHM: 'SHA256WITHECDSA',
  AUTH_MODES: 'SCRAM,MTLS',
  SECRET_PREFIX: '',
  POWERTOOLS_METRICS_NAMESPACE: 'Test',
  POWERTOOLS_TRACE_ENABLED: 'false',
};

export function setEnv(extra: Record<string, string | undefined> = {}): void {
  for (const [k, v] of Object.entries({ ...ENV, ...extra })) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetClients();
}

/** Everything written to stdout/stderr while `fn` runs (Powertools writes its JSON lines there). */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result?: T; error?: unknown; output: string }> {
  const chunks: string[] = [];
  const outWrite = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  const grab = (c: unknown) => {
    chunks.push(typeof c === 'string' ? c : Buffer.from(c as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  try {
    const result = await fn();
    return { result, output: chunks.join('') };
  } catch (error) {
    return { error, output: chunks.join('') };
  } finally {
    process.stdout.write = outWrite;
    process.stderr.write = errWrite;
  }
}

export function fakeContext(name = 'test') {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:111122223333:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: 'req-1',
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 's',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A throwaway ECDSA CA that signs CSRs like ACM PCA would. */
export async function testCa() {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Test PCA',
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    keys,
    signingAlgorithm: alg,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  let serial = 0x1000;
  return {
    chainPem: caCert.toString('pem') + '\n',
    async sign(csrPem: string, notBefore = new Date('2026-03-01T00:00:00Z'), days = 30): Promise<string> {
      const csr = new x509.Pkcs10CertificateRequest(csrPem);
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16),
        subject: csr.subject,
        issuer: caCert.subject,
        notBefore,
        notAfter: new Date(notBefore.getTime() + days * 86_400_000),
        signingKey: keys.privateKey,
        publicKey: csr.publicKey,
        signingAlgorithm: alg,
      });
      return cert.toString('pem');
    },
  };
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;

export const PRIVATE_KEY_MARKERS = ['PRIVATE KEY', 'BEGIN EC', 'BEGIN RSA'];

// aws-sdk-client-mock's generics pin @smithy/types versions that differ from the installed clients'
// (a type-only mismatch; the runtime works). Tests use it through this loose, explicit surface.
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface LooseStub {
  resolves(v: unknown): LooseStub;
  resolvesOnce(v: unknown): LooseStub;
  rejects(e?: unknown): LooseStub;
  rejectsOnce(e?: unknown): LooseStub;
  callsFake(fn: (input: any) => unknown): LooseStub;
}
export interface LooseMock {
  on(command: unknown, input?: unknown): LooseStub;
  commandCalls(command: unknown): { args: [{ input: any }] }[];
  calls(): { args: [{ input: any; constructor: { name: string } }] }[];
  reset(): void;
  resetHistory(): void;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
export function mockAws(client: unknown): LooseMock {
  return rawMockClient(client as never) as unknown as LooseMock;
}
