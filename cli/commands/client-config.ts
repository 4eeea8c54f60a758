// `msk-spec client-config <domain> [--auth scram|mtls|both|iam] [--format ...] [--out DIR] ...`: reads
// the domain's stored credentials (the SCRAM secret AmazonMSK_<prefix><D>, the current certificate
// and key from the certificate bucket) and writes ready-to-use client settings to DIR/<auth>/:
// Java client.properties, librdkafka.conf, kafkajs.json (+ kafkajs.mjs). Files holding a password
// or a private key are written with mode 0600; nothing secret is printed, only the file list and
// the principal. `--auth iam` reads no credential: IAM clients sign with their own AWS credentials
// (lib/kafka/client-settings.ts), so its files hold nothing secret. Exit 0 written, 1 bad options,
// missing credentials or AWS failure.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CliCommand } from '../command.js';
import { EXIT } from '../io.js';
import { awsClients, brokerList, ENV_DEFAULTS, nonEmpty, optionOrEnv, UsageError, withAwsOptions } from '../options.js';
import { awsErrorName } from '../../lib/errors.js';
import {
  javaKeystorePem,
  principalFor,
  renderJavaProperties,
  renderKafkaJsIamModule,
  renderKafkaJsJson,
  renderKafkaJsSnippet,
  renderLibrdkafkaConf,
  type ClientSettings,
} from '../../lib/kafka/client-settings.js';
import { domainIdProblem } from '../../lib/spec/names.js';
import { scramSecretName, secretNamePrefixOf } from '../../lib/credentials/secret-name.js';

type Auth = 'scram' | 'mtls' | 'iam';

/** The domain has no credentials of one method: an error when that method was asked for by name. */
class MissingCredentials extends UsageError {}
type Format = 'kafkajs' | 'java' | 'librdkafka';

interface OutFile {
  readonly path: string;
  readonly text: string;
  /** Holds a password or a private key: mode 0600. */
  readonly secret: boolean;
}

const AUTHS: Record<string, Auth[]> = { scram: ['scram'], mtls: ['mtls'], both: ['scram', 'mtls'], iam: ['iam'] };
/** Which GetBootstrapBrokers string each method uses (MSK ports 9096, 9094, 9098), and its own flag. */
const LISTENER = { scram: 'SCRAM', mtls: 'TLS', iam: 'IAM' } as const;
const BOOTSTRAP_FLAG = { scram: '--scram-bootstrap', mtls: '--mtls-bootstrap', iam: '--bootstrap' } as const;
/** An IAM client acts as whatever AWS identity runs it; its policies decide (msk-spec iam-policy). */
const IAM_PRINCIPAL = "IAM: the AWS identity that runs the client (a role holding the domain's msk-spec policies)";
const FORMATS: Record<string, Format[]> = {
  kafkajs: ['kafkajs'],
  java: ['java'],
  librdkafka: ['librdkafka'],
  all: ['java', 'librdkafka', 'kafkajs'],
};

/**
 * Writes a new file with its final mode from the first byte, then renames it over the old one: a
 * rewritten credential is never readable under an older, looser mode, and a symlink planted at
 * the path is replaced, not followed.
 */
async function writeOut(f: OutFile): Promise<void> {
  const tmp = `${f.path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, f.text, { mode: f.secret ? 0o600 : 0o644, flag: 'wx' });
    await rename(tmp, f.path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export const clientConfigCommand: CliCommand = {
  name: 'client-config',
  define: (program) =>
    withAwsOptions(
      program
        .command('client-config')
        .description(
          'write ready-to-use client settings for a domain (Java client.properties, librdkafka .conf, kafkajs JSON) from its stored SCRAM secret and current certificate, or IAM settings that hold no secret',
        )
        .argument('<domain>', 'the domain id (the spec id after urn:)')
        .option(
          '--auth <auth>',
          "scram, mtls, both (default: both, skipping a method the domain has no credentials for), or iam (reads no credential: the client signs with the caller's AWS credentials)",
        )
        .option('--format <format>', 'kafkajs, java, librdkafka or all', 'all')
        .option(
          '--out <dir>',
          'where to write (default ./client-config/<domain>); files go to <dir>/scram/, <dir>/mtls/ or <dir>/iam/',
        )
        .option(
          '--bootstrap <brokers>',
          'bootstrap brokers host:port[,...] for the chosen --auth (default: GetBootstrapBrokers of --cluster-arn)',
        )
        .option('--scram-bootstrap <brokers>', 'bootstrap brokers for SCRAM when --auth both (MSK port 9096)')
        .option('--mtls-bootstrap <brokers>', 'bootstrap brokers for mTLS when --auth both (MSK port 9094)')
        .option(
          '--cluster-arn <arn>',
          `the MSK cluster (default $${ENV_DEFAULTS.clusterArn}), asked for its bootstrap brokers`,
        )
        .option(
          '--public',
          "with --cluster-arn: the cluster's public-access brokers (MSK ports 9196 SCRAM, 9194 mTLS, 9198 IAM)",
        )
        .option(
          '--ca <file>',
          "CA (PEM) that signed the BROKER certificates, for the local broker. Leave it out for MSK: its brokers present Amazon-issued certificates the default trust stores accept, and kafkajs' ca would replace Node's defaults",
        )
        .option(
          '--secret-prefix <prefix>',
          `the pipeline's SECRET_PREFIX: the secret is AmazonMSK_<prefix><domain> (default $${ENV_DEFAULTS.secretPrefix} or empty)`,
        )
        .option('--cert-bucket <bucket>', `the certificate bucket (default $${ENV_DEFAULTS.certBucket})`)
        .option('--json', 'print the file list and principals as JSON on stdout'),
    ).addHelpText(
      'after',
      `
Files (under <dir>/scram/, <dir>/mtls/ and <dir>/iam/):
  client.properties  Java clients and Kafka's tools (--command-config). SCRAM: the JAAS line holds the
                     password inline (the format has no password file), so the file is mode 0600.
                     mTLS: ssl.keystore.type=PEM with ssl.keystore.location=keystore.pem (key + chain, 0600).
  librdkafka.conf    kcat -F <file>, confluent-kafka clients. SCRAM: sasl.password inline (0600).
                     mTLS: ssl.certificate.location=client.pem, ssl.key.location=client.key (0600).
  kafkajs.json       new Kafka(JSON.parse(...)): credentials inline (0600); kafkajs.mjs shows the use.
IAM (--auth iam, MSK port 9098; all files 0644, nothing secret in them: the caller's AWS credentials sign):
  client.properties  SASL_SSL, AWS_MSK_IAM, IAMLoginModule and IAMClientCallbackHandler (the
                     aws-msk-iam-auth jar on the classpath).
  librdkafka.conf    SASL_SSL, OAUTHBEARER; the application sets a token refresh callback that calls the
                     signer library (aws-msk-iam-sasl-signer-python or -go). kcat has no such callback.
  kafkajs.mjs        import config from './kafkajs.mjs': oauthbearer with aws-msk-iam-sasl-signer-js.
  The Region is --region, else the cluster ARN's, else AWS_REGION.
Nothing secret is printed. The certificate is renewed by the pipeline: run this again after a renewal.

Examples:
  msk-spec client-config shop.order --cluster-arn arn:aws:kafka:... --cert-bucket my-cert-bucket
  msk-spec client-config shop.order --auth scram --format librdkafka --bootstrap 127.0.0.1:9096 --ca broker-ca.pem
  msk-spec client-config shop.order --auth iam --cluster-arn arn:aws:kafka:eu-west-1:...`,
    ),
  async run([domain], opts, ctx) {
    const d = String(domain);
    const problem = domainIdProblem(d);
    if (problem) throw new UsageError(`${JSON.stringify(d)} is not a domain id: ${problem}`);
    const implicitAuth = opts['auth'] === undefined;
    const auths = AUTHS[String(opts['auth'] ?? 'both')];
    if (!auths) throw new UsageError(`--auth expects scram, mtls, both or iam, got ${JSON.stringify(opts['auth'])}`);
    const formats = FORMATS[String(opts['format'])];
    if (!formats)
      throw new UsageError(`--format expects kafkajs, java, librdkafka or all, got ${JSON.stringify(opts['format'])}`);
    const perAuth: Record<Auth, string | undefined> = {
      scram: typeof opts['scramBootstrap'] === 'string' ? opts['scramBootstrap'] : undefined,
      mtls: typeof opts['mtlsBootstrap'] === 'string' ? opts['mtlsBootstrap'] : undefined,
      iam: undefined,
    };
    if (typeof opts['bootstrap'] === 'string') {
      if (auths.length > 1)
        throw new UsageError(
          '--bootstrap names one listener; with --auth both use --scram-bootstrap and --mtls-bootstrap (or --cluster-arn)',
        );
      perAuth[auths[0]!] ??= opts['bootstrap'];
    }
    const clusterArn = optionOrEnv(opts, 'clusterArn', ctx.env, ENV_DEFAULTS.clusterArn);
    if (auths.some((a) => perAuth[a] === undefined) && !clusterArn)
      throw new UsageError(
        `name the brokers: --bootstrap host:port or --cluster-arn ARN (or set ${ENV_DEFAULTS.clusterArn})`,
      );
    const certBucket = auths.includes('mtls')
      ? optionOrEnv(opts, 'certBucket', ctx.env, ENV_DEFAULTS.certBucket, { flag: '--cert-bucket (for mTLS)' })
      : undefined;
    const prefix = optionOrEnv(opts, 'secretPrefix', ctx.env, ENV_DEFAULTS.secretPrefix) ?? '';
    // IAM tokens are signed for the cluster's Region.
    const region = auths.includes('iam')
      ? (nonEmpty(opts['region']) ??
        clusterArn?.split(':')[3] ??
        nonEmpty(ctx.env['AWS_REGION']) ??
        nonEmpty(ctx.env['AWS_DEFAULT_REGION']))
      : undefined;
    if (auths.includes('iam') && !region)
      throw new UsageError("--auth iam signs for the cluster's Region: give --region, --cluster-arn or AWS_REGION");
    const out = path.resolve(typeof opts['out'] === 'string' ? opts['out'] : path.join('client-config', d));
    let caFile: string | undefined;
    let caPem: string | undefined;
    if (typeof opts['ca'] === 'string') {
      try {
        caPem = await ctx.fs.readFile(opts['ca']);
      } catch (e) {
        throw new UsageError(
          `--ca: cannot read ${opts['ca']} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        );
      }
      if (!caPem.includes('-----BEGIN CERTIFICATE-----'))
        throw new UsageError(`--ca: ${opts['ca']} holds no PEM certificate`);
      caFile = path.join(out, 'ca.pem');
    }

    // The SDK and its adapters load on first use, so commands that need no AWS start fast.
    const { readMtlsCredentials, readScramCredentials } = await import('../../lib/aws/client-credentials.js');
    const { bootstrapBrokers } = await import('../../lib/aws/msk.js');
    const aws = awsClients(ctx.env, opts);
    const files: OutFile[] = [];
    const principals: string[] = [];
    const skipped: string[] = [];
    try {
      const brokersFor = async (auth: Auth) => {
        const given = perAuth[auth];
        return given
          ? brokerList(BOOTSTRAP_FLAG[auth], given)
          : bootstrapBrokers(await aws.kafka(), clusterArn!, LISTENER[auth], { publicAccess: opts['public'] === true });
      };
      for (const auth of auths) {
        const dir = path.join(out, auth);
        const ca = { ...(caFile ? { caFile } : {}), ...(caPem ? { caPem } : {}) };
        let settings: ClientSettings;
        if (auth === 'iam') {
          settings = { auth, bootstrap: await brokersFor(auth), region: region!, ...ca };
          principals.push(IAM_PRINCIPAL);
        } else if (auth === 'scram') {
          const secretName = scramSecretName(secretNamePrefixOf(prefix), d);
          const c = await readScramCredentials(await aws.secrets(), secretName).catch((e: unknown) => {
            if (awsErrorName(e) === 'ResourceNotFoundException')
              return new MissingCredentials(
                `no SCRAM secret ${secretName}: was ${d} provisioned with SCRAM (and is --secret-prefix right)?`,
              );
            throw e;
          });
          if (c instanceof MissingCredentials) {
            if (!implicitAuth) throw c;
            skipped.push(c.message);
            continue;
          }
          const bootstrap = await brokersFor(auth);
          settings = { auth, bootstrap, username: c.username, password: c.password, ...ca };
          principals.push(principalFor('scram', c.username));
        } else {
          const c = await readMtlsCredentials(await aws.s3(), certBucket!, d);
          if (!c) {
            const missing = new MissingCredentials(
              `no certificate for ${d} in s3://${certBucket}: was it provisioned with mTLS, and has CollectCertificate finished?`,
            );
            if (!implicitAuth) throw missing;
            skipped.push(missing.message);
            continue;
          }
          const bootstrap = await brokersFor(auth);
          const certPem = `${c.certPem.trim()}\n${c.chainPem.trim() ? `${c.chainPem.trim()}\n` : ''}`;
          settings = {
            auth,
            bootstrap,
            certPem,
            certFile: path.join(dir, 'client.pem'),
            keyPem: c.keyPem,
            keyFile: path.join(dir, 'client.key'),
            keystoreFile: path.join(dir, 'keystore.pem'),
            ...ca,
          };
          principals.push(
            `${principalFor('mtls', d)} (certificate serial ${c.current.serial}, expires ${c.current.notAfter})`,
          );
          if (formats.includes('librdkafka')) {
            files.push({ path: settings.certFile, text: certPem, secret: false });
            files.push({ path: settings.keyFile, text: c.keyPem, secret: true });
          }
          if (formats.includes('java'))
            files.push({ path: settings.keystoreFile, text: javaKeystorePem(c.keyPem, certPem), secret: true });
        }
        const secretInline = auth === 'scram';
        if (formats.includes('java'))
          files.push({
            path: path.join(dir, 'client.properties'),
            text: renderJavaProperties(settings),
            secret: secretInline,
          });
        if (formats.includes('librdkafka'))
          files.push({
            path: path.join(dir, 'librdkafka.conf'),
            text: renderLibrdkafkaConf(settings),
            secret: secretInline,
          });
        if (formats.includes('kafkajs') && settings.auth === 'iam') {
          files.push({
            path: path.join(dir, 'kafkajs.mjs'),
            text: renderKafkaJsIamModule(settings, `${d}-client`, d),
            secret: false,
          });
        } else if (formats.includes('kafkajs') && settings.auth !== 'iam') {
          files.push({
            path: path.join(dir, 'kafkajs.json'),
            text: renderKafkaJsJson(settings, `${d}-client`),
            secret: true,
          });
          files.push({ path: path.join(dir, 'kafkajs.mjs'), text: renderKafkaJsSnippet(d), secret: false });
        }
      }
      if (caFile && caPem) files.push({ path: caFile, text: caPem, secret: false });
    } catch (e) {
      if (e instanceof UsageError) throw e;
      // Messages name secrets and keys by ARN/key, never their values (lib/aws/client-credentials.ts).
      ctx.err(
        `msk-spec: error: reading the credentials of ${d}: ${awsErrorName(e) ?? 'Error'}: ${(e as Error).message}`,
      );
      return EXIT.INVALID;
    }

    for (const m of skipped) ctx.err(`msk-spec: warning: skipped: ${m}`);
    if (principals.length === 0) throw new UsageError(`no credentials stored for ${d}: ${skipped.join('; ')}`);
    for (const dir of new Set(files.map((f) => path.dirname(f.path))))
      await mkdir(dir, { recursive: true, mode: 0o700 });
    for (const f of files) await writeOut(f);
    if (opts['json']) {
      ctx.json({
        domain: d,
        out,
        principals,
        files: files.map((f) => ({ path: f.path, mode: f.secret ? '0600' : '0644' })),
      });
      return EXIT.OK;
    }
    ctx.out(`Client settings for ${d} in ${out}:`);
    for (const f of files) ctx.out(`  ${f.secret ? '0600' : '0644'}  ${f.path}`);
    ctx.out('Principals:');
    for (const p of principals) ctx.out(`  ${p}`);
    return EXIT.OK;
  },
};
