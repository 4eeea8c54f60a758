// The deployed template on the embedded cloud with IAM enforced: every Lambda calls AWS as its role,
// every state machine integration as the state machine's role, and every request is authorized
// against the role's policies and the resources' policies. These tests hold the template to what a
// real account would do with it:
// - reports written with no SSE header land under the bucket's default key (the bucket policy
//   refuses only a wrong header), and a put naming another key or AES256 is refused;
// - a spec deleted before validation is the `spec-missing` refusal, not AccessDenied (ValidateSpec
//   may list the bucket, so S3 answers 404 for a missing key rather than 403);
// - a team's role may write, overwrite and delete its own spec only (the template's upload policy);
// - least privilege, measured: every permission a role holds was used by this run, or is listed
//   below with the reason it must stay.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteSecretCommand } from '@aws-sdk/client-secrets-manager';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { REPO_ROOT } from '../../local/environment.js';
import { followExecutions } from '../../local/driver.js';
import { rolePolicies } from '../../local/cloudformation/deploy.js';
import { E2E_TEST_TIMEOUT_MS, readReport, useE2eEnvironment } from '../support/e2e.js';

const e2e = useE2eEnvironment();
const EXAMPLES = ['shop.catalog', 'shop.order', 'shop.orders', 'shop.payments'];
const exampleText = (domain: string) => readFileSync(join(REPO_ROOT, 'examples', 'specs', `${domain}.yaml`), 'utf8');

async function s3Error(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'allowed';
  } catch (e) {
    if (e instanceof S3ServiceException) return e.name;
    throw e;
  }
}

/** Runs an execution of the named state machine and waits for it. */
async function run(machine: string, input: unknown): Promise<{ status: string; executionArn: string }> {
  const env = e2e.env;
  const since = new Date();
  await env.clients.sfn.send(
    new StartExecutionCommand({ stateMachineArn: env.resources.stateMachines[machine]!, input: JSON.stringify(input) }),
  );
  const [done] = await followExecutions(env, env.resources.stateMachines[machine]!, 1, undefined, {
    since,
    timeoutMs: 150_000,
  });
  return done!;
}

describe('the packaged template, deployed on the embedded cloud with IAM enforced', () => {
  it(
    'provisions the examples; every report, written with no SSE header, is encrypted under the bucket key',
    async () => {
      const env = e2e.env;
      for (const domain of EXAMPLES) {
        const { execution, report } = await e2e.provision(`specs/${domain}.yaml`, exampleText(domain));
        expect({ domain, status: execution.status, report: report?.status }).toEqual({
          domain,
          status: 'SUCCEEDED',
          report: 'PROVISIONED',
        });
        const head = await env.clients.s3.send(
          new HeadObjectCommand({ Bucket: env.resources.specBucket, Key: `reports/${domain}.json` }),
        );
        expect({ sse: head.ServerSideEncryption, key: head.SSEKMSKeyId }).toEqual({
          sse: 'aws:kms',
          key: env.resources.kmsKeyArn,
        });
      }
    },
    E2E_TEST_TIMEOUT_MS * 2,
  );

  it('refuses a spec upload that names AES256 or another KMS key, even from the administrator', async () => {
    const env = e2e.env;
    const put = (extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]>) =>
      env.clients.s3.send(
        new PutObjectCommand({ Bucket: env.resources.specBucket, Key: 'specs/shop.order.yaml', Body: 'x', ...extra }),
      );
    expect(await s3Error(put({ ServerSideEncryption: 'AES256' }))).toBe('AccessDenied');
    expect(
      await s3Error(
        put({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:us-east-1:000000000000:key/other' }),
      ),
    ).toBe('AccessDenied');
  });

  it(
    'a team role may write, overwrite and delete its own spec only',
    async () => {
      const env = e2e.env;
      const policy = env.stack.get('TeamSpecUploadPolicy').properties.PolicyDocument;
      const roleArn = `arn:aws:iam::${env.aws.accountId}:role/team-shop-orders`;
      env.iam.putRole(roleArn, { policies: [policy], tags: { 'msk-spec-domain': 'shop.orders' } });
      const team = env.clientsAs(roleArn).s3;
      const Bucket = env.resources.specBucket;
      const own = 'specs/shop.orders.yaml';
      const other = 'specs/shop.order.yaml';

      // Overwriting its own spec starts a run like any upload; wait for it so nothing is left running.
      const since = new Date();
      expect(
        await s3Error(team.send(new PutObjectCommand({ Bucket, Key: own, Body: exampleText('shop.orders') }))),
      ).toBe('allowed');
      const [rerun] = await followExecutions(env, env.resources.stateMachines.provision!, 1, undefined, {
        since,
        timeoutMs: 150_000,
      });
      expect(rerun!.status).toBe('SUCCEEDED');

      expect(await s3Error(team.send(new PutObjectCommand({ Bucket, Key: other, Body: 'id: urn:shop.order' })))).toBe(
        'AccessDenied',
      );
      expect(await s3Error(team.send(new DeleteObjectCommand({ Bucket, Key: other })))).toBe('AccessDenied');
      expect(
        await s3Error(team.send(new PutObjectCommand({ Bucket, Key: 'reports/shop.order.json', Body: '{}' }))),
      ).toBe('AccessDenied');
      // Its own: deleting it is allowed (and put back at once, as the next tests need it). The
      // delete starts a decommission run; put back within its grace period (a real 3 s wait
      // here), the spec is RESTORED and nothing is revoked.
      env.sfn.setTimeOverrides({ waitMs: 3_000 });
      try {
        const since2 = new Date();
        expect(await s3Error(team.send(new DeleteObjectCommand({ Bucket, Key: own })))).toBe('allowed');
        expect(
          await s3Error(team.send(new PutObjectCommand({ Bucket, Key: own, Body: exampleText('shop.orders') }))),
        ).toBe('allowed');
        await followExecutions(env, env.resources.stateMachines.provision!, 1, undefined, {
          since: since2,
          timeoutMs: 150_000,
        });
        const [restored] = await followExecutions(env, env.resources.stateMachines.decommission!, 1, undefined, {
          since: since2,
          timeoutMs: 150_000,
        });
        expect(restored!.status).toBe('SUCCEEDED');
        expect((await readReport(env.clients.s3, Bucket, 'shop.orders'))?.status).toBe('RESTORED');
      } finally {
        env.sfn.setTimeOverrides({ waitMs: 0 });
      }
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'a spec deleted before ValidateSpec reads it is the spec-missing refusal, not AccessDenied',
    async () => {
      const env = e2e.env;
      const done = await run('provision', {
        detail: { bucket: { name: env.resources.specBucket }, object: { key: 'specs/shop.gone.yaml' } },
      });
      expect(done.status).toBe('FAILED');
      const report = await readReport(env.clients.s3, env.resources.specBucket, 'shop.gone');
      expect(report?.status).toBe('FAILED');
      expect(JSON.stringify(report)).toContain('spec-missing');
      expect(JSON.stringify(report)).not.toContain('AccessDenied');
    },
    E2E_TEST_TIMEOUT_MS,
  );

  it(
    'restores a secret scheduled for deletion, renews every certificate and re-applies every spec, as the roles allow',
    async () => {
      const env = e2e.env;
      await env.clients.secrets.send(
        new DeleteSecretCommand({ SecretId: 'AmazonMSK_shop.catalog', RecoveryWindowInDays: 7 }),
      );
      const { report } = await e2e.provision('specs/shop.catalog.yaml', exampleText('shop.catalog'));
      expect(report?.status).toBe('PROVISIONED');

      // The daily schedule fires (as its rule's role): nothing is due yet.
      const rules = await env.clients.events.send(new ListRulesCommand({}));
      const schedule = (rules.Rules ?? []).find((r) => r.ScheduleExpression)!;
      const sinceSchedule = new Date();
      await env.aws.events.triggerSchedule(schedule.Name!);
      const [scheduled] = await followExecutions(env, env.resources.stateMachines.rotateCertificates!, 1, undefined, {
        since: sinceSchedule,
        timeoutMs: 120_000,
      });
      expect(scheduled!.status).toBe('SUCCEEDED');

      // A rotation run whose clock is 29 days ahead: every 30-day certificate is due. PCA refuses
      // the first issuance, so one renewal fails and its "Certificate Renewal Failed" event goes out.
      const faultId = env.aws.faults.add({
        service: 'acm-pca',
        operation: 'IssueCertificate',
        error: { code: 'InvalidStateException', message: 'injected' },
        times: 1,
      });
      try {
        const rotation = await run('rotateCertificates', {
          time: new Date(Date.now() + 29 * 86_400_000).toISOString(),
        });
        expect(rotation.status).toBe('SUCCEEDED');
      } finally {
        env.aws.faults.remove(faultId);
      }

      const since = new Date();
      await env.clients.events.send(
        new PutEventsCommand({
          Entries: [{ Source: 'msk-spec-provisioner', DetailType: 'Reprovision Requested', Detail: '{}' }],
        }),
      );
      const [reprovision] = await followExecutions(env, env.resources.stateMachines.reprovision!, 1, undefined, {
        since,
        timeoutMs: 170_000,
      });
      expect(reprovision!.status).toBe('SUCCEEDED');
    },
    E2E_TEST_TIMEOUT_MS * 2,
  );

  it(
    'decommissions a removed spec as the roles allow: SCRAM disassociated and scheduled for deletion, certificates revoked, ACLs sealed',
    async () => {
      const env = e2e.env;
      const since = new Date();
      await env.clients.s3.send(
        new DeleteObjectCommand({ Bucket: env.resources.specBucket, Key: 'specs/shop.payments.yaml' }),
      );
      const [run] = await followExecutions(env, env.resources.stateMachines.decommission!, 1, undefined, {
        since,
        timeoutMs: 150_000,
      });
      expect(run!.status).toBe('SUCCEEDED');
      const report = await readReport(env.clients.s3, env.resources.specBucket, 'shop.payments');
      expect(report).toMatchObject({
        status: 'DECOMMISSIONED',
        revoked: {
          scram: { association: 'DISASSOCIATED', secret: 'DELETION_SCHEDULED' },
          // Renewed by the rotation run above: the old certificate and the new one are both unexpired.
          certificates: { newlyRevoked: 2 },
          acls: { sealCreated: true },
        },
      });
    },
    E2E_TEST_TIMEOUT_MS,
  );

  // Permissions that no request in this run can show, each with the reason it stays. Keyed
  // `<role logical id> <action>`. The test fails on a permission that is neither used nor listed,
  // and on a listed one that was used (the list must not go stale).
  const UNEXERCISED: Readonly<Record<string, string>> = {
    'AssociateScramSecretsRole kms:DescribeKey':
      "MSK reads the secret through a KMS grant it creates with the caller's permissions; the emulated MSK checks kms:CreateGrant only, and which other KMS calls MSK makes as the caller is not documented",
    'AssociateScramSecretsRole secretsmanager:DeleteSecret':
      'only a run that lost the race for the cluster\'s last SCRAM slot deletes its secret; test/e2e/faults/msk.test.ts ("two runs racing for the last slot") runs it with IAM enforced',
    'ReprovisionStateMachineRole states:StopExecution':
      'the .sync integration stops a child when its parent is stopped (Step Functions guide, "Run a job (.sync)"), and a failed Map Run stops its running children ("IAM policies for using Distributed Map states"); no reprovision run here is stopped or fails',
    // ProvisionEach's ResultWriter: "IAM policies for using Distributed Map states" lists these for exporting
    // results, which Step Functions may upload in parts; the emulated ResultWriter writes each file in one PutObject.
    'ReprovisionStateMachineRole s3:GetObject':
      'ResultWriter (multipart export of large result files); one PutObject per file here',
    'ReprovisionStateMachineRole s3:ListMultipartUploadParts':
      'ResultWriter (multipart export of large result files); one PutObject per file here',
    'ReprovisionStateMachineRole s3:AbortMultipartUpload':
      'ResultWriter (multipart export of large result files); one PutObject per file here',
    'AdmitSpecsRole sqs:ChangeMessageVisibility':
      'AdmitSpecs defers an upload only while MaxConcurrentProvisions executions run; this file uploads one at a time (test/e2e/admission.test.ts requires the deferrals)',
    'RotateCertificatesStateMachineRole states:StopExecution':
      'a failed Map Run stops its running children ("IAM policies for using Distributed Map states"); RenewEach tolerates every child failure (ToleratedFailurePercentage 100), so only a stopped rotation run would stop them, and none is stopped here',
    'RotateCertificatesStateMachineRole s3:ListMultipartUploadParts':
      'ResultWriter (multipart export of large result files); one PutObject per file here',
    'RotateCertificatesStateMachineRole s3:AbortMultipartUpload':
      'ResultWriter (multipart export of large result files); one PutObject per file here',
    'ReprovisionStateMachineRole kms:Decrypt':
      'S3 needs kms:Decrypt for a multipart upload under SSE-KMS (S3 User Guide, "Using SSE-KMS"); one PutObject per file here',
  };
  const SERVICE_SIDE: Readonly<Record<string, string>> = {
    'logs:CreateLogStream': 'used by the Lambda service to write the function log; logs are not emulated',
    'logs:PutLogEvents': 'used by the Lambda service to write the function log; logs are not emulated',
    'xray:PutTraceSegments': 'Active tracing: the X-Ray daemon sends segments; X-Ray is not emulated',
    'xray:PutTelemetryRecords': 'Active tracing: the X-Ray daemon sends telemetry; X-Ray is not emulated',
    'xray:GetSamplingRules': 'Step Functions tracing (service side); X-Ray is not emulated',
    'xray:GetSamplingTargets': 'Step Functions tracing (service side); X-Ray is not emulated',
    // AWSLambdaVPCAccessExecutionRole's actions: the Lambda service uses the execution role to
    // manage the function's network interfaces in its subnets (Lambda guide, "Giving Lambda
    // functions access to resources in an Amazon VPC"); the local sandboxes need no VPC.
    'ec2:CreateNetworkInterface': 'used by the Lambda service for the VPC function; no VPC locally',
    'ec2:DescribeNetworkInterfaces': 'used by the Lambda service for the VPC function; no VPC locally',
    'ec2:DescribeSubnets': 'used by the Lambda service for the VPC function; no VPC locally',
    'ec2:DeleteNetworkInterface': 'used by the Lambda service for the VPC function; no VPC locally',
    'ec2:AssignPrivateIpAddresses': 'used by the Lambda service for the VPC function; no VPC locally',
    'ec2:UnassignPrivateIpAddresses': 'used by the Lambda service for the VPC function; no VPC locally',
  };

  it('least privilege, measured: every permission each role holds was used, or is listed with its reason', () => {
    const env = e2e.env;
    const used = new Map<string, { action: string; resource: string }[]>();
    for (const r of env.iam.record) {
      const list = used.get(r.principalArn) ?? [];
      list.push({ action: r.action.toLowerCase(), resource: r.resource });
      used.set(r.principalArn, list);
    }
    const glob = (pattern: string) =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      );
    const unused: string[] = [];
    const stale: string[] = [];
    const table: Record<string, { granted: number; used: number }> = {};
    for (const role of env.stack.resources.filter((r) => r.type === 'AWS::IAM::Role')) {
      const requests = used.get(role.attributes.Arn!) ?? [];
      const row = (table[role.logicalId] = { granted: 0, used: 0 });
      for (const doc of rolePolicies(role, env.stack)) {
        for (const st of [doc.Statement].flat() as {
          Effect: string;
          Action: string | string[];
          Resource: string | string[];
        }[]) {
          if (st.Effect !== 'Allow') continue;
          const resources = [st.Resource].flat().map(glob);
          for (const action of [st.Action].flat()) {
            if (SERVICE_SIDE[action]) continue;
            row.granted++;
            const key = `${role.logicalId} ${action}`;
            const hit = requests.some(
              (q) => glob(action.toLowerCase()).test(q.action) && resources.some((re) => re.test(q.resource)),
            );
            if (hit) row.used++;
            if (hit && UNEXERCISED[key]) stale.push(key);
            if (!hit && !UNEXERCISED[key]) unused.push(key);
          }
        }
      }
    }
    // The table is the figure the closing note reports: granted versus used per role.
    console.log(JSON.stringify({ leastPrivilege: table }));
    expect({ unused, stale }).toEqual({ unused: [], stale: [] });
  });
});
