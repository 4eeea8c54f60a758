// 10,000 ACL bindings applied with kafkajs through lib/kafka's applyPlan (one CreateAcls batch, then
// waits until the broker shows them), described back in one DescribeAcls call, read back for one
// domain with readClusterState, and deleted (one DeleteAcls batch).
import type { AclBinding } from '../lib/access/types.js';
import { applyPlan, readClusterState, type ApplicablePlan } from '../lib/kafka/index.js';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  ResourcePatternTypes,
} from '../lib/kafka/kafkajs.js';
import { startKafka } from '../local/kafka/broker.js';

const log = (l: string) => process.stderr.write(`${l}\n`);
const N = Number(process.env.BENCH_ACLS ?? 10_000);
const empty: ApplicablePlan = {
  topicsToCreate: [],
  partitionIncreases: [],
  configChanges: [],
  aclsToCreate: [],
  aclsToDelete: [],
};

// Realistic shapes: per domain, the rows of docs/architecture.md#access-model (10 bindings per domain with 2 principals).
function bindings(n: number): AclBinding[] {
  const out: AclBinding[] = [];
  for (let d = 0; out.length < n; d++) {
    const D = `bench.d${d}`;
    for (const principal of [`User:${D}`, `User:CN=${D}`]) {
      const row = (
        resourceType: AclBinding['resourceType'],
        resourceName: string,
        patternType: AclBinding['patternType'],
        operation: AclBinding['operation'],
      ) => out.push({ resourceType, resourceName, patternType, principal, host: '*', operation, permission: 'ALLOW' });
      row('TOPIC', `${D}.`, 'PREFIXED', 'READ');
      row('TOPIC', `${D}.`, 'PREFIXED', 'WRITE');
      row('TOPIC', `${D}.`, 'PREFIXED', 'DESCRIBE');
      row('GROUP', `${D}.`, 'PREFIXED', 'READ');
      row('TRANSACTIONAL_ID', `${D}.`, 'PREFIXED', 'WRITE');
    }
  }
  return out.slice(0, n);
}

const broker = await startKafka({ log });
try {
  const admin = new Kafka(broker.adminKafkaJsConfig({ requestTimeout: 120_000 })).admin();
  await admin.connect();
  const acls = bindings(N);
  log(`applying ${acls.length} bindings in one CreateAcls batch...`);
  let t = performance.now();
  await applyPlan(admin, { ...empty, aclsToCreate: acls });
  const applyMs = Math.round(performance.now() - t);
  log(`applied in ${applyMs} ms; describing back...`);
  t = performance.now();
  const all = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  const describeMs = Math.round(performance.now() - t);
  const described = all.resources.reduce((n, r) => n + r.acls.length, 0);
  log(`described ${described} bindings in ${describeMs} ms; reading one domain's state...`);
  t = performance.now();
  const one = await readClusterState(admin, {
    topicPrefixes: ['bench.d7.'],
    principals: ['User:bench.d7', 'User:CN=bench.d7'],
  });
  const readDomainMs = Math.round(performance.now() - t);
  t = performance.now();
  const onlyPrincipals = await readClusterState(admin, {
    topicPrefixes: [],
    principals: ['User:bench.d7', 'User:CN=bench.d7'],
  });
  const readPrincipalsMs = Math.round(performance.now() - t);
  log(`deleting ${acls.length} bindings in one DeleteAcls batch...`);
  t = performance.now();
  await applyPlan(admin, { ...empty, aclsToDelete: acls });
  const deleteMs = Math.round(performance.now() - t);
  await admin.disconnect();
  console.log(
    JSON.stringify({
      bindings: acls.length,
      applyMs,
      describeAllMs: describeMs,
      described,
      readClusterStateOneDomainMs: readDomainMs,
      readClusterStateOneDomainAcls: one.acls.length,
      readByPrincipalsOnlyMs: readPrincipalsMs,
      readByPrincipalsOnlyAcls: onlyPrincipals.acls.length,
      deleteMs,
    }),
  );
} finally {
  await broker.stop();
}
