// IAM on the emulated S3, through the real SDK v3 S3 client: callers by access key, identity
// policies with bucket policies (explicit deny wins), the SSE condition keys as S3 sets them, default
// bucket encryption, 403 vs 404 by s3:ListBucket, and KMS on the caller's behalf.
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  DeleteBucketPolicyCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  GetObjectTaggingCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { localAdminArn, startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import type { Credentials, PolicyDocument } from '../../../local/aws/iam/types.js';

const ACCOUNT = '000000000000';
const WRITER = `arn:aws:iam::${ACCOUNT}:role/writer`;
const READER = `arn:aws:iam::${ACCOUNT}:role/reader`;
const LISTER = `arn:aws:iam::${ACCOUNT}:role/lister`;
const TEAM = `arn:aws:iam::${ACCOUNT}:role/team-upload`;

let aws: LocalAws;
let iam: IamAuthority;
let keyArn: string;
let otherKeyArn: string;

const allow = (Action: string | string[], Resource: string | string[], extra: object = {}): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action, Resource, ...extra }],
});

function s3As(credentials: Credentials): S3Client {
  return new S3Client({
    endpoint: aws.s3Endpoint,
    region: aws.region,
    credentials,
    forcePathStyle: true,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
const as = (principal: string) => s3As(iam.credentialsFor(principal));

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof S3ServiceException)
      return { name: e.name, status: e.$metadata.httpStatusCode, message: e.message };
    throw e;
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  iam = new IamAuthority();
  aws = await startLocalAws({ iam, buckets: ['data', 'plain', 'enc'] });
  keyArn = aws.kms.createCustomerKey({ description: 'bucket key' }).Arn;
  otherKeyArn = aws.kms.createCustomerKey({ description: 'other key' }).Arn;
  iam.putRole(WRITER, {
    policies: [
      allow(['s3:PutObject', 's3:GetObject'], 'arn:aws:s3:::*/*'),
      allow(['kms:GenerateDataKey', 'kms:Decrypt'], keyArn, {
        Condition: { StringEquals: { 'kms:ViaService': `s3.${aws.region}.amazonaws.com` } },
      }),
    ],
  });
  iam.putRole(READER, { policies: [allow('s3:GetObject', 'arn:aws:s3:::data/*')] });
  iam.putRole(LISTER, {
    policies: [allow('s3:GetObject', 'arn:aws:s3:::data/*'), allow('s3:ListBucket', 'arn:aws:s3:::data')],
  });
  // A team may write only its own spec key: the principal tag names the domain.
  iam.putRole(TEAM, {
    tags: { 'msk-spec-domain': 'shop.orders' },
    policies: [allow('s3:PutObject', 'arn:aws:s3:::data/specs/${aws:PrincipalTag/msk-spec-domain}.yaml')],
  });
  const admin = as(localAdminArn());
  await admin.send(new PutObjectCommand({ Bucket: 'data', Key: 'present.txt', Body: 'x' }));
});

afterAll(async () => {
  await aws?.stop();
});

afterEach(async () => {
  await as(localAdminArn()).send(new DeleteBucketPolicyCommand({ Bucket: 'data' }));
});

test('the admin credentials are in env; an unknown access key is 403 InvalidAccessKeyId', async () => {
  expect(aws.env.AWS_ACCESS_KEY_ID).toBe(iam.credentialsFor(localAdminArn()).accessKeyId);
  expect(aws.env.AWS_ACCESS_KEY_ID).toMatch(/^AKIA[A-Z2-7]{16}$/);
  const stranger = s3As({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' });
  const e = await failure(stranger.send(new GetObjectCommand({ Bucket: 'data', Key: 'present.txt' })));
  expect(e).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 });
  expect(e.message).toBe('The AWS Access Key Id you provided does not exist in our records.');
});

test('an action no identity policy allows is 403 AccessDenied with the assumed-role ARN and the quoted resource', async () => {
  const e = await failure(as(READER).send(new PutObjectCommand({ Bucket: 'data', Key: 'k', Body: 'x' })));
  expect(e).toMatchObject({ name: 'AccessDenied', status: 403 });
  expect(e.message).toBe(
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/reader is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::data/k" because no identity-based policy allows the s3:PutObject action`,
  );
  await expect(as(READER).send(new GetObjectCommand({ Bucket: 'data', Key: 'present.txt' }))).resolves.toBeDefined();
});

test('a missing key: 403 AccessDenied without s3:ListBucket, 404 NoSuchKey with it (GetObject and HeadObject)', async () => {
  const noList = await failure(as(READER).send(new GetObjectCommand({ Bucket: 'data', Key: 'missing' })));
  expect(noList).toMatchObject({ name: 'AccessDenied', status: 403 });
  const withList = await failure(as(LISTER).send(new GetObjectCommand({ Bucket: 'data', Key: 'missing' })));
  expect(withList).toMatchObject({ name: 'NoSuchKey', status: 404 });
  expect((await failure(as(READER).send(new HeadObjectCommand({ Bucket: 'data', Key: 'missing' })))).status).toBe(403);
  expect((await failure(as(LISTER).send(new HeadObjectCommand({ Bucket: 'data', Key: 'missing' })))).status).toBe(404);
});

test('bucket policy Deny with StringNotEqualsIfExists on the SSE header: a put without the header is denied, and allowed once Null: false is added', async () => {
  const admin = as(localAdminArn());
  const denyWrongKey = (withNull: boolean): PolicyDocument => ({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyOtherKeys',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: 'arn:aws:s3:::data/*',
        Condition: {
          StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn },
          ...(withNull ? { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' } } : {}),
        },
      },
    ],
  });
  await admin.send(new PutBucketPolicyCommand({ Bucket: 'data', Policy: JSON.stringify(denyWrongKey(false)) }));
  const e = await failure(as(WRITER).send(new PutObjectCommand({ Bucket: 'data', Key: 'r.json', Body: '{}' })));
  expect(e).toMatchObject({ name: 'AccessDenied', status: 403 });
  expect(e.message).toContain('with an explicit deny in a resource-based policy');

  await admin.send(new PutBucketPolicyCommand({ Bucket: 'data', Policy: JSON.stringify(denyWrongKey(true)) }));
  await as(WRITER).send(new PutObjectCommand({ Bucket: 'data', Key: 'r.json', Body: '{}' }));
  // The right key passes, another key is refused even for the admin (explicit deny wins).
  await as(WRITER).send(
    new PutObjectCommand({
      Bucket: 'data',
      Key: 'r2.json',
      Body: '{}',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: keyArn,
    }),
  );
  const other = await failure(
    admin.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'r3.json',
        Body: '{}',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: otherKeyArn,
      }),
    ),
  );
  expect(other.message).toContain(`User: ${localAdminArn()} is not authorized to perform: s3:PutObject`);
  const got = await admin.send(new GetBucketPolicyCommand({ Bucket: 'data' }));
  expect(JSON.parse(got.Policy!)).toEqual(denyWrongKey(true));
});

test('default bucket encryption: a put with no SSE header gets the bucket key and needs kms:GenerateDataKey via S3', async () => {
  const admin = as(localAdminArn());
  await admin.send(
    new PutBucketEncryptionCommand({
      Bucket: 'enc',
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }],
      },
    }),
  );
  const enc = await admin.send(new GetBucketEncryptionCommand({ Bucket: 'enc' }));
  expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({
    SSEAlgorithm: 'aws:kms',
    KMSMasterKeyID: keyArn,
  });
  const put = await as(WRITER).send(new PutObjectCommand({ Bucket: 'enc', Key: 'o', Body: 'secret-free' }));
  expect(put.ServerSideEncryption).toBe('aws:kms');
  expect(put.SSEKMSKeyId).toBe(keyArn);
  const body = await as(WRITER).send(new GetObjectCommand({ Bucket: 'enc', Key: 'o' }));
  expect(await body.Body!.transformToString()).toBe('secret-free');

  // The reader may s3:GetObject on data/* only; on enc it lacks both S3 and KMS rights.
  iam.putRole(READER, { policies: [allow('s3:GetObject', ['arn:aws:s3:::data/*', 'arn:aws:s3:::enc/*'])] });
  try {
    const e = await failure(as(READER).send(new GetObjectCommand({ Bucket: 'enc', Key: 'o' })));
    expect(e).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(e.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/reader/reader is not authorized to perform: kms:Decrypt on resource: ${keyArn} because no identity-based policy allows the kms:Decrypt action`,
    );
    // HeadObject reads metadata only: no kms:Decrypt needed.
    await as(READER).send(new HeadObjectCommand({ Bucket: 'enc', Key: 'o' }));
  } finally {
    iam.putRole(READER, { policies: [allow('s3:GetObject', 'arn:aws:s3:::data/*')] });
  }
});

test('KMS on the caller behalf: kms:ViaService must be S3; a key policy that does not delegate to IAM refuses', async () => {
  const viaSecrets = `arn:aws:iam::${ACCOUNT}:role/via-secrets`;
  iam.putRole(viaSecrets, {
    policies: [
      allow('s3:PutObject', 'arn:aws:s3:::plain/*'),
      allow('kms:GenerateDataKey', keyArn, {
        Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${aws.region}.amazonaws.com` } },
      }),
    ],
  });
  const put = (principal: string, key: string) =>
    as(principal).send(
      new PutObjectCommand({ Bucket: 'plain', Key: 'k', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key }),
    );
  expect((await failure(put(viaSecrets, keyArn))).message).toContain(
    'is not authorized to perform: kms:GenerateDataKey on resource',
  );
  await put(WRITER, keyArn);
  // A key whose policy names only another principal: IAM policies do not count (KMS Developer Guide, "Key policies").
  const locked = aws.kms.createCustomerKey({ description: 'locked' }).Arn;
  iam.putRole(WRITER, {
    policies: [
      allow(['s3:PutObject', 's3:GetObject'], 'arn:aws:s3:::*/*'),
      allow(['kms:GenerateDataKey', 'kms:Decrypt'], '*'),
    ],
  });
  iam.putResourcePolicy(locked, {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/someone-else` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
  const e = await failure(put(WRITER, locked));
  expect(e.message).toBe(
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/writer/writer is not authorized to perform: kms:GenerateDataKey on resource: ${locked} because no resource-based policy allows the kms:GenerateDataKey action`,
  );
  // Naming the role in the key policy is enough, without any IAM delegation.
  iam.putResourcePolicy(locked, {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: WRITER }, Action: 'kms:GenerateDataKey', Resource: '*' }],
  });
  await put(WRITER, locked);
});

test('CopyObject needs s3:GetObject on the source and s3:PutObject on the target', async () => {
  const copier = `arn:aws:iam::${ACCOUNT}:role/copier`;
  iam.putRole(copier, { policies: [allow('s3:PutObject', 'arn:aws:s3:::plain/*')] });
  const copy = () =>
    as(copier).send(new CopyObjectCommand({ Bucket: 'plain', Key: 'copy.txt', CopySource: 'data/present.txt' }));
  const e = await failure(copy());
  expect(e.message).toContain('s3:GetObject on resource: "arn:aws:s3:::data/present.txt"');
  iam.putRole(copier, {
    policies: [allow('s3:PutObject', 'arn:aws:s3:::plain/*'), allow('s3:GetObject', 'arn:aws:s3:::data/*')],
  });
  await copy();
});

test('principal tags as policy variables: a team writes only its own spec key', async () => {
  await as(TEAM).send(new PutObjectCommand({ Bucket: 'data', Key: 'specs/shop.orders.yaml', Body: 'a' }));
  const e = await failure(
    as(TEAM).send(new PutObjectCommand({ Bucket: 'data', Key: 'specs/shop.order.yaml', Body: 'a' })),
  );
  expect(e).toMatchObject({ name: 'AccessDenied', status: 403 });
});

test('s3:prefix on ListObjectsV2', async () => {
  const prefixed = `arn:aws:iam::${ACCOUNT}:role/prefixed`;
  iam.putRole(prefixed, {
    policies: [allow('s3:ListBucket', 'arn:aws:s3:::data', { Condition: { StringLike: { 's3:prefix': 'specs/*' } } })],
  });
  await as(prefixed).send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'specs/' }));
  expect((await failure(as(prefixed).send(new ListObjectsV2Command({ Bucket: 'data' })))).name).toBe('AccessDenied');
});

test('allowed requests are recorded with principal, action and resource', async () => {
  iam.clearRecord();
  await as(READER).send(new GetObjectCommand({ Bucket: 'data', Key: 'present.txt' }));
  expect(iam.record).toContainEqual({
    principalArn: READER,
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::data/present.txt',
  });
  expect(iam.record.some((r) => r.principalArn === READER && r.action !== 's3:GetObject')).toBe(false);
});

test('presigned URLs: the caller is the principal of X-Amz-Credential', async () => {
  const presign = async (principal: string | undefined, key: string) => {
    const url = new URL(`${aws.s3Endpoint}/data/${key}`);
    const signer = new SignatureV4({
      service: 's3',
      region: aws.region,
      credentials: principal
        ? iam.credentialsFor(principal)
        : { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' },
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: false,
    });
    const signed = await signer.presign(
      new HttpRequest({
        method: 'GET',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: url.pathname,
        headers: { host: url.host },
      }),
      { expiresIn: 300 },
    );
    const query = new URLSearchParams(signed.query as Record<string, string>).toString();
    return fetch(`${url.origin}${url.pathname}?${query}`);
  };
  const ok = await presign(READER, 'present.txt');
  expect(ok.status).toBe(200);
  expect(await ok.text()).toBe('x');
  const denied = await presign(READER, 'missing');
  expect(denied.status).toBe(403);
  expect(await denied.text()).toContain('<Code>AccessDenied</Code>');
  const unknown = await presign(undefined, 'present.txt');
  expect(unknown.status).toBe(403);
  expect(await unknown.text()).toContain('<Code>InvalidAccessKeyId</Code>');
  const anonymous = await fetch(`${aws.s3Endpoint}/data/present.txt`);
  expect(anonymous.status).toBe(403);
});

test('aws:SecureTransport is "true": a bucket policy denying plain HTTP does not refuse the loopback endpoint', async () => {
  await as(localAdminArn()).send(
    new PutBucketPolicyCommand({
      Bucket: 'data',
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      }),
    }),
  );
  await as(READER).send(new GetObjectCommand({ Bucket: 'data', Key: 'present.txt' }));
});

test('GetObject with versionId is s3:GetObjectVersion', async () => {
  const admin = as(localAdminArn());
  await aws.s3.createBucket('versions', { versioning: true });
  const put = await admin.send(new PutObjectCommand({ Bucket: 'versions', Key: 'v.txt', Body: 'one' }));
  iam.putRole(READER, {
    policies: [allow('s3:GetObject', ['arn:aws:s3:::data/*', 'arn:aws:s3:::versions/*'])],
  });
  try {
    await as(READER).send(new GetObjectCommand({ Bucket: 'versions', Key: 'v.txt' }));
    const e = await failure(
      as(READER).send(new GetObjectCommand({ Bucket: 'versions', Key: 'v.txt', VersionId: put.VersionId! })),
    );
    expect(e.message).toContain('s3:GetObjectVersion on resource: "arn:aws:s3:::versions/v.txt"');
  } finally {
    iam.putRole(READER, { policies: [allow('s3:GetObject', 'arn:aws:s3:::data/*')] });
  }
});

test('DeleteObjects authorizes each key: refused keys come back as AccessDenied errors, the others are deleted', async () => {
  const admin = as(localAdminArn());
  for (const k of ['specs/shop.orders.yaml', 'specs/shop.order.yaml'])
    await admin.send(new PutObjectCommand({ Bucket: 'data', Key: k, Body: 'a' }));
  const deleter = `arn:aws:iam::${ACCOUNT}:role/deleter`;
  iam.putRole(deleter, { policies: [allow('s3:DeleteObject', 'arn:aws:s3:::data/specs/shop.orders.yaml')] });
  const out = await as(deleter).send(
    new DeleteObjectsCommand({
      Bucket: 'data',
      Delete: { Objects: [{ Key: 'specs/shop.orders.yaml' }, { Key: 'specs/shop.order.yaml' }] },
    }),
  );
  expect(out.Deleted?.map((d) => d.Key)).toEqual(['specs/shop.orders.yaml']);
  expect(out.Errors).toEqual([{ Key: 'specs/shop.order.yaml', Code: 'AccessDenied', Message: 'Access Denied' }]);
  await admin.send(new HeadObjectCommand({ Bucket: 'data', Key: 'specs/shop.order.yaml' }));
  expect(
    (await failure(admin.send(new HeadObjectCommand({ Bucket: 'data', Key: 'specs/shop.orders.yaml' })))).status,
  ).toBe(404);
  const none = await as(deleter).send(
    new DeleteObjectsCommand({ Bucket: 'data', Delete: { Objects: [{ Key: 'specs/shop.order.yaml' }] } }),
  );
  expect(none.Deleted ?? []).toEqual([]);
  expect(none.Errors?.map((e) => e.Code)).toEqual(['AccessDenied']);
});

test("s3:ExistingObjectTag: a policy on the object's current tags decides GetObject", async () => {
  const admin = as(localAdminArn());
  await admin.send(
    new PutObjectCommand({ Bucket: 'data', Key: 'public.txt', Body: 'p', Tagging: 'classification=public' }),
  );
  await admin.send(
    new PutObjectCommand({ Bucket: 'data', Key: 'secret.txt', Body: 's', Tagging: 'classification=secret' }),
  );
  const tagged = `arn:aws:iam::${ACCOUNT}:role/tagged-reader`;
  iam.putRole(tagged, {
    policies: [
      allow('s3:GetObject', 'arn:aws:s3:::data/*', {
        Condition: { StringEquals: { 's3:ExistingObjectTag/classification': 'public' } },
      }),
    ],
  });
  await as(tagged).send(new GetObjectCommand({ Bucket: 'data', Key: 'public.txt' }));
  expect((await failure(as(tagged).send(new GetObjectCommand({ Bucket: 'data', Key: 'secret.txt' })))).name).toBe(
    'AccessDenied',
  );
});

test('PutObjectTagging: the tags in the body are s3:RequestObjectTag/<key>', async () => {
  const tagger = `arn:aws:iam::${ACCOUNT}:role/tagger`;
  iam.putRole(tagger, {
    policies: [
      allow('s3:PutObjectTagging', 'arn:aws:s3:::data/*', {
        Condition: { StringEquals: { 's3:RequestObjectTag/classification': 'public' } },
      }),
    ],
  });
  const tag = (value: string) =>
    as(tagger).send(
      new PutObjectTaggingCommand({
        Bucket: 'data',
        Key: 'present.txt',
        Tagging: { TagSet: [{ Key: 'classification', Value: value }] },
      }),
    );
  await tag('public');
  expect((await failure(tag('secret'))).name).toBe('AccessDenied');
  const tags = await as(localAdminArn()).send(new GetObjectTaggingCommand({ Bucket: 'data', Key: 'present.txt' }));
  expect(tags.TagSet).toEqual([{ Key: 'classification', Value: 'public' }]);
});
