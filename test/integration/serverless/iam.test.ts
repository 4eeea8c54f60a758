// The packaged template's real policies, evaluated with @cloud-copilot/iam-simulate for the exact
// requests the code sends (functions/, lib/aws/, the state machines' SDK integrations, the CLI's
// upload), with production-like parameter values. Each request names the resource type the
// Service Authorization Reference lists for its action (`*` for actions that have none), the
// condition keys the service sets, and is evaluated against the caller's identity policies and,
// for S3, the bucket policy, explicit deny winning (IAM User Guide, "Policy evaluation logic").
import {
  ACCOUNT,
  ADMIN_SECRET_ARN,
  CLUSTER_ARN,
  KMS_KEY_ARN,
  OTHER_KMS_KEY_ARN,
  PCA_ARN,
  PRODUCTION_PARAMETERS,
  REGION,
  STAGE,
  bucketArn,
  bucketPolicyFor,
  resolvedPackage,
  roleDecision,
  simulate,
  type Decision,
  type Request,
  type ResolvedTemplate,
} from '../../support/template.js';

const D = 'shop.order';
const SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:AmazonMSK_${D}-AbC123`;
const CLUSTER_PATH = CLUSTER_ARN.split(':cluster/')[1]!;
const TOPIC_ARN = `arn:aws:kafka:${REGION}:${ACCOUNT}:topic/${CLUSTER_PATH}/${D}._public.orders`;
const viaS3 = { 'kms:ViaService': `s3.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT };
const viaSecrets = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT };
const sseKms = {
  's3:x-amz-server-side-encryption': 'aws:kms',
  's3:x-amz-server-side-encryption-aws-kms-key-id': KMS_KEY_ARN,
};

let prod: ResolvedTemplate;
let scramAdmin: ResolvedTemplate;
let specs: string;
let certs: string;

beforeAll(async () => {
  prod = await resolvedPackage();
  scramAdmin = await resolvedPackage({
    ...PRODUCTION_PARAMETERS,
    KafkaAdminAuth: 'SCRAM',
    KafkaAdminSecretArn: ADMIN_SECRET_ARN,
    KafkaAdminSecretKmsKeyArn: OTHER_KMS_KEY_ARN,
  });
  specs = bucketArn(prod, 'SpecBucket');
  certs = bucketArn(prod, 'CertificateBucket');
}, 300_000);

type Case = readonly [why: string, req: Request, expected: Decision];

/** Every request of one function's code path, by role. */
function requests(): Record<string, Case[]> {
  const specKey = `${specs}/specs/${D}.yaml`;
  const cert = (k: string) => `${certs}/certificates/${D}/${k}`;
  return {
    ValidateSpecRole: [
      ['getSpecObject: the triggering version', { action: 's3:GetObjectVersion', resource: specKey }, 'Allowed'],
      ['getSpecObject: the latest version', { action: 's3:GetObject', resource: specKey }, 'Allowed'],
      ['S3 decrypts the SSE-KMS spec', { action: 'kms:Decrypt', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
      // S3 answers 404 NoSuchKey (→ the spec-missing refusal) only to a caller that may ListBucket;
      // the check carries no s3:prefix (see serverless.yml, "ListBucket for 404s").
      ['404, not 403, for a spec that is gone', { action: 's3:ListBucket', resource: specs }, 'Allowed'],
      [
        'listing outside specs/ stays refused',
        { action: 's3:ListBucket', resource: specs, context: { 's3:prefix': 'reports/' } },
        'ImplicitlyDenied',
      ],
      ['no report writes', { action: 's3:PutObject', resource: `${specs}/reports/${D}.json` }, 'ImplicitlyDenied'],
    ],
    EnsureScramSecretRole: [
      ['describe', { action: 'secretsmanager:DescribeSecret', resource: SECRET_ARN }, 'Allowed'],
      ['create', { action: 'secretsmanager:CreateSecret', resource: SECRET_ARN }, 'Allowed'],
      ['tags on create', { action: 'secretsmanager:TagResource', resource: SECRET_ARN }, 'Allowed'],
      ['restore', { action: 'secretsmanager:RestoreSecret', resource: SECRET_ARN }, 'Allowed'],
      ['encrypt the value', { action: 'kms:GenerateDataKey', resource: KMS_KEY_ARN, context: viaSecrets }, 'Allowed'],
      [
        'decrypt (CreateSecret checks)',
        { action: 'kms:Decrypt', resource: KMS_KEY_ARN, context: viaSecrets },
        'Allowed',
      ],
      ['never read a value', { action: 'secretsmanager:GetSecretValue', resource: SECRET_ARN }, 'ImplicitlyDenied'],
      [
        'KMS only through Secrets Manager',
        { action: 'kms:GenerateDataKey', resource: KMS_KEY_ARN },
        'ImplicitlyDenied',
      ],
    ],
    AssociateScramSecretsRole: [
      ['list associated', { action: 'kafka:ListScramSecrets', resource: CLUSTER_ARN }, 'Allowed'],
      ['associate', { action: 'kafka:BatchAssociateScramSecret', resource: CLUSTER_ARN }, 'Allowed'],
      [
        'the last slot lost: its secret scheduled for deletion',
        { action: 'secretsmanager:DeleteSecret', resource: SECRET_ARN },
        'Allowed',
      ],
      [
        "MSK's grant on the secret's key",
        {
          action: 'kms:CreateGrant',
          resource: KMS_KEY_ARN,
          context: { 'kms:ViaService': `kafka.${REGION}.amazonaws.com` },
        },
        'Allowed',
      ],
    ],
    IssueCertificateRole: [
      ['the cluster trusts the PCA', { action: 'kafka:DescribeClusterV2', resource: CLUSTER_ARN }, 'Allowed'],
      ['readCurrent', { action: 's3:GetObject', resource: cert('current.json') }, 'Allowed'],
      ['readPendingKey', { action: 's3:GetObject', resource: cert('pending/1/key.pem') }, 'Allowed'],
      ['404 for readCurrent/readPendingKey of a new domain', { action: 's3:ListBucket', resource: certs }, 'Allowed'],
      [
        'putPendingKey (SSE-KMS, If-None-Match)',
        { action: 's3:PutObject', resource: cert('pending/1/key.pem'), context: sseKms },
        'Allowed',
      ],
      ['S3 encrypts', { action: 'kms:GenerateDataKey', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
      ['S3 decrypts', { action: 'kms:Decrypt', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
      ['the CA signing algorithm', { action: 'acm-pca:DescribeCertificateAuthority', resource: PCA_ARN }, 'Allowed'],
      ['issue', { action: 'acm-pca:IssueCertificate', resource: PCA_ARN }, 'Allowed'],
      ['read the issued record', { action: 's3:GetObject', resource: cert('pending/1/issued.json') }, 'Allowed'],
      [
        'record the issued ARN (SSE-KMS)',
        { action: 's3:PutObject', resource: cert('pending/1/issued.json'), context: sseKms },
        'Allowed',
      ],
    ],
    CollectCertificateRole: [
      ['fetch', { action: 'acm-pca:GetCertificate', resource: PCA_ARN }, 'Allowed'],
      ['readPendingKey', { action: 's3:GetObject', resource: cert('pending/1/key.pem') }, 'Allowed'],
      ['404 for a pending key that is gone', { action: 's3:ListBucket', resource: certs }, 'Allowed'],
      ['store the key', { action: 's3:PutObject', resource: cert('0a1b/key.pem'), context: sseKms }, 'Allowed'],
      ['switch current.json', { action: 's3:PutObject', resource: cert('current.json'), context: sseKms }, 'Allowed'],
      [
        'the expiry index entry',
        { action: 's3:PutObject', resource: `${certs}/certificates/_index/${D}/x`, context: sseKms },
        'Allowed',
      ],
      [
        'old index entries',
        { action: 's3:ListBucket', resource: certs, context: { 's3:prefix': `certificates/_index/${D}/` } },
        'Allowed',
      ],
      ['delete old entries', { action: 's3:DeleteObject', resource: `${certs}/certificates/_index/${D}/x` }, 'Allowed'],
      ['delete the pending key', { action: 's3:DeleteObject', resource: cert('pending/1/key.pem') }, 'Allowed'],
      ['delete the issued record', { action: 's3:DeleteObject', resource: cert('pending/1/issued.json') }, 'Allowed'],
      ['S3 encrypts', { action: 'kms:GenerateDataKey', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
    ],
    ApplyTopicsAndAclsRole: [
      [
        'the validated spec version',
        { action: 's3:GetObjectVersion', resource: `${specs}/specs/${D}.yaml` },
        'Allowed',
      ],
      // It reads the version ValidateSpec read, which exists (a delete only adds a marker in the
      // versioned bucket), so it needs no listing to tell a missing key from a denied one.
      ['no listing of the spec bucket', { action: 's3:ListBucket', resource: specs }, 'ImplicitlyDenied'],
      ['S3 decrypts', { action: 'kms:Decrypt', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
      // No resource type in the Service Authorization Reference: only `*` matches.
      ['bootstrap brokers', { action: 'kafka:GetBootstrapBrokers', resource: '*' }, 'Allowed'],
      ['IAM admin connects', { action: 'kafka-cluster:Connect', resource: CLUSTER_ARN }, 'Allowed'],
      ['describe ACLs', { action: 'kafka-cluster:DescribeCluster', resource: CLUSTER_ARN }, 'Allowed'],
      ['create/delete ACLs', { action: 'kafka-cluster:AlterCluster', resource: CLUSTER_ARN }, 'Allowed'],
      ['metadata', { action: 'kafka-cluster:DescribeTopic', resource: TOPIC_ARN }, 'Allowed'],
      ['create topics', { action: 'kafka-cluster:CreateTopic', resource: TOPIC_ARN }, 'Allowed'],
      ['partitions', { action: 'kafka-cluster:AlterTopic', resource: TOPIC_ARN }, 'Allowed'],
      ['configs', { action: 'kafka-cluster:DescribeTopicDynamicConfiguration', resource: TOPIC_ARN }, 'Allowed'],
      ['alter configs', { action: 'kafka-cluster:AlterTopicDynamicConfiguration', resource: TOPIC_ARN }, 'Allowed'],
      // AWSLambdaVPCAccessExecutionRole's actions: Lambda checks them on the execution role.
      ['VPC: subnets', { action: 'ec2:DescribeSubnets', resource: '*' }, 'Allowed'],
      ['VPC: ENIs', { action: 'ec2:DescribeNetworkInterfaces', resource: '*' }, 'Allowed'],
      [
        'VPC: create ENI',
        {
          action: 'ec2:CreateNetworkInterface',
          resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/eni-0a1b2c3d`,
        },
        'Allowed',
      ],
      [
        'IAM admin needs no secret',
        { action: 'secretsmanager:GetSecretValue', resource: ADMIN_SECRET_ARN },
        'ImplicitlyDenied',
      ],
      ['…nor its key', { action: 'kms:Decrypt', resource: KMS_KEY_ARN, context: viaSecrets }, 'ImplicitlyDenied'],
    ],
    PlanAgainstClusterRole: [
      [
        'the validated spec version',
        { action: 's3:GetObjectVersion', resource: `${specs}/specs/${D}.yaml` },
        'Allowed',
      ],
      ['S3 decrypts', { action: 'kms:Decrypt', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
      [
        'the cluster offers the configured auth modes',
        { action: 'kafka:DescribeClusterV2', resource: CLUSTER_ARN },
        'Allowed',
      ],
      ['room for a SCRAM user', { action: 'kafka:ListScramSecrets', resource: CLUSTER_ARN }, 'Allowed'],
      ['bootstrap brokers', { action: 'kafka:GetBootstrapBrokers', resource: '*' }, 'Allowed'],
      ['IAM admin connects', { action: 'kafka-cluster:Connect', resource: CLUSTER_ARN }, 'Allowed'],
      [
        'DescribeCluster (broker count) and describe ACLs',
        { action: 'kafka-cluster:DescribeCluster', resource: CLUSTER_ARN },
        'Allowed',
      ],
      ['metadata', { action: 'kafka-cluster:DescribeTopic', resource: TOPIC_ARN }, 'Allowed'],
      ['configs', { action: 'kafka-cluster:DescribeTopicDynamicConfiguration', resource: TOPIC_ARN }, 'Allowed'],
      // validateOnly is authorized as the real request (KIP-108).
      ['CreateTopics validateOnly', { action: 'kafka-cluster:CreateTopic', resource: TOPIC_ARN }, 'Allowed'],
      ['CreatePartitions validateOnly', { action: 'kafka-cluster:AlterTopic', resource: TOPIC_ARN }, 'Allowed'],
      // It changes nothing: no ACL writes, no config writes, nothing else in the spec bucket.
      ['no ACL writes', { action: 'kafka-cluster:AlterCluster', resource: CLUSTER_ARN }, 'ImplicitlyDenied'],
      [
        'no config writes',
        { action: 'kafka-cluster:AlterTopicDynamicConfiguration', resource: TOPIC_ARN },
        'ImplicitlyDenied',
      ],
      ['no report writes', { action: 's3:PutObject', resource: `${specs}/reports/${D}.json` }, 'ImplicitlyDenied'],
      [
        'IAM admin needs no secret',
        { action: 'secretsmanager:GetSecretValue', resource: ADMIN_SECRET_ARN },
        'ImplicitlyDenied',
      ],
      ['VPC: subnets', { action: 'ec2:DescribeSubnets', resource: '*' }, 'Allowed'],
    ],
    FindExpiringCertificatesRole: [
      [
        'scan the index',
        { action: 's3:ListBucket', resource: certs, context: { 's3:prefix': 'certificates/_index/' } },
        'Allowed',
      ],
      [
        'read nothing',
        { action: 's3:GetObject', resource: `${certs}/certificates/${D}/current.json` },
        'ImplicitlyDenied',
      ],
      [
        'which domains have a spec',
        { action: 's3:ListBucket', resource: specs, context: { 's3:prefix': 'specs/' } },
        'Allowed',
      ],
      ['read no spec', { action: 's3:GetObject', resource: `${specs}/specs/${D}.yaml` }, 'ImplicitlyDenied'],
    ],
    CheckRemovalRole: [
      [
        'the spec versions and delete markers',
        { action: 's3:ListBucketVersions', resource: specs, context: { 's3:prefix': 'specs/' } },
        'Allowed',
      ],
      ['reads no spec', { action: 's3:GetObject', resource: `${specs}/specs/${D}.yaml` }, 'ImplicitlyDenied'],
      [
        'no versions outside specs/',
        { action: 's3:ListBucketVersions', resource: specs, context: { 's3:prefix': 'reports/' } },
        'ImplicitlyDenied',
      ],
    ],
    RevokeScramSecretRole: [
      ['disassociate', { action: 'kafka:BatchDisassociateScramSecret', resource: CLUSTER_ARN }, 'Allowed'],
      ['describe', { action: 'secretsmanager:DescribeSecret', resource: SECRET_ARN }, 'Allowed'],
      ['schedule the deletion', { action: 'secretsmanager:DeleteSecret', resource: SECRET_ARN }, 'Allowed'],
      ['never read a value', { action: 'secretsmanager:GetSecretValue', resource: SECRET_ARN }, 'ImplicitlyDenied'],
      [
        'no other secret',
        {
          action: 'secretsmanager:DeleteSecret',
          resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other-AbC123`,
        },
        'ImplicitlyDenied',
      ],
    ],
    RevokeCertificatesRole: [
      ['revoke', { action: 'acm-pca:RevokeCertificate', resource: PCA_ARN }, 'Allowed'],
      [
        'list the stored certificates',
        { action: 's3:ListBucket', resource: certs, context: { 's3:prefix': `certificates/${D}/` } },
        'Allowed',
      ],
      ['read a certificate', { action: 's3:GetObject', resource: cert('0a1b/cert.pem') }, 'Allowed'],
      ['read current.json', { action: 's3:GetObject', resource: cert('current.json') }, 'Allowed'],
      ['never a private key', { action: 's3:GetObject', resource: cert('0a1b/key.pem') }, 'ImplicitlyDenied'],
      ['mark current.json', { action: 's3:PutObject', resource: cert('current.json'), context: sseKms }, 'Allowed'],
      [
        'no other writes',
        { action: 's3:PutObject', resource: cert('0a1b/cert.pem'), context: sseKms },
        'ImplicitlyDenied',
      ],
      [
        'remove the index entry',
        { action: 's3:DeleteObject', resource: `${certs}/certificates/_index/${D}/x` },
        'Allowed',
      ],
      ['delete no certificate', { action: 's3:DeleteObject', resource: cert('0a1b/cert.pem') }, 'ImplicitlyDenied'],
      ['S3 decrypts', { action: 'kms:Decrypt', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
      ['S3 encrypts', { action: 'kms:GenerateDataKey', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
    ],
    RevokeAclsRole: [
      ['bootstrap brokers', { action: 'kafka:GetBootstrapBrokers', resource: '*' }, 'Allowed'],
      ['IAM admin: connect', { action: 'kafka-cluster:Connect', resource: CLUSTER_ARN }, 'Allowed'],
      [
        'IAM admin: describe and alter ACLs',
        { action: 'kafka-cluster:AlterCluster', resource: CLUSTER_ARN },
        'Allowed',
      ],
      ['IAM admin: list topics', { action: 'kafka-cluster:DescribeTopic', resource: TOPIC_ARN }, 'Allowed'],
      // DecommissionDeleteTopics defaults to false: no topic deletion.
      [
        'no topic deletion by default',
        { action: 'kafka-cluster:DeleteTopic', resource: TOPIC_ARN },
        'ImplicitlyDenied',
      ],
      ['no topic creation', { action: 'kafka-cluster:CreateTopic', resource: TOPIC_ARN }, 'ImplicitlyDenied'],
    ],
    FindOrphansRole: [
      [
        'which domains have a spec',
        { action: 's3:ListBucket', resource: specs, context: { 's3:prefix': 'specs/' } },
        'Allowed',
      ],
      [
        'the orphan report',
        { action: 's3:PutObject', resource: `${specs}/reports/_reprovision/orphans.json` },
        'Allowed',
      ],
      ['no domain report', { action: 's3:PutObject', resource: `${specs}/reports/${D}.json` }, 'ImplicitlyDenied'],
      ['S3 encrypts the report', { action: 'kms:GenerateDataKey', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
      [
        'the certificate index',
        { action: 's3:ListBucket', resource: certs, context: { 's3:prefix': 'certificates/_index/' } },
        'Allowed',
      ],
      [
        'no certificate read',
        { action: 's3:GetObject', resource: `${certs}/certificates/${D}/current.json` },
        'ImplicitlyDenied',
      ],
      ['secret names and tags', { action: 'secretsmanager:ListSecrets', resource: '*' }, 'Allowed'],
      ['never a value', { action: 'secretsmanager:GetSecretValue', resource: SECRET_ARN }, 'ImplicitlyDenied'],
      ['associated users', { action: 'kafka:ListScramSecrets', resource: CLUSTER_ARN }, 'Allowed'],
      ['IAM admin: describe ACLs', { action: 'kafka-cluster:DescribeCluster', resource: CLUSTER_ARN }, 'Allowed'],
      [
        'IAM admin: no ACL changes',
        { action: 'kafka-cluster:AlterCluster', resource: CLUSTER_ARN },
        'ImplicitlyDenied',
      ],
    ],
    DecommissionStateMachineRole: [
      ['WriteReport (no SSE header)', { action: 's3:PutObject', resource: `${specs}/reports/${D}.json` }, 'Allowed'],
      ['S3 encrypts the report', { action: 'kms:GenerateDataKey', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
      ['no spec writes', { action: 's3:PutObject', resource: `${specs}/specs/${D}.yaml` }, 'ImplicitlyDenied'],
    ],
    ReprovisionStateMachineRole: (() => {
      // ProvisionEach, a Distributed Map (state-machines/reprovision.asl.yaml).
      const machine = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:msk-spec-provisioner-${STAGE}-reprovision`;
      const child = `${machine.replace(':stateMachine:', ':execution:')}/ProvisionEach:0e1d2c3b-4a59-4687-9a0b-c1d2e3f4a5b6`;
      const provision = `arn:aws:states:${REGION}:${ACCOUNT}:execution:msk-spec-provisioner-${STAGE}-provision:x`;
      const results = `${specs}/reports/_reprovision/runs/0e1d2c3b-4a59-4687-9a0b-c1d2e3f4a5b6`;
      return [
        [
          'ItemReader: list specs/',
          { action: 's3:ListBucket', resource: specs, context: { 's3:prefix': 'specs/' } },
          'Allowed',
        ],
        [
          'no listing outside specs/',
          { action: 's3:ListBucket', resource: specs, context: { 's3:prefix': 'reports/' } },
          'ImplicitlyDenied',
        ],
        ['reads no spec', { action: 's3:GetObject', resource: `${specs}/specs/${D}.yaml` }, 'ImplicitlyDenied'],
        ['the Map Run starts its children', { action: 'states:StartExecution', resource: machine }, 'Allowed'],
        ['and follows them', { action: 'states:DescribeExecution', resource: child }, 'Allowed'],
        ['ResultWriter: the manifest', { action: 's3:PutObject', resource: `${results}/manifest.json` }, 'Allowed'],
        ['ResultWriter: a result file', { action: 's3:PutObject', resource: `${results}/SUCCEEDED_0.json` }, 'Allowed'],
        ['S3 encrypts them', { action: 'kms:GenerateDataKey', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
        ['no domain report', { action: 's3:PutObject', resource: `${specs}/reports/${D}.json` }, 'ImplicitlyDenied'],
        [
          'StartProvision',
          {
            action: 'states:StartExecution',
            resource: provision.replace(':execution:', ':stateMachine:').replace(/:x$/, ''),
          },
          'Allowed',
        ],
        ['StartProvision (.sync)', { action: 'states:DescribeExecution', resource: provision }, 'Allowed'],
      ] as Case[];
    })(),
    ProvisionStateMachineRole: [
      // WriteReport / WriteFailureReport: aws-sdk:s3:putObject with no SSE parameter.
      ['WriteReport (no SSE header)', { action: 's3:PutObject', resource: `${specs}/reports/${D}.json` }, 'Allowed'],
      ['S3 encrypts the report', { action: 'kms:GenerateDataKey', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
      ['no spec writes', { action: 's3:PutObject', resource: `${specs}/specs/${D}.yaml` }, 'ImplicitlyDenied'],
    ],
  };
}

describe('every request the code sends is allowed, and nothing next to it', () => {
  // Listed by name so a failure names the role and the request.
  const roles = [
    'ValidateSpecRole',
    'EnsureScramSecretRole',
    'AssociateScramSecretsRole',
    'IssueCertificateRole',
    'CollectCertificateRole',
    'ApplyTopicsAndAclsRole',
    'PlanAgainstClusterRole',
    'FindExpiringCertificatesRole',
    'CheckRemovalRole',
    'RevokeScramSecretRole',
    'RevokeCertificatesRole',
    'RevokeAclsRole',
    'FindOrphansRole',
    'DecommissionStateMachineRole',
    'ProvisionStateMachineRole',
    'ReprovisionStateMachineRole',
  ];
  it.each(roles)('%s', async (role) => {
    const got: string[] = [];
    const want: string[] = [];
    for (const [why, req, expected] of requests()[role]!) {
      want.push(`${why}: ${req.action} ${expected}`);
      got.push(`${why}: ${req.action} ${await roleDecision(prod, role, req)}`);
    }
    expect(got).toEqual(want);
  });

  it.each(['ApplyTopicsAndAclsRole', 'PlanAgainstClusterRole'])(
    '%s with a SCRAM admin reads its secret, decrypting under the secret’s own key via Secrets Manager',
    async (role) => {
      const r = (req: Request) => roleDecision(scramAdmin, role, req);
      expect(await r({ action: 'secretsmanager:GetSecretValue', resource: ADMIN_SECRET_ARN })).toBe('Allowed');
      expect(await r({ action: 'kms:Decrypt', resource: OTHER_KMS_KEY_ARN, context: viaSecrets })).toBe('Allowed');
      // Only through Secrets Manager, and only the admin secret: no domain's SCRAM password.
      expect(await r({ action: 'kms:Decrypt', resource: OTHER_KMS_KEY_ARN })).toBe('ImplicitlyDenied');
      expect(await r({ action: 'kms:Decrypt', resource: OTHER_KMS_KEY_ARN, context: viaS3 })).toBe('ImplicitlyDenied');
      expect(await r({ action: 'secretsmanager:GetSecretValue', resource: SECRET_ARN })).toBe('ImplicitlyDenied');
      // Without a separate key parameter, the secret is taken to be under KmsKeyArn.
      const sameKey = await resolvedPackage({
        ...PRODUCTION_PARAMETERS,
        KafkaAdminAuth: 'SCRAM',
        KafkaAdminSecretArn: ADMIN_SECRET_ARN,
      });
      expect(
        await roleDecision(sameKey, role, {
          action: 'kms:Decrypt',
          resource: KMS_KEY_ARN,
          context: viaSecrets,
        }),
      ).toBe('Allowed');
    },
  );
});

describe('ApplyIamPolicies (AuthModes with IAM): the grants index and the policies under /msk-spec/ only', () => {
  const policy = (name: string) => `arn:aws:iam::${ACCOUNT}:policy/msk-spec/${name}`;
  const role = `arn:aws:iam::${ACCOUNT}:role/orders-svc`;
  const cases = (index: string): Case[] => [
    ['read an index entry', { action: 's3:GetObject', resource: `${index}/shop.order.json` }, 'Allowed'],
    [
      'a missing index entry is 404',
      { action: 's3:ListBucket', resource: specs, context: { 's3:prefix': 'iam/index/' } },
      'Allowed',
    ],
    ['write an index entry', { action: 's3:PutObject', resource: `${index}/shop.order.json` }, 'Allowed'],
    ['the spec version', { action: 's3:GetObjectVersion', resource: `${specs}/specs/${D}.yaml` }, 'Allowed'],
    ['no spec writes', { action: 's3:PutObject', resource: `${specs}/specs/${D}.yaml` }, 'ImplicitlyDenied'],
    ['no report writes', { action: 's3:PutObject', resource: `${specs}/reports/${D}.json` }, 'ImplicitlyDenied'],
    ['S3 encrypts', { action: 'kms:GenerateDataKey', resource: KMS_KEY_ARN, context: viaS3 }, 'Allowed'],
    ...(
      [
        'GetPolicy',
        'GetPolicyVersion',
        'ListPolicyVersions',
        'CreatePolicy',
        'CreatePolicyVersion',
        'DeletePolicyVersion',
        'DeletePolicy',
      ] as const
    ).flatMap((a): Case[] => [
      [`${a} under /msk-spec/`, { action: `iam:${a}`, resource: policy('msk-spec-prod-shop.order-1') }, 'Allowed'],
      [
        `no ${a} elsewhere`,
        { action: `iam:${a}`, resource: `arn:aws:iam::${ACCOUNT}:policy/other` },
        'ImplicitlyDenied',
      ],
    ]),
    [
      'attach a policy under /msk-spec/',
      {
        action: 'iam:AttachRolePolicy',
        resource: role,
        context: { 'iam:PolicyARN': policy('msk-spec-prod-shop.order-1') },
      },
      'Allowed',
    ],
    [
      'detach a policy under /msk-spec/',
      {
        action: 'iam:DetachRolePolicy',
        resource: role,
        context: { 'iam:PolicyARN': policy('msk-spec-prod-shop.order-1') },
      },
      'Allowed',
    ],
    [
      'never attach another policy',
      {
        action: 'iam:AttachRolePolicy',
        resource: role,
        context: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' },
      },
      'ImplicitlyDenied',
    ],
    [
      'never detach another policy',
      {
        action: 'iam:DetachRolePolicy',
        resource: role,
        context: { 'iam:PolicyARN': `arn:aws:iam::${ACCOUNT}:policy/other` },
      },
      'ImplicitlyDenied',
    ],
    ['list what a role holds', { action: 'iam:ListAttachedRolePolicies', resource: role }, 'Allowed'],
    ['no role changes', { action: 'iam:PutRolePolicy', resource: role }, 'ImplicitlyDenied'],
  ];

  it('with IAM among the modes', async () => {
    const withIam = await resolvedPackage({ ...PRODUCTION_PARAMETERS, AuthModes: 'SCRAM,MTLS,IAM' });
    const index = `${bucketArn(withIam, 'SpecBucket')}/iam/index`;
    const got: string[] = [];
    const want: string[] = [];
    for (const [why, req, expected] of cases(index)) {
      want.push(`${why}: ${req.action} ${expected}`);
      got.push(`${why}: ${req.action} ${await roleDecision(withIam, 'ApplyIamPoliciesRole', req)}`);
    }
    expect(got).toEqual(want);
    expect(
      await roleDecision(withIam, 'PlanAgainstClusterRole', {
        action: 's3:GetObject',
        resource: `${index}/shop.order.json`,
      }),
    ).toBe('Allowed');
  }, 300_000);

  it('without IAM: reads the index only (decommission asks whether the domain ever had IAM access)', async () => {
    const index = `${specs}/iam/index`;
    const r = (req: Request) => roleDecision(prod, 'ApplyIamPoliciesRole', req);
    expect(await r({ action: 's3:GetObject', resource: `${index}/shop.order.json` })).toBe('Allowed');
    expect(await r({ action: 's3:PutObject', resource: `${index}/shop.order.json` })).toBe('ImplicitlyDenied');
    expect(await r({ action: 'iam:GetPolicy', resource: policy('msk-spec-prod-shop.order-1') })).toBe(
      'ImplicitlyDenied',
    );
    expect(
      await roleDecision(prod, 'PlanAgainstClusterRole', {
        action: 's3:GetObject',
        resource: `${index}/shop.order.json`,
      }),
    ).toBe('ImplicitlyDenied');
  });
});

describe('spec bucket policy (any principal of the account holding s3:PutObject)', () => {
  const writer = {
    name: 'writer',
    policy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }],
    },
  };
  const put = async (context: Record<string, string>) =>
    (
      await simulate(
        `arn:aws:iam::${ACCOUNT}:role/operator`,
        [writer],
        { action: 's3:PutObject', resource: `${specs}/specs/${D}.yaml`, context },
        bucketPolicyFor(prod, specs),
      )
    ).decision;

  it('accepts a put with no SSE header (aws s3 cp, msk-spec upload): the bucket default key encrypts it', async () => {
    expect(await put({})).toBe('Allowed');
  });
  it('accepts a put naming SSE-KMS with the bucket key, or SSE-KMS alone', async () => {
    expect(await put(sseKms)).toBe('Allowed');
    expect(await put({ 's3:x-amz-server-side-encryption': 'aws:kms' })).toBe('Allowed');
  });
  it('refuses a put asking for AES256 (SSE-S3), DSSE-KMS or another KMS key', async () => {
    expect(await put({ 's3:x-amz-server-side-encryption': 'AES256' })).toBe('ExplicitlyDenied');
    expect(await put({ 's3:x-amz-server-side-encryption': 'aws:kms:dsse' })).toBe('ExplicitlyDenied');
    expect(
      await put({
        's3:x-amz-server-side-encryption': 'aws:kms',
        's3:x-amz-server-side-encryption-aws-kms-key-id': OTHER_KMS_KEY_ARN,
      }),
    ).toBe('ExplicitlyDenied');
  });
  it('refuses plain HTTP', async () => {
    expect(await put({ 'aws:SecureTransport': 'false' })).toBe('ExplicitlyDenied');
  });
});

describe('certificate bucket policy', () => {
  const writer = {
    name: 'writer',
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: '*' }] },
  };
  const put = async (context: Record<string, string>) =>
    (
      await simulate(
        `arn:aws:iam::${ACCOUNT}:role/operator`,
        [writer],
        { action: 's3:PutObject', resource: `${certs}/certificates/${D}/current.json`, context },
        bucketPolicyFor(prod, certs),
      )
    ).decision;

  it('accepts what cert-store sends (SSE-KMS under the customer key, both headers)', async () => {
    expect(await put(sseKms)).toBe('Allowed');
  });
  it('refuses anything else: no header, AES256, another key', async () => {
    expect(await put({})).toBe('ExplicitlyDenied');
    expect(await put({ 's3:x-amz-server-side-encryption': 'AES256' })).toBe('ExplicitlyDenied');
    expect(
      await put({
        's3:x-amz-server-side-encryption': 'aws:kms',
        's3:x-amz-server-side-encryption-aws-kms-key-id': OTHER_KMS_KEY_ARN,
      }),
    ).toBe('ExplicitlyDenied');
  });
});

describe('TeamSpecUploadPolicy: a principal tagged msk-spec-domain=<D> writes specs/<D>.{yaml,yml,json} only', () => {
  const team = (t: ResolvedTemplate) => ({
    name: 'TeamSpecUploadPolicy',
    policy: (t.resources.TeamSpecUploadPolicy as { Properties: { PolicyDocument: unknown } }).Properties.PolicyDocument,
  });
  const as = async (tag: string | undefined, req: Request) =>
    (
      await simulate(
        `arn:aws:iam::${ACCOUNT}:role/team-uploader`,
        [team(prod)],
        { ...req, context: { ...(tag ? { 'aws:PrincipalTag/msk-spec-domain': tag } : {}), ...req.context } },
        bucketPolicyFor(prod, req.resource),
      )
    ).decision;

  it('team A puts and deletes its own spec, in each extension, with or without SSE headers', async () => {
    for (const ext of ['yaml', 'yml', 'json']) {
      const resource = `${specs}/specs/${D}.${ext}`;
      expect(await as(D, { action: 's3:PutObject', resource })).toBe('Allowed');
      expect(await as(D, { action: 's3:PutObject', resource, context: sseKms })).toBe('Allowed');
      expect(await as(D, { action: 's3:DeleteObject', resource })).toBe('Allowed');
    }
    expect(await as(D, { action: 'kms:GenerateDataKey', resource: KMS_KEY_ARN, context: viaS3 })).toBe('Allowed');
    expect(await as(D, { action: 's3:GetObject', resource: `${specs}/reports/${D}.json` })).toBe('Allowed');
  });

  it("team A cannot write team B's key, a longer id sharing its prefix, anything else, or without the tag", async () => {
    const put = (key: string, tag: string | null = D) =>
      as(tag ?? undefined, { action: 's3:PutObject', resource: `${specs}/${key}` });
    expect(await put('specs/shop.payments.yaml')).toBe('ImplicitlyDenied');
    expect(await put('specs/shop.orders.yaml')).toBe('ImplicitlyDenied');
    expect(await put(`specs/${D}.yaml.bak`)).toBe('ImplicitlyDenied');
    expect(await put(`specs/${D}/x.yaml`)).toBe('ImplicitlyDenied');
    expect(await put(`reports/${D}.json`)).toBe('ImplicitlyDenied');
    expect(await put(`specs/${D}.yaml`, null)).toBe('ImplicitlyDenied');
    expect(await put(`specs/shop.yaml`, 'shop.order')).toBe('ImplicitlyDenied');
    expect(await as(D, { action: 's3:DeleteObject', resource: `${specs}/specs/shop.payments.yaml` })).toBe(
      'ImplicitlyDenied',
    );
    expect(await as(D, { action: 's3:GetObject', resource: `${specs}/reports/shop.payments.json` })).toBe(
      'ImplicitlyDenied',
    );
  });

  it('is an output, for attaching to team roles', () => {
    expect(prod.outputs.TeamSpecUploadPolicyArn).toBe(`arn:aws:iam::${ACCOUNT}:policy/TeamSpecUploadPolicy`);
  });
});
