// The secret scan's matching (test/support/secret-scan.ts) finds a planted password and a planted
// PEM private key wherever the e2e surfaces could carry one: as is, JSON-escaped inside a history
// event or a log line, with its line breaks removed. So a clean e2e scan means something.
import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import {
  blindNeedles,
  findNeedles,
  passwordNeedle,
  pemKeyNeedles,
  PEM_PRIVATE_KEY_NEEDLE,
} from '../../support/secret-scan.js';

const PASSWORD = 'Xq7planted0password0for0the0scan';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const needles = [PEM_PRIVATE_KEY_NEEDLE, passwordNeedle('AmazonMSK_x', PASSWORD), ...pemKeyNeedles('k/key.pem', PEM)];
const bodyLines = PEM.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));

describe('the secret scan', () => {
  it('finds a planted password in a history event, JSON-escaped twice, and in a log line', () => {
    const history = JSON.stringify([
      { type: 'TaskSucceeded', output: JSON.stringify({ secret: { password: PASSWORD } }) },
    ]);
    const log = `{"level":"DEBUG","message":"x","value":"${PASSWORD}"}\n`;
    expect(findNeedles({ history, log, clean: '{"arn":"arn:aws:secretsmanager:..."}' }, needles)).toEqual([
      'the password of AmazonMSK_x in history',
      'the password of AmazonMSK_x in log',
    ]);
  });

  it('finds a planted PEM private key as is, JSON-escaped, without line breaks, and by a single body line', () => {
    const places = {
      raw: PEM,
      escaped: JSON.stringify({ cause: JSON.stringify({ keyPem: PEM }) }),
      flattened: bodyLines.join(''),
      oneLine: `... ${bodyLines[1]} ...`,
    };
    const hits = findNeedles(places, needles);
    for (const place of ['raw', 'escaped', 'flattened'])
      expect(hits).toContain(`the private key k/key.pem (body) in ${place}`);
    expect(hits).toContain('line 2 of the private key k/key.pem in oneLine');
    // Any PEM private key block is found, whoever's it is.
    expect(findNeedles({ other: '-----BEGIN EC PRIVATE KEY-----' }, [PEM_PRIVATE_KEY_NEEDLE])).toHaveLength(1);
  });

  it('finds nothing in text without them', () => {
    expect(findNeedles({ report: '{"status":"FAILED","error":{"issues":[]}}', log: 'spec refused' }, needles)).toEqual(
      [],
    );
  });

  it('reports needles that are not found in their own home (a scan that could pass vacuously)', () => {
    const homes = new Map([
      [needles[1]!, JSON.stringify(JSON.stringify({ password: PASSWORD }))],
      [needles[2]!, JSON.stringify({ pem: PEM })],
      [needles[3]!, 'something else'],
    ]);
    expect(blindNeedles(needles, (n) => homes.get(n))).toEqual([needles[3]!.what]);
    expect(blindNeedles([{ what: 'an empty needle', value: '\n' }], () => 'x')).toEqual(['an empty needle']);
  });
});
