// The one table between our ACL vocabulary (Kafka's names) and kafkajs' numeric enums, both ways.
import { OPERATIONS, PATTERN_TYPES, RESOURCE_TYPES, type AclBinding } from '../../../lib/access/types.js';
import { exactFilter, fromKafkaJsResources, toKafkaJsAcl } from '../../../lib/kafka/acls.js';
import { kafkaJsConfig } from '../../../lib/kafka/config.js';

const base: AclBinding = {
  resourceType: 'TOPIC',
  resourceName: 'shop.orders.',
  patternType: 'PREFIXED',
  principal: 'User:shop.orders',
  host: '*',
  operation: 'READ',
  permission: 'ALLOW',
};

test('Kafka protocol numbers: TOPIC=2 GROUP=3 CLUSTER=4 TRANSACTIONAL_ID=5, LITERAL=3 PREFIXED=4, READ=3, ALLOW=3 DENY=2', () => {
  expect(toKafkaJsAcl(base)).toEqual({
    resourceType: 2,
    resourceName: 'shop.orders.',
    resourcePatternType: 4,
    principal: 'User:shop.orders',
    host: '*',
    operation: 3,
    permissionType: 3,
  });
  expect(
    toKafkaJsAcl({
      ...base,
      resourceType: 'TRANSACTIONAL_ID',
      patternType: 'LITERAL',
      operation: 'IDEMPOTENT_WRITE',
      permission: 'DENY',
    }),
  ).toMatchObject({
    resourceType: 5,
    resourcePatternType: 3,
    operation: 12,
    permissionType: 2,
  });
  expect(exactFilter(base)).toEqual(toKafkaJsAcl(base));
});

test('every binding of our vocabulary survives the round trip through kafkajs', () => {
  const all: AclBinding[] = [];
  for (const resourceType of RESOURCE_TYPES)
    for (const patternType of PATTERN_TYPES)
      for (const operation of OPERATIONS)
        for (const permission of ['ALLOW', 'DENY'] as const)
          all.push({ ...base, resourceType, patternType, operation, permission });
  const resources = all.map((b) => {
    const k = toKafkaJsAcl(b);
    return {
      resourceType: k.resourceType,
      resourceName: k.resourceName,
      resourcePatternType: k.resourcePatternType,
      acls: [k],
    };
  });
  expect(fromKafkaJsResources(resources)).toEqual({ bindings: all, foreign: 0 });
});

test('ACLs outside our vocabulary (DELEGATION_TOKEN, unknown codes) are counted, not returned', () => {
  const acl = { principal: 'User:x', host: '*', operation: 3, permissionType: 3 };
  const r = fromKafkaJsResources([
    { resourceType: 6, resourceName: 'x', resourcePatternType: 3, acls: [acl] },
    { resourceType: 2, resourceName: 't', resourcePatternType: 3, acls: [acl, { ...acl, operation: 99 }] },
  ] as Parameters<typeof fromKafkaJsResources>[0]);
  expect(r.foreign).toBe(2);
  expect(r.bindings).toEqual([{ ...base, principal: 'User:x', resourceName: 't', patternType: 'LITERAL' }]);
});

describe('kafkaJsConfig', () => {
  test('SCRAM is SASL_SSL with scram-sha-512; no ca unless given (MSK brokers use Amazon certificates)', () => {
    const c = kafkaJsConfig({
      brokers: ['b:9096'],
      auth: { mechanism: 'scram', username: 'shop.orders', password: 'pw' },
    });
    expect(c.ssl).toEqual({});
    expect(c.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'shop.orders', password: 'pw' });
    const local = kafkaJsConfig({
      brokers: ['b:1'],
      serverCaPems: ['CA'],
      auth: { mechanism: 'scram', username: 'u', password: 'p' },
    });
    expect(local.ssl).toEqual({ ca: ['CA'] });
  });
  test('mTLS is SSL with the client certificate and key, no SASL', () => {
    const c = kafkaJsConfig({ brokers: ['b:9094'], auth: { mechanism: 'mtls', certPem: 'CERT', keyPem: 'KEY' } });
    expect(c.ssl).toEqual({ cert: 'CERT', key: 'KEY' });
    expect(c.sasl).toBeUndefined();
  });
  test('IAM is SASL_SSL with oauthbearer and a token provider', () => {
    const c = kafkaJsConfig({ brokers: ['b:9098'], auth: { mechanism: 'iam', region: 'eu-west-1' } });
    expect(c.ssl).toEqual({});
    expect(c.sasl?.mechanism).toBe('oauthbearer');
    expect(typeof (c.sasl as { oauthBearerProvider?: unknown }).oauthBearerProvider).toBe('function');
  });
});
