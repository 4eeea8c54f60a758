// Distributed Map states on the emulated Step Functions (local/aws/stepfunctions/distributed-map.ts), against the
// emulated S3: the ItemReader pages through a listing, each item runs as a child execution of its own (a Map Run),
// the ResultWriter exports the children's results to S3 in the documented layout, and the state's result stays
// {MapRunArn, ResultWriterDetails} however many items there are. Step Functions Developer Guide: "Using Map state in
// Distributed mode", "ItemReader (Map)", "ResultWriter (Map)".
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { StepFunctionsEmulator } from '../../../local/aws/stepfunctions.js';
import { localLambdaArn } from '../../../local/aws/asl.js';
import { TEST_CREDENTIALS, useLocalAws } from '../../support/aws.js';
import { fullHistory } from '../../support/sfn.js';

const BUCKET = 'dmap-items';
const RESULTS = 'dmap-results';
const ROLE = 'arn:aws:iam::000000000000:role/dmap';
let emu: StepFunctionsEmulator;
const aws = useLocalAws({
  buckets: [BUCKET, RESULTS],
  setup: (local) => {
    emu = new StepFunctionsEmulator({
      retryIntervalMs: 0,
      waitMs: 0,
      endpointFor: (service) => (service === 's3' ? local.s3Endpoint : local.endpoint),
      credentials: TEST_CREDENTIALS,
    });
    local.gateway.registerService(emu);
  },
});
afterAll(async () => {
  await emu?.close();
});

const keys = (n: number, prefix = 'items/') =>
  Array.from({ length: n }, (_, i) => `${prefix}item-${String(i).padStart(5, '0')}.json`);

async function getJson<T>(bucket: string, key: string): Promise<T> {
  const o = await aws.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await o.Body!.transformToString()) as T;
}

interface MapOptions {
  readonly resultWriter?: boolean;
  readonly extra?: Record<string, unknown>;
  readonly processor?: Record<string, unknown>;
}

/** One Distributed Map over items/ in BUCKET; a child fails when its key contains "fail". */
function definition(o: MapOptions = {}) {
  return JSON.stringify({
    StartAt: 'EachItem',
    States: {
      EachItem: {
        Type: 'Map',
        Label: 'Each',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:listObjectsV2',
          Parameters: { 'Bucket.$': '$.bucket', Prefix: 'items/' },
        },
        ItemSelector: {
          'key.$': '$$.Map.Item.Value.Key',
          'index.$': '$$.Map.Item.Index',
          'size.$': '$$.Map.Item.Value.Size',
        },
        MaxConcurrency: 20,
        ...(o.resultWriter === false
          ? {}
          : {
              ResultWriter: {
                Resource: 'arn:aws:states:::s3:putObject',
                Parameters: { Bucket: RESULTS, Prefix: 'runs' },
              },
            }),
        ItemProcessor: o.processor ?? {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Check',
          States: {
            Check: {
              Type: 'Choice',
              Choices: [{ Variable: '$.key', StringMatches: '*fail*', Next: 'Broken' }],
              Default: 'Done',
            },
            Broken: { Type: 'Fail', Error: 'ItemBroken', Cause: 'this item is broken' },
            Done: { Type: 'Pass', Parameters: { 'key.$': '$.key', ok: true }, End: true },
          },
        },
        ResultPath: '$.mapped',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
        End: true,
        ...o.extra,
      },
      Failed: { Type: 'Pass', End: true },
    },
  });
}

let machines = 0;
async function runMachine(sfn: SFNClient, def: string, input: unknown) {
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({ name: `dmap-${++machines}`, roleArn: ROLE, definition: def }),
  );
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  await emu.waitForExecution(executionArn!);
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return { ...d, stateMachineArn: stateMachineArn!, events: await fullHistory(sfn, executionArn!) };
}

interface ResultEntry {
  ExecutionArn: string;
  Name: string;
  Input: string;
  Output?: string;
  Error?: string;
  Cause?: string;
  Status: string;
  StateMachineArn: string;
  StartDate: string;
  StopDate: string;
}

describe('a Distributed Map with an S3 ItemReader and ResultWriter', () => {
  test('1,234 objects over two listing pages: one child execution each, results in S3, a small state output', async () => {
    const all = keys(1_234).map((k, i) => (i % 100 === 7 ? k.replace('item-', 'fail-') : k));
    await aws.local.s3.seedObjects(
      BUCKET,
      [...all, 'elsewhere/x.json'].map((key) => ({ key, body: '{}' })),
    );
    const sfn = aws.clients.sfn;
    const r = await runMachine(sfn, definition({ extra: { ToleratedFailurePercentage: 5 } }), { bucket: BUCKET });
    expect([r.status, r.error, JSON.parse(r.output!).error]).toEqual(['SUCCEEDED', undefined, undefined]);

    // The state's result: the Map Run and where its manifest is, nothing per item.
    const out = JSON.parse(r.output!) as {
      bucket: string;
      mapped: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
    };
    const mapRunId = out.mapped.MapRunArn.split(':').pop()!;
    expect(out.mapped.MapRunArn).toBe(`${r.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/Each:${mapRunId}`);
    expect(out.mapped.ResultWriterDetails).toEqual({ Bucket: RESULTS, Key: `runs/${mapRunId}/manifest.json` });
    expect(Buffer.byteLength(r.output!)).toBeLessThan(400);

    // manifest.json names one file per status, with its size.
    const manifest = await getJson<{
      DestinationBucket: string;
      MapRunArn: string;
      ResultFiles: Record<string, { Key: string; Size: number }[]>;
    }>(RESULTS, out.mapped.ResultWriterDetails.Key);
    expect(manifest.DestinationBucket).toBe(RESULTS);
    expect(manifest.MapRunArn).toBe(out.mapped.MapRunArn);
    expect(manifest.ResultFiles.PENDING).toEqual([]);
    expect(manifest.ResultFiles.SUCCEEDED!.map((f) => f.Key)).toEqual([`runs/${mapRunId}/SUCCEEDED_0.json`]);
    expect(manifest.ResultFiles.FAILED!.map((f) => f.Key)).toEqual([`runs/${mapRunId}/FAILED_0.json`]);

    const succeeded = await getJson<ResultEntry[]>(RESULTS, `runs/${mapRunId}/SUCCEEDED_0.json`);
    const failed = await getJson<ResultEntry[]>(RESULTS, `runs/${mapRunId}/FAILED_0.json`);
    const failing = all.filter((k) => k.includes('fail-'));
    expect(failed.map((e) => JSON.parse(e.Input).key).sort()).toEqual(failing);
    expect(succeeded).toHaveLength(all.length - failing.length);
    const first = succeeded.find((e) => JSON.parse(e.Input).key === all[0])!;
    // The ItemReader's item for an object: {Etag, Key, LastModified, Size, StorageClass}; ItemSelector picked three.
    // Items come in listing order (S3 lists keys in UTF-8 order: items/fail-* first).
    expect(JSON.parse(first.Input)).toEqual({ key: all[0], index: [...all].sort().indexOf(all[0]!), size: 2 });
    expect(JSON.parse(first.Output!)).toEqual({ key: all[0], ok: true });
    expect(first.Status).toBe('SUCCEEDED');
    expect(first.ExecutionArn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:dmap-1\/Each:[0-9a-f-]{36}$/);
    expect(failed[0]).toMatchObject({ Status: 'FAILED', Error: 'ItemBroken', Cause: 'this item is broken' });

    // The Map Run and its children, through the API.
    const { mapRuns } = await sfn.send(new ListMapRunsCommand({ executionArn: r.executionArn }));
    expect(mapRuns!.map((m) => m.mapRunArn)).toEqual([out.mapped.MapRunArn]);
    const run = await sfn.send(new DescribeMapRunCommand({ mapRunArn: out.mapped.MapRunArn }));
    expect(run.status).toBe('SUCCEEDED');
    expect(run.maxConcurrency).toBe(20);
    expect(run.toleratedFailurePercentage).toBe(5);
    expect(run.itemCounts).toMatchObject({
      total: all.length,
      succeeded: all.length - failing.length,
      failed: failing.length,
      pending: 0,
      running: 0,
      resultsWritten: all.length,
    });
    const children: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ mapRunArn: out.mapped.MapRunArn, nextToken }));
      children.push(...page.executions!.map((e) => e.executionArn!));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(children.sort()).toEqual([...succeeded, ...failed].map((e) => e.ExecutionArn).sort());
    const child = await sfn.send(new DescribeExecutionCommand({ executionArn: first.ExecutionArn }));
    expect(child).toMatchObject({ status: 'SUCCEEDED', mapRunArn: out.mapped.MapRunArn });
    // Each child has a history of its own; the parent's does not grow with the items.
    expect((await fullHistory(sfn, first.ExecutionArn)).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(r.events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapRunStarted',
      'MapRunSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
    expect(r.events[2]!.mapRunStartedEventDetails).toEqual({ mapRunArn: out.mapped.MapRunArn });
  }, 180_000);

  test('past ToleratedFailurePercentage the Map Run fails with States.ExceedToleratedFailureThreshold, which Catch sees', async () => {
    const sfn = aws.clients.sfn;
    // Same items as above: 13 of 1,234 fail (1.05%), over a 1% threshold.
    const r = await runMachine(sfn, definition({ extra: { ToleratedFailurePercentage: 1 } }), { bucket: BUCKET });
    expect(r.status).toBe('SUCCEEDED');
    const out = JSON.parse(r.output!) as { error: { Error: string; Cause: string } };
    expect(out.error.Error).toBe('States.ExceedToleratedFailureThreshold');
    expect(r.events.map((e) => e.type)).toContain('MapRunFailed');
    const { mapRuns } = await sfn.send(new ListMapRunsCommand({ executionArn: r.executionArn }));
    const run = await sfn.send(new DescribeMapRunCommand({ mapRunArn: mapRuns![0]!.mapRunArn }));
    expect(run.status).toBe('FAILED');
    expect(run.itemCounts!.failed).toBeGreaterThan(Math.floor(1_234 / 100));
  }, 180_000);

  test('without a ResultWriter the children’s outputs are the result, held to 256 KiB', async () => {
    const sfn = aws.clients.sfn;
    const small = await runMachine(
      sfn,
      definition({
        resultWriter: false,
        extra: {
          ItemReader: {
            Resource: 'arn:aws:states:::s3:listObjectsV2',
            Parameters: { Bucket: BUCKET, Prefix: 'items/item-0000' },
            ReaderConfig: { MaxItems: 3 },
          },
        },
      }),
      {},
    );
    expect(small.status).toBe('SUCCEEDED');
    expect((JSON.parse(small.output!) as { mapped: unknown }).mapped).toEqual(
      keys(3).map((key) => ({ key, ok: true })),
    );
    // 1,221 outputs of ~60 bytes each: past 256 KiB only with padding; 300 bytes each is ~360 KB.
    const big = await runMachine(
      sfn,
      definition({
        resultWriter: false,
        extra: { Catch: [{ ErrorEquals: ['States.DataLimitExceeded'], ResultPath: '$.error', Next: 'Failed' }] },
        processor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Pad',
          States: { Pad: { Type: 'Pass', Parameters: { 'key.$': '$.key', pad: 'x'.repeat(300) }, End: true } },
        },
      }),
      { bucket: BUCKET },
    );
    expect(big.status).toBe('SUCCEEDED');
    expect((JSON.parse(big.output!) as { error: { Error: string } }).error.Error).toBe('States.DataLimitExceeded');
  }, 180_000);

  // "ItemReader (Map)": s3:getObject with ReaderConfig InputType JSON reads a JSON file holding an array; each element
  // is one item ($$.Map.Item.Value), as the ItemSelector sees it.
  const jsonReader = (config: Record<string, unknown> = {}) => ({
    ItemReader: {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON', ...config },
      Parameters: { 'Bucket.$': '$.bucket', 'Key.$': '$.key' },
    },
    ItemSelector: { 'key.$': '$$.Map.Item.Value.name', 'index.$': '$$.Map.Item.Index' },
  });

  test('a JSON file as the ItemReader: one child per array element, in order; MaxItems limits them', async () => {
    const sfn = aws.clients.sfn;
    const names = Array.from({ length: 2_345 }, (_, i) => ({ name: `d-${String(i).padStart(4, '0')}`, n: i }));
    await aws.local.s3.seedObjects(BUCKET, [{ key: 'lists/due.json', body: JSON.stringify(names) }]);
    const r = await runMachine(sfn, definition({ extra: jsonReader() }), {
      bucket: BUCKET,
      key: 'lists/due.json',
    });
    expect([r.status, r.error]).toEqual(['SUCCEEDED', undefined]);
    const out = JSON.parse(r.output!) as { mapped: { ResultWriterDetails: { Key: string } } };
    const manifest = await getJson<{ ResultFiles: { SUCCEEDED: { Key: string }[] } }>(
      RESULTS,
      out.mapped.ResultWriterDetails.Key,
    );
    const entries = await getJson<ResultEntry[]>(RESULTS, manifest.ResultFiles.SUCCEEDED[0]!.Key);
    expect(entries.map((e) => (JSON.parse(e.Input) as { key: string; index: number }).key)).toEqual(
      names.map((n) => n.name),
    );
    const limited = await runMachine(sfn, definition({ resultWriter: false, extra: jsonReader({ MaxItems: 2 }) }), {
      bucket: BUCKET,
      key: 'lists/due.json',
    });
    expect((JSON.parse(limited.output!) as { mapped: unknown }).mapped).toEqual([
      { key: 'd-0000', ok: true },
      { key: 'd-0001', ok: true },
    ]);
  }, 180_000);

  test.each([
    ['a missing file', 'lists/none.json', 'S3.NoSuchKeyException'],
    ['a file that is not a JSON array', 'lists/object.json', 'does not hold an array'],
  ])(
    'a JSON ItemReader over %s fails the state with States.ItemReaderFailed',
    async (_what, key, cause) => {
      await aws.local.s3.seedObjects(BUCKET, [{ key: 'lists/object.json', body: '{"items": []}' }]);
      const r = await runMachine(aws.clients.sfn, definition({ extra: jsonReader() }), { bucket: BUCKET, key });
      const out = JSON.parse(r.output!) as { error: { Error: string; Cause: string } };
      expect(out.error.Error).toBe('States.ItemReaderFailed');
      expect(out.error.Cause).toContain(cause);
    },
    60_000,
  );

  test('MaxConcurrency bounds the child executions running at once', async () => {
    let running = 0;
    let most = 0;
    emu.registerLambda('slowItem', async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return { ok: true };
    });
    const r = await runMachine(
      aws.clients.sfn,
      definition({
        extra: {
          MaxConcurrency: 3,
          ItemReader: {
            Resource: 'arn:aws:states:::s3:listObjectsV2',
            Parameters: { Bucket: BUCKET, Prefix: 'items/item-000' },
          },
        },
        processor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Slow',
          States: { Slow: { Type: 'Task', Resource: localLambdaArn('slowItem'), End: true } },
        },
      }),
      {},
    );
    expect(r.status).toBe('SUCCEEDED');
    expect(most).toBe(3);
  }, 120_000);

  test.each([
    ['ItemBatcher', { ItemBatcher: { MaxItemsPerBatch: 10 } }, 'UNSUPPORTED: ItemBatcher'],
    [
      'another reader',
      { ItemReader: { Resource: 'arn:aws:states:::s3:getManifest', Parameters: { Bucket: 'b', Key: 'k' } } },
      'UNSUPPORTED: ItemReader resource',
    ],
    [
      'a file reader for CSV',
      {
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV' },
          Parameters: { Bucket: 'b', Key: 'k' },
        },
      },
      "UNSUPPORTED: ReaderConfig.InputType 'CSV'",
    ],
    [
      'a WriterConfig',
      {
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'b' },
          WriterConfig: { OutputType: 'JSONL' },
        },
      },
      'UNSUPPORTED: WriterConfig',
    ],
    ['a long Label', { Label: 'L'.repeat(41) }, "Label 'LLLL"],
    ['MaxConcurrency past 10,000', { MaxConcurrency: 10_001 }, 'MaxConcurrency must be an integer from 0 to 10000'],
  ])('CreateStateMachine refuses %s, naming the field', async (_what, extra, message) => {
    await expect(
      aws.clients.sfn.send(
        new CreateStateMachineCommand({
          name: `refused-${++machines}`,
          roleArn: ROLE,
          definition: definition({ extra }),
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidDefinition', message: expect.stringContaining(message) });
  });
});
