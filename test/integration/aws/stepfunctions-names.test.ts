// Execution and state machine names as Step Functions checks them (issue 9). The model (botocore
// stepfunctions/2016-11-23/service-2.json, shape Name: string, min 1, max 80) bounds the length, so an
// over-long name is the JSON protocol's ValidationException before anything is looked up; the
// characters the Name documentation forbids (white space, < > { } [ ], ? *, " # % \ ^ | ~ ` $ & , ; : /,
// control characters) are InvalidName (API_StartExecution, API_CreateStateMachine, "Errors").
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Gateway } from '../../../local/aws/gateway.js';
import { StepFunctionsEmulator } from '../../../local/aws/stepfunctions.js';

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
const ROLE = 'arn:aws:iam::000000000000:role/names';
const definition = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });
let gw: Gateway;
let emu: StepFunctionsEmulator;
let sfn: SFNClient;
let machine: string;

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  const e = (await p.then(
    () => undefined,
    (err: unknown) => err,
  )) as { name: string; message: string } | undefined;
  if (!e) throw new Error('expected the call to fail');
  return e;
}

beforeAll(async () => {
  gw = new Gateway({ log: () => undefined });
  emu = new StepFunctionsEmulator({ retryIntervalMs: 0, waitMs: 0 });
  gw.registerService(emu);
  await gw.start();
  sfn = new SFNClient({ endpoint: gw.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  machine = (await sfn.send(new CreateStateMachineCommand({ name: 'names', definition, roleArn: ROLE })))
    .stateMachineArn!;
});
afterAll(async () => {
  await emu.close();
  await gw.stop();
});

test('StartExecution: an 80-character name starts; 81 characters is ValidationException, not InvalidName', async () => {
  const ok = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'n'.repeat(80) }));
  expect(ok.executionArn).toMatch(/:n{80}$/);
  const e = await failure(sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: 'n'.repeat(81) })));
  expect(e.name).toBe('ValidationException');
  expect(e.message).toContain(
    "at 'name' failed to satisfy constraint: Member must have length less than or equal to 80",
  );
  // The length is checked before the state machine is looked up.
  const ghost = machine.replace(':names', ':ghost');
  expect(
    (await failure(sfn.send(new StartExecutionCommand({ stateMachineArn: ghost, name: 'n'.repeat(81) })))).name,
  ).toBe('ValidationException');
  expect((await failure(sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name: '' })))).name).toBe(
    'ValidationException',
  );
});

test('StartExecution: names with the documented forbidden characters are InvalidName; dots, @ and non-ASCII letters are allowed', async () => {
  for (const name of ['has space', 'a/b', 'a:b', 'a$b', 'a{b}', 'tab\tname', 'a#b', 'q?']) {
    const e = await failure(sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name })));
    expect([name, e.name]).toEqual([name, 'InvalidName']);
  }
  for (const name of ['spec.shop.orders', 'user@domain', 'Bestellungen-für-heute', 'a_b-c.1']) {
    const ok = await sfn.send(new StartExecutionCommand({ stateMachineArn: machine, name }));
    expect(ok.executionArn).toContain(`:${name}`);
  }
});

test('CreateStateMachine: the same length rule and characters', async () => {
  const long = await failure(
    sfn.send(new CreateStateMachineCommand({ name: 'm'.repeat(81), definition, roleArn: ROLE })),
  );
  expect(long.name).toBe('ValidationException');
  const bad = await failure(sfn.send(new CreateStateMachineCommand({ name: 'has space', definition, roleArn: ROLE })));
  expect(bad.name).toBe('InvalidName');
});
