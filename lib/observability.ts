// Powertools setup shared by every handler: structured logger with correlation ids, CloudWatch
// EMF metrics, X-Ray tracer, wired through middy. Handlers never log events, payloads with key
// material, or SDK responses; they log ARNs, keys, serials and counts.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

export const SERVICE = process.env.POWERTOOLS_SERVICE_NAME ?? 'msk-spec-provisioner';
export const NAMESPACE = process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'MskSpecProvisioner';

export const logger = new Logger({ serviceName: SERVICE });
// One function per Lambda process: its name is a default dimension, set once, never per invocation.
const FUNCTION_NAME = process.env.AWS_LAMBDA_FUNCTION_NAME;
export const metrics = new Metrics({
  serviceName: SERVICE,
  namespace: NAMESPACE,
  // Its own diagnostics ("no application metrics to publish") as structured lines at our log level.
  logger,
  ...(FUNCTION_NAME ? { defaultDimensions: { function: FUNCTION_NAME } } : {}),
});
export const tracer = new Tracer({
  serviceName: SERVICE,
  enabled: process.env.POWERTOOLS_TRACE_ENABLED !== 'false' && !!process.env.AWS_LAMBDA_FUNCTION_NAME,
});

export { MetricUnit };

/**
 * Errors a state machine retries (Retry blocks in state-machines/*.asl.yaml) that are not our own
 * ProvisioningErrors: expected on the way to success, so they are logged as warnings, not errors.
 */
const RETRIED_SERVICE_ERRORS = new Set([
  'RequestInProgressException',
  'ThrottlingException',
  'TooManyRequestsException',
]);

function isExpectedRetry(err: (Error & { retryable?: unknown; $retryable?: unknown }) | undefined): boolean {
  return !!err && (err.retryable === true || err.$retryable !== undefined || RETRIED_SERVICE_ERRORS.has(err.name));
}

/**
 * kafkajs logs every error response at ERROR, including the ones it retries itself (e.g. metadata
 * for a topic that was created a moment ago). Forward its errors and warnings as warnings; a real
 * failure reaches the handler as a thrown error and is logged there.
 */
export const kafkaLogCreator =
  () =>
  ({
    namespace,
    level,
    log,
  }: {
    namespace: string;
    level: number;
    log: { message: string; [k: string]: unknown };
  }): void => {
    // kafkajs levels: ERROR 1, WARN 2, INFO 4, DEBUG 5.
    if (level > 2) return;
    const { message, ...rest } = log;
    logger.warn(`kafkajs ${namespace}: ${message}`, {
      kafkajs: { error: rest.error, broker: rest.broker, retry: rest.retryCount },
    });
  };

/** Every state passes `correlationId: $$.Execution.Id` (see state-machines/*.asl.yaml). */
export interface Correlated {
  readonly correlationId?: string;
}

export type Handler<I, O> = (event: I, context: Context) => Promise<O>;

/**
 * Wraps a handler core with the Powertools middlewares. The correlation id (the execution ARN)
 * and, when present, the domain are appended to every log line of the invocation.
 */
export function instrument<I extends object, O>(name: string, core: Handler<I, O>): middy.MiddyfiedHandler<I, O> {
  return middy<I, O>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
    .use({
      before: (request) => {
        const e = request.event as { correlationId?: unknown; domain?: unknown };
        if (typeof e.correlationId === 'string') logger.appendKeys({ correlation_id: e.correlationId });
        if (typeof e.domain === 'string') logger.appendKeys({ domain: e.domain });
      },
      onError: (request) => {
        const err = request.error as (Error & { retryable?: unknown; $retryable?: unknown }) | undefined;
        // Name and message only (no stack, no request): our errors keep secrets out of messages,
        // SDK errors carry none.
        const fields = { error: { name: err?.name, message: err?.message?.slice(0, 2000) } };
        if (isExpectedRetry(err)) logger.warn(`${name} failed; the state machine retries this`, fields);
        else logger.error(`${name} failed`, fields);
        metrics.addMetric('Failures', MetricUnit.Count, 1);
      },
    })
    .handler(core);
}
