// x-msk-spec-iam-roles (lib/spec/iam-roles.ts): the roles that receive a domain's IAM policies.
import { describe, expect, it } from '@jest/globals';
import { resolveConfig } from '../../../lib/config.js';
import { iamRoleAccountIssues } from '../../../lib/spec/iam-roles.js';
import { parseSpec } from '../../../lib/spec/parse.js';

const config = resolveConfig({});
const spec = (roles: string) =>
  `asyncapi: '2.6.0'\nid: urn:shop.orders\nchannels: {}\nx-msk-spec-iam-roles: ${roles}\n`;

describe('x-msk-spec-iam-roles', () => {
  it('reads role names and role ARNs (any path) as role names, one entry per role', () => {
    const r = parseSpec(
      spec(
        `[orders-svc, 'arn:aws:iam::123456789012:role/teams/x/debezium', 'arn:aws:iam::123456789012:role/orders-svc']`,
      ),
      'specs/shop.orders.yaml',
      config,
    );
    expect(r.ok && r.spec.iamRoles).toEqual([
      { name: 'orders-svc', path: '$["x-msk-spec-iam-roles"][0]' },
      { name: 'debezium', account: '123456789012', path: '$["x-msk-spec-iam-roles"][1]' },
    ]);
  });

  it('leaves a spec without the key with no roles', () => {
    const r = parseSpec(`asyncapi: '2.6.0'\nid: urn:shop.orders\nchannels: {}\n`, 'f.yaml', config);
    expect(r.ok && r.spec.iamRoles).toBeUndefined();
  });

  it.each([
    ['a mapping', '{a: b}', '$["x-msk-spec-iam-roles"]'],
    ['a wildcard', "['team-*']", '$["x-msk-spec-iam-roles"][0]'],
    ['a user ARN', "['arn:aws:iam::123456789012:user/bob']", '$["x-msk-spec-iam-roles"][0]'],
    ['a number', '[12]', '$["x-msk-spec-iam-roles"][0]'],
    ['a 65-character name', `['${'r'.repeat(65)}']`, '$["x-msk-spec-iam-roles"][0]'],
  ])('refuses %s with file, path and rule', (_what, value, path) => {
    const r = parseSpec(spec(value), 'specs/shop.orders.yaml', config);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.issues).toContainEqual(
        expect.objectContaining({ file: 'specs/shop.orders.yaml', path, rule: 'iam-roles' }),
      );
  });

  it("refuses another account's role (iam-role-account), naming both accounts", () => {
    const r = parseSpec(spec(`['arn:aws:iam::999999999999:role/x', local-role]`), 'specs/shop.orders.yaml', config);
    if (!r.ok) throw new Error('parse failed');
    expect(iamRoleAccountIssues(r.spec, '123456789012')).toEqual([
      {
        file: 'specs/shop.orders.yaml',
        path: '$["x-msk-spec-iam-roles"][0]',
        rule: 'iam-role-account',
        message: expect.stringMatching(/999999999999.*123456789012/),
      },
    ]);
    expect(iamRoleAccountIssues(r.spec, '999999999999')).toEqual([]);
  });
});
