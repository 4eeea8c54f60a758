// The specs in test/fixtures/bad-specs/, each with the refusal its first line names
// (`# expect: <rule> at <path>`): a setting the broker refuses, caught at validation.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'bad-specs');

export function badSpecs(): { file: string; text: string; rule: string; path: string; domain: string }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(DIR, file), 'utf8');
      const m = /^# expect: (\S+) at (.+)$/m.exec(text);
      if (!m) throw new Error(`${file} has no "# expect: <rule> at <path>" line`);
      const id = /^id: 'urn:(.+)'$/m.exec(text)?.[1];
      if (!id) throw new Error(`${file} has no id line`);
      return { file, text, rule: m[1]!, path: m[2]!, domain: id.replaceAll(':', '.') };
    });
}
