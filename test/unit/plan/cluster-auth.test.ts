// The cluster's client authentication against the configured modes: the modes run when the cluster
// offers them all, and a clear refusal otherwise (issue 12). describeClusterAuth reads both shapes
// of DescribeClusterV2's answer (MSK API Reference 2.0: Provisioned and Serverless).
import { describe, expect, it } from '@jest/globals';
import { DescribeClusterV2Command, KafkaClient } from '@aws-sdk/client-kafka';
import { describeClusterAuth } from '../../../lib/aws/msk.js';
import { modesToRun, type ClusterAuth } from '../../../lib/plan/cluster-auth.js';
import { ConfigurationError } from '../../../lib/errors.js';
import { mockAws } from '../functions/_support.js';

const ARN = 'arn:aws:kafka:eu-west-1:111122223333:cluster/data/abcd-1';
const provisioned = (on: Partial<Pick<ClusterAuth, 'scram' | 'iam' | 'tls'>>): ClusterAuth => ({
  type: 'PROVISIONED',
  scram: false,
  iam: false,
  tls: false,
  certificateAuthorityArns: [],
  ...on,
});
const serverless: ClusterAuth = {
  type: 'SERVERLESS',
  scram: false,
  iam: true,
  tls: false,
  certificateAuthorityArns: [],
};

const refusal = (f: () => unknown): ConfigurationError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigurationError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('modesToRun', () => {
  it('runs the configured modes, in their order, when the cluster offers every one', () => {
    const all = provisioned({ scram: true, iam: true, tls: true });
    expect(modesToRun(ARN, all, ['MTLS', 'SCRAM'])).toEqual(['MTLS', 'SCRAM']);
    expect(modesToRun(ARN, all, ['SCRAM', 'MTLS', 'IAM'])).toEqual(['SCRAM', 'MTLS', 'IAM']);
    expect(modesToRun(ARN, serverless, ['IAM'])).toEqual(['IAM']);
    // Offering more than is configured is fine: the extra methods are simply not used.
    expect(modesToRun(ARN, all, ['IAM'])).toEqual(['IAM']);
  });

  it('refuses a configured mode the cluster lacks, naming the cluster, the modes and what it offers', () => {
    const e = refusal(() => modesToRun(ARN, provisioned({ scram: true }), ['SCRAM', 'MTLS']));
    expect(e.name).toBe('ConfigurationError');
    expect(e.message).toContain(ARN);
    expect(e.message).toContain('does not offer MTLS (TLS client authentication)');
    expect(e.message).toContain('AuthModes SCRAM,MTLS');
    expect(e.message).toContain('it offers SASL/SCRAM.');
    expect(e.message).not.toContain('SCRAM (SASL/SCRAM)');
  });

  it('lists every lacking mode, and says when the cluster offers none', () => {
    const e = refusal(() => modesToRun(ARN, provisioned({}), ['SCRAM', 'IAM']));
    expect(e.message).toContain('does not offer SCRAM (SASL/SCRAM), IAM (SASL/IAM)');
    expect(e.message).toContain('it offers none of');
  });

  it('an IAM-only provisioned cluster refuses SCRAM and mTLS', () => {
    const e = refusal(() => modesToRun(ARN, provisioned({ iam: true }), ['SCRAM', 'MTLS', 'IAM']));
    expect(e.message).toContain('does not offer SCRAM (SASL/SCRAM), MTLS (TLS client authentication),');
    expect(e.message).toContain('it offers SASL/IAM.');
    expect(e.message).toContain('UpdateSecurity');
  });

  it('a serverless cluster says that IAM is all it has', () => {
    const e = refusal(() => modesToRun(ARN, serverless, ['SCRAM']));
    expect(e.message).toContain(`MSK Serverless cluster ${ARN} does not offer SCRAM`);
    expect(e.message).toContain('AuthModes=IAM');
  });
});

describe('describeClusterAuth reads DescribeClusterV2', () => {
  const kafka = mockAws(KafkaClient);
  const client = new KafkaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

  it('a provisioned cluster: SASL/SCRAM, SASL/IAM and TLS with its CAs', async () => {
    kafka.reset();
    kafka.on(DescribeClusterV2Command, { ClusterArn: ARN }).resolves({
      ClusterInfo: {
        ClusterType: 'PROVISIONED',
        Provisioned: {
          ClientAuthentication: {
            Sasl: { Scram: { Enabled: true }, Iam: { Enabled: true } },
            Tls: { Enabled: true, CertificateAuthorityArnList: ['arn:pca'] },
          },
        },
      },
    });
    expect(await describeClusterAuth(client, ARN)).toEqual({
      type: 'PROVISIONED',
      scram: true,
      iam: true,
      tls: true,
      certificateAuthorityArns: ['arn:pca'],
    });
  });

  it('a serverless cluster: SASL/IAM from Serverless.ClientAuthentication, nothing else', async () => {
    kafka.reset();
    kafka.on(DescribeClusterV2Command, { ClusterArn: ARN }).resolves({
      ClusterInfo: {
        ClusterType: 'SERVERLESS',
        Serverless: { VpcConfigs: [], ClientAuthentication: { Sasl: { Iam: { Enabled: true } } } },
      },
    });
    expect(await describeClusterAuth(client, ARN)).toEqual(serverless);
  });
});
