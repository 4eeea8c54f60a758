// The name of a domain's SCRAM secret, `AmazonMSK_<prefix><D>` (docs/architecture.md#scram): MSK
// accepts only secrets whose names start with `AmazonMSK_`; `<prefix>` is the pipeline's
// SECRET_PREFIX (the CLI's --secret-prefix), empty by default. The pipeline, the CLI and the
// embedded default all build it here, so they cannot disagree on where a domain's secret lives.

export const MSK_SECRET_NAME_START = 'AmazonMSK_';

/** `AmazonMSK_<prefix>`: the start of every secret name of this pipeline. */
export function secretNamePrefixOf(prefix = ''): string {
  return `${MSK_SECRET_NAME_START}${prefix}`;
}

/** `<namePrefix><D>`, where `namePrefix` is `secretNamePrefixOf(prefix)`. */
export function scramSecretName(namePrefix: string, domain: string): string {
  return `${namePrefix}${domain}`;
}
