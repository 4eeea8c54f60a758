// KAFKA_ADMIN_AUTH=IAM: the admin connection's SASL OAUTHBEARER provider hands kafkajs a token that
// aws-msk-iam-sasl-signer-js made from the function's own credentials. The local broker cannot run
// MSK's IAM authentication (AWS's own, not open source), so the token is checked here as MSK reads
// it: a base64url SigV4 presigned URL for `kafka-cluster:Connect` on `kafka.<region>.amazonaws.com`,
// scoped to the region and the service `kafka-cluster` (Amazon MSK Developer Guide, "IAM access
// control"; the signer's README, https://github.com/aws/aws-msk-iam-sasl-signer-js).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { kafkaAdminSettings } from '../../../lib/aws/env-config.js';
import { adminAuth } from '../../../lib/kafka/connect.js';
import { kafkaJsConfig } from '../../../lib/kafka/config.js';

// The Lambda runtime gives a function its role's session credentials in these variables.
const ROLE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'ASIAADMINROLE0000001',
  AWS_SECRET_ACCESS_KEY: 'role-secret-key-never-in-a-token',
  AWS_SESSION_TOKEN: 'role-session-token',
};
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  for (const [k, v] of Object.entries(ROLE_CREDENTIALS)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

interface Provider {
  oauthBearerProvider: () => Promise<{ value: string }>;
  mechanism: string;
}

async function adminToken(region: string): Promise<{ config: ReturnType<typeof kafkaJsConfig>; url: URL }> {
  const settings = kafkaAdminSettings({
    KAFKA_ADMIN_AUTH: 'IAM',
    CLUSTER_ARN: `arn:aws:kafka:${region}:111122223333:cluster/data/abcd-1`,
    AWS_REGION: region,
  });
  const config = kafkaJsConfig({
    brokers: ['b-1.data.abcd.c2.kafka.eu-west-1.amazonaws.com:9098'],
    auth: await adminAuth(settings),
  });
  const { value } = await (config.sasl as unknown as Provider).oauthBearerProvider();
  expect(value).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
  return { config, url: new URL(Buffer.from(value, 'base64url').toString('utf8')) };
}

describe('the IAM admin connection', () => {
  it('speaks SASL OAUTHBEARER over TLS', async () => {
    const { config } = await adminToken('eu-west-1');
    expect((config.sasl as unknown as Provider).mechanism).toBe('oauthbearer');
    expect(config.ssl).toBeTruthy();
  });

  it.each(['eu-west-1', 'us-east-2'])(
    'in %s: a presigned kafka-cluster:Connect URL for the region, signed with the role credentials',
    async (region) => {
      const { url } = await adminToken(region);
      const q = url.searchParams;
      expect(url.protocol).toBe('https:');
      expect(url.host).toBe(`kafka.${region}.amazonaws.com`);
      expect(q.get('Action')).toBe('kafka-cluster:Connect');
      expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
      const [keyId, date, scopeRegion, service, terminator] = q.get('X-Amz-Credential')!.split('/');
      expect({ keyId, scopeRegion, service, terminator }).toEqual({
        keyId: ROLE_CREDENTIALS.AWS_ACCESS_KEY_ID,
        scopeRegion: region,
        service: 'kafka-cluster',
        terminator: 'aws4_request',
      });
      expect(q.get('X-Amz-Date')!.slice(0, 8)).toBe(date);
      expect(q.get('X-Amz-Security-Token')).toBe(ROLE_CREDENTIALS.AWS_SESSION_TOKEN);
      expect(q.get('X-Amz-SignedHeaders')).toBe('host');
      expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      // The secret key signs; it never travels.
      expect(url.toString()).not.toContain(ROLE_CREDENTIALS.AWS_SECRET_ACCESS_KEY);
    },
  );

  it('without a region the configuration is refused before any connection', async () => {
    const settings = kafkaAdminSettings({
      KAFKA_ADMIN_AUTH: 'IAM',
      CLUSTER_ARN: 'arn:aws:kafka:eu-west-1:111122223333:cluster/data/abcd-1',
    });
    await expect(adminAuth(settings)).rejects.toMatchObject({
      name: 'ConfigurationError',
      message: 'KAFKA_ADMIN_AUTH=IAM needs AWS_REGION',
    });
  });
});
