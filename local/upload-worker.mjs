// One uploading machine of a burst (local/driver.ts, uploadSpecs): a worker thread with its own S3
// client, pointed at the emulated S3 endpoint with the credentials it is given, so the clients'
// signing and serialisation run beside the embedded cloud, not on its event loop (in production
// each team uploads from a machine of its own).
//
// Protocol: workerData {endpoint, region, credentials, bucket, uploads: [{key, text, contentType}]};
// the worker imports the SDK and builds its client, posts {ready: true}, and on the message 'go'
// sends every PutObject at once. It answers {results: [{key, sentAt, answeredAt, versionId?, error?}]},
// with times in ms since the epoch (performance.timeOrigin + performance.now(), comparable across
// threads).
//
// Plain JavaScript, like local/lambda/bootstrap.mjs: a worker thread has no TypeScript loader
// under jest.
import { parentPort, workerData } from 'node:worker_threads';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const { endpoint, region, credentials, bucket, uploads } = workerData;
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

parentPort.postMessage({ ready: true });
