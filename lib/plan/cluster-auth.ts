// Which of the configured client authentication modes the cluster can serve, decided before any
// credential is made: a configured mode the cluster lacks is a clear error naming the cluster, the
// mode and what the cluster offers (issue 12, "MSK Serverless and IAM-only clusters").
//
// What a cluster offers comes from DescribeClusterV2 (MSK API Reference 2.0, "Cluster":
// `ClusterType` PROVISIONED or SERVERLESS; a provisioned cluster's `Provisioned.ClientAuthentication`
// has `Sasl.Scram`, `Sasl.Iam` and `Tls`, a serverless one's `Serverless.ClientAuthentication` has
// `Sasl.Iam` only; https://docs.aws.amazon.com/MSK/2.0/APIReference/v2-clusters-clusterarn.html).
// Reading the response is lib/aws/msk.ts's job (describeClusterAuth); this is the pure decision.
import type { AuthMode } from '../config.js';
import { ConfigurationError } from '../errors.js';

export type ClusterType = 'PROVISIONED' | 'SERVERLESS';

export interface ClusterAuth {
  readonly type: ClusterType;
  readonly scram: boolean;
  readonly iam: boolean;
  readonly tls: boolean;
  readonly certificateAuthorityArns: readonly string[];
}

/** A client authentication mode of a spec's domain: `IAM` joins the ACL modes (issue 12). */
export type ClientAuthMode = AuthMode | 'IAM';

/** What each mode needs the cluster to have on, and how the MSK console and API name it. */
const NEEDS: Readonly<Record<ClientAuthMode, { readonly on: (a: ClusterAuth) => boolean; readonly name: string }>> = {
  SCRAM: { on: (a) => a.scram, name: 'SASL/SCRAM' },
  MTLS: { on: (a) => a.tls, name: 'TLS client authentication' },
  IAM: { on: (a) => a.iam, name: 'SASL/IAM' },
};

/** The client authentication the cluster has on, in MSK's words. */
export function clusterOffers(auth: ClusterAuth): string[] {
  return (Object.keys(NEEDS) as ClientAuthMode[]).filter((m) => NEEDS[m].on(auth)).map((m) => NEEDS[m].name);
}

/**
 * The modes to run, in the configured order, when the cluster offers every one of them; otherwise
 * a ConfigurationError (a deployment whose AuthModes contradict its cluster; nothing is created).
 */
export function modesToRun<M extends ClientAuthMode>(
  clusterArn: string,
  auth: ClusterAuth,
  configured: readonly M[],
): readonly M[] {
  const lacking = configured.filter((m) => !NEEDS[m].on(auth));
  if (lacking.length === 0) return configured;
  const offers = clusterOffers(auth);
  const kind = auth.type === 'SERVERLESS' ? 'MSK Serverless cluster' : 'cluster';
  throw new ConfigurationError(
    `${kind} ${clusterArn} does not offer ${lacking.map((m) => `${m} (${NEEDS[m].name})`).join(', ')}, ` +
      `which AuthModes ${configured.join(',')} configures; it offers ${offers.length > 0 ? offers.join(', ') : 'none of SASL/SCRAM, SASL/IAM or TLS client authentication'}. ` +
      (auth.type === 'SERVERLESS'
        ? 'MSK Serverless authenticates clients with IAM only: deploy with AuthModes=IAM'
        : 'Enable it on the cluster (UpdateSecurity) or remove it from AuthModes'),
  );
}
