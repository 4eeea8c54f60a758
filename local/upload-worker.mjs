// One uploading machine of a burst (local/driver.ts, uploadSpecs): a worker thread with its own S3
// client, pointed at the emulated S3 endpoint with the credentials it is given, so the clients'
// signing and serialisation run beside the embedded cloud, not on its event loop (in production
// each team uploads from a machine of its own).
//
// Protocol: workerData {endpoint, region, credentials, bucket, uploads: [{key, text, contentType}],
// warmUpPrefix?};
// the worker imports the SDK and builds its client, posts {ready: true}, and on the message 'go'
// sends every PutObject at once. It answers {results: [{key, sentAt, answeredAt, versionId?, error?}]},
// with times in ms since the epoch (performance.timeOrigin + performance.now(), comparable across
// threads).
//
// Plain JavaScript, like local/lambda/bootstrap.mjs: a worker thread has no TypeScript loader
// under jest.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const { endpoint, region, credentials, bucket, uploads, warmUpPrefix } = workerData;
const now = () => performance.timeOrigin + performance.now();

// One connection per upload, as many machines would open; the SDK's default pool (50 sockets)
// would queue the rest behind them.
const client = new S3Client({
  endpoint,
  region,
  credentials,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  requestHandler: { httpAgent: { keepAlive: true, maxSockets: uploads.length } },
});

parentPort.once('message', async () => {
  const results = await Promise.all(
    uploads.map(async ({ key, text, contentType }) => {
      const sentAt = now();
      try {
        const out = await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: contentType }),
        );
        return { key, sentAt, answeredAt: now(), ...(out.VersionId ? { versionId: out.VersionId } : {}) };
      } catch (e) {
        return { key, sentAt, answeredAt: now(), error: `${e?.name ?? 'Error'}: ${e?.message ?? e}` };
      }
    }),
  );
  client.destroy();
  parentPort.postMessage({ results });
});

// Warm-up, until the client's code paths are compiled: a team's uploader runs warm on its own
// machine, while here a cold client's JIT would take the CPU the emulated S3 serves the burst with
// (the two share this machine's cores). By default HeadObjects of keys that do not exist, outside
// the specs' prefix: nothing is written and no event starts anything. With `warmUpPrefix`, the
// request the burst sends: a PutObject of a key under that prefix, then a DeleteObject of the
// version it made, so the emulated S3's write path is compiled too and nothing stays behind (the
// caller needs s3:DeleteObjectVersion there; the prefix must be one no rule acts on).
// Rounds of 4. Writing, 150: V8 was still optimizing the client's and the server's code after 50
// (the burst's upload window, interleaved runs on 2 cores: 1.14–1.54 s after 150 rounds, 1.43–2.02 s
// after 50). HEADs warm only the client, and 30 rounds do.
const WARM_UP_ROUNDS = warmUpPrefix ? 150 : 30;
const warmUp = warmUpPrefix
  ? async (Key) => {
      const { text, contentType } = uploads[0];
      const put = await client.send(
        new PutObjectCommand({ Bucket: bucket, Key, Body: text, ContentType: contentType }),
      );
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key, VersionId: put.VersionId }));
    }
  : (Key) => client.send(new HeadObjectCommand({ Bucket: bucket, Key }));
for (let round = 0; round < WARM_UP_ROUNDS; round++)
  await Promise.all(
    [0, 1, 2, 3].map((i) => warmUp(`${warmUpPrefix ?? 'warm-up/'}${threadId}/${round}.${i}`).catch(() => undefined)),
  );
// Then one round as wide as the burst, of HEADs of keys that do not exist, so the burst's
// connections are open (kept alive) before it. On AWS a front-end fleet accepts them; here it would
// be the emulator's one thread, the one that serves S3, accepting 200 TCP connections in the window.
await Promise.all(
  uploads.map((_, i) =>
    client
      .send(new HeadObjectCommand({ Bucket: bucket, Key: `${warmUpPrefix ?? 'warm-up/'}${threadId}/open.${i}` }))
      .catch(() => undefined),
  ),
);
parentPort.postMessage({ ready: true });
