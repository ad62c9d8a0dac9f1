import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { addCiAccessStack, addValheimStack } from '../../infra/valheim-app.js';
import {
  cloudFormationExecutionPolicy,
  cloudFormationExecutionPolicyName,
  cloudFormationExecutionRoleName,
  type PolicyStatement,
  SERVICES_BY_RESOURCE_NAMESPACE,
} from '../../src/config/bootstrap-policy.js';
import { appContext, exampleConfig } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** IAM's wildcard matching (`*` any run, `?` one character), for actions and ARNs. */
function matches(pattern: string, value: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 'i').test(value);
}

/** The statements that allow `action` on `resource` (conditions aside). */
function allowing(statements: readonly PolicyStatement[], action: string, resource: string) {
  return statements.filter(
    (statement) =>
      statement.Action.some((pattern) => matches(pattern, action)) &&
      statement.Resource.some((pattern) => matches(pattern, resource)),
  );
}

describe('the CloudFormation execution policy', () => {
  const policy = cloudFormationExecutionPolicy('valheim-ondemand');
  let templates: Array<Record<string, unknown>>;

  beforeAll(() => {
    // Given both stacks with every optional part on: DNS, budget, schedules, Cost Explorer, GitLab and GitHub
    const app = new App({
      context: {
        ...appContext({ bundling: false }),
        ciAccess: 'group/valheim',
        ciAccessGitHub: 'owner/valheim',
      },
    });
    const config = exampleConfig({
      dns: {
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        zoneName: 'example.com',
        recordName: 'valheim.example.com',
      },
      cost: { costExplorer: true, worldSizeGb: 0.2, monthlyBudgetUsd: 10, budgetEmail: 'owner@example.com' },
      schedule: { start: ['Fri 19:00'], stop: ['Sat 02:00'] },
    });
    const game = addValheimStack(app, config);
    const ciAccess = addCiAccessStack(app, config);
    templates = [game, ciAccess].map((stack) =>
      Template.fromStack(stack as NonNullable<typeof stack>).toJSON(),
    );
  });

  const resourcesOf = (template: Record<string, unknown>) =>
    Object.values(
      template.Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>,
    );

  it('covers the service of every resource type the stacks create', () => {
    // When
    const types = [...new Set(templates.flatMap((template) => resourcesOf(template).map((r) => r.Type)))];
    // Then every type's namespace is known, and CloudFormation may create it
    const services = SERVICES_BY_RESOURCE_NAMESPACE as Record<string, string>;
    const unknown = types.filter((type) => {
      const namespace = type.startsWith('Custom::') ? 'Custom' : type.split('::').slice(0, 2).join('::');
      return services[namespace] === undefined;
    });
    expect(unknown).toEqual([]);
    for (const service of ['apigateway', 'backup', 'dynamodb', 'ec2', 'ecs', 'elasticfilesystem', 'lambda']) {
      expect(allowing(policy.Statement, `${service}:CreateSomething`, '*'), service).not.toEqual([]);
    }
  });

  it('lets CloudFormation manage only roles named after the stack (the CI access stack’s included)', () => {
    // Then
    const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:PassRole', 'iam:DeleteRole']) {
      expect(allowing(policy.Statement, action, role('valheim-ondemand-InteractionsRole-ABC'))).not.toEqual(
        [],
      );
      expect(
        allowing(policy.Statement, action, role('valheim-ondemand-ci-access-DeployRole-ABC')),
      ).not.toEqual([]);
      expect(allowing(policy.Statement, action, role('Admin'))).toEqual([]);
      expect(
        allowing(policy.Statement, action, role('cdk-hnb659fds-cfn-exec-role-123456789012-eu-central-1')),
      ).toEqual([]);
    }
    // And no user, group or access key
    for (const action of [
      'iam:CreateUser',
      'iam:CreateAccessKey',
      'iam:AttachUserPolicy',
      'iam:CreatePolicyVersion',
    ]) {
      expect(allowing(policy.Statement, action, '*')).toEqual([]);
    }
  });

  it('attaches only the managed policies the stacks attach, so AdministratorAccess cannot be attached', () => {
    // Given the managed policies of the templates
    const attached = templates.flatMap((template) =>
      resourcesOf(template).flatMap((resource) =>
        ((resource.Properties?.ManagedPolicyArns as unknown[]) ?? []).map((arn) =>
          JSON.stringify(arn).replace(/.*:iam::aws:policy\/([^"]+)".*/, 'arn:aws:iam::aws:policy/$1'),
        ),
      ),
    );
    expect(attached.length).toBeGreaterThan(0);
    // When
    const [attach, ...others] = allowing(
      policy.Statement,
      'iam:AttachRolePolicy',
      'arn:aws:iam::1:role/valheim-ondemand-X',
    );
    expect(others).toEqual([]);
    const allowed = attach?.Condition?.ArnLike?.['iam:PolicyARN'] as string[];
    // Then
    for (const arn of attached)
      expect(
        allowed.some((pattern) => matches(pattern, arn)),
        arn,
      ).toBe(true);
    expect(allowed.some((pattern) => matches(pattern, 'arn:aws:iam::aws:policy/AdministratorAccess'))).toBe(
      false,
    );
  });

  it('reaches only the stack’s own buckets and the CDK assets, never any bucket', () => {
    // Then
    expect(
      allowing(policy.Statement, 's3:PutBucketPolicy', 'arn:aws:s3:::valheim-ondemand-worldsbucket-1a2b'),
    ).not.toEqual([]);
    expect(
      allowing(policy.Statement, 's3:GetObject', 'arn:aws:s3:::cdk-hnb659fds-assets-1-eu-central-1/a.zip'),
    ).not.toEqual([]);
    expect(allowing(policy.Statement, 's3:DeleteBucket', 'arn:aws:s3:::someone-elses-bucket')).toEqual([]);
    expect(
      allowing(policy.Statement, 's3:PutObject', 'arn:aws:s3:::cdk-hnb659fds-assets-1-eu-central-1/a.zip'),
    ).toEqual([]);
  });

  it('is a valid identity policy within IAM’s 6144-character limit, with no action wildcard across services', () => {
    // When
    const document = iam.PolicyDocument.fromJson(policy);
    // Then
    expect(document.validateForIdentityPolicy()).toEqual([]);
    expect(JSON.stringify(policy).replace(/\s/g, '').length).toBeLessThanOrEqual(6144);
    const actions = policy.Statement.flatMap((statement) => statement.Action);
    expect(
      actions.filter((action) => action === '*' || action.startsWith('iam:*') || action.startsWith('sts:')),
    ).toEqual([]);
  });

  it('follows the stack name and the bootstrap qualifier, and names a bad one', () => {
    // When
    const custom = JSON.stringify(cloudFormationExecutionPolicy('my-valheim', 'custom1'));
    // Then
    expect(custom).toContain(':role/my-valheim-*');
    expect(custom).toContain('cdk-custom1-assets-');
    expect(custom).toContain('parameter/cdk-bootstrap/custom1/version');
    expect(() => cloudFormationExecutionPolicy('my valheim')).toThrow(
      /stackName .* "my valheim" was provided/,
    );
    expect(() => cloudFormationExecutionPolicy('v', 'way-too-long')).toThrow(/qualifier .* "way-too-long"/);
  });

  it('names the policy and the bootstrap execution role doctor checks', () => {
    // Then
    expect(cloudFormationExecutionPolicyName('valheim-ondemand')).toBe('valheim-ondemand-cfn-execution');
    expect(cloudFormationExecutionRoleName('123456789012', 'eu-central-1')).toBe(
      'cdk-hnb659fds-cfn-exec-role-123456789012-eu-central-1',
    );
  });
});

describe('npm run bootstrap-policy', () => {
  it('prints the policy of the configured stack as JSON', () => {
    // Given a config for the stack "my-valheim"
    const example = JSON.parse(readFileSync(join(root, 'valheim.config.example.json'), 'utf8'));
    const dir = mkdtempSync(join(tmpdir(), 'valheim-policy-'));
    const file = join(dir, 'valheim.config.json');
    writeFileSync(file, JSON.stringify({ ...example, stackName: 'my-valheim' }));
    // When
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bootstrap-policy.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, VALHEIM_CONFIG: file },
      encoding: 'utf8',
      timeout: 30_000,
    });
    // Then
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(cloudFormationExecutionPolicy('my-valheim'));
  });
});

describe.each(['docs/ci-cd.md', 'README.md'])('%s', (file) => {
  it('bootstraps with the policy this project ships, under the name it gets', () => {
    // When
    const docs = readFileSync(join(root, file), 'utf8');
    // Then
    const name = cloudFormationExecutionPolicyName('valheim-ondemand');
    expect(docs).toContain('npm run --silent bootstrap-policy > cfn-execution-policy.json');
    expect(docs).toContain(`aws iam create-policy --policy-name ${name}`);
    expect(docs).toContain(
      `npx cdk bootstrap --cloudformation-execution-policies arn:aws:iam::ACCOUNT_ID:policy/${name}`,
    );
  });
});
