// The EventBridge pattern matcher (local/aws/eventbridge/pattern.ts) against the examples of the
// EventBridge User Guide, "Event pattern syntax" and "Content filtering in Amazon EventBridge event
// patterns", and the patterns PutRule refuses with InvalidEventPatternException.
import { matchPattern, parsePattern } from '../../../local/aws/eventbridge/pattern.js';

const ev = {
  source: 'aws.s3',
  detail: {
    key: 'domains/pay.yaml',
    size: 10,
    tags: ['a', 'b'],
    empty: null,
    blank: '',
    flag: false,
    file: 'Report.PNG',
    star: 'a*b',
    path: 'dir/sub/file.png',
    ip: '10.0.0.7',
    ip6: '2001:db8::1',
    nested: { deep: 'x' },
  },
};

const matches = (pattern: unknown) => matchPattern(parsePattern(JSON.stringify(pattern)), ev);

describe('matching', () => {
  test.each([
    // literals; a leaf's values are ORed; every field must be there with the same nesting
    [{ source: ['aws.s3'] }, true],
    [{ source: ['aws.ec2', 'aws.s3'] }, true],
    [{ source: ['aws.ec2'] }, false],
    [{ source: ['aws.s3'], detail: { size: [11] } }, false],
    [{ detail: { size: [10] } }, true],
    [{ detail: { size: ['10'] } }, false],
    [{ detail: { empty: [null] } }, true],
    [{ detail: { blank: [''] } }, true],
    [{ detail: { flag: [false] } }, true],
    [{ detail: { key: { nested: ['x'] } } }, false],
    [{ detail: { nested: { deep: ['x'] } } }, true],
    // an array in the event matches when any element does
    [{ detail: { tags: ['b'] } }, true],
    [{ detail: { tags: ['c'] } }, false],
    // prefix and suffix, also ignoring case
    [{ detail: { key: [{ prefix: 'domains/' }] } }, true],
    [{ detail: { key: [{ prefix: 'other/' }] } }, false],
    [{ detail: { key: [{ prefix: { 'equals-ignore-case': 'DOMAINS/' } }] } }, true],
    [{ detail: { file: [{ suffix: '.png' }] } }, false],
    [{ detail: { file: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, true],
    [{ detail: { size: [{ prefix: '1' }] } }, false],
    [{ detail: { key: [{ 'equals-ignore-case': 'DOMAINS/PAY.YAML' }] } }, true],
    // anything-but: a value, a list, a filter; never an absent field
    [{ detail: { key: [{ 'anything-but': ['x', 'y'] }] } }, true],
    [{ detail: { size: [{ 'anything-but': 10 }] } }, false],
    [{ detail: { key: [{ 'anything-but': { prefix: 'domains/' } }] } }, false],
    [{ detail: { file: [{ 'anything-but': { suffix: '.txt' } }] } }, true],
    [{ detail: { file: [{ 'anything-but': { 'equals-ignore-case': ['x', 'report.png'] } }] } }, false],
    [{ detail: { path: [{ 'anything-but': { wildcard: 'dir/*/file.png' } }] } }, false],
    [{ detail: { missing: [{ 'anything-but': 'x' }] } }, false],
    // numeric comparisons, ANDed; numbers only
    [{ detail: { size: [{ numeric: ['>', 5, '<=', 10] }] } }, true],
    [{ detail: { size: [{ numeric: ['>', 10] }] } }, false],
    [{ detail: { size: [{ numeric: ['=', 1e1] }] } }, true],
    [{ detail: { key: [{ numeric: ['>', 0] }] } }, false],
    // IP address matching, IPv4 and IPv6
    [{ detail: { ip: [{ cidr: '10.0.0.0/24' }] } }, true],
    [{ detail: { ip: [{ cidr: '10.0.1.0/24' }] } }, false],
    [{ detail: { ip6: [{ cidr: '2001:db8::/32' }] } }, true],
    [{ detail: { ip6: [{ cidr: '10.0.0.0/8' }] } }, false],
    [{ detail: { key: [{ cidr: '10.0.0.0/8' }] } }, false],
    // exists, on leaf fields only
    [{ detail: { missing: [{ exists: false }] } }, true],
    [{ detail: { key: [{ exists: true }] } }, true],
    [{ detail: { key: [{ exists: false }] } }, false],
    [{ detail: { nested: [{ exists: true }] } }, false],
    // wildcard: `*` any run of characters, `\*` itself
    [{ detail: { key: [{ wildcard: 'domains/*.yaml' }] } }, true],
    [{ detail: { path: [{ wildcard: 'dir/*.png' }] } }, true],
    [{ detail: { path: [{ wildcard: 'dir/*/x.png' }] } }, false],
    [{ detail: { star: [{ wildcard: 'a\\*b' }] } }, true],
    [{ detail: { key: [{ wildcard: 'domains/pay\\*' }] } }, false],
    [{ detail: { key: [{ wildcard: 'domains.pay.yaml' }] } }, false],
    // $or
    [{ $or: [{ source: ['nope'] }, { detail: { size: [10] } }] }, true],
    [{ $or: [{ source: ['nope'] }, { detail: { size: [11] } }] }, false],
  ])('%j → %s', (pattern, expected) => {
    expect(matches(pattern)).toBe(expected);
  });
});

describe('patterns PutRule refuses', () => {
  test.each([
    ['not json', 'Filter is not valid JSON'],
    ['["aws.s3"]', 'Filter is not an object'],
    ['{"source": "aws.s3"}', 'Match value must be String, number, true, false, or null at source'],
    ['{"source": []}', 'Empty arrays are not allowed at source'],
    ['{"detail": {}}', 'Empty objects are not allowed at detail'],
    ['{"source": [{"regex": "a"}]}', 'Unrecognized match type regex'],
    ['{"source": [{"prefix": "a", "suffix": "b"}]}', 'Unrecognized match type prefix,suffix'],
    ['{"source": [{"prefix": 1}]}', 'prefix match pattern must be a string'],
    ['{"source": [{"exists": "yes"}]}', 'exists match pattern must be either true or false.'],
    ['{"n": [{"numeric": 5}]}', 'Value of numeric must be an array.'],
    ['{"n": [{"numeric": [">", 1, "<"]}]}', 'Value of numeric must be comparison/number pairs.'],
    ['{"n": [{"numeric": ["~", 1]}]}', 'Unrecognized numeric range operator: ~'],
    ['{"n": [{"numeric": [">", "1"]}]}', 'Value of > must be numeric'],
    ['{"ip": [{"cidr": "10.0.0.0"}]}', 'Malformed CIDR'],
    ['{"ip": [{"cidr": "10.0.0.0/33"}]}', 'Malformed CIDR'],
    ['{"k": [{"wildcard": "a**b"}]}', 'Consecutive wildcard characters at pos 1'],
    ['{"k": [{"wildcard": "a\\\\b"}]}', 'Invalid escape character at pos 1'],
    ['{"k": [{"anything-but": {"wildcard": "x**"}}]}', 'Consecutive wildcard characters at pos 1'],
    ['{"k": [{"anything-but": {"numeric": [">", 1]}}]}', 'Value of anything-but must be'],
    ['{"k": [{"anything-but": []}]}', 'Value of anything-but must be'],
    ['{"$or": [{"a": ["x"]}]}', '$or must be an array of at least two patterns'],
  ])('%s: %s', (text, reason) => {
    let error: unknown;
    try {
      parsePattern(text);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'InvalidEventPatternException' });
    expect((error as Error).message).toContain(`Event pattern is not valid. Reason: ${reason}`);
  });
});
