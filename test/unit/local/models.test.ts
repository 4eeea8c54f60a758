// The model interpreter's pieces on a small model written here (no download): Java patterns as
// JavaScript, whole-value matching, AWS's messages and paths, REST bindings and the XML reader,
// and values generated from patterns. test/integration/aws/model-validation.test.ts holds the
// whole thing to the real botocore models.
import { javaPatternToJs, patternRegex, validateInput, violationMessage } from '../../../local/aws/models/validate.js';
import { parseXml, restInput, uriLabels } from '../../../local/aws/models/wire.js';
import { stringMatching } from '../../../local/aws/models/samples.js';
import type { ServiceModel } from '../../../local/aws/models/types.js';

const model: ServiceModel = {
  metadata: { protocol: 'json', endpointPrefix: 'x', serviceId: 'X', apiVersion: '2020-01-01' },
  operations: {
    Put: { name: 'Put', http: { method: 'POST', requestUri: '/things/{ThingArn}' }, input: { shape: 'PutRequest' } },
  },
  shapes: {
    PutRequest: {
      type: 'structure',
      required: ['Name', 'ThingArn'],
      members: {
        ThingArn: { shape: 'Arn', location: 'uri', locationName: 'ThingArn' },
        Name: { shape: 'Name', locationName: 'name' },
        Secret: { shape: 'Secret' },
        Count: { shape: 'Count', location: 'querystring', locationName: 'count' },
        Tags: { shape: 'Tags', locationName: 'tags' },
      },
    },
    Arn: { type: 'string', min: 5 },
    Name: { type: 'string', min: 1, max: 8, pattern: '[\\.\\-_A-Za-z0-9]+' },
    Secret: { type: 'string', min: 1, sensitive: true },
    Count: { type: 'integer', min: 1, max: 15 },
    Tags: { type: 'list', member: { shape: 'Tag' }, max: 2 },
    Tag: { type: 'structure', required: ['Key'], members: { Key: { shape: 'Name', locationName: 'key' } } },
  },
};

test('Java identity escapes the u flag refuses are dropped; the pattern matches the whole value', () => {
  expect(javaPatternToJs('[0-9A-Za-z\\-\\_]+')).toBe('[0-9A-Za-z\\-_]+');
  expect(javaPatternToJs('^\\!?[a-z\\=]*$')).toBe('^!?[a-z=]*$');
  expect(patternRegex('[\\.\\-_A-Za-z0-9]+')!.test('a b')).toBe(false); // EventBridge refuses the rule name `a b`
  expect(patternRegex('[\\.\\-_A-Za-z0-9]+')!.test('a.b')).toBe(true);
  // A surrogate pair in a class is one code point, as in Java.
  expect(patternRegex('[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF]+')!.test('a😀')).toBe(true);
});

test("AWS's messages: paths in lower camel case, list items as .N.member, sensitive values never echoed", () => {
  const v = validateInput(model, 'Put', {
    ThingArn: 'arn:x',
    Name: 'a b',
    Secret: '',
    Count: 16,
    Tags: [{ Key: 'ok' }, {}, { Key: 'k' }],
  });
  expect(v.map((x) => [x.path, x.kind])).toEqual([
    ['name', 'pattern'],
    ['secret', 'min'],
    ['count', 'max'],
    ['tags', 'max'],
    ['tags.2.member.key', 'required'],
  ]);
  expect(violationMessage(v.slice(0, 2))).toBe(
    "2 validation errors detected: Value 'a b' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+; Value at 'secret' failed to satisfy constraint: Member must have length greater than or equal to 1",
  );
  expect(validateInput(model, 'Put', { ThingArn: 'arn:x' })[0]!.message).toBe(
    "Value null at 'name' failed to satisfy constraint: Member must not be null",
  );
  expect(validateInput(model, 'Put', { ThingArn: 'arn:x', Name: 'n', Count: '3' })[0]!.kind).toBe('type');
});

test('REST bindings: URI labels, query strings as numbers, body members by locationName', () => {
  expect(uriLabels('/v1/clusters/{clusterArn}/scram-secrets', '/v1/clusters/arn%3Ax/scram-secrets')).toEqual({
    clusterArn: 'arn:x',
  });
  expect(uriLabels('/{Bucket}/{Key+}', '/b/a/b/c')).toEqual({ Bucket: 'b', Key: 'a/b/c' });
  expect(uriLabels('/v1/clusters/{clusterArn}', '/v1/other/x')).toBeUndefined();
  const input = restInput(model, 'Put', {
    path: '/things/arn%3Ax',
    query: new URLSearchParams('count=3'),
    headers: {},
    body: { name: 'n', tags: [{ key: 'k' }] },
  });
  expect(input).toEqual({ ThingArn: 'arn:x', Count: 3, Name: 'n', Tags: [{ Key: 'k' }] });
  expect(validateInput(model, 'Put', input)).toEqual([]);
});

test('the XML reader: elements, text, entities, attributes; malformed input throws', () => {
  const doc = parseXml(
    '<?xml version="1.0"?><Tagging xmlns="x"><TagSet><Tag><Key>a&amp;b</Key><Value/></Tag></TagSet></Tagging>',
  );
  const tag = doc.children[0]!.children[0]!.children[0]!;
  expect(tag.children.map((c) => [c.name, c.text])).toEqual([
    ['Key', 'a&b'],
    ['Value', ''],
  ]);
  expect(parseXml('<G xmlns:xsi="u" xsi:type="CanonicalUser"/>').children[0]!.attributes['xsi:type']).toBe(
    'CanonicalUser',
  );
  expect(() => parseXml('<a><b></a>')).toThrow();
  expect(() => parseXml('<a>')).toThrow();
});

test('strings generated from patterns have the length asked for and match', () => {
  const arn = 'arn:[\\w+=/,.@-]+:acm-pca:[\\w+=/,.@-]*:[0-9]*:[\\w+=,.@-]+(/[\\w+=,.@-]+)*';
  for (const len of [20, 64, 200]) {
    const s = stringMatching(arn, len)!;
    expect(s).toHaveLength(len);
    expect(patternRegex(arn)!.test(s)).toBe(true);
  }
  expect(stringMatching('[a-z]{3}', 4)).toBeUndefined();
});
