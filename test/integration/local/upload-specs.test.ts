// uploadSpecs (local/driver.ts): a burst of PutObjects sent from worker threads with SDK clients of
// their own. Every upload is a signed request the emulated S3 authorizes for the caller and stores
// (a version each in a versioned bucket, one object event each); a refused upload comes back as
// that upload's error, and the window spans the first request sent to the last one answered.
import { GetObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { IamAuthority } from '../../../local/aws/iam/authority.js';
import { localAdminArn, startLocalAws, type LocalAws } from '../../../local/aws/env.js';
import { uploadSpecs, type BurstTarget } from '../../../local/driver.js';

const ACCOUNT = '000000000000';
const READER = `arn:aws:iam::${ACCOUNT}:role/reader`;
const BUCKET = 'burst-specs';

let aws: LocalAws;
let iam: IamAuthority;
let target: BurstTarget;

beforeAll(async () => {
  iam = new IamAuthority({ accountId: ACCOUNT });
  iam.putRole(READER, {
    policies: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }],
  });
  aws = await startLocalAws({ iam, buckets: [{ name: BUCKET, versioning: true }], log: () => undefined });
  target = { aws, iam, resources: { specBucket: BUCKET } };
});

afterAll(async () => {
  await aws?.stop();
});

/** A client of the administrator's, for reading back what a burst left. */
const adminS3 = () =>
  new S3Client({
    endpoint: aws.s3Endpoint,
    region: aws.region,
    credentials: iam.credentialsFor(localAdminArn(ACCOUNT)),
    forcePathStyle: true,
  });

const specs = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ key: `specs/${prefix}.d${i}.yaml`, text: `id: 'urn:${prefix}:d${i}'\n` }));

test('every upload is stored, as its own version, with one object event each', async () => {
  const uploads = specs(30, 'stored');
  const events: string[] = [];
  const off = aws.s3.onObjectEvent((e) => events.push(`${e.type} ${e.key} ${e.versionId}`));
  const burst = await uploadSpecs(target, uploads, { threads: 3 });
  off();

  expect(burst.uploads.map((u) => u.key)).toEqual(uploads.map((u) => u.key));
  expect(burst.uploads.filter((u) => u.error !== undefined)).toEqual([]);
  expect(new Set(burst.uploads.map((u) => u.versionId)).size).toBe(30);
  expect(events.sort()).toEqual(burst.uploads.map((u) => `ObjectCreated:Put ${u.key} ${u.versionId}`).sort());

  const s3 = adminS3();
  for (const [i, u] of burst.uploads.entries()) {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: u.key, VersionId: u.versionId }));
    expect(await got.Body!.transformToString()).toBe(uploads[i]!.text);
    expect(got.ContentType).toBe('application/yaml');
  }
  s3.destroy();

  // The warm-up opened the connections the burst uses (local/upload-worker.mjs): the emulated S3
  // accepted none while the uploads were in flight.
  expect(burst.connectionsOpened).toBe(0);

  const first = Math.min(...burst.uploads.map((u) => u.sentAt));
  const last = Math.max(...burst.uploads.map((u) => u.answeredAt));
  expect(burst.windowMs).toBe(last - first);
  for (const u of burst.uploads) expect(u.answeredAt).toBeGreaterThan(u.sentAt);
});

test("each upload is signed as the given principal and authorized for it: a refusal is that upload's error", async () => {
  const burst = await uploadSpecs(target, specs(4, 'refused'), { threads: 2, principalArn: READER });
  expect(burst.uploads).toHaveLength(4);
  for (const u of burst.uploads) {
    expect(u.versionId).toBeUndefined();
    expect(u.error).toMatch(
      /^AccessDenied: User: arn:aws:sts::000000000000:assumed-role\/reader\/reader is not authorized to perform: s3:PutObject/,
    );
  }
});

test('a warm-up under a prefix writes and deletes there before the burst, and leaves no object behind', async () => {
  const uploads = specs(6, 'warmed');
  const events: string[] = [];
  const off = aws.s3.onObjectEvent((e) => events.push(`${e.type} ${e.key.split('/')[0]}`));
  const burst = await uploadSpecs(target, uploads, { threads: 2, warmUpPrefix: 'bench-warm-up/' });
  off();

  expect(burst.uploads.filter((u) => u.error !== undefined)).toEqual([]);
  // Each worker: 150 rounds of 4 PutObjects (local/upload-worker.mjs), each followed by the DeleteObject of its version.
  const counts = events.reduce<Record<string, number>>((m, e) => ({ ...m, [e]: (m[e] ?? 0) + 1 }), {});
  expect(counts).toEqual({
    'ObjectCreated:Put bench-warm-up': 2 * 150 * 4,
    'ObjectRemoved:Delete bench-warm-up': 2 * 150 * 4,
    'ObjectCreated:Put specs': 6,
  });
  // The warm-up's events all come before the first upload's.
  expect(events.findIndex((e) => e.endsWith(' specs'))).toBe(2 * 2 * 150 * 4);

  const s3 = adminS3();
  const left = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'bench-warm-up/' }));
  expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])]).toEqual([]);
  s3.destroy();
});
