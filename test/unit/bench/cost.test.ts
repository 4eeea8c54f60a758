// The cost meter's arithmetic (bench/_cost.ts): what a phase cost between two snapshots, and which counts are not
// the deployment's: the operator's own requests, the broker talking to its controller, and the controller's second
// count of every request the broker forwards to it.
import { costOf, type CostSnapshot } from '../../../bench/_cost.js';

const api = (count: number, forwardable = false, clientApi = true) => ({ count, forwardable, clientApi });
const listener = (requests: number, authentications = 0, bytesOut = 0) => ({
  requests,
  authentications,
  connections: authentications,
  bytesIn: requests * 10,
  bytesOut,
});

const before: CostSnapshot = {
  lambda: { validateSpec: { invocations: 3, throttles: 0 }, applyTopicsAndAcls: { invocations: 3, throttles: 1 } },
  aws: new Map([
    ['ValidateSpecRole\ns3:GetObject', 3],
    ['(operator)\ns3:PutObject', 3],
  ]),
  kafka: {
    apis: { Metadata: api(10), CreateAcls: api(4, true), BrokerHeartbeat: api(50, false, false) },
    listeners: { SCRAM: listener(12, 2, 1000), CONTROLLER: listener(52, 0, 500), INTERNAL: listener(0) },
  },
};

const after: CostSnapshot = {
  lambda: {
    validateSpec: { invocations: 5, throttles: 0 },
    applyTopicsAndAcls: { invocations: 5, throttles: 4 },
    admitSpecs: { invocations: 1, throttles: 0 },
  },
  aws: new Map([
    ['ValidateSpecRole\ns3:GetObject', 5],
    ['ApplyTopicsAndAclsRole\nsecretsmanager:GetSecretValue', 2],
    ['ApplyTopicsAndAclsRole\ns3:GetObject', 1],
    ['(operator)\ns3:PutObject', 5],
    ['(operator)\nstates:ListExecutions', 7],
  ]),
  kafka: {
    // 2 CreateAcls from clients: 4 more counts, the controller's included; heartbeats are the node's own.
    apis: {
      Metadata: api(15),
      CreateAcls: api(8, true),
      CreateTopics: api(2, true),
      BrokerHeartbeat: api(60, false, false),
    },
    listeners: { SCRAM: listener(19, 4, 5096), CONTROLLER: listener(75, 0, 9000), INTERNAL: listener(1, 1, 1024) },
  },
};

test('per function, per operation and per API, the deployment only, per spec', () => {
  const c = costOf(before, after, 2);
  expect(c.lambdaInvocations).toEqual({
    total: 5,
    byFunction: { applyTopicsAndAcls: 2, validateSpec: 2, admitSpecs: 1 },
    throttles: 3,
  });
  expect(c.awsRequests).toEqual({
    total: 5,
    byOperation: { 's3:GetObject': 3, 'secretsmanager:GetSecretValue': 2 },
    byRole: { ApplyTopicsAndAclsRole: 3, ValidateSpecRole: 2 },
    operator: { 'states:ListExecutions': 7, 's3:PutObject': 2 },
  });
  expect(c.kafkaRequests).toEqual({
    total: 8,
    byApi: { Metadata: 5, CreateAcls: 2, CreateTopics: 1 },
    byListener: { SCRAM: 7, INTERNAL: 1 },
    authentications: 3,
    connections: 3,
    requestBytes: 80,
    responseBytes: 5120,
    consistent: true,
  });
  expect(c.perSpec).toEqual({ lambdaInvocations: 2.5, awsRequests: 2.5, kafkaRequests: 4, kafkaResponseKiB: 2.5 });
});

test('a breakdown by API that does not add up to the listeners’ count says so', () => {
  const skewed: CostSnapshot = {
    ...after,
    kafka: { ...after.kafka, apis: { ...after.kafka.apis, Metadata: api(16) } },
  };
  expect(costOf(before, skewed, 1).kafkaRequests.consistent).toBe(false);
});
