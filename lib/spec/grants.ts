// Tags → grants: `grant-access:<domain>` grants a domain read access to a protected channel,
// `grant-access:_public` makes the channel public.
import { isObject, type JsonObject } from './load.js';
import { kindOf, quote } from './path.js';
import { domainIdProblem } from './names.js';
import { deref, type Collector, type Source } from './reader.js';

const GRANT_PREFIX = 'grant-access:';
const PUBLIC_GRANT = '_public';

export function readGrants(
  root: JsonObject,
  sources: Source[],
  domain: string | undefined,
  c: Collector,
): { grants: string[]; makesPublic: boolean } {
  const grants: string[] = [];
  let makesPublic = false;
  for (const source of sources) {
    const tags = deref(root, source.value, source.path, c);
    if (tags === undefined || tags === null) continue;
    if (!Array.isArray(tags)) {
      c.error(source.path, 'tags', `expected \`tags\` to be a list of {name: ...} objects, got ${kindOf(tags)}`);
      continue;
    }
    tags.forEach((rawTag, i) => {
      const tPath = [...source.path, i];
      const tag = deref(root, rawTag, tPath, c);
      const name = isObject(tag) ? tag['name'] : tag;
      if (typeof name !== 'string') {
        if (!isObject(tag) || tag['name'] !== undefined)
          c.error(
            isObject(tag) ? [...tPath, 'name'] : tPath,
            'tags',
            `expected a tag {name: <string>}, got ${kindOf(name)}`,
          );
        return;
      }
      if (!name.startsWith(GRANT_PREFIX)) return;
      const grantee = name.slice(GRANT_PREFIX.length);
      const gPath = isObject(tag) ? [...tPath, 'name'] : tPath;
      if (grantee === PUBLIC_GRANT) {
        makesPublic = true;
        return;
      }
      const problem = domainIdProblem(grantee);
      if (problem) {
        c.error(
          gPath,
          'grant-access',
          `the tag ${quote(name)} grants access to ${quote(grantee)}, which is not a domain id: ${problem}; expected grant-access:<domain> or grant-access:_public`,
        );
        return;
      }
      if (grantee === domain) {
        c.warn(
          gPath,
          'grant-access',
          `the tag ${quote(name)} grants the domain access to its own topic; it is ignored`,
        );
        return;
      }
      if (!grants.includes(grantee)) grants.push(grantee);
    });
  }
  return { grants, makesPublic };
}
