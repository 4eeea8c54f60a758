// SigV4 verification against the worked example of the AWS General Reference ("Examples of the
// complete Signature Version 4 signing process": IAM ListUsers, 20150830T123600Z, AKIDEXAMPLE).
import { verifySignature, type SignedRequest } from '../../../local/aws/iam/sigv4.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const example: SignedRequest = {
  method: 'GET',
  url: '/?Action=ListUsers&Version=2010-05-08',
  body: Buffer.alloc(0),
  headers: {
    host: 'iam.amazonaws.com',
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'x-amz-date': '20150830T123600Z',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
  },
};

test("AWS's worked example verifies; any change to what was signed does not", () => {
  const secretFor = (akid: string) => (akid === 'AKIDEXAMPLE' ? SECRET : undefined);
  expect(verifySignature(example, secretFor)).toEqual({ ok: true });
  // Query parameters in another order are the same canonical query.
  expect(verifySignature({ ...example, url: '/?Version=2010-05-08&Action=ListUsers' }, secretFor)).toEqual({
    ok: true,
  });
  expect(verifySignature({ ...example, url: '/?Action=ListRoles&Version=2010-05-08' }, secretFor)).toEqual({
    ok: false,
    reason: 'mismatch',
  });
  expect(verifySignature({ ...example, headers: { ...example.headers, host: 'evil.example' } }, secretFor)).toEqual({
    ok: false,
    reason: 'mismatch',
  });
  expect(verifySignature(example, () => 'another-secret')).toEqual({ ok: false, reason: 'mismatch' });
  expect(verifySignature(example, () => undefined)).toEqual({ ok: false, reason: 'unknown-key' });
  expect(
    verifySignature({ ...example, headers: { ...example.headers, authorization: 'Bearer x' } }, secretFor),
  ).toEqual({
    ok: false,
    reason: 'malformed',
  });
});
