// The SCRAM secret's name and key checks: the name every part of the pipeline builds the same way,
// and the KMS key comparison that decides whether an existing secret may be reused.
import { sameKmsKey, scramSecretName } from '../../../lib/aws/secrets.js';
import { secretNamePrefix } from '../../../lib/aws/env-config.js';
import { secretNamePrefixOf } from '../../../lib/credentials/secret-name.js';

describe('the SCRAM secret name', () => {
  it('is AmazonMSK_<prefix><domain>, with or without a prefix', () => {
    expect(scramSecretName(secretNamePrefixOf(), 'shop.orders')).toBe('AmazonMSK_shop.orders');
    expect(scramSecretName(secretNamePrefixOf('dev/'), 'shop.orders')).toBe('AmazonMSK_dev/shop.orders');
  });

  it('is what the Lambdas build from SECRET_PREFIX', () => {
    expect(secretNamePrefix({ SECRET_PREFIX: 'dev/' })).toBe('AmazonMSK_dev/');
    expect(secretNamePrefix({})).toBe('AmazonMSK_');
  });
});

describe('sameKmsKey', () => {
  const arn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  it('matches a key ARN with its key/<id> form and itself', () => {
    expect(sameKmsKey(arn, arn)).toBe(true);
    expect(sameKmsKey(arn, 'key/1234abcd-12ab-34cd-56ef-1234567890ab')).toBe(true);
    expect(sameKmsKey('arn:aws:kms:eu-west-1:111122223333:alias/msk', 'alias/msk')).toBe(true);
  });

  it('refuses another key, a missing key and the AWS managed key', () => {
    expect(sameKmsKey(arn, 'arn:aws:kms:eu-west-1:111122223333:key/ffffffff-12ab-34cd-56ef-1234567890ab')).toBe(false);
    expect(sameKmsKey(undefined, arn)).toBe(false);
    expect(sameKmsKey('arn:aws:kms:eu-west-1:111122223333:alias/aws/secretsmanager', 'alias/aws/secretsmanager')).toBe(
      false,
    );
  });
});
