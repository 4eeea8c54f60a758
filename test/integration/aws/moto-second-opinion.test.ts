// A second opinion on the embedded cloud: the SDK calls the production code sends (lib/aws/*,
// functions/*, the state machines' SDK integrations), in the order a provisioning, a rotation and a
// decommission send them, run against the embedded cloud and against moto's server
// (test/support/moto.ts, PyPI moto[server] pinned, started and stopped here on a loopback port).
// Each response is reduced to what both may be compared on: the HTTP status, the error code, and
// the response's shape with ids, ARNs, timestamps, ETags and version ids normalised away.
//
// moto is not the truth: the AWS service models and API references are. Every disagreement is
// either fixed in the emulator or listed in DISAGREEMENTS below with the AWS documentation that
// settles it; the test fails on any disagreement not in the table (and on a table entry that no
// longer disagrees, so the table stays true).
//
// Not covered, because moto does not implement them: MSK BatchAssociateScramSecret,
// BatchDisassociateScramSecret, ListScramSecrets and GetBootstrapBrokers; moto's DescribeClusterV2
// answers a creationTime the JS SDK cannot parse, so it is left out too.
import { jest } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import {
  S3Client,
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
} from '@aws-sdk/client-s3';
import { KMSClient, CreateKeyCommand } from '@aws-sdk/client-kms';
import {
  SecretsManagerClient,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  DeleteSecretCommand,
  RestoreSecretCommand,
  ListSecretsCommand,
} from '@aws-sdk/client-secrets-manager';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  SFNClient,
  CreateStateMachineCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  GetExecutionHistoryCommand,
} from '@aws-sdk/client-sfn';
import {
  ACMPCAClient,
  CreateCertificateAuthorityCommand,
  DescribeCertificateAuthorityCommand,
  IssueCertificateCommand,
  GetCertificateCommand,
  ImportCertificateAuthorityCertificateCommand,
  RevokeCertificateCommand,
} from '@aws-sdk/client-acm-pca';
import { startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import { AcmPcaEmulator } from '../../../local/aws/acm-pca.js';
import { StepFunctionsEmulator } from '../../../local/aws/stepfunctions.js';
import { differences, outcomeOf, startMoto, type MotoServer, type Outcome } from '../../support/moto.js';

jest.setTimeout(900_000);

interface Clients {
  s3: S3Client;
  kms: KMSClient;
  sm: SecretsManagerClient;
  eb: EventBridgeClient;
  sfn: SFNClient;
  pca: ACMPCAClient;
}

function clients(endpoint: string, s3Endpoint: string): Clients {
  const base = {
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
    endpoint,
  };
  return {
    s3: new S3Client({
      ...base,
      endpoint: s3Endpoint,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
    kms: new KMSClient(base),
    sm: new SecretsManagerClient(base),
    eb: new EventBridgeClient(base),
    sfn: new SFNClient(base),
    pca: new ACMPCAClient(base),
  };
}

/** What the run carries from one call to the next (ARNs, version ids), per cloud. */
type Ctx = Record<string, string>;

interface Step {
  readonly name: string;
  /** Setup calls (not sent by production code) are run, not compared. */
  readonly setup?: boolean;
  /** Run on one cloud only (setup that makes both start from the same state). */
  readonly only?: 'local' | 'moto';
  run(c: Clients, ctx: Ctx): Promise<unknown>;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids, ARNs, timestamps, ETags, version ids and bodies become placeholders; what is left is compared. */
function normalise(v: unknown, key = ''): unknown {
  if (v instanceof Date) return '<date>';
  if (v instanceof Uint8Array) return '<bytes>';
  if (Array.isArray(v)) return v.map((x) => normalise(x, key));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [raw, x] of Object.entries(v as Record<string, unknown>)) {
      if (raw === '$metadata' || x === undefined) continue;
      const k = UUID.test(raw) ? '<id>' : raw; // map keys that are ids (VersionIdsToStages)
      if (k === 'Body' && x && typeof x === 'object') {
        out[k] = '<body>';
        continue;
      }
      out[k] = normalise(x, k);
    }
    return out;
  }
  if (typeof v === 'string') {
    if (v.startsWith('arn:')) return '<arn>';
    if (ISO.test(v) || /Date$|Time$|^time$/i.test(key)) return '<date>';
    if (/^\d{12}$/.test(v)) return '<account>';
    if (UUID.test(v) || /(^|[a-z])Id$|ID$|Token$|^ETag$|Serial$|VersionId$|Marker$|^DisplayName$/.test(key))
      return '<id>';
    if (/-----BEGIN/.test(v)) return '<pem>';
    if (/RequestId/.test(key)) return '<id>';
  }
  return v;
}

// ---- the calls, in production order ----

const BUCKET = 'second-opinion';
const SECRET = 'AmazonMSK_shop.order';
const DEFINITION = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
const ROLE = 'arn:aws:iam::123456789012:role/provision';
let csrPem = '';

const STEPS: readonly Step[] = [
  // setup: what the stack create makes
  {
    name: 'kms:CreateKey (setup)',
    setup: true,
    run: async (c, ctx) => {
      const k = await c.kms.send(new CreateKeyCommand({ Description: 'msk-spec' }));
      ctx.keyId = k.KeyMetadata!.KeyId!;
      ctx.keyArn = k.KeyMetadata!.Arn!;
      return k;
    },
  },
  { name: 's3:CreateBucket (setup)', setup: true, run: (c) => c.s3.send(new CreateBucketCommand({ Bucket: BUCKET })) },
  {
    name: 's3:PutBucketVersioning (setup)',
    setup: true,
    run: (c) =>
      c.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } })),
  },
  {
    name: 'states:CreateStateMachine (setup)',
    setup: true,
    run: async (c, ctx) => {
      const sm = await c.sfn.send(
        new CreateStateMachineCommand({ name: 'provision', definition: DEFINITION, roleArn: ROLE }),
      );
      ctx.stateMachineArn = sm.stateMachineArn!;
      return sm;
    },
  },
  {
    name: 'acm-pca:CreateCertificateAuthority (setup)',
    setup: true,
    run: async (c, ctx) => {
      const ca = await c.pca.send(
        new CreateCertificateAuthorityCommand({
          CertificateAuthorityType: 'ROOT',
          CertificateAuthorityConfiguration: {
            KeyAlgorithm: 'EC_prime256v1',
            SigningAlgorithm: 'SHA256WITHECDSA',
            Subject: { CommonName: 'msk-spec test CA' },
          },
        }),
      );
      ctx.caArn = ca.CertificateAuthorityArn!;
      return ca;
    },
  },
  {
    // AWS makes a CA PENDING_CERTIFICATE until its certificate is imported (API_CreateCertificateAuthority);
    // the embedded PCA makes it ACTIVE at once. The pipeline's CA is ACTIVE: import one on moto too.
    name: 'acm-pca:ImportCertificateAuthorityCertificate (setup)',
    setup: true,
    only: 'moto',
    run: async (c, ctx) => {
      const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
      const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as never;
      const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: '01',
        name: 'CN=msk-spec test CA',
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 3650 * 86_400_000),
        keys,
        signingAlgorithm: alg as never,
        extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
      });
      return c.pca.send(
        new ImportCertificateAuthorityCertificateCommand({
          CertificateAuthorityArn: ctx.caArn,
          Certificate: new TextEncoder().encode(cert.toString('pem')),
        }),
      );
    },
  },
  // spec upload and ValidateSpec (lib/aws/specs.ts): the exact version the event names
  {
    name: 's3:PutObject spec',
    run: async (c, ctx) => {
      const out = await c.s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: 'specs/shop.order.yaml', Body: 'asyncapi: 3.0.0\n' }),
      );
      ctx.specVersion = out.VersionId ?? '';
      return out;
    },
  },
  {
    name: 's3:GetObject spec version',
    run: (c, ctx) =>
      c.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'specs/shop.order.yaml', VersionId: ctx.specVersion })),
  },
  {
    name: 's3:GetObject malformed VersionId',
    run: (c) =>
      c.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'specs/shop.order.yaml', VersionId: 'not-a-version' })),
  },
  {
    name: 's3:GetObject missing key',
    run: (c) => c.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'specs/none.yaml' })),
  },
  // The IAM grants index's ETag (lib/aws/iam-index-store.ts indexEtag)
  {
    name: 's3:HeadObject',
    run: (c) => c.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'specs/shop.order.yaml' })),
  },
  {
    name: 's3:HeadObject missing key',
    run: (c) => c.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'iam/index/none.json' })),
  },
  // EnsureScramSecret (lib/aws/secrets.ts)
  {
    name: 'secretsmanager:DescribeSecret missing',
    run: (c) => c.sm.send(new DescribeSecretCommand({ SecretId: SECRET })),
  },
  {
    name: 'secretsmanager:CreateSecret',
    run: async (c, ctx) => {
      const s = await c.sm.send(
        new CreateSecretCommand({
          Name: SECRET,
          KmsKeyId: ctx.keyId,
          SecretString: JSON.stringify({ username: 'shop.order', password: 'A'.repeat(32) }),
          Description: 'SCRAM credentials of shop.order',
          Tags: [{ Key: 'msk-spec:domain', Value: 'shop.order' }],
        }),
      );
      ctx.secretArn = s.ARN!;
      return s;
    },
  },
  {
    name: 'secretsmanager:CreateSecret again',
    run: (c, ctx) => c.sm.send(new CreateSecretCommand({ Name: SECRET, KmsKeyId: ctx.keyId, SecretString: '{}' })),
  },
  { name: 'secretsmanager:DescribeSecret', run: (c) => c.sm.send(new DescribeSecretCommand({ SecretId: SECRET })) },
  { name: 'secretsmanager:GetSecretValue', run: (c) => c.sm.send(new GetSecretValueCommand({ SecretId: SECRET })) },
  // FindOrphans (functions/find-orphans): the secrets under the name prefix
  {
    name: 'secretsmanager:ListSecrets name filter',
    run: (c) =>
      c.sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['AmazonMSK_'] }], MaxResults: 100 })),
  },
  // IssueCertificate / CollectCertificate (lib/aws/pca.ts, lib/aws/cert-store.ts)
  {
    name: 'acm-pca:DescribeCertificateAuthority',
    run: (c, ctx) => c.pca.send(new DescribeCertificateAuthorityCommand({ CertificateAuthorityArn: ctx.caArn })),
  },
  {
    name: 's3:PutObject pending key (If-None-Match *, SSE-KMS)',
    run: (c, ctx) =>
      c.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'certificates/shop.order/pending/1/key.pem',
          Body: 'key',
          IfNoneMatch: '*',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: ctx.keyArn,
        }),
      ),
  },
  {
    name: 's3:PutObject pending key again (If-None-Match *)',
    run: (c, ctx) =>
      c.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'certificates/shop.order/pending/1/key.pem',
          Body: 'other key',
          IfNoneMatch: '*',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: ctx.keyArn,
        }),
      ),
  },
  {
    name: 'acm-pca:IssueCertificate',
    run: async (c, ctx) => {
      const out = await c.pca.send(
        new IssueCertificateCommand({
          CertificateAuthorityArn: ctx.caArn,
          Csr: new TextEncoder().encode(csrPem),
          SigningAlgorithm: 'SHA256WITHECDSA',
          Validity: { Value: 30, Type: 'DAYS' },
          IdempotencyToken: 'shop.order-1',
        }),
      );
      ctx.certArn = out.CertificateArn!;
      return out;
    },
  },
  {
    name: 'acm-pca:GetCertificate (until issued)',
    run: async (c, ctx) => {
      for (let i = 0; ; i++) {
        try {
          const out = await c.pca.send(
            new GetCertificateCommand({ CertificateAuthorityArn: ctx.caArn, CertificateArn: ctx.certArn }),
          );
          ctx.serial = new x509.X509Certificate(out.Certificate!).serialNumber.toLowerCase(); // as lib/cert/inspect.ts
          return out;
        } catch (e) {
          if ((e as Error).name !== 'RequestInProgressException' || i > 20) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
  },
  {
    name: 's3:PutObject certificate',
    run: (c, ctx) =>
      c.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'certificates/shop.order/current.json',
          Body: '{}',
          ContentType: 'application/json',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: ctx.keyArn,
        }),
      ),
  },
  {
    name: 's3:GetObject certificate (SSE-KMS)',
    run: (c) => c.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'certificates/shop.order/current.json' })),
  },
  // FindExpiringCertificates / ListSpecs (paging)
  {
    name: 's3:ListObjectsV2 prefix, MaxKeys 1',
    run: (c) => c.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'certificates/', MaxKeys: 1 })),
  },
  {
    name: 's3:ListObjectsV2 next page (ContinuationToken)',
    run: async (c) => {
      const first = await c.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'certificates/', MaxKeys: 1 }));
      return c.s3.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          Prefix: 'certificates/',
          MaxKeys: 1,
          ContinuationToken: first.NextContinuationToken,
        }),
      );
    },
  },
  {
    name: 's3:ListObjectsV2 specs/',
    run: (c) => c.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'specs/' })),
  },
  // WriteReport (aws-sdk:s3:putObject) and the events (events:putEvents)
  {
    name: 's3:PutObject report',
    run: (c, ctx) =>
      c.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'reports/shop.order.json',
          Body: '{"status":"PROVISIONED"}',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId: ctx.keyArn,
        }),
      ),
  },
  {
    name: 'events:PutEvents',
    run: (c) =>
      c.eb.send(
        new PutEventsCommand({
          Entries: [
            { Source: 'msk-spec-provisioner', DetailType: 'Spec Provisioned', Detail: '{"domain":"shop.order"}' },
          ],
        }),
      ),
  },
  // the CLI and reprovision (cli/, lib/aws/executions): state machines and executions
  { name: 'states:ListStateMachines', run: (c) => c.sfn.send(new ListStateMachinesCommand({})) },
  {
    name: 'states:StartExecution',
    run: async (c, ctx) => {
      const out = await c.sfn.send(
        new StartExecutionCommand({ stateMachineArn: ctx.stateMachineArn, name: 'run-1', input: '{}' }),
      );
      ctx.executionArn = out.executionArn!;
      return out;
    },
  },
  {
    name: 'states:StartExecution same name, same input',
    run: (c, ctx) =>
      c.sfn.send(new StartExecutionCommand({ stateMachineArn: ctx.stateMachineArn, name: 'run-1', input: '{}' })),
  },
  {
    name: 'states:DescribeExecution (until done)',
    run: async (c, ctx) => {
      for (let i = 0; ; i++) {
        const d = await c.sfn.send(new DescribeExecutionCommand({ executionArn: ctx.executionArn }));
        if (d.status !== 'RUNNING' || i > 50) return d;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  },
  {
    name: 'states:ListExecutions',
    run: (c, ctx) => c.sfn.send(new ListExecutionsCommand({ stateMachineArn: ctx.stateMachineArn })),
  },
  {
    name: 'states:GetExecutionHistory',
    run: (c, ctx) => c.sfn.send(new GetExecutionHistoryCommand({ executionArn: ctx.executionArn })),
  },
  {
    name: 'states:DescribeExecution unknown',
    run: (c, ctx) =>
      c.sfn.send(new DescribeExecutionCommand({ executionArn: ctx.executionArn!.replace(/run-1$/, 'missing') })),
  },
  // decommission (lib/aws/decommission.ts)
  {
    name: 's3:PutObject spec again',
    run: (c) =>
      c.s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: 'specs/shop.order.yaml', Body: 'asyncapi: 3.0.0\n# v2\n' }),
      ),
  },
  {
    name: 's3:ListObjectVersions MaxKeys 1',
    run: (c) => c.s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'specs/', MaxKeys: 1 })),
  },
  {
    name: 's3:ListObjectVersions specs/',
    run: (c) => c.s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'specs/' })),
  },
  {
    name: 's3:DeleteObject spec',
    run: (c) => c.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'specs/shop.order.yaml' })),
  },
  {
    name: 'acm-pca:RevokeCertificate',
    run: (c, ctx) =>
      c.pca.send(
        new RevokeCertificateCommand({
          CertificateAuthorityArn: ctx.caArn,
          CertificateSerial: ctx.serial,
          RevocationReason: 'CESSATION_OF_OPERATION',
        }),
      ),
  },
  {
    name: 'acm-pca:RevokeCertificate again',
    run: (c, ctx) =>
      c.pca.send(
        new RevokeCertificateCommand({
          CertificateAuthorityArn: ctx.caArn,
          CertificateSerial: ctx.serial,
          RevocationReason: 'CESSATION_OF_OPERATION',
        }),
      ),
  },
  {
    name: 'secretsmanager:DeleteSecret (recovery window)',
    run: (c, ctx) => c.sm.send(new DeleteSecretCommand({ SecretId: ctx.secretArn, RecoveryWindowInDays: 7 })),
  },
  {
    name: 'secretsmanager:DescribeSecret deleted',
    run: (c) => c.sm.send(new DescribeSecretCommand({ SecretId: SECRET })),
  },
  {
    name: 'secretsmanager:GetSecretValue deleted',
    run: (c) => c.sm.send(new GetSecretValueCommand({ SecretId: SECRET })),
  },
  { name: 'secretsmanager:RestoreSecret', run: (c) => c.sm.send(new RestoreSecretCommand({ SecretId: SECRET })) },
];

/**
 * The disagreements that stay, each settled by the AWS documentation: `step` and the difference
 * line (`path: local ≠ moto`, or `status`/`error`), and why the embedded cloud's answer is AWS's.
 */
const SSE_S3_DEFAULT =
  'S3 User Guide, "Setting default server-side encryption behavior for Amazon S3 buckets": since 5 January 2023 every new object is encrypted with SSE-S3, and API_PutObject / API_GetObject return x-amz-server-side-encryption: AES256 for it';
const MOTO_RUNS_NO_EXECUTION =
  'moto does not run the state machine (its executions stay RUNNING, with a canned history); on AWS this Pass-only machine succeeds at once, and API_DescribeExecution returns stopDate, output and outputDetails for a SUCCEEDED execution';
const CANNED_HISTORY =
  'API_GetExecutionHistory: the events are those of the execution (the Pass state "Done" of the definition, its real output); moto answers a fixed history ("A State", "An output")';
const DISAGREEMENTS: readonly { readonly step: string; readonly path: string; readonly settledBy: string }[] = [
  { step: 's3:PutObject spec', path: 'ServerSideEncryption', settledBy: SSE_S3_DEFAULT },
  { step: 's3:GetObject spec version', path: 'ServerSideEncryption', settledBy: SSE_S3_DEFAULT },
  { step: 's3:HeadObject', path: 'ServerSideEncryption', settledBy: SSE_S3_DEFAULT },
  { step: 's3:PutObject spec again', path: 'ServerSideEncryption', settledBy: SSE_S3_DEFAULT },
  {
    step: 's3:GetObject malformed VersionId',
    path: 'error',
    settledBy:
      'S3 API Reference, "Error responses": InvalidArgument (400) for an argument S3 cannot read; S3 answers "Invalid version id specified" for a version id it never issues, NoSuchVersion (404) only for a well-formed one that does not exist',
  },
  { step: 's3:GetObject malformed VersionId', path: 'status', settledBy: 'as above: InvalidArgument is HTTP 400' },
  {
    step: 's3:ListObjectsV2 next page (ContinuationToken)',
    path: 'ContinuationToken',
    settledBy:
      'API_ListObjectsV2, response "ContinuationToken": "If ContinuationToken was sent with the request, it is included in the response"',
  },
  {
    step: 'secretsmanager:DescribeSecret missing',
    path: 'status',
    settledBy:
      'Secrets Manager API Reference, DescribeSecret "Errors": ResourceNotFoundException, "HTTP Status Code: 400" (moto answers 404)',
  },
  {
    step: 'secretsmanager:DescribeSecret deleted',
    path: 'LastAccessedDate',
    settledBy:
      'API_DescribeSecret, "LastAccessedDate": "The date that the secret was last accessed in the Region. This field is omitted if the secret has never been retrieved in the Region"; the run read it with GetSecretValue',
  },
  {
    step: 'secretsmanager:ListSecrets name filter',
    path: 'SecretList[0].LastAccessedDate',
    settledBy:
      'API_SecretListEntry, "LastAccessedDate": the last day the secret was retrieved, "omitted if the secret has never been retrieved in the Region"; the run read it with GetSecretValue',
  },
  {
    step: 'acm-pca:DescribeCertificateAuthority',
    path: 'CertificateAuthority.RevocationConfiguration',
    settledBy:
      'API_CertificateAuthority: RevocationConfiguration is the CRL/OCSP configuration the CA was created or updated with (an optional member of the model); this CA was created with none, so there is none to describe',
  },
  {
    step: 'acm-pca:DescribeCertificateAuthority',
    path: 'CertificateAuthority.Serial',
    settledBy:
      'API_CertificateAuthority, "Serial": "Serial number of your private CA": an ACTIVE CA has its certificate, so its serial',
  },
  {
    step: 'acm-pca:DescribeCertificateAuthority',
    path: 'CertificateAuthority.UsageMode',
    settledBy:
      'API_CreateCertificateAuthority, "UsageMode": "The default value is GENERAL_PURPOSE" (moto reports SHORT_LIVED_CERTIFICATE)',
  },
  {
    step: 'acm-pca:RevokeCertificate again',
    path: 'error',
    settledBy:
      'API_RevokeCertificate, "Errors": RequestAlreadyProcessedException, "Your request has already been completed" (lib/aws/decommission.ts treats it as already revoked)',
  },
  { step: 'acm-pca:RevokeCertificate again', path: 'status', settledBy: 'as above: HTTP 400' },
  {
    step: 'states:StartExecution same name, same input',
    path: 'error',
    settledBy:
      'API_StartExecution: idempotent only while the execution with that name and input is running; "If the execution is closed or if the input is different, it returns a 400 ExecutionAlreadyExists error" (ours has succeeded, moto\'s never leaves RUNNING)',
  },
  { step: 'states:StartExecution same name, same input', path: 'status', settledBy: 'as above: HTTP 400' },
  ...['inputDetails', 'output', 'outputDetails', 'status', 'stopDate'].map((path) => ({
    step: 'states:DescribeExecution (until done)',
    path,
    settledBy: MOTO_RUNS_NO_EXECUTION,
  })),
  ...['executions[0].status', 'executions[0].stopDate'].map((path) => ({
    step: 'states:ListExecutions',
    path,
    settledBy: MOTO_RUNS_NO_EXECUTION,
  })),
  {
    step: 'states:GetExecutionHistory',
    path: 'events[1].previousEventId',
    settledBy:
      'API_HistoryEvent, "previousEventId": "The id of the previous event": 1 for the second event (moto answers 0)',
  },
  ...[
    'events[1].stateEnteredEventDetails.name',
    'events[2].stateExitedEventDetails.name',
    'events[2].stateExitedEventDetails.output',
    'events[3].executionSucceededEventDetails.output',
  ].map((path) => ({ step: 'states:GetExecutionHistory', path, settledBy: CANNED_HISTORY })),
];

/** Operations the production code sends that moto cannot answer, so they are not compared. */
const NOT_COMPARED: Readonly<Record<string, string>> = {
  BatchAssociateScramSecret: 'moto 5.2 does not implement MSK SCRAM secrets',
  BatchDisassociateScramSecret: 'moto 5.2 does not implement MSK SCRAM secrets',
  ListScramSecrets: 'moto 5.2 does not implement MSK SCRAM secrets',
  GetBootstrapBrokers: 'moto 5.2 does not implement GetBootstrapBrokers',
  DescribeClusterV2:
    "moto's creationTime is not a timestamp the JS SDK can parse (the call fails in the SDK, not in moto)",
  // lib/aws/iam-policies.ts: compared against moto's IAM in iam-moto.test.ts.
  ...Object.fromEntries(
    [
      'AttachRolePolicy',
      'CreatePolicy',
      'CreatePolicyVersion',
      'DeletePolicy',
      'DeletePolicyVersion',
      'DetachRolePolicy',
      'GetPolicy',
      'GetPolicyVersion',
      'ListAttachedRolePolicies',
      'ListPolicyVersions',
    ].map((op) => [op, 'compared against moto in iam-moto.test.ts']),
  ),
  // lib/aws/admission.ts defers an upload: compared against moto's SQS in sqs-moto.test.ts.
  ChangeMessageVisibility: 'compared against moto in sqs-moto.test.ts',
  ChangeMessageVisibilityBatch: 'compared against moto in sqs-moto.test.ts',
};

/** Every `new <Operation>Command(` in lib/ and functions/ (the SDK calls production code sends). */
function productionOperations(): string[] {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const ops = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts'))
        for (const m of readFileSync(join(root, rel), 'utf8').matchAll(/new ([A-Z][A-Za-z0-9]+)Command\(/g))
          ops.add(m[1]!);
    }
  };
  walk('lib');
  walk('functions');
  return [...ops].sort();
}

let local: LocalAws;
let moto: MotoServer;
let results: { step: string; local: Outcome; moto: Outcome }[] = [];

beforeAll(async () => {
  const params = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(params, false, ['sign', 'verify'])) as never;
  csrPem = (
    await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=shop.order',
      keys,
      signingAlgorithm: params as never,
    })
  ).toString('pem');
  moto = await startMoto();
  local = await startLocalAws();
  local.gateway.registerService(new AcmPcaEmulator());
  local.gateway.registerService(new StepFunctionsEmulator());
  const run = async (c: Clients, cloud: 'local' | 'moto'): Promise<Map<string, Outcome>> => {
    const ctx: Ctx = {};
    const out = new Map<string, Outcome>();
    for (const s of STEPS) {
      if (s.only && s.only !== cloud) continue;
      const o = await outcomeOf(s.run(c, ctx), normalise);
      if (s.setup && o.error) throw new Error(`${cloud}: setup ${s.name} failed: ${o.error}`);
      out.set(s.name, o);
    }
    for (const x of Object.values(c)) (x as { destroy(): void }).destroy();
    return out;
  };
  const onLocal = await run(clients(local.endpoint, local.s3Endpoint), 'local');
  const onMoto = await run(clients(moto.endpoint, moto.endpoint), 'moto');
  results = STEPS.filter((s) => !s.setup).map((s) => ({
    step: s.name,
    local: onLocal.get(s.name)!,
    moto: onMoto.get(s.name)!,
  }));
}, 900_000);

afterAll(async () => {
  await local?.stop();
  await moto?.stop();
});

test('every operation the production code sends is compared, or moto cannot answer it', () => {
  const compared = new Set(
    STEPS.filter((st) => !st.setup).map((st) => /^[a-z0-9-]+:([A-Za-z0-9]+)/.exec(st.name)![1]!),
  );
  // The state machines' integrations: aws-sdk:s3:putObject, events:putEvents, states:startExecution.sync:2.
  for (const op of ['PutObject', 'PutEvents', 'StartExecution', 'DescribeExecution']) expect(compared).toContain(op);
  expect(productionOperations().filter((op) => !compared.has(op) && !(op in NOT_COMPARED))).toEqual([]);
});

test('the embedded cloud and moto agree on every production call, or the AWS documentation settles it', () => {
  const lines = differences(results);
  const listed = (x: { step: string; path: string }) =>
    DISAGREEMENTS.some((t) => t.step === x.step && t.path === x.path);
  const agreeing = results.filter((r) => !lines.some((x) => x.step === r.step)).length;
  if (process.env.MOTO_SECOND_OPINION_DUMP)
    for (const r of results)
      process.stderr.write(`${r.step}\n  local ${JSON.stringify(r.local)}\n  moto  ${JSON.stringify(r.moto)}\n`);
  process.stderr.write(
    `[moto] ${agreeing} of ${results.length} calls agree; ${lines.length} differences, ${lines.filter(listed).length} settled by the table\n${lines.map((x) => `  ${x.step}: ${x.line}`).join('\n')}\n`,
  );
  expect(lines.filter((x) => !listed(x)).map((x) => `${x.step}: ${x.line}`)).toEqual([]);
  // Every table entry still describes a real difference.
  expect(DISAGREEMENTS.filter((t) => !lines.some((x) => x.step === t.step && x.path === t.path))).toEqual([]);
});
