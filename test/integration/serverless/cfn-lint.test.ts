// cfn-lint (pinned, installed into .cache/venv on first use: test/support/cfn-lint.ts) on the
// packaged template, with production-like parameter values (cfn-lint resolves Refs to a
// parameter's Default otherwise, and the optional VPC settings default to ''). No error may remain;
// each warning that does is listed below with the reason it stays, and any other fails the test.
import { CFN_LINT_VERSION, cfnLint, ensureCfnLint, type CfnLintFinding } from '../../support/cfn-lint.js';
import { PRODUCTION_PARAMETERS, packaged_ } from '../../support/template.js';

/** Rule id → why the warning stays, and which resources may raise it. */
const ACCEPTED_WARNINGS: Record<string, { readonly why: string; readonly resources: RegExp }> = {
  W3005: {
    why:
      'serverless v3 (and serverless-step-functions) add an explicit DependsOn on the role each function or ' +
      'state machine names, beside the Fn::GetAtt that already orders them; generated, redundant, harmless.',
    resources: /^(\w+LambdaFunction|ReprovisionStateMachine)$/,
  },
};

let findings: CfnLintFinding[];

beforeAll(async () => {
  ensureCfnLint(CFN_LINT_VERSION, (l) => process.stderr.write(`${l}\n`));
  const { templatePath } = await packaged_();
  const parameters = Object.entries(PRODUCTION_PARAMETERS).map(([k, v]) => `${k}=${v}`);
  findings = cfnLint(templatePath, ['--parameters', ...parameters]);
}, 600_000);

const where = (f: CfnLintFinding) => (f.Location.Path ?? []).slice(0, 2).join('/');
const line = (f: CfnLintFinding) => `${f.Level} ${f.Rule.Id} at ${where(f)}: ${f.Message}`;

describe(`cfn-lint ${CFN_LINT_VERSION} on the packaged template`, () => {
  it('reports no error', () => {
    expect(findings.filter((f) => f.Level === 'Error').map(line)).toEqual([]);
  });

  it('reports only the warnings listed, each with its reason, on the resources listed', () => {
    const unexpected = findings
      .filter((f) => f.Level === 'Warning')
      .filter((f) => {
        const ok = ACCEPTED_WARNINGS[f.Rule.Id];
        const resource = String(f.Location.Path?.[1] ?? '');
        return !ok || f.Location.Path?.[0] !== 'Resources' || !ok.resources.test(resource);
      })
      .map(line);
    expect(unexpected).toEqual([]);
  });

  it('has no informational finding either', () => {
    expect(findings.filter((f) => f.Level === 'Informational').map(line)).toEqual([]);
  });
});
