// `msk-spec client-config --auth iam`, read by the real consumers of its files: the Java
// client.properties through java.util.Properties (what Kafka's Java clients load), and kafkajs.mjs
// imported by Node, whose provider must hand kafkajs a token the MSK signer made for the Region.
// The local broker cannot authenticate IAM, so no connection is attempted.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../../cli/program.js';
import { REPO_ROOT } from '../../../local/environment.js';

let dir: string;
let out: string;
const BROKERS =
  'b-1.data.abcd.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.data.abcd.c2.kafka.eu-west-1.amazonaws.com:9098';

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'client-config-iam-'));
  // The generated module imports kafkajs and the signer, as it would in the user's project.
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  out = path.join(dir, 'cfg');
  let err = '';
  const code = await run(
    ['client-config', 'shop.order', '--auth', 'iam', '--bootstrap', BROKERS, '--region', 'eu-west-1', '--out', out],
    { stdout: { write: () => undefined }, stderr: { write: (s: string) => (err += s) }, env: {} },
  );
  expect({ code, err }).toEqual({ code: 0, err: '' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('client-config --auth iam, read by its consumers', () => {
  it('java.util.Properties loads client.properties with the MSK IAM settings', () => {
    const program = path.join(dir, 'Props.java');
    writeFileSync(
      program,
      [
        'import java.io.FileReader;',
        'import java.util.Properties;',
        'import java.util.TreeSet;',
        'public class Props {',
        '  public static void main(String[] args) throws Exception {',
        '    Properties p = new Properties();',
        '    try (FileReader r = new FileReader(args[0])) { p.load(r); }',
        '    for (String k : new TreeSet<>(p.stringPropertyNames())) System.out.println(k + "\\t" + p.getProperty(k));',
        '  }',
        '}',
      ].join('\n'),
    );
    const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
    const text = execFileSync(java, [program, path.join(out, 'iam', 'client.properties')], { encoding: 'utf8' });
    const props = Object.fromEntries(
      text
        .trim()
        .split('\n')
        .map((l) => l.split('\t')),
    );
    expect(props).toEqual({
      'bootstrap.servers': BROKERS,
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'AWS_MSK_IAM',
      'sasl.jaas.config': 'software.amazon.msk.auth.iam.IAMLoginModule required;',
      'sasl.client.callback.handler.class': 'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
    });
  });

  it("kafkajs.mjs: its provider yields the signer's kafka-cluster:Connect token for the Region, from the caller's credentials", () => {
    const script = [
      `const { default: config } = await import(${JSON.stringify(path.join(out, 'iam', 'kafkajs.mjs'))});`,
      'const { value } = await config.sasl.oauthBearerProvider();',
      'console.log(JSON.stringify({ brokers: config.brokers, ssl: config.ssl, mechanism: config.sasl.mechanism, value }));',
    ].join('\n');
    const env = {
      PATH: process.env.PATH,
      AWS_ACCESS_KEY_ID: 'AKIACALLER0000000001',
      AWS_SECRET_ACCESS_KEY: 'caller-secret-not-real',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const got = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env, encoding: 'utf8' }),
    ) as { brokers: string[]; ssl: unknown; mechanism: string; value: string };
    expect({ brokers: got.brokers, ssl: got.ssl, mechanism: got.mechanism }).toEqual({
      brokers: BROKERS.split(','),
      ssl: true,
      mechanism: 'oauthbearer',
    });
    const url = new URL(Buffer.from(got.value, 'base64url').toString('utf8'));
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIACALLER0000000001\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
  });
});
