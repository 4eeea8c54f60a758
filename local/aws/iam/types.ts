// The contract between the emulated services and the IAM authority that authorizes their callers
// (local/aws/iam/authority.ts). Every emulated AWS request, over HTTP or in-process (a Step
// Functions integration, a Lambda invocation, an EventBridge target), is one or more
// AuthorizationRequests evaluated against the caller's identity policies and, where the service has
// one, the resource's policy (a bucket policy, a KMS key policy), with explicit deny winning
// (IAM User Guide, "Policy evaluation logic").

/** SDK-shaped credentials, as a Lambda's role session gets them in its environment. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** An IAM policy document as CloudFormation and the IAM API hold it. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Id?: string;
  readonly Statement: unknown;
}

/** Condition keys as the service sets them for one request (`aws:*`, `s3:*`, `kms:*`, ...). */
export type RequestContext = Readonly<Record<string, string | readonly string[]>>;

export interface AuthorizationRequest {
  /**
   * The caller: the ARN of an IAM user or role. A role session is given by its role ARN; the
   * authority reports it as `arn:aws:sts::<account>:assumed-role/<name>/<session>` in denials.
   */
  readonly principalArn: string;
  /** `<service prefix>:<Action>` as the Service Authorization Reference names it, e.g. `s3:PutObject`. */
  readonly action: string;
  /** The resource ARN the reference lists for the action, or `*` for actions with no resource type. */
  readonly resource: string;
  readonly context?: RequestContext;
  /** The resource-based policy the service evaluates beside identity policies, if any. */
  readonly resourcePolicy?: PolicyDocument;
}

export interface AuthorizationDecision {
  readonly allowed: boolean;
  /** `explicit-deny` | `implicit-deny` | `allowed`. */
  readonly reason: 'allowed' | 'explicit-deny' | 'implicit-deny';
  /** AWS's own denial text: "User: <arn> is not authorized to perform: <action> on resource: <arn> because ...". */
  readonly message: string;
}

/** What a service needs from the authority. Implemented by IamAuthority. */
export interface Authorizer {
  /** Whether requests are checked. Off is a debugging switch only. */
  readonly enforcing: boolean;
  /** The principal an access key id belongs to, or undefined for a key IAM never issued. */
  principalForAccessKey(accessKeyId: string): string | undefined;
  /** Evaluates without recording or throwing. */
  evaluate(request: AuthorizationRequest): AuthorizationDecision;
  /** Evaluates, records an allowed request, and returns the decision (callers turn a denial into the service's error). */
  authorize(request: AuthorizationRequest): AuthorizationDecision;
  /** Credentials for a principal (a role's session, a user's key): stable per principal. */
  credentialsFor(principalArn: string): Credentials;
}
