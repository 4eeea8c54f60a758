// The emulators' ARN helpers over @aws-sdk/util-arn-parser (local/aws/arn.ts): what is not an ARN
// comes back undefined instead of throwing, and the resource keeps its own colons and slashes.
import { buildArn, parseArn, randomChars, secretSuffix } from '../../../local/aws/arn.js';

test('parseArn splits at the first five colons; the resource keeps the rest', () => {
  expect(parseArn('arn:aws:secretsmanager:us-east-1:000000000000:secret:AmazonMSK_a-AbCdEf')).toEqual({
    partition: 'aws',
    service: 'secretsmanager',
    region: 'us-east-1',
    accountId: '000000000000',
    resource: 'secret:AmazonMSK_a-AbCdEf',
  });
  expect(parseArn('arn:aws:s3:::bucket/a/b')).toMatchObject({ region: '', accountId: '', resource: 'bucket/a/b' });
});

test('not an ARN: another prefix, fewer than six parts, no partition or no service', () => {
  for (const value of ['alias/x', 'arn:aws:kms:us-east-1:key/x', 'arn::kms:us-east-1:0:key/x', 'arn:aws::r:0:x', ''])
    expect(parseArn(value)).toBeUndefined();
});

test('buildArn is what parseArn reads back', () => {
  const arn = buildArn('kms', 'eu-west-1', '111122223333', 'key/1234', 'aws-cn');
  expect(arn).toBe('arn:aws-cn:kms:eu-west-1:111122223333:key/1234');
  expect(parseArn(arn)).toEqual({
    partition: 'aws-cn',
    service: 'kms',
    region: 'eu-west-1',
    accountId: '111122223333',
    resource: 'key/1234',
  });
});

test('randomChars draws `length` characters from the whole alphabet; secret suffixes are six letters or digits', () => {
  const drawn = randomChars(3000, 'abc.');
  expect(drawn).toHaveLength(3000);
  expect(new Set(drawn)).toEqual(new Set('abc.'));
  expect(secretSuffix()).toMatch(/^[A-Za-z0-9]{6}$/);
});
