// The grants index objects' conditional writes (lib/aws/iam-index-store.ts): the exact requests.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import { mockAws } from '../functions/_support.js';
import { Readable } from 'node:stream';
import { emptyIndex, withContribution, type IndexUpdate } from '../../../lib/access/iam-index.js';
import { updateIndex } from '../../../lib/aws/iam-index-store.js';

const s3 = mockAws(S3Client);
const client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const body = (v: unknown) => sdkStreamMixin(Readable.from([Buffer.from(JSON.stringify(v))]));
const lost = () =>
  new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } });
const grant: IndexUpdate = {
  target: 'shop.d',
  update: (cur) => withContribution(cur, 'shop.d', 'shop.b', [['TOPIC', 'LITERAL', 'shop.b._protected.x', 'READ']]),
};

beforeEach(() => s3.reset());

describe('updateIndex', () => {
  it('creates a missing index with If-None-Match: *', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'no', $metadata: {} }));
    s3.on(PutObjectCommand).resolves({ ETag: '"e1"' });
    const r = await updateIndex(client, 'bucket', grant);
    expect(r).toMatchObject({ changed: true, etag: '"e1"', retries: 0 });
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ Bucket: 'bucket', Key: 'iam/index/shop.d.json', IfNoneMatch: '*' });
    expect(put.IfMatch).toBeUndefined();
  });

  it('overwrites only the version it read (If-Match), and on 412 reads again and reapplies', async () => {
    const other = withContribution(emptyIndex('shop.d'), 'shop.d', 'shop.d', [
      ['TOPIC', 'PREFIXED', 'shop.d.', 'READ'],
    ]);
    s3.on(GetObjectCommand)
      .resolvesOnce({ Body: body(emptyIndex('shop.d')), ETag: '"e1"' } as never)
      .resolvesOnce({ Body: body(other), ETag: '"e2"' } as never);
    s3.on(PutObjectCommand).rejectsOnce(lost()).resolves({ ETag: '"e3"' });
    const r = await updateIndex(client, 'bucket', grant);
    expect(r).toMatchObject({ changed: true, etag: '"e3"', retries: 1 });
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.IfMatch)).toEqual(['"e1"', '"e2"']);
    // The second write keeps what the other run wrote.
    expect(JSON.parse(String(puts[1]!.Body)).contributions).toEqual({
      'shop.b': [['TOPIC', 'LITERAL', 'shop.b._protected.x', 'READ']],
      'shop.d': [['TOPIC', 'PREFIXED', 'shop.d.', 'READ']],
    });
  });

  it('writes nothing when the update changes nothing', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body(grant.update(undefined)), ETag: '"e1"' } as never);
    expect(await updateIndex(client, 'bucket', grant)).toMatchObject({ changed: false });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
