// IAM mode through the whole pipeline (AuthModes SCRAM,MTLS,IAM on the embedded default; the
// emulated IAM behind the real @aws-sdk/client-iam): per-domain managed policies kept by the
// workflow, read back from IAM afterwards with the real client.
// - a grant in B to D shows up in D's policy, and taking it away takes it out;
// - IAM's 5-version limit: after 6 changes the policy holds 5 versions, the newest the default;
// - a rerun is a zero plan (no index write, no IAM write);
// - attachment follows x-msk-spec-iam-roles, detaching from a role no longer named;
// - decommissioning B deletes B's policies and takes B's public prefix out of D's;
// - the oracle: the policies IAM holds after the runs, evaluated with iam-simulate, decide every
//   domain's access to every topic, group and transactional id as the ACL model does;
// - least privilege, measured: ApplyIamPoliciesRole used every permission it holds.
import { runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import fc from 'fast-check';
import {
  CreateRoleCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
} from '@aws-sdk/client-iam';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Authorizer } from '../../lib/access/authorizer.js';
import { desiredBindings, scramPrincipal } from '../../lib/access/bindings.js';
import { CONNECT, mskAction, parseClusterArn, resourceArn } from '../../lib/access/iam.js';
import type { Operation, ResourceType } from '../../lib/access/types.js';
import { resolveConfig } from '../../lib/config.js';
import type { DomainSpec } from '../../lib/spec/model.js';
import { followExecutions } from '../../local/driver.js';
import { ADMIN_ARN } from '../../local/environment.js';
import { rolePolicies } from '../../local/cloudformation/deploy.js';
import {
  E2E_TEST_TIMEOUT_MS,
  mustParse,
  readReport,
  specText,
  useE2eEnvironment,
  type ChannelDef,
} from '../support/e2e.js';

const e2e = useE2eEnvironment({ authModes: ['SCRAM', 'MTLS', 'IAM'] });
const STAGE = 'local';
const config = resolveConfig({ authModes: ['SCRAM', 'MTLS', 'IAM'] });

const iamClient = (): IAMClient =>
  new IAMClient({
    region: e2e.env.aws.region,
    endpoint: e2e.env.aws.endpoint,
    credentials: e2e.env.iam.credentialsFor(ADMIN_ARN),
  });

const withRoles = (text: string, roles: readonly string[]) =>
  roles.length === 0 ? text : `${text}x-msk-spec-iam-roles: [${roles.map((r) => `'${r}'`).join(', ')}]\n`;
const specOf = (urn: string, channels: readonly ChannelDef[], roles: readonly string[] = []) =>
  withRoles(specText(urn, channels), roles);

/** What IAM holds for a role: each attached /msk-spec/ policy's default document. */
async function attachedDocuments(iam: IAMClient, role: string): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  const list = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role, PathPrefix: '/msk-spec/' }));
  for (const p of list.AttachedPolicies ?? []) out.set(p.PolicyName!, await defaultDocument(iam, p.PolicyArn!));
  return out;
}

async function defaultDocument(iam: IAMClient, arn: string): Promise<unknown> {
  const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
  const v = await iam.send(
    new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy.Policy!.DefaultVersionId! }),
  );
  return JSON.parse(decodeURIComponent(v.PolicyVersion!.Document!));
}

const policyArn = (domain: string, n = 1) =>
  `arn:aws:iam::${e2e.env.aws.accountId}:policy/msk-spec/msk-spec-${STAGE}-${domain}-${n}`;

async function policyExists(iam: IAMClient, arn: string): Promise<boolean> {
  try {
    await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
    return true;
  } catch (e) {
    if ((e as Error).name === 'NoSuchEntityException' || (e as Error).name === 'NoSuchEntity') return false;
    throw e;
  }
}

const ORACLE_CHECKS: ReadonlyArray<readonly [ResourceType, Operation]> = [
  ['TOPIC', 'READ'],
  ['TOPIC', 'WRITE'],
  ['TOPIC', 'DESCRIBE'],
  ['TOPIC', 'CREATE'],
  ['GROUP', 'READ'],
  ['TRANSACTIONAL_ID', 'WRITE'],
  ['CLUSTER', 'IDEMPOTENT_WRITE'],
];

/** Every domain × check × name: the ACL model on the specs in place vs iam-simulate on what IAM holds. */
function oracleMismatches(
  specs: readonly DomainSpec[],
  docsByDomain: ReadonlyMap<string, readonly unknown[]>,
  clusterArn: string,
): { mismatches: string[]; checks: number; allowed: number } {
  const cluster = parseClusterArn(clusterArn);
  const acl = new Authorizer(desiredBindings(specs, config), { allowEveryoneIfNoAclFound: false });
  const topics = [...specs.flatMap((s) => s.owned.map((t) => t.name)), ...specs.map((s) => `${s.domain}s._public.x`)];
  const names: Record<ResourceType, string[]> = {
    TOPIC: topics,
    GROUP: specs.flatMap((s) => [`${s.domain}.g`, `${s.domain}s.g`]),
    TRANSACTIONAL_ID: specs.flatMap((s) => [`${s.domain}.tx`, `${s.domain}s.tx`]),
    CLUSTER: ['kafka-cluster'],
  };
  const allows = (docs: readonly unknown[], action: string, resource: string) =>
    runUnsafeSimulation(
      {
        request: {
          principal: `arn:aws:iam::${cluster.account}:role/r`,
          action,
          resource: { resource, accountId: cluster.account },
          contextVariables: {},
        },
        identityPolicies: docs.map((policy, i) => ({ name: `p${i}`, policy })) as never,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    ) === 'Allowed';
  const mismatches: string[] = [];
  let checks = 0;
  let allowed = 0;
  for (const s of specs) {
    const docs = docsByDomain.get(s.domain) ?? [];
    for (const [type, op] of ORACLE_CHECKS) {
      for (const name of names[type]) {
        const a = acl.authorize({
          principal: scramPrincipal(s.domain),
          operation: op,
          resourceType: type,
          resourceName: name,
        }).allowed;
        const i =
          allows(docs, CONNECT, cluster.arn) && allows(docs, mskAction(type, op)!, resourceArn(cluster, type, name));
        checks++;
        if (a) allowed++;
        if (a !== i) mismatches.push(`${s.domain} ${op} ${type} ${name}: ACL ${a}, IAM ${i}`);
      }
    }
  }
  return { mismatches, checks, allowed };
}

describe('IAM mode: per-domain managed policies kept by the workflow', () => {
  const D = 'iam.consumer';
  const B = 'iam.producer';
  const C = 'iam.other';
  const dChannels: ChannelDef[] = [{ name: '_private.state' }, { name: '_public.status' }];
  const bGranting = (channel: string): ChannelDef[] => [
    { name: `_protected.${channel}`, grants: [D] },
    { name: '_public.news' },
  ];

  it(
    'a grant in B reaches D’s policy, its removal takes it out, and a rerun writes nothing',
    async () => {
      const env = e2e.env;
      const iam = iamClient();
      for (const r of ['role-consumer', 'role-extra', 'role-producer'])
        await iam.send(
          new CreateRoleCommand({
            RoleName: r,
            AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
          }),
        );

      const d = await e2e.provision(`specs/${D}.yaml`, specOf(`urn:${D}`, dChannels, ['role-consumer', 'role-extra']));
      expect(d.report?.status).toBe('PROVISIONED');
      const b = await e2e.provision(`specs/${B}.yaml`, specOf(`urn:${B}`, bGranting('orders'), ['role-producer']));
      expect(b.report?.status).toBe('PROVISIONED');
      expect(b.report).toMatchObject({ iam: { enabled: true, changed: true } });

      const granted = resourceArn(parseClusterArn(env.resources.clusterArn), 'TOPIC', `${B}._protected.orders`);
      const dDocs = await attachedDocuments(iam, 'role-consumer');
      expect([...dDocs.keys()]).toEqual([`msk-spec-${STAGE}-${D}-1`]);
      expect(JSON.stringify([...dDocs.values()])).toContain(granted);
      expect([...(await attachedDocuments(iam, 'role-extra')).keys()]).toEqual([`msk-spec-${STAGE}-${D}-1`]);

      // The grant goes: D's policy loses it (B's run updates D's policy).
      await e2e.provision(
        `specs/${B}.yaml`,
        specOf(`urn:${B}`, [{ name: '_public.news' }, { name: '_protected.orders' }], ['role-producer']),
      );
      expect(JSON.stringify([...(await attachedDocuments(iam, 'role-consumer')).values()])).not.toContain(granted);

      // D stops naming role-extra: detached from it, still on role-consumer.
      await e2e.provision(`specs/${D}.yaml`, specOf(`urn:${D}`, dChannels, ['role-consumer']));
      expect([...(await attachedDocuments(iam, 'role-extra')).keys()]).toEqual([]);
      expect([...(await attachedDocuments(iam, 'role-consumer')).keys()]).toEqual([`msk-spec-${STAGE}-${D}-1`]);

      // A rerun of the same spec: a zero plan.
      const again = await e2e.provision(`specs/${D}.yaml`, specOf(`urn:${D}`, dChannels, ['role-consumer']));
      expect(again.report).toMatchObject({
        iam: {
          changed: false,
          indexWrites: 0,
          policiesCreated: 0,
          policiesUpdated: 0,
          policiesDeleted: 0,
          attached: 0,
          detached: 0,
        },
      });
    },
    E2E_TEST_TIMEOUT_MS * 4,
  );

  it(
    'keeps at most 5 versions: after 6 more changes the newest is the default and the oldest are gone',
    async () => {
      const iam = iamClient();
      for (let i = 1; i <= 6; i++) {
        const { report } = await e2e.provision(
          `specs/${B}.yaml`,
          specOf(`urn:${B}`, bGranting(`rotating${i}`), ['role-producer']),
        );
        expect(report?.status).toBe('PROVISIONED');
      }
      const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn(D) }))).Versions ?? [];
      expect(versions).toHaveLength(5);
      const doc = await defaultDocument(iam, policyArn(D));
      expect(JSON.stringify(doc)).toContain(`${B}._protected.rotating6`);
      expect(JSON.stringify(doc)).not.toContain(`${B}._protected.rotating5`);
    },
    E2E_TEST_TIMEOUT_MS * 6,
  );

  it(
    'the policies IAM holds decide as the ACL model does (iam-simulate on what was read back)',
    async () => {
      const env = e2e.env;
      const iam = iamClient();
      const cChannels: ChannelDef[] = [{ name: '_protected.x', grants: [D, B] }, { name: 'internal' }];
      expect((await e2e.provision(`specs/${C}.yaml`, specOf(`urn:${C}`, cChannels))).report?.status).toBe(
        'PROVISIONED',
      );
      const specs = [
        mustParse(specOf(`urn:${D}`, dChannels)),
        mustParse(specOf(`urn:${B}`, bGranting('rotating6'))),
        mustParse(specOf(`urn:${C}`, cChannels)),
      ];
      // C names no role: its policy is read by name.
      const docs = new Map<string, unknown[]>([
        [D, [...(await attachedDocuments(iam, 'role-consumer')).values()]],
        [B, [...(await attachedDocuments(iam, 'role-producer')).values()]],
        [C, [await defaultDocument(iam, policyArn(C))]],
      ]);
      const r = oracleMismatches(specs, docs, env.resources.clusterArn);
      expect(r.mismatches).toEqual([]);
      expect(r.checks).toBeGreaterThan(100);
      expect(r.allowed).toBeGreaterThan(20);
      expect(r.checks - r.allowed).toBeGreaterThan(20);
    },
    E2E_TEST_TIMEOUT_MS * 2,
  );

  it(
    'decommissioning B deletes its policies and takes its grants and public prefix out of D’s',
    async () => {
      const env = e2e.env;
      const iam = iamClient();
      const since = new Date();
      await env.clients.s3.send(new DeleteObjectCommand({ Bucket: env.resources.specBucket, Key: `specs/${B}.yaml` }));
      const [run] = await followExecutions(env, env.resources.stateMachines.decommission!, 1, undefined, {
        since,
        timeoutMs: 150_000,
      });
      expect(run!.status).toBe('SUCCEEDED');
      expect(await readReport(env.clients.s3, env.resources.specBucket, B)).toMatchObject({
        status: 'DECOMMISSIONED',
        revoked: { iam: { policiesDeleted: 1 } },
      });
      expect(await policyExists(iam, policyArn(B))).toBe(false);
      expect([...(await attachedDocuments(iam, 'role-producer')).keys()]).toEqual([]);
      expect(JSON.stringify([...(await attachedDocuments(iam, 'role-consumer')).values()])).not.toContain(`${B}.`);
    },
    E2E_TEST_TIMEOUT_MS * 2,
  );

  it(
    'on generated spec sets run through the pipeline (updates that add and remove grants, a removal), the policies IAM holds decide as the ACLs',
    async () => {
      const env = e2e.env;
      const iam = iamClient();
      // Prefix-sharing ids, keywords in later segments of channels, grants to each other and to a
      // domain without a spec; one sample of fixed seed, so a failure reproduces.
      const ids = ['gen.shop.order', 'gen.shop.orders', 'gen.ab'];
      const arbChannels = fc.uniqueArray(
        fc.record({
          name: fc.constantFrom('_public.a', '_protected.b', '_protected.c', '_private.d', 'e._public.f', 'g'),
          grants: fc.subarray([...ids, 'gen.ghost'], { maxLength: 2 }),
        }),
        { minLength: 1, maxLength: 3, selector: (c) => c.name },
      );
      const [v1, v2] = fc.sample(
        fc.tuple(fc.tuple(...ids.map(() => arbChannels)), fc.tuple(...ids.map(() => arbChannels))),
        {
          numRuns: 1,
          seed: 12,
        },
      )[0]!;
      const channels = (cs: readonly { name: string; grants: string[] }[]): ChannelDef[] =>
        cs.map((c) => ({ name: c.name, ...(c.name.startsWith('_protected.') ? { grants: c.grants } : {}) }));
      const live = new Map<string, string>();
      const readBack = async () => {
        const docs = new Map<string, unknown[]>();
        for (const d of live.keys()) {
          const list: unknown[] = [];
          for (let n = 1; await policyExists(iam, policyArn(d, n)); n++)
            list.push(await defaultDocument(iam, policyArn(d, n)));
          docs.set(d, list);
        }
        return docs;
      };
      let checks = 0;
      const check = async () => {
        const specs = [...live.values()].map((t) => mustParse(t));
        const r = oracleMismatches(specs, await readBack(), env.resources.clusterArn);
        checks += r.checks;
        expect(r.mismatches).toEqual([]);
      };
      for (const version of [v1, v2]) {
        for (const [i, d] of ids.entries()) {
          const text = specOf(`urn:${d}`, channels(version[i]!));
          expect((await e2e.provision(`specs/${d}.yaml`, text)).report?.status).toBe('PROVISIONED');
          live.set(d, text);
        }
        await check();
      }
      const since = new Date();
      await env.clients.s3.send(
        new DeleteObjectCommand({ Bucket: env.resources.specBucket, Key: `specs/${ids[0]}.yaml` }),
      );
      const [run] = await followExecutions(env, env.resources.stateMachines.decommission!, 1, undefined, {
        since,
        timeoutMs: 150_000,
      });
      expect(run!.status).toBe('SUCCEEDED');
      live.delete(ids[0]!);
      expect(await policyExists(iam, policyArn(ids[0]!))).toBe(false);
      await check();
      expect(checks).toBeGreaterThan(200);
    },
    E2E_TEST_TIMEOUT_MS * 6,
  );

  it('least privilege, measured: ApplyIamPoliciesRole used every permission it holds', () => {
    const env = e2e.env;
    const role = env.stack.resources.find((r) => r.logicalId === 'ApplyIamPoliciesRole')!;
    const requests = env.iam.record
      .filter((r) => r.principalArn === role.attributes.Arn)
      .map((r) => ({ action: r.action.toLowerCase(), resource: r.resource }));
    const glob = (p: string) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      );
    const unused: string[] = [];
    for (const doc of rolePolicies(role, env.stack))
      for (const st of [doc.Statement].flat() as {
        Effect: string;
        Action: string | string[];
        Resource: string | string[];
      }[]) {
        const resources = [st.Resource].flat().map(glob);
        for (const action of [st.Action].flat()) {
          if (/^(logs|xray):/.test(action)) continue;
          if (
            !requests.some(
              (q) => glob(action.toLowerCase()).test(q.action) && resources.some((re) => re.test(q.resource)),
            )
          )
            unused.push(action);
        }
      }
    expect(unused).toEqual([]);
    // PlanAgainstCluster read the index for the limits check (a first run's missing entry is a 404).
    const plan = env.stack.resources.find((r) => r.logicalId === 'PlanAgainstClusterRole')!;
    const planned = env.iam.record
      .filter((r) => r.principalArn === plan.attributes.Arn)
      .map((r) => `${r.action} ${r.resource}`);
    expect(planned.some((r) => /^s3:GetObject .*\/iam\/index\//i.test(r))).toBe(true);
  });
});
