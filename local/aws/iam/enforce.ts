// What the emulated services share to enforce IAM: who signed a request, authorizing an
// operation's grants, and the KMS calls a service makes on the caller's behalf.
import { LOCAL_ACCOUNT_ID } from '../core.js';
import { globalContext, viaService } from './actions.js';
import type { RequiredGrant } from './actions.js';
import type { AuthorizationDecision, AuthorizationRequest, Authorizer, RequestContext } from './types.js';

/** An Authorizer that may also offer the validated async path (IamAuthority does). */
export type EnforcingAuthorizer = Authorizer & {
  authorizeAsync?(request: AuthorizationRequest): Promise<AuthorizationDecision>;
};

/**
 * The access key id a request is signed with: SigV4 `Authorization: AWS4-HMAC-SHA256
 * Credential=<akid>/<date>/<region>/<service>/aws4_request, ...` or, presigned, the
 * `X-Amz-Credential` query parameter (SigV4 reference, "Authentication methods").
 */
export function accessKeyOf(authorization: string | undefined, credentialParam?: string): string | undefined {
  const m = /Credential=([^/,\s]+)\//.exec(authorization ?? '');
  if (m) return m[1];
  if (credentialParam) return credentialParam.split('/')[0] || undefined;
  return undefined;
}

/** The account of an IAM principal ARN (`arn:aws:iam::<account>:...`). */
export function accountOf(principalArn: string): string {
  const a = principalArn.split(':')[4];
  return a && /^\d{12}$/.test(a) ? a : LOCAL_ACCOUNT_ID;
}

/**
 * One authorization on the path that is exact for it, at the lower cost: the validated async path
 * for wildcard-only actions (resource `*`: only there does runSimulation know more than the
 * synchronous path), the synchronous one otherwise (the same decisions for requests carrying only
 * the reference's condition keys, which local/aws/iam/actions.ts guarantees; held by a unit test).
 */
export async function authorizeOne(
  authorizer: EnforcingAuthorizer,
  request: AuthorizationRequest,
): Promise<AuthorizationDecision> {
  return request.resource === '*' && authorizer.authorizeAsync
    ? authorizer.authorizeAsync(request)
    : authorizer.authorize(request);
}

/** Authorizes every grant in order; returns the first denial, or undefined when all are allowed. */
export async function firstDenial(
  authorizer: EnforcingAuthorizer,
  principalArn: string,
  grants: readonly RequiredGrant[],
  resourcePolicy?: (grant: RequiredGrant) => AuthorizationRequest['resourcePolicy'],
): Promise<AuthorizationDecision | undefined> {
  for (const g of grants) {
    const policy = resourcePolicy?.(g);
    const request: AuthorizationRequest = {
      principalArn,
      action: g.action,
      resource: g.resource,
      context: g.context,
      ...(policy ? { resourcePolicy: policy } : {}),
    };
    const decision = await authorizeOne(authorizer, request);
    if (!decision.allowed) return decision;
  }
  return undefined;
}

/**
 * The request a service makes to KMS for its caller (a forward access session): the caller is the
 * principal, and KMS sees `kms:ViaService` = `<service>.<region>.amazonaws.com`,
 * `kms:CallerAccount`, `aws:ViaAWSService` true and `aws:CalledVia` (KMS Developer Guide,
 * "kms:ViaService"; IAM User Guide, "aws:CalledVia"), plus the encryption context the service uses.
 */
export function onBehalfKmsRequest(opts: {
  readonly principalArn: string;
  readonly action: 'kms:GenerateDataKey' | 'kms:Decrypt' | 'kms:CreateGrant';
  readonly keyArn: string;
  readonly service: 's3' | 'secretsmanager' | 'kafka';
  readonly region: string;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  readonly extra?: RequestContext;
}): AuthorizationRequest {
  const context: Record<string, string | readonly string[]> = {
    ...globalContext(opts.region),
    'kms:ViaService': viaService(opts.service, opts.region),
    'kms:CallerAccount': accountOf(opts.principalArn),
    'aws:ViaAWSService': 'true',
    'aws:CalledVia': [`${opts.service}.amazonaws.com`],
  };
  const ec = opts.encryptionContext ?? {};
  for (const [k, v] of Object.entries(ec)) context[`kms:EncryptionContext:${k}`] = v;
  if (Object.keys(ec).length > 0) context['kms:EncryptionContextKeys'] = Object.keys(ec);
  Object.assign(context, opts.extra ?? {});
  return { principalArn: opts.principalArn, action: opts.action, resource: opts.keyArn, context };
}

/** Authorizes one on-behalf KMS request. */
export async function authorizeOnBehalf(
  authorizer: EnforcingAuthorizer,
  request: AuthorizationRequest,
): Promise<AuthorizationDecision> {
  return authorizeOne(authorizer, request);
}
