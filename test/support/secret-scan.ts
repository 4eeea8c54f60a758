// The secret-material scan (issue 13): no password and no private key appears in anything a person
// other than the credential's owner can read — execution histories and outputs (error causes
// included), reports, emitted events, EventBridge deliveries and every captured log line.
//
// The matching is pure (this file, unit-tested in test/unit/support/secret-scan.test.ts with a
// planted password and a planted PEM key); test/support/e2e.ts gathers the needles and the surfaces
// of one environment and runs the scan in every e2e file's afterAll. The scan checks itself first:
// each needle must be found where it legitimately is (the secret's value, the key object), so a
// broken needle cannot make the scan pass vacuously.

export interface Needle {
  /** What it is, for the failure message (never the value). */
  readonly what: string;
  readonly value: string;
}

/** A password as the needle to look for. */
export const passwordNeedle = (secretName: string, password: string): Needle => ({
  what: `the password of ${secretName}`,
  value: password,
});

/**
 * The needles of one PEM private key: each base64 line of 24+ characters on its own (a JSON-escaped
 * PEM keeps them intact) and the whole body joined (a PEM whose line breaks were removed).
 */
export function pemKeyNeedles(name: string, pem: string): Needle[] {
  const body = pem.split(/\r?\n/).filter((l) => l !== '' && !l.startsWith('-----'));
  const lines = body.flatMap((line, i) =>
    line.length >= 24 ? [{ what: `line ${i + 1} of the private key ${name}`, value: line }] : [],
  );
  return [...lines, { what: `the private key ${name} (body)`, value: body.join('') }];
}

/** Any PEM private key block at all (PKCS#8, SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY"), whoever's. */
export const PEM_PRIVATE_KEY_NEEDLE: Needle = { what: 'a PEM "PRIVATE KEY" block', value: 'PRIVATE KEY' };

/**
 * Where each needle occurs: `<needle> in <place>`; empty when clean. Whitespace and escaped line
 * breaks are ignored, however often escaped (`\n`, `\\n`: a PEM inside a JSON string inside a
 * history event's JSON); base64 never holds a backslash, so nothing of a key is removed.
 */
export function findNeedles(haystacks: Readonly<Record<string, string>>, needles: readonly Needle[]): string[] {
  const hits: string[] = [];
  for (const [place, text] of Object.entries(haystacks)) {
    const flat = text.replace(/\\+[nr]|\s/g, '');
    for (const n of needles) if (text.includes(n.value) || flat.includes(n.value)) hits.push(`${n.what} in ${place}`);
  }
  return hits;
}

/**
 * Needles that the scan of their own home does not find: each must be found where it legitimately
 * is (`homes`: the secret values and key objects, by needle), or the scan could pass vacuously.
 */
export function blindNeedles(needles: readonly Needle[], home: (n: Needle) => string | undefined): string[] {
  return needles.flatMap((n) => {
    const text = home(n);
    if (text === undefined) return [];
    return findNeedles({ home: text }, [n]).length === 1 ? [] : [n.what];
  });
}
