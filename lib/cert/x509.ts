// One place that prepares @peculiar/x509: it resolves its dependencies through tsyringe, which
// needs the reflect-metadata polyfill loaded first, and it must be told to use Node's WebCrypto.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
export const subtle = webcrypto.subtle;
