// ApplyTopicsAndAcls: re-reads the validated spec version, reads the live cluster state in the
// domain's scope, plans from it (never from a stored plan: each run re-plans, so a retry or a
// reprovision heals drift) and applies the plan through lib/kafka. A plan the core refuses (mass
// deletion, topic deletion) fails with PlanRefused unless the execution input says `force`.
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { principalsOf } from '../../lib/access/bindings.js';
import { kafkaClient, s3Client, secretsClient } from '../../lib/aws/clients.js';
import { readCurrent } from '../../lib/aws/cert-store.js';
import {
  certBucket,
  clusterArn,
  kafkaAdminSettings,
  provisionConfig,
  type KafkaAdminSettings,
} from '../../lib/aws/env-config.js';
import { bootstrapBrokers } from '../../lib/aws/msk.js';
import { getSpecObject } from '../../lib/aws/specs.js';
import type { ProvisionConfig } from '../../lib/config.js';
import {
  ConfigurationError,
  KafkaRefused,
  KafkaTransient,
  PlanRefused,
  ProvisioningError,
  SpecRefused,
} from '../../lib/errors.js';
import {
  Kafka,
  applyPlan,
  kafkaJsConfig,
  readClusterState,
  type Admin,
  type KafkaAuth,
} from '../../lib/kafka/index.js';
import { isEmptyPlan, plan as makePlan } from '../../lib/plan/plan.js';
import { parseSpec } from '../../lib/spec/parse.js';
import { instrument, kafkaLogCreator, logger, metrics, MetricUnit, type Correlated } from '../../lib/observability.js';
import { requireDomain, requireString } from '../_shared/input.js';

export interface ApplyInput extends Correlated {
  readonly domain: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string | null;
  readonly force?: boolean;
  /** `$$.Execution.StartTime`, for the provisioning duration metric. */
  readonly startedAt?: string;
}

export interface ApplyOutput {
  readonly domain: string;
  readonly changed: boolean;
  readonly topicsCreated: number;
  readonly partitionsIncreased: number;
  readonly configsAltered: number;
  readonly aclsCreated: number;
  readonly aclsDeleted: number;
  /** Topic names created by this run (at most 50 listed). */
  readonly createdTopics: readonly string[];
  /** Kafka requests this run sent after connecting: constant per spec, whatever its channel count. */
  readonly kafkaRequests: number;
}

export interface ApplyDeps {
  readonly s3?: S3Client;
  readonly kafka?: KafkaClient;
  readonly secrets?: SecretsManagerClient;
  readonly config?: ProvisionConfig;
  /** Tests and the local runner hand in a connected admin (or a factory); production builds one from env. */
  readonly admin?: () => Promise<{ admin: Admin; close: () => Promise<void> }>;
}

/** kafkajs errors → typed errors the state machine retries (transient) or catches (terminal). */
export function classifyKafkaError(err: unknown): Error {
  if (err instanceof ProvisioningError) return err;
  const e = err as {
    name?: string;
    message?: string;
    retriable?: boolean;
    type?: string;
    $fault?: string;
    $retryable?: unknown;
  };
  const what = `${e.name ?? 'Error'}${e.type ? ` ${e.type}` : ''}: ${e.message ?? String(err)}`;
  // AWS SDK errors on the way to Kafka (GetBootstrapBrokers, GetSecretValue, S3): throttling and
  // server faults can pass, anything else (ForbiddenException, NotFoundException) will not.
  if (e.$fault !== undefined) {
    const transient =
      e.$fault === 'server' ||
      e.$retryable !== undefined ||
      /Throttl|TooManyRequests|ServiceUnavailable|InternalServer/.test(e.name ?? '');
    return transient ? new KafkaTransient(what) : new KafkaRefused(what);
  }
  const transientNames = [
    'KafkaJSConnectionError',
    'KafkaJSRequestTimeoutError',
    'KafkaJSNumberOfRetriesExceeded',
    'KafkaJSBrokerNotFound',
    'KafkaJSConnectionClosedError',
    'KafkaJSLockTimeout',
    'KafkaJSNonRetriableError',
  ];
  if (/AUTHORIZATION_FAILED|SASL_AUTHENTICATION_FAILED|SECURITY_DISABLED|INVALID_/.test(e.type ?? ''))
    return new KafkaRefused(what);
  if (
    e.retriable === true ||
    transientNames.includes(e.name ?? '') ||
    /ECONNREFUSED|ETIMEDOUT|ECONNRESET|EAI_AGAIN/.test(e.message ?? '')
  )
    return new KafkaTransient(what);
  return new KafkaRefused(what);
}

async function adminAuth(s: KafkaAdminSettings, deps: ApplyDeps): Promise<KafkaAuth> {
  switch (s.auth) {
    case 'IAM':
      if (!s.region) throw new ConfigurationError('KAFKA_ADMIN_AUTH=IAM needs AWS_REGION');
      return { mechanism: 'iam', region: s.region };
    case 'SCRAM': {
      const out = await (deps.secrets ?? secretsClient()).send(
        new GetSecretValueCommand({ SecretId: s.adminSecretArn! }),
      );
      let body: { username?: unknown; password?: unknown };
      try {
        body = JSON.parse(out.SecretString ?? '{}') as typeof body;
      } catch {
        throw new ConfigurationError(`admin secret ${s.adminSecretArn} is not a JSON {username, password}`); // no value echoed
      }
      if (typeof body.username !== 'string' || typeof body.password !== 'string') {
        throw new ConfigurationError(`admin secret ${s.adminSecretArn} lacks username/password`);
      }
      return { mechanism: 'scram', username: body.username, password: body.password };
    }
    case 'MTLS': {
      const s3 = deps.s3 ?? s3Client();
      const bucket = certBucket();
      const current = await readCurrent(s3, bucket, s.adminCertDomain!);
      if (!current) throw new ConfigurationError(`no current certificate for admin domain ${s.adminCertDomain}`);
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      const text = async (key: string) =>
        (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString('utf8');
      return {
        mechanism: 'mtls',
        certPem: (await text(current.keys.cert)) + (await text(current.keys.chain)),
        keyPem: await text(current.keys.key),
      };
    }
  }
}

async function connectAdmin(deps: ApplyDeps): Promise<{ admin: Admin; close: () => Promise<void> }> {
  const s = kafkaAdminSettings();
  const brokers =
    s.brokers ??
    (await bootstrapBrokers(
      deps.kafka ?? kafkaClient(),
      s.clusterArn ?? clusterArn(),
      s.auth === 'MTLS' ? 'TLS' : s.auth,
    ));
  const kafka = new Kafka(
    kafkaJsConfig({
      brokers,
      auth: await adminAuth(s, deps),
      clientId: 'msk-spec-provisioner-admin',
      logCreator: kafkaLogCreator,
      ...(s.caPem ? { serverCaPems: [s.caPem] } : {}),
    }),
  );
  const admin = kafka.admin();
  await admin.connect();
  return { admin, close: () => admin.disconnect() };
}

export async function applyTopicsAndAcls(event: ApplyInput, deps: ApplyDeps = {}): Promise<ApplyOutput> {
  const domain = requireDomain(event.domain);
  const bucket = requireString(event as unknown as Record<string, unknown>, 'bucket');
  const key = requireString(event as unknown as Record<string, unknown>, 'key');
  const config = deps.config ?? provisionConfig();

  const object = await getSpecObject(
    deps.s3 ?? s3Client(),
    bucket,
    key,
    event.versionId ?? undefined,
    config.limits.maxSpecBytes,
  );
  const parsed = parseSpec(object.text, key, config);
  if (!parsed.ok || parsed.spec.domain !== domain) {
    // ValidateSpec accepted this version; only a different object could fail here.
    throw new SpecRefused({
      domain,
      bucket,
      key,
      versionId: event.versionId ?? null,
      reportKey: `reports/${domain}.json`,
      issues: parsed.ok ? [] : parsed.issues.slice(0, 50),
    });
  }

  let conn;
  try {
    conn = await (deps.admin ?? (() => connectAdmin(deps)))();
  } catch (e) {
    throw classifyKafkaError(e);
  }
  let kafkaRequests = 0;
  const stopCounting = conn.admin.on(conn.admin.events.REQUEST, () => void kafkaRequests++);
  try {
    const current = await readClusterState(conn.admin, {
      topicPrefixes: [`${domain}.`],
      principals: principalsOf(domain, config),
    });
    const p = makePlan([parsed.spec], current, config, { force: event.force === true });
    if (p.errors.length > 0) throw new PlanRefused(p.errors.map((x) => `${x.rule}: ${x.message}`).join('; '));
    if (isEmptyPlan(p)) {
      logger.info('no changes');
      recordOutcome(event, false);
      recordRequests(kafkaRequests);
      return {
        domain,
        changed: false,
        topicsCreated: 0,
        partitionsIncreased: 0,
        configsAltered: 0,
        aclsCreated: 0,
        aclsDeleted: 0,
        createdTopics: [],
        kafkaRequests,
      };
    }
    const r = await applyPlan(conn.admin, p);
    logger.info('applied', { ...r, kafkaRequests });
    recordOutcome(event, true);
    recordRequests(kafkaRequests);
    return {
      domain,
      changed: true,
      ...r,
      createdTopics: p.topicsToCreate.slice(0, 50).map((t) => t.name),
      kafkaRequests,
    };
  } catch (e) {
    throw classifyKafkaError(e);
  } finally {
    stopCounting();
    await conn.close().catch(() => undefined);
  }
}

function recordRequests(n: number): void {
  metrics.addMetric('KafkaAdminRequests', MetricUnit.Count, n);
}

function recordOutcome(event: ApplyInput, changed: boolean): void {
  metrics.addMetric('SpecsProvisioned', MetricUnit.Count, 1);
  if (changed) metrics.addMetric('SpecsChanged', MetricUnit.Count, 1);
  if (event.startedAt && !Number.isNaN(Date.parse(event.startedAt))) {
    metrics.addMetric(
      'ProvisioningDuration',
      MetricUnit.Milliseconds,
      Math.max(0, Date.now() - Date.parse(event.startedAt)),
    );
  }
}

export const handler = instrument('ApplyTopicsAndAcls', (event: ApplyInput) => applyTopicsAndAcls(event));
