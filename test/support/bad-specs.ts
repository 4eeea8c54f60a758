// The hostile specs in test/fixtures/bad-specs/, each with the refusal its header names. A fixture
// starts with `# ` header lines:
//
//   # expect: <rule> at <json path>   one line per refusal the spec must get, all of them, in order
//   # key: specs/<name>.<ext>          optional: the S3 key it is stored under (default below)
//   # after: steps/<file>              optional: a valid spec provisioned first (a two-step case:
//                                      the refusal needs a cluster state, e.g. a partition decrease)
//   # <why>                            free text
//
// `.yaml` and `.json` fixtures are the spec itself (a JSON fixture's header lines are cut off, JSON
// has no comments). `.recipe.json` fixtures describe a file too large to commit (10 MiB, 100,000
// channels); `generate()` builds it, the same bytes every time.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { domainFromKey } from '../../lib/spec/key.js';

export const BAD_SPECS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'bad-specs');

export interface Expected {
  readonly rule: string;
  readonly path: string;
}

export interface BadSpec {
  /** The fixture's file name in test/fixtures/bad-specs/. */
  readonly file: string;
  /** The S3 key the spec is stored under; `# key:`, else `specs/hostile.<file stem>.<ext>`. */
  readonly key: string;
  /** The domain the key reserves (the report is `reports/<domain>.json`), undefined for a key that names none. */
  readonly keyDomain: string | undefined;
  /** Every refusal, in the order the parser or planner reports them. */
  readonly expected: readonly Expected[];
  /** The first step of a two-step case: a valid spec, stored under the same key before this one. */
  readonly after?: { readonly file: string; readonly text: string };
  /** Whether the text is generated from a recipe (too large to commit). */
  readonly generated: boolean;
  /** The spec's text (generated on each call for recipes; kept small otherwise). */
  text(): string;
}

/** A recipe: `head`, then `repeat` (with `{i}` the decimal, `{i36}` the base-36 index) `count` times or until `untilBytes`, then `tail`. */
interface Recipe {
  readonly format: 'yaml' | 'json';
  readonly head: string;
  readonly repeat: string;
  readonly count?: number;
  readonly untilBytes?: number;
  readonly tail: string;
}

const HEADER = /^# (expect|key|after): (.+)$/;
const EXPECT = /^(\S+) at (\$.*)$/;

export function generate(recipe: Recipe): string {
  const parts = [recipe.head];
  const tailBytes = Buffer.byteLength(recipe.tail);
  let bytes = Buffer.byteLength(recipe.head);
  for (let i = 0; ; i++) {
    if (recipe.count !== undefined && i >= recipe.count) break;
    if (recipe.untilBytes !== undefined && bytes + tailBytes >= recipe.untilBytes) break;
    if (recipe.count === undefined && recipe.untilBytes === undefined)
      throw new Error('a recipe needs count or untilBytes');
    const piece = recipe.repeat.replaceAll('{i36}', `k${i.toString(36)}`).replaceAll('{i}', String(i));
    parts.push(piece);
    bytes += Buffer.byteLength(piece);
  }
  parts.push(recipe.tail);
  return parts.join('');
}

function header(file: string, text: string): { expected: Expected[]; key?: string; after?: string; body: string } {
  const lines = text.split('\n');
  const expected: Expected[] = [];
  let key: string | undefined;
  let after: string | undefined;
  let n = 0;
  for (; n < lines.length && lines[n]!.startsWith('#'); n++) {
    const m = HEADER.exec(lines[n]!);
    if (!m) continue;
    if (m[1] === 'expect') {
      const e = EXPECT.exec(m[2]!);
      if (!e) throw new Error(`${file}: line ${n + 1} is not "# expect: <rule> at <$path>"`);
      expected.push({ rule: e[1]!, path: e[2]! });
    } else if (m[1] === 'key') key = m[2]!;
    else after = m[2]!;
  }
  if (!lines[0]?.startsWith('# expect: '))
    throw new Error(`${file}: the first line must be "# expect: <rule> at <path>"`);
  return { expected, ...(key ? { key } : {}), ...(after ? { after } : {}), body: lines.slice(n).join('\n') };
}

export function badSpecs(): BadSpec[] {
  return readdirSync(BAD_SPECS_DIR, { withFileTypes: true })
    .filter((d) => d.isFile() && /\.(ya?ml|json)$/.test(d.name))
    .map((d) => d.name)
    .sort()
    .map((file): BadSpec => {
      const raw = readFileSync(join(BAD_SPECS_DIR, file), 'utf8');
      const h = header(file, raw);
      const recipe = file.endsWith('.recipe.json') ? (JSON.parse(h.body) as Recipe) : undefined;
      const stem = file.replace(/(\.recipe)?\.(ya?ml|json)$/, '');
      const ext = recipe ? recipe.format : /\.json$/.test(file) ? 'json' : 'yaml';
      const key = h.key ?? `specs/hostile.${stem}.${ext}`;
      // YAML fixtures keep their header (comments); JSON has none, so its spec starts after it.
      const text = recipe ? () => generate(recipe) : ext === 'json' ? () => h.body : () => raw;
      const after = h.after ? { file: h.after, text: readFileSync(join(BAD_SPECS_DIR, h.after), 'utf8') } : undefined;
      return {
        file,
        key,
        keyDomain: domainFromKey(key),
        expected: h.expected,
        ...(after ? { after } : {}),
        generated: recipe !== undefined,
        text,
      };
    });
}
