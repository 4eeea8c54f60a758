// `tsx local/kafka/cli.ts start [--allow-everyone] [--trust-ca file.pem ...]` starts the local broker,
// prints how to connect, and keeps it running until Ctrl-C. `fetch` only fetches the jars.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKafka } from './broker.js';
import { ensureKafkaJars } from './fetch.js';

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'fetch') {
    console.log(await ensureKafkaJars());
    return;
  }
  if (cmd !== 'start') {
    console.error('usage: tsx local/kafka/cli.ts start [--allow-everyone] [--trust-ca <ca.pem>]... | fetch');
    process.exit(2);
  }
  const trusted: string[] = [];
  let allowEveryone = false;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--allow-everyone') allowEveryone = true;
    else if (rest[i] === '--trust-ca' && rest[i + 1]) trusted.push(readFileSync(rest[++i]!, 'utf8'));
    else throw new Error(`unknown argument: ${rest[i]}`);
  }
  const broker = await startKafka({ allowEveryoneIfNoAclFound: allowEveryone, trustedClientCaPems: trusted });
  const caFile = join(broker.dataDir, 'server-ca.pem');
  writeFileSync(caFile, broker.serverCaPem);
  // The admin credential goes to owner-only files, not to the terminal: a librdkafka config for
  // kcat (-F) and a Java client properties file (kafka-*.sh --command-config).
  const kcatFile = join(broker.dataDir, 'admin.kcat.conf');
  writeFileSync(
    kcatFile,
    [
      `bootstrap.servers=${broker.listeners.scram}`,
      'security.protocol=SASL_SSL',
      'sasl.mechanisms=SCRAM-SHA-512',
      `sasl.username=${broker.admin.username}`,
      `sasl.password=${broker.admin.password}`,
      `ssl.ca.location=${caFile}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const javaFile = join(broker.dataDir, 'admin.properties');
  writeFileSync(
    javaFile,
    [
      `bootstrap.servers=${broker.listeners.scram}`,
      'security.protocol=SASL_SSL',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${broker.admin.username}" password="${broker.admin.password}";`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${caFile}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  // Ctrl-C is handled before the banner says it stops the broker: whoever reads the banner may
  // send it at once.
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    console.error('stopping Kafka...');
    broker.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  console.log(
    [
      `Kafka is running (pid ${broker.pid}); Ctrl-C stops it.`,
      `  SCRAM (SASL_SSL, SCRAM-SHA-512): ${broker.listeners.scram}`,
      `  mTLS  (SSL, client cert required): ${broker.listeners.mtls}`,
      `  server CA:  ${caFile}`,
      `  admin:      ${broker.admin.username} (SCRAM; password in ${kcatFile} and ${javaFile}, owner-only)`,
      `  allow.everyone.if.no.acl.found=${broker.allowEveryoneIfNoAclFound}`,
      `  broker log: ${broker.logFile}`,
      '',
      `  kcat -F ${kcatFile} -L`,
    ].join('\n'),
  );
  setInterval(() => undefined, 1 << 30); // keep running
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
