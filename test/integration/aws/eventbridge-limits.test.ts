// PutEvents' 256 KB request limit through the real SDK client, sized as the EventBridge User Guide's "Calculating
// PutEvents event entry size" does: Time 14 bytes, Source, DetailType, Detail and each Resources entry by their
// UTF-8 bytes; keys and JSON syntax do not count.
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { Gateway } from '../../../local/aws/gateway.js';
import { EventBridgeEmulator, putEventsEntrySize } from '../../../local/aws/eventbridge.js';

let gw: Gateway;
let client: EventBridgeClient;
const eb = new EventBridgeEmulator();

beforeAll(async () => {
  gw = new Gateway({ log: () => undefined });
  gw.registerService(eb.service);
  await gw.start();
  client = new EventBridgeClient({
    endpoint: gw.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});
afterAll(async () => {
  await eb.settled();
  await gw.stop();
});

/** An entry of exactly `bytes` by EventBridge's formula (Source "app", DetailType "t", Time, one resource "r"). */
function entry(bytes: number, ch = 'x'): PutEventsRequestEntry {
  const fixed = 14 + 3 + 1 + 1 + Buffer.byteLength('{"d":""}');
  const n = (bytes - fixed) / Buffer.byteLength(ch);
  if (!Number.isInteger(n) || n < 0) throw new Error(`cannot size an entry to ${bytes} bytes with ${ch}`);
  return { Source: 'app', DetailType: 't', Time: new Date(), Resources: ['r'], Detail: `{"d":"${ch.repeat(n)}"}` };
}

test('the size formula counts Time as 14 bytes and UTF-8 bytes of Source, DetailType, Detail and Resources', () => {
  expect(putEventsEntrySize({ Source: 'app', DetailType: 't', Detail: '{}' })).toBe(6);
  expect(putEventsEntrySize({ Source: 'app', DetailType: 't', Detail: '{}', Time: 1, Resources: ['ab', 'c'] })).toBe(
    23,
  );
  expect(putEventsEntrySize({ Source: 'é', DetailType: 't', Detail: '{"k":"€"}' })).toBe(2 + 1 + 11);
});

test('a request of 262,144 bytes is accepted; one byte more is refused as a whole with ValidationException', async () => {
  const half = 131_072;
  const ok = await client.send(new PutEventsCommand({ Entries: [entry(half), entry(half)] }));
  expect(ok.FailedEntryCount).toBe(0);
  expect(ok.Entries).toHaveLength(2);

  const before = eb.deliveries.length;
  const over = await client
    .send(new PutEventsCommand({ Entries: [entry(half), entry(half + 1)] }))
    .catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
  expect(over).toMatchObject({
    name: 'ValidationException',
    message: 'Total size of the entries in the request is over the limit.',
  });
  expect((over as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
  await eb.settled();
  expect(eb.deliveries.length).toBe(before);
});

test('multi-byte characters count by their UTF-8 bytes, not as characters', async () => {
  // 87,372 × 3-byte "€" + 27 fixed bytes = 262,143 bytes (in 87,400 characters); one "€" more is over.
  expect(putEventsEntrySize(entry(262_143, '€') as never)).toBe(262_143);
  await expect(client.send(new PutEventsCommand({ Entries: [entry(262_143, '€')] }))).resolves.toMatchObject({
    FailedEntryCount: 0,
  });
  await expect(client.send(new PutEventsCommand({ Entries: [entry(262_146, '€')] }))).rejects.toMatchObject({
    name: 'ValidationException',
  });
});
