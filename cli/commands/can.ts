// `msk-spec can <files...> --principal P --operation O (--topic T | --group G | --transactional-id X | --cluster)`:
// one decision of the authorizer model over the bindings the specs produce, and the bindings that
// made it. Exit 0 allowed, 3 denied.
import type { CliCommand } from '../command.js';
import { EXIT } from '../io.js';
import { allowEveryoneOption, configFromOptions, UsageError, withCommonOptions } from '../options.js';
import { formatBinding, formatIssue, loadSpecs, refusals } from '../specs.js';
import { clusterArnOption, maxPoliciesOption, namesIam } from '../iam-options.js';
import { Authorizer } from '../../lib/access/authorizer.js';
import { desiredBindings } from '../../lib/access/bindings.js';
import {
  CLUSTER_RESOURCE_NAME,
  OPERATIONS,
  type AccessRequest,
  type Operation,
  type ResourceType,
} from '../../lib/access/types.js';

const RESOURCE_OPTIONS: ReadonlyArray<{ key: string; type: ResourceType }> = [
  { key: 'topic', type: 'TOPIC' },
  { key: 'group', type: 'GROUP' },
  { key: 'transactionalId', type: 'TRANSACTIONAL_ID' },
  { key: 'cluster', type: 'CLUSTER' },
];

/** The request the options describe; throws UsageError unless exactly one resource is named. */
export function requestFromOptions(opts: Record<string, unknown>): AccessRequest {
  const principal = String(opts['principal'] ?? '');
  if (!/^User:./.test(principal))
    throw new UsageError(
      `--principal expects a Kafka principal such as User:shop.order or User:CN=shop.order, got ${JSON.stringify(principal)}`,
    );
  const operation = String(opts['operation'] ?? '')
    .toUpperCase()
    .replaceAll('-', '_');
  if (!(OPERATIONS as readonly string[]).includes(operation))
    throw new UsageError(
      `--operation expects one of ${OPERATIONS.join(', ')}, got ${JSON.stringify(opts['operation'])}`,
    );
  const given = RESOURCE_OPTIONS.filter((r) => opts[r.key] !== undefined && opts[r.key] !== false);
  if (given.length !== 1)
    throw new UsageError('name exactly one resource: --topic T, --group G, --transactional-id X or --cluster');
  const resource = given[0]!;
  const resourceName = resource.type === 'CLUSTER' ? CLUSTER_RESOURCE_NAME : String(opts[resource.key]);
  return {
    principal,
    operation: operation as Operation,
    resourceType: resource.type,
    resourceName,
    ...(typeof opts['host'] === 'string' ? { host: opts['host'] } : {}),
  };
}

export const canCommand: CliCommand = {
  name: 'can',
  define: (program) =>
    withCommonOptions(
      program
        .command('can')
        .description(
          'may a principal do an operation on a resource, given the ACLs these specs produce? (Kafka authorizer rules)',
        )
        .argument('<files...>', 'spec files or directories')
        .requiredOption('--principal <principal>', 'e.g. User:shop.order (SCRAM) or User:CN=shop.order (mTLS)')
        .requiredOption('--operation <operation>', `one of ${OPERATIONS.join(', ')}`)
        .option('--topic <topic>', 'a topic')
        .option('--group <group>', 'a consumer group')
        .option('--transactional-id <id>', 'a transactional id')
        .option('--cluster', 'the cluster (kafka-cluster)')
        .option('--host <host>', 'the client host (default: any)')
        .addOption(allowEveryoneOption())
        .addOption(clusterArnOption())
        .addOption(maxPoliciesOption()),
    ),
  async run([files], opts, ctx) {
    if (namesIam(opts)) {
      // An IAM client is a domain's role: `--principal D`, `User:D` or `User:CN=D`.
      const principal = String(opts['principal'] ?? '');
      const request = requestFromOptions({
        ...opts,
        principal: principal.startsWith('User:') ? principal : `User:${principal}`,
      });
      return (await import('../iam-auth.js')).canIam(files as string[], opts, ctx, request);
    }
    const config = configFromOptions(opts);
    const request = requestFromOptions(opts);
    const loaded = await loadSpecs(files as string[], config, ctx.fs);
    const issues = refusals(loaded, config);
    if (issues.length > 0) {
      if (opts['json']) ctx.json({ ok: false, issues });
      else for (const i of issues) ctx.err(formatIssue(i));
      return EXIT.INVALID;
    }
    const authorizer = new Authorizer(desiredBindings(loaded.specs, config), {
      allowEveryoneIfNoAclFound: opts['allowEveryoneIfNoAclFound'] === true,
    });
    const decision = authorizer.authorize(request);
    if (opts['json']) {
      ctx.json({ allowed: decision.allowed, decidedBy: decision.decidedBy, reason: decision.reason, request });
    } else {
      const what = `${request.principal} ${request.operation} on ${request.resourceType} ${request.resourceName}`;
      ctx.out(`${decision.allowed ? 'ALLOWED' : 'DENIED'}: ${what}`);
      const why: Record<string, string> = {
        'deny-acl': 'denied by',
        'allow-acl': 'allowed by',
        'no-matching-allow': 'no ALLOW binding matches (Kafka denies by default)',
        'no-acls-allow-everyone': 'the resource has no ACLs and allow.everyone.if.no.acl.found is set',
      };
      ctx.out(`  ${why[decision.reason] ?? decision.reason}`);
      for (const b of decision.decidedBy) ctx.out(`    ${formatBinding(b)}`);
    }
    return decision.allowed ? EXIT.OK : EXIT.DENIED;
  },
};
