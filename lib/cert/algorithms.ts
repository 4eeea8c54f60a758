// Client key algorithms, without any crypto import (env-config reads them in every Lambda).
export type KeyAlgorithm = 'EC_P256' | 'RSA_2048' | 'RSA_3072';
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['EC_P256', 'RSA_2048', 'RSA_3072'];
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'EC_P256';

export function parseKeyAlgorithm(value: string | undefined): KeyAlgorithm {
  if (value === undefined || value === '') return DEFAULT_KEY_ALGORITHM;
  if ((KEY_ALGORITHMS as readonly string[]).includes(value)) return value as KeyAlgorithm;
  throw new RangeError(`key algorithm ${JSON.stringify(value)} is not one of ${KEY_ALGORITHMS.join(', ')}`);
}
