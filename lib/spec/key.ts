// The S3 key binds the owner (docs/architecture.md#the-s3-key-binds-the-owner):
// `specs/<domain>.yaml|yml|json` may only carry that domain's spec, so a bucket policy giving each
// team its own key is enough to stop one team from provisioning another's topics.
import type { ProvisionConfig } from '../config.js';
import type { DomainSpec, SpecIssue } from './model.js';
import { isValidDomainId } from './names.js';
import { parseSpec, type ParseResult } from './parse.js';

const KEY_PATTERN = /^specs\/([^/]+)\.(?:yaml|yml|json)$/;

/** The domain a key is reserved for, or undefined when the key is not `specs/<valid-domain>.(yaml|yml|json)`. */
export function domainFromKey(key: string): string | undefined {
  const m = KEY_PATTERN.exec(key);
  const domain = m?.[1];
  return domain !== undefined && isValidDomainId(domain) ? domain : undefined;
}

/** A refusal when the spec stored under `key` is not that key's domain. */
export function checkKeyBinding(key: string, spec: DomainSpec): SpecIssue | undefined {
  const domain = domainFromKey(key);
  if (domain === undefined) {
    return {
      file: key,
      path: '$',
      rule: 'key-binding',
      message: `the key ${JSON.stringify(key.slice(0, 300))} is not a spec key; expected specs/<domain>.yaml, .yml or .json with a valid domain id`,
    };
  }
  if (domain !== spec.domain) {
    return {
      file: key,
      path: '$.id',
      rule: 'key-binding',
      message: `the key is reserved for domain ${JSON.stringify(domain)} but the spec's id is urn:${spec.domain}; expected id: urn:${domain} (or store the spec as specs/${spec.domain}.yaml)`,
    };
  }
  return undefined;
}

/** The spec stored under `key`: parsed, and refused (`key-binding`) when it is not that key's domain. */
export function parseSpecAtKey(text: string, key: string, config: ProvisionConfig): ParseResult {
  const parsed = parseSpec(text, key, config);
  if (!parsed.ok) return parsed;
  const binding = checkKeyBinding(key, parsed.spec);
  return binding ? { ok: false, issues: [binding] } : parsed;
}
