// lib/kafka/client-settings.ts: golden text of every client format, with obviously fake credentials.
import { describe, expect, it } from '@jest/globals';
import {
  javaKeystorePem,
  kafkaJsSettings,
  principalFor,
  renderJavaProperties,
  renderKafkaJsIamModule,
  renderKafkaJsJson,
  renderKafkaJsSnippet,
  renderLibrdkafkaConf,
  type IamClientSettings,
  type MtlsClientSettings,
  type ScramClientSettings,
} from '../../../lib/kafka/client-settings.js';

const FAKE_CERT = '-----BEGIN CERTIFICATE-----\nFAKE-CERT\n-----END CERTIFICATE-----\n';
const FAKE_KEY = '-----BEGIN PRIVATE KEY-----\nFAKE-KEY\n-----END PRIVATE KEY-----\n';
const FAKE_CA = '-----BEGIN CERTIFICATE-----\nFAKE-CA\n-----END CERTIFICATE-----\n';

const scram: ScramClientSettings = {
  auth: 'scram',
  bootstrap: ['b-1.example.kafka.eu-west-1.amazonaws.com:9096', 'b-2.example.kafka.eu-west-1.amazonaws.com:9096'],
  username: 'shop.order',
  password: 'not-a-real-password',
};
const mtls: MtlsClientSettings = {
  auth: 'mtls',
  bootstrap: ['b-1.example.kafka.eu-west-1.amazonaws.com:9094'],
  certPem: FAKE_CERT,
  certFile: '/cfg/shop.order/mtls/client.pem',
  keyPem: FAKE_KEY,
  keyFile: '/cfg/shop.order/mtls/client.key',
  keystoreFile: '/cfg/shop.order/mtls/keystore.pem',
};

const iam: IamClientSettings = {
  auth: 'iam',
  bootstrap: ['b-1.example.kafka.eu-west-1.amazonaws.com:9098', 'b-2.example.kafka.eu-west-1.amazonaws.com:9098'],
  region: 'eu-west-1',
};

/** The keys a properties/conf text sets (comments and blank lines left out). */
const keys = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.slice(0, l.indexOf('=')));

describe('IAM (Amazon MSK Developer Guide, "Configure clients for IAM access control")', () => {
  it('Java: SASL_SSL, AWS_MSK_IAM, IAMLoginModule and IAMClientCallbackHandler, the default trust store', () => {
    const text = renderJavaProperties(iam);
    expect(keys(text)).toEqual([
      'bootstrap.servers',
      'security.protocol',
      'sasl.mechanism',
      'sasl.jaas.config',
      'sasl.client.callback.handler.class',
    ]);
    expect(text).toContain(`bootstrap.servers=${iam.bootstrap.join(',')}\n`);
    expect(text).toContain('security.protocol=SASL_SSL\n');
    expect(text).toContain('sasl.mechanism=AWS_MSK_IAM\n');
    expect(text).toContain('sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;\n');
    expect(text).toContain(
      'sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler\n',
    );
    expect(renderJavaProperties({ ...iam, caFile: '/cfg/ca.pem' })).toContain('ssl.truststore.location=/cfg/ca.pem\n');
  });

  it('librdkafka: SASL_SSL and OAUTHBEARER, with a note that the token comes from the signer through a refresh callback', () => {
    const text = renderLibrdkafkaConf(iam);
    expect(keys(text)).toEqual(['bootstrap.servers', 'security.protocol', 'sasl.mechanisms']);
    expect(text).toContain('security.protocol=SASL_SSL\n');
    expect(text).toContain('sasl.mechanisms=OAUTHBEARER\n');
    expect(text).toMatch(/# The token comes from the signer library through an OAUTHBEARER token refresh callback/);
    expect(text).toContain("generate_auth_token('eu-west-1')");
  });

  it('kafkajs: an ES module exporting the config, oauthbearer with aws-msk-iam-sasl-signer-js for the Region', () => {
    const js = renderKafkaJsIamModule(iam, 'shop.order-client', 'shop.order');
    expect(js).toContain("import signer from 'aws-msk-iam-sasl-signer-js';");
    expect(js).toContain(`brokers: ${JSON.stringify(iam.bootstrap)},`);
    expect(js).toContain('ssl: true,');
    expect(js).toContain("mechanism: 'oauthbearer',");
    expect(js).toContain('await signer.generateAuthToken({ region: "eu-west-1" })');
    expect(js).toContain('export default config;');
    expect(js).not.toContain('readFileSync');
    const local = renderKafkaJsIamModule({ ...iam, caFile: '/cfg/ca.pem' }, 'c', 'shop.order');
    expect(local).toContain('ssl: { ca: [readFileSync("/cfg/ca.pem", \'utf8\')] },');
  });

  it('refuses a Region that is not one (it lands in code), without echoing it', () => {
    expect(() => renderKafkaJsIamModule({ ...iam, region: "eu-west-1' }); evil();//" }, 'c', 'd')).toThrow(
      /is not an AWS Region/,
    );
    expect(() => renderJavaProperties({ ...iam, caFile: '/x\nsasl.mechanism=PLAIN' })).toThrow(/caFile/);
  });
});

describe('Java client.properties', () => {
  it('SCRAM against MSK: SASL_SSL, SCRAM-SHA-512, the JAAS line, the default trust store', () => {
    expect(renderJavaProperties(scram)).toBe(
      [
        'bootstrap.servers=b-1.example.kafka.eu-west-1.amazonaws.com:9096,b-2.example.kafka.eu-west-1.amazonaws.com:9096',
        'security.protocol=SASL_SSL',
        'sasl.mechanism=SCRAM-SHA-512',
        'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="shop.order" password="not-a-real-password";',
        "# no truststore: the JVM's default trust store accepts MSK's Amazon-issued broker certificates",
        '',
      ].join('\n'),
    );
  });

  it('mTLS with a broker CA (local broker): PEM key store and PEM trust store by location', () => {
    expect(renderJavaProperties({ ...mtls, caFile: '/cfg/ca.pem' })).toBe(
      [
        'bootstrap.servers=b-1.example.kafka.eu-west-1.amazonaws.com:9094',
        'security.protocol=SSL',
        'ssl.keystore.type=PEM',
        'ssl.keystore.location=/cfg/shop.order/mtls/keystore.pem',
        'ssl.truststore.type=PEM',
        'ssl.truststore.location=/cfg/ca.pem',
        '',
      ].join('\n'),
    );
  });

  it('escapes quotes and backslashes inside the JAAS line', () => {
    const text = renderJavaProperties({ ...scram, password: 'fake"pass\\word' });
    expect(text).toContain('password="fake\\\\"pass\\\\\\\\word";');
  });

  it('the PEM key store holds the key, then the certificate chain', () => {
    expect(javaKeystorePem(FAKE_KEY, FAKE_CERT + FAKE_CA)).toBe(`${FAKE_KEY}${FAKE_CERT}${FAKE_CA}`);
  });
});

describe('librdkafka .conf', () => {
  it('SCRAM with the local broker CA', () => {
    expect(renderLibrdkafkaConf({ ...scram, bootstrap: ['127.0.0.1:9096'], caFile: '/cfg/ca.pem' })).toBe(
      [
        'bootstrap.servers=127.0.0.1:9096',
        'security.protocol=SASL_SSL',
        'sasl.mechanisms=SCRAM-SHA-512',
        'sasl.username=shop.order',
        'sasl.password=not-a-real-password',
        'ssl.ca.location=/cfg/ca.pem',
        '',
      ].join('\n'),
    );
  });

  it('mTLS against MSK: certificate and key files, no CA location', () => {
    expect(renderLibrdkafkaConf(mtls)).toBe(
      [
        'bootstrap.servers=b-1.example.kafka.eu-west-1.amazonaws.com:9094',
        'security.protocol=SSL',
        'ssl.certificate.location=/cfg/shop.order/mtls/client.pem',
        'ssl.key.location=/cfg/shop.order/mtls/client.key',
        "# no ssl.ca.location: OpenSSL's default CA paths accept MSK's Amazon-issued broker certificates",
        '',
      ].join('\n'),
    );
  });
});

describe('kafkajs', () => {
  it('SCRAM against MSK: ssl true (never a ca of only the PCA chain), scram-sha-512', () => {
    expect(kafkaJsSettings(scram, 'shop.order-client')).toEqual({
      clientId: 'shop.order-client',
      brokers: scram.bootstrap,
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'shop.order', password: 'not-a-real-password' },
    });
  });

  it('mTLS with the local broker CA: ca, cert and key inline', () => {
    expect(JSON.parse(renderKafkaJsJson({ ...mtls, caPem: FAKE_CA }, 'c'))).toEqual({
      clientId: 'c',
      brokers: mtls.bootstrap,
      ssl: { ca: [FAKE_CA], cert: FAKE_CERT, key: FAKE_KEY },
    });
  });

  it('the snippet loads kafkajs.json from beside itself', () => {
    const js = renderKafkaJsSnippet('shop.order');
    expect(js).toContain("new URL('./kafkajs.json', import.meta.url)");
    expect(js).not.toContain('not-a-real-password');
  });
});

describe('hostile values', () => {
  it('refuses line breaks (a value could add settings) without echoing the value', () => {
    expect(() => renderLibrdkafkaConf({ ...scram, password: 'fake\nsasl.mechanisms=PLAIN' })).toThrow(
      /^password must be a single line$/,
    );
    expect(() => renderJavaProperties({ ...mtls, keystoreFile: '/x\nssl.keystore.type=JKS' })).toThrow(/keystoreFile/);
  });

  it('refuses bootstrap brokers that are not host:port, and an empty list', () => {
    expect(() => renderLibrdkafkaConf({ ...scram, bootstrap: ['host:9096,evil=1'] })).toThrow(/not host:port/);
    expect(() => renderLibrdkafkaConf({ ...scram, bootstrap: [] })).toThrow(/at least one/);
  });
});

it('principals: User:<D> for SCRAM, User:CN=<D> for mTLS', () => {
  expect(principalFor('scram', 'shop.order')).toBe('User:shop.order');
  expect(principalFor('mtls', 'shop.order')).toBe('User:CN=shop.order');
});
