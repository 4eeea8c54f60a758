// Ready-to-use client settings for a domain, rendered as text: Java `client.properties`, a
// librdkafka `.conf` (kcat, confluent-kafka-python/-go, node-rdkafka) and a kafkajs config as JSON
// (SCRAM, mTLS) or as an ES module (IAM, whose token provider is code).
// Pure: the caller reads the credentials and writes the files (`msk-spec client-config`).
//
// IAM settings hold no secret at all: the client signs a token with the caller's own AWS
// credentials (Amazon MSK Developer Guide, "Configure clients for IAM access control",
// https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html#configure-clients-for-iam-access-control:
// Java `sasl.mechanism=AWS_MSK_IAM` with the aws-msk-iam-auth library's IAMLoginModule and
// IAMClientCallbackHandler; other clients SASL OAUTHBEARER with a token from the signer libraries,
// aws-msk-iam-sasl-signer-js for Node, -python/-go for librdkafka-based clients).
//
// The outputs hold credentials (the SCRAM password inline, because neither the Java JAAS line nor
// librdkafka's sasl.password can point at a file; the private key inline in kafkajs JSON), so the
// caller writes them with mode 0600 and never prints them.
//
// Trust: against MSK, brokers present Amazon-issued certificates that the platform's default trust
// store already accepts, and kafkajs' `ca` REPLACES Node's default store (docs/facts.md#kafkajs). So the broker
// CA is set only when given (`caFile`/`caPem`: the local broker's own CA), never the PCA chain.

export interface ScramClientSettings {
  readonly auth: 'scram';
  readonly bootstrap: readonly string[];
  readonly username: string;
  readonly password: string;
  /** Broker CA bundle: a file for Java/librdkafka, its text for kafkajs. Unset against MSK. */
  readonly caFile?: string;
  readonly caPem?: string;
}

export interface MtlsClientSettings {
  readonly auth: 'mtls';
  readonly bootstrap: readonly string[];
  /** Client certificate followed by its chain (PEM), and where it is written. */
  readonly certPem: string;
  readonly certFile: string;
  /** PKCS#8 private key (PEM), and where it is written. */
  readonly keyPem: string;
  readonly keyFile: string;
  /** Java's PEM key store: the key and the certificate chain in one file (javaKeystorePem). */
  readonly keystoreFile: string;
  readonly caFile?: string;
  readonly caPem?: string;
}

export interface IamClientSettings {
  readonly auth: 'iam';
  readonly bootstrap: readonly string[];
  /** The cluster's Region: the token is signed for `kafka-cluster` there. */
  readonly region: string;
  readonly caFile?: string;
  readonly caPem?: string;
}

export type ClientSettings = ScramClientSettings | MtlsClientSettings | IamClientSettings;

/** The Kafka principal the broker sees: `User:<username>` for SCRAM, the certificate DN for mTLS. */
export function principalFor(auth: 'scram' | 'mtls', domain: string): string {
  return auth === 'scram' ? `User:${domain}` : `User:CN=${domain}`;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const BROKER = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/;

/**
 * Every value lands in a line-oriented file: a line break (or, for properties, a backslash at the
 * end) would let a value add settings of its own. Values are checked, never echoed.
 */
function check(s: ClientSettings): void {
  if (s.bootstrap.length === 0) throw new Error('client settings need at least one bootstrap broker');
  for (const b of s.bootstrap) {
    if (!BROKER.test(b)) throw new Error(`bootstrap broker ${JSON.stringify(b)} is not host:port`);
  }
  const single: [string, string | undefined][] =
    s.auth === 'scram'
      ? [
          ['username', s.username],
          ['password', s.password],
          ['caFile', s.caFile],
        ]
      : s.auth === 'mtls'
        ? [
            ['certFile', s.certFile],
            ['keyFile', s.keyFile],
            ['keystoreFile', s.keystoreFile],
            ['caFile', s.caFile],
          ]
        : [['caFile', s.caFile]];
  for (const [name, v] of single) {
    if (v !== undefined && /[\r\n\0]/.test(v)) throw new Error(`${name} must be a single line`);
  }
  // The Region lands in generated code (kafkajs.mjs): only a Region's shape is accepted.
  if (s.auth === 'iam' && !REGION.test(s.region)) throw new Error(`${JSON.stringify(s.region)} is not an AWS Region`);
  if (s.auth === 'scram' && (s.username === '' || s.password === ''))
    throw new Error('SCRAM settings need a username and a password');
}

/** A value in a Java .properties file (backslash, and leading/other specials, escaped). */
function prop(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/^([ \t])/, '\\$1');
}

/** A string inside the JAAS line's double quotes. */
function jaas(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** Java's PEM key store file (KIP-651): the PKCS#8 key, then the certificate chain. */
export function javaKeystorePem(keyPem: string, certPem: string): string {
  return `${keyPem.trim()}\n${certPem.trim()}\n`;
}

/** Java (and Kafka's own tools: `--command-config`, `--producer.config`) client.properties. */
export function renderJavaProperties(s: ClientSettings): string {
  check(s);
  const lines = [`bootstrap.servers=${prop(s.bootstrap.join(','))}`];
  if (s.auth === 'scram') {
    lines.push(
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${prop(jaas(s.username))}" password="${prop(jaas(s.password))}";`,
    );
  } else if (s.auth === 'iam') {
    lines.push(
      '# IAM: the aws-msk-iam-auth library (software.amazon.msk:aws-msk-iam-auth) on the classpath signs with the',
      "# caller's AWS credentials (default provider chain); nothing secret is in this file.",
      'security.protocol=SASL_SSL',
      'sasl.mechanism=AWS_MSK_IAM',
      'sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;',
      'sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler',
    );
  } else {
    lines.push('security.protocol=SSL', 'ssl.keystore.type=PEM', `ssl.keystore.location=${prop(s.keystoreFile)}`);
  }
  if (s.caFile !== undefined) lines.push('ssl.truststore.type=PEM', `ssl.truststore.location=${prop(s.caFile)}`);
  else lines.push("# no truststore: the JVM's default trust store accepts MSK's Amazon-issued broker certificates");
  return `${lines.join('\n')}\n`;
}

/** librdkafka configuration (`kcat -F file`, or key=value pairs for any librdkafka client). */
export function renderLibrdkafkaConf(s: ClientSettings): string {
  check(s);
  const lines = [`bootstrap.servers=${s.bootstrap.join(',')}`];
  if (s.auth === 'scram') {
    lines.push(
      'security.protocol=SASL_SSL',
      'sasl.mechanisms=SCRAM-SHA-512',
      `sasl.username=${s.username}`,
      `sasl.password=${s.password}`,
    );
  } else if (s.auth === 'iam') {
    lines.push(
      'security.protocol=SASL_SSL',
      'sasl.mechanisms=OAUTHBEARER',
      '# The token comes from the signer library through an OAUTHBEARER token refresh callback the application',
      `# sets (confluent-kafka-python: oauth_cb returning MSKAuthTokenProvider.generate_auth_token('${s.region}')`,
      '# from aws-msk-iam-sasl-signer-python; Go: aws-msk-iam-sasl-signer-go). A client without such a callback,',
      '# such as kcat, cannot authenticate with IAM.',
    );
  } else {
    lines.push('security.protocol=SSL', `ssl.certificate.location=${s.certFile}`, `ssl.key.location=${s.keyFile}`);
  }
  if (s.caFile !== undefined) lines.push(`ssl.ca.location=${s.caFile}`);
  else lines.push("# no ssl.ca.location: OpenSSL's default CA paths accept MSK's Amazon-issued broker certificates");
  return `${lines.join('\n')}\n`;
}

/** The kafkajs KafkaConfig this domain connects with, as a JSON-serializable object (SCRAM, mTLS). */
export function kafkaJsSettings(
  s: ScramClientSettings | MtlsClientSettings,
  clientId: string,
): Record<string, unknown> {
  check(s);
  const ca = s.caPem !== undefined ? { ca: [s.caPem] } : {};
  if (s.auth === 'scram') {
    return {
      clientId,
      brokers: [...s.bootstrap],
      ssl: s.caPem !== undefined ? ca : true,
      sasl: { mechanism: 'scram-sha-512', username: s.username, password: s.password },
    };
  }
  return { clientId, brokers: [...s.bootstrap], ssl: { ...ca, cert: s.certPem, key: s.keyPem } };
}

export function renderKafkaJsJson(s: ScramClientSettings | MtlsClientSettings, clientId: string): string {
  return `${JSON.stringify(kafkaJsSettings(s, clientId), null, 2)}\n`;
}

/** How to use kafkajs.json from Node (ESM); the file sits next to it. */
export function renderKafkaJsSnippet(domain: string): string {
  return [
    `// kafkajs client for ${domain}: the settings (with credentials) are in kafkajs.json beside this file.`,
    "import { readFileSync } from 'node:fs';",
    "import { Kafka } from 'kafkajs';",
    '',
    "const kafka = new Kafka(JSON.parse(readFileSync(new URL('./kafkajs.json', import.meta.url), 'utf8')));",
    `const topic = process.argv[2] ?? '${domain}._public.<channel>'; // one of the domain's topics`,
    'const producer = kafka.producer();',
    'await producer.connect();',
    "await producer.send({ topic, messages: [{ value: 'hello' }] });",
    'await producer.disconnect();',
    '',
  ].join('\n');
}

/**
 * IAM for kafkajs: an ES module whose default export is the KafkaConfig, with an
 * `oauthBearerProvider` that asks aws-msk-iam-sasl-signer-js for a token signed with the caller's
 * AWS credentials (the signer's README). Run directly, it writes one record to the topic given.
 */
export function renderKafkaJsIamModule(s: IamClientSettings, clientId: string, domain: string): string {
  check(s);
  const ssl = s.caFile !== undefined ? `{ ca: [readFileSync(${JSON.stringify(s.caFile)}, 'utf8')] }` : 'true';
  return [
    `// kafkajs client for ${domain} over IAM (SASL OAUTHBEARER, MSK port 9098). Nothing secret here: each token`,
    "// is signed with the caller's AWS credentials (the default provider chain: environment, profile, role)",
    '// by aws-msk-iam-sasl-signer-js; IAM policies decide what the caller may do (msk-spec iam-policy).',
    '// Needs: npm install kafkajs aws-msk-iam-sasl-signer-js',
    ...(s.caFile !== undefined ? ["import { readFileSync } from 'node:fs';"] : []),
    "import { pathToFileURL } from 'node:url';",
    "import { Kafka } from 'kafkajs';",
    "import signer from 'aws-msk-iam-sasl-signer-js';",
    '',
    'const config = {',
    `  clientId: ${JSON.stringify(clientId)},`,
    `  brokers: ${JSON.stringify([...s.bootstrap])},`,
    `  ssl: ${ssl},`,
    '  sasl: {',
    "    mechanism: 'oauthbearer',",
    '    oauthBearerProvider: async () => {',
    `      const { token } = await signer.generateAuthToken({ region: ${JSON.stringify(s.region)} });`,
    '      return { value: token };',
    '    },',
    '  },',
    '};',
    'export default config;',
    '',
    '// node kafkajs.mjs <topic>: writes one record.',
    'if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {',
    `  const topic = process.argv[2] ?? '${domain}._public.<channel>'; // one of the domain's topics`,
    '  const producer = new Kafka(config).producer();',
    '  await producer.connect();',
    "  await producer.send({ topic, messages: [{ value: 'hello' }] });",
    '  await producer.disconnect();',
    '}',
    '',
  ].join('\n');
}
