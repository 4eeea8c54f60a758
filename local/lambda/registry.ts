// Every Lambda of the pipeline by its serverless.yml function key, for the local runner and the
// bench. Production never loads this file: each Lambda bundles only its own handler.ts.
//
// Local use: read a state machine with local/aws/asl.ts, map each Lambda task state to its function
// key (`lambdaTasks(def)`), and give aws-local-stepfunctions `taskResourceLocalHandlers[stateName] =
// localLambda(functionKey)`. `localLambda` behaves like the Lambda service behind a Task state:
// a thrown error reaches the state machine with `Error` = the error's name and `Cause` = the JSON
// `{"errorType","errorMessage"}` Lambda produces, which the provision workflow parses on refusal.
import type { Context } from 'aws-lambda';

export const FUNCTION_KEYS = [
  'admitSpecs',
  'validateSpec',
  'planAgainstCluster',
  'ensureScramSecret',
  'associateScramSecrets',
  'issueCertificate',
  'collectCertificate',
  'applyTopicsAndAcls',
  'applyIamPolicies',
  'findExpiringCertificates',
  'summarizeRenewals',
  'checkRemoval',
  'revokeScramSecret',
  'revokeCertificates',
  'revokeAcls',
  'findOrphans',
] as const;
export type FunctionKey = (typeof FUNCTION_KEYS)[number];

/** Function key → handler module path (relative to the repository root), as serverless.yml declares it. */
export const HANDLER_PATHS: Readonly<Record<FunctionKey, string>> = {
  admitSpecs: 'functions/admit-specs/handler.ts',
  validateSpec: 'functions/validate-spec/handler.ts',
  planAgainstCluster: 'functions/plan-against-cluster/handler.ts',
  ensureScramSecret: 'functions/ensure-scram-secret/handler.ts',
  associateScramSecrets: 'functions/associate-scram-secrets/handler.ts',
  issueCertificate: 'functions/issue-certificate/handler.ts',
  collectCertificate: 'functions/collect-certificate/handler.ts',
  applyTopicsAndAcls: 'functions/apply-topics-and-acls/handler.ts',
  applyIamPolicies: 'functions/apply-iam-policies/handler.ts',
  findExpiringCertificates: 'functions/find-expiring-certificates/handler.ts',
  summarizeRenewals: 'functions/summarize-renewals/handler.ts',
  checkRemoval: 'functions/check-removal/handler.ts',
  revokeScramSecret: 'functions/revoke-scram-secret/handler.ts',
  revokeCertificates: 'functions/revoke-certificates/handler.ts',
  revokeAcls: 'functions/revoke-acls/handler.ts',
  findOrphans: 'functions/find-orphans/handler.ts',
};

type AnyHandler = (event: unknown, context: Context) => Promise<unknown>;

const loaders: Readonly<Record<FunctionKey, () => Promise<{ handler: unknown }>>> = {
  admitSpecs: () => import('../../functions/admit-specs/handler.js'),
  validateSpec: () => import('../../functions/validate-spec/handler.js'),
  planAgainstCluster: () => import('../../functions/plan-against-cluster/handler.js'),
  ensureScramSecret: () => import('../../functions/ensure-scram-secret/handler.js'),
  associateScramSecrets: () => import('../../functions/associate-scram-secrets/handler.js'),
  issueCertificate: () => import('../../functions/issue-certificate/handler.js'),
  collectCertificate: () => import('../../functions/collect-certificate/handler.js'),
  applyTopicsAndAcls: () => import('../../functions/apply-topics-and-acls/handler.js'),
  applyIamPolicies: () => import('../../functions/apply-iam-policies/handler.js'),
  findExpiringCertificates: () => import('../../functions/find-expiring-certificates/handler.js'),
  summarizeRenewals: () => import('../../functions/summarize-renewals/handler.js'),
  checkRemoval: () => import('../../functions/check-removal/handler.js'),
  revokeScramSecret: () => import('../../functions/revoke-scram-secret/handler.js'),
  revokeCertificates: () => import('../../functions/revoke-certificates/handler.js'),
  revokeAcls: () => import('../../functions/revoke-acls/handler.js'),
  findOrphans: () => import('../../functions/find-orphans/handler.js'),
};

export function isFunctionKey(key: string): key is FunctionKey {
  return (FUNCTION_KEYS as readonly string[]).includes(key);
}

export async function loadHandler(key: FunctionKey): Promise<AnyHandler> {
  return (await loaders[key]()).handler as AnyHandler;
}

let invocation = 0;

export function fakeContext(functionName: string): Context {
  const id = `local-${process.pid}-${++invocation}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: id,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: id,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** An error as the Step Functions Lambda integration reports it: name = errorType, message = Lambda's Cause JSON. */
export class LambdaInvocationError extends Error {
  constructor(readonly original: Error) {
    super(JSON.stringify({ errorType: original.name, errorMessage: original.message }));
    this.name = original.name;
  }
}

/** A task handler for aws-local-stepfunctions that runs the real middy handler in-process. */
export function localLambda(key: FunctionKey): (input: unknown) => Promise<unknown> {
  return async (input) => {
    const handler = await loadHandler(key);
    try {
      // Structured clone: the handler must not see (or mutate) the runner's objects, as over the wire.
      return JSON.parse(JSON.stringify((await handler(JSON.parse(JSON.stringify(input)), fakeContext(key))) ?? null));
    } catch (e) {
      throw new LambdaInvocationError(e instanceof Error ? e : new Error(String(e)));
    }
  };
}
