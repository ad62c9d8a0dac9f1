import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { CiAccessStack, type CiAccessStackProps } from '../../infra/ci-access-stack.js';
import { gameServiceNames } from '../../src/config/names.js';

/** cdk.json's context: the same feature flags and validation settings as `cdk synth`. */
const context = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

interface Built {
  readonly app: App;
  readonly stack: CiAccessStack;
  readonly template: Template;
}

function build(props: CiAccessStackProps, withNag = false): Built {
  const app = new App({ context });
  if (withNag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new CiAccessStack(app, 'CiAccess', props);
  return { app, stack, template: Template.fromStack(stack) };
}

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** A CloudFormation value as text: `Fn::Join` flattened, pseudo parameters and refs as `<Name>`. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const object = value as Json;
  if ('Ref' in object) return `<${String(object.Ref)}>`;
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
  return parts.map(text).join(separator);
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function roleId(template: Template, description: RegExp): string {
  const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, role]) =>
    description.test(String((role.Properties as Json).Description)),
  );
  if (roles.length !== 1) throw new Error(`expected one role matching ${description}, found ${roles.length}`);
  return (roles[0] as [string, unknown])[0];
}

const DEPLOY = /deploy from protected version tags/;
const DIFF = /read-only diff/;

function trust(template: Template, description: RegExp): Statement[] {
  const role = template.findResources('AWS::IAM::Role')[roleId(template, description)] as {
    Properties: { AssumeRolePolicyDocument: { Statement: Statement[] } };
  };
  return role.Properties.AssumeRolePolicyDocument.Statement;
}

/** Every permission statement attached to the role (inline policies and AWS::IAM::Policy resources). */
function permissions(template: Template, description: RegExp): Statement[] {
  const id = roleId(template, description);
  const statements: Statement[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const properties = policy.Properties as { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } };
    if (properties.Roles.some((role) => text(role) === `<${id}>`)) {
      statements.push(...properties.PolicyDocument.Statement);
    }
  }
  const role = template.findResources('AWS::IAM::Role')[id] as { Properties: { Policies?: unknown[] } };
  expect(role.Properties.Policies ?? []).toEqual([]);
  expect(template.findResources('AWS::IAM::ManagedPolicy')).toEqual({});
  return statements;
}

/** What the role may do, as "action on resource" lines. */
function grants(template: Template, description: RegExp): string[] {
  return permissions(template, description).flatMap((statement) => {
    expect(statement.Effect).toBe('Allow');
    return asArray(statement.Action).flatMap((action) =>
      asArray(statement.Resource).map((resource) => `${action} on ${text(resource)}`),
    );
  });
}

/** IAM's StringLike: `*` matches any run of characters, `?` one character. */
function stringLike(pattern: string, value: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`).test(value);
}

/** Whether a token with this sub claim passes one of the trust statements of the issuer `host`. */
function admits(statements: Statement[], host: string, sub: string): boolean {
  return statements.some((statement) => {
    const condition = statement.Condition as {
      StringEquals: Record<string, string>;
      StringLike: Record<string, string>;
    };
    const pattern = condition.StringLike[`${host}:sub`];
    return (
      condition.StringEquals[`${host}:aud`] === 'sts.amazonaws.com' &&
      pattern !== undefined &&
      stringLike(pattern, sub)
    );
  });
}

const ACCOUNT_REGION = '<AWS::AccountId>-<AWS::Region>';
const bootstrapRole = (qualifier: string, kind: string) =>
  `arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-${qualifier}-${kind}-role-${ACCOUNT_REGION}`;

describe('CiAccessStack for a GitLab project', () => {
  const { template } = build({ gitlabProjectPath: 'group/valheim' });

  it('creates the GitLab OIDC provider for the audience the pipeline requests', () => {
    // Then
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://gitlab.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  it('lets only version tags of the project assume the deploy role', () => {
    // When
    const statements = trust(template, DEPLOY);
    // Then the trust policy is exactly one web-identity statement with both conditions
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: { Ref: expect.stringMatching(/^GitLabProvider/) } },
        Condition: {
          StringEquals: { 'gitlab.com:aud': 'sts.amazonaws.com' },
          StringLike: { 'gitlab.com:sub': 'project_path:group/valheim:ref_type:tag:ref:v*' },
        },
      },
    ]);
    // And what that admits
    expect(admits(statements, 'gitlab.com', 'project_path:group/valheim:ref_type:tag:ref:v1.2.3')).toBe(true);
    expect(admits(statements, 'gitlab.com', 'project_path:group/valheim:ref_type:branch:ref:v1.2.3')).toBe(
      false,
    );
    expect(admits(statements, 'gitlab.com', 'project_path:group/valheim:ref_type:branch:ref:main')).toBe(
      false,
    );
    expect(admits(statements, 'gitlab.com', 'project_path:group/valheim2:ref_type:tag:ref:v1.2.3')).toBe(
      false,
    );
    expect(admits(statements, 'gitlab.com', 'project_path:other/valheim:ref_type:tag:ref:v1.2.3')).toBe(
      false,
    );
  });

  it('lets any ref of the project (merge requests included) assume the diff role, and no other project', () => {
    // When
    const statements = trust(template, DIFF);
    // Then
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: { Ref: expect.stringMatching(/^GitLabProvider/) } },
        Condition: {
          StringEquals: { 'gitlab.com:aud': 'sts.amazonaws.com' },
          StringLike: { 'gitlab.com:sub': 'project_path:group/valheim:*' },
        },
      },
    ]);
    expect(admits(statements, 'gitlab.com', 'project_path:group/valheim:ref_type:branch:ref:feature/x')).toBe(
      true,
    );
    expect(admits(statements, 'gitlab.com', 'project_path:group/valheim-fork:ref_type:branch:ref:x')).toBe(
      false,
    );
  });

  it('gives the deploy role only sts:AssumeRole on the four CDK bootstrap roles and a read of the game service', () => {
    // When
    const granted = grants(template, DEPLOY);
    // Then
    const { cluster, service } = gameServiceNames('valheim-ondemand');
    expect(granted.sort()).toEqual(
      [
        `ecs:DescribeServices on arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:service/${cluster}/${service}`,
        ...['deploy', 'file-publishing', 'image-publishing', 'lookup'].map(
          (kind) => `sts:AssumeRole on ${bootstrapRole('hnb659fds', kind)}`,
        ),
      ].sort(),
    );
  });

  it('gives the diff role only a read of the game stack template: it cannot assume any role', () => {
    // When
    const granted = grants(template, DIFF);
    // Then
    const stack =
      'arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/valheim-ondemand/*';
    expect(granted.sort()).toEqual([
      `cloudformation:DescribeStacks on ${stack}`,
      `cloudformation:GetTemplate on ${stack}`,
    ]);
    expect(granted.filter((grant) => grant.startsWith('sts:') || grant.includes('-deploy-role-'))).toEqual(
      [],
    );
  });

  it('grants no wildcard action and no wildcard resource except the stack ID of the game stack', () => {
    // When
    const all = [...grants(template, DEPLOY), ...grants(template, DIFF)];
    // Then
    expect(all.filter((grant) => grant.split(' on ')[0]?.includes('*'))).toEqual([]);
    expect(all.filter((grant) => grant.split(' on ')[1]?.includes('*'))).toEqual([
      expect.stringMatching(/^cloudformation:DescribeStacks on .*:stack\/valheim-ondemand\/\*$/),
      expect.stringMatching(/^cloudformation:GetTemplate on .*:stack\/valheim-ondemand\/\*$/),
    ]);
  });

  it('outputs both role ARNs', () => {
    // Then
    template.hasOutput('DeployRoleArn', {
      Value: { 'Fn::GetAtt': [roleId(template, DEPLOY), 'Arn'] },
    });
    template.hasOutput('DiffRoleArn', { Value: { 'Fn::GetAtt': [roleId(template, DIFF), 'Arn'] } });
  });

  it('tags every resource with the game’s cost-allocation tag', () => {
    // Then
    const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;
    const untagged = Object.entries(resources)
      .filter(([, resource]) => resource.Type !== 'AWS::IAM::Policy') // IAM policies have no tags
      .filter(
        ([, resource]) =>
          !asArray(resource.Properties.Tags as Json[]).some(
            (tag) => tag.Key === 'project' && tag.Value === 'valheim-ondemand',
          ),
      )
      .map(([id]) => id);
    expect(untagged).toEqual([]);
  });
});

describe('CiAccessStack with GitHub as well', () => {
  const { template } = build({
    gitlabProjectPath: 'group/sub/valheim',
    gitlabHost: 'gitlab.example.com',
    githubRepository: 'owner/valheim',
    bootstrapQualifier: 'custom1',
    gameStackName: 'my-valheim',
  });

  it('creates both providers', () => {
    // Then
    template.resourceCountIs('AWS::IAM::OIDCProvider', 2);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://gitlab.example.com' });
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  it('trusts each platform in its own statement with its own conditions', () => {
    // When
    const deploy = trust(template, DEPLOY);
    const diff = trust(template, DIFF);
    // Then
    expect(deploy.map((statement) => statement.Condition)).toEqual([
      {
        StringEquals: { 'gitlab.example.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'gitlab.example.com:sub': 'project_path:group/sub/valheim:ref_type:tag:ref:v*' },
      },
      {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: {
          'token.actions.githubusercontent.com:sub': 'repo:owner/valheim:environment:production',
        },
      },
    ]);
    expect(diff.map((statement) => statement.Condition)).toEqual([
      {
        StringEquals: { 'gitlab.example.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'gitlab.example.com:sub': 'project_path:group/sub/valheim:*' },
      },
      {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:owner/valheim:pull_request' },
      },
    ]);
    // And a GitHub pull request cannot deploy, a GitHub job in the environment can
    const github = 'token.actions.githubusercontent.com';
    expect(admits(deploy, github, 'repo:owner/valheim:pull_request')).toBe(false);
    expect(admits(deploy, github, 'repo:owner/valheim:ref:refs/heads/main')).toBe(false);
    expect(admits(deploy, github, 'repo:owner/valheim:environment:production')).toBe(true);
    expect(admits(diff, github, 'repo:owner/valheim:pull_request')).toBe(true);
  });

  it('uses the bootstrap qualifier and the game stack name in every ARN', () => {
    // Then
    expect(grants(template, DEPLOY)).toEqual(
      expect.arrayContaining([
        `sts:AssumeRole on ${bootstrapRole('custom1', 'deploy')}`,
        expect.stringMatching(/^ecs:DescribeServices on .*:service\/my-valheim\/my-valheim-server$/),
      ]),
    );
    expect(grants(template, DIFF)).toEqual(
      expect.arrayContaining([expect.stringMatching(/:stack\/my-valheim\/\*$/)]),
    );
  });
});

describe('CiAccessStack with existing OIDC providers', () => {
  it('refers to the providers by their ARN instead of creating them', () => {
    // Given
    const { template } = build({
      gitlabProjectPath: 'group/valheim',
      createGitlabProvider: false,
      githubRepository: 'owner/valheim',
      createGithubProvider: false,
    });
    // Then
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(trust(template, DEPLOY).map((statement) => text((statement.Principal as Json).Federated))).toEqual(
      [
        'arn:<AWS::Partition>:iam::<AWS::AccountId>:oidc-provider/gitlab.com',
        'arn:<AWS::Partition>:iam::<AWS::AccountId>:oidc-provider/token.actions.githubusercontent.com',
      ],
    );
  });
});

describe('CiAccessStack and cdk-nag', () => {
  it('has no unacknowledged AWS Solutions finding and synthesizes with the checks on', () => {
    // Given
    const { app, stack } = build(
      { gitlabProjectPath: 'group/valheim', githubRepository: 'owner/valheim' },
      true,
    );
    // When
    const report = new AwsSolutionsChecks().validateScope(stack);
    // Then
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  });
});

describe('CiAccessStack props', () => {
  it.each([
    [{}, /needs gitlabProjectPath .* or githubRepository/],
    [
      { gitlabProjectPath: 'group/*' },
      /gitlabProjectPath must be a GitLab project path .* "group\/\*" was provided/,
    ],
    [{ gitlabProjectPath: 'project' }, /gitlabProjectPath must be/],
    [{ gitlabProjectPath: 'g/p', gitlabHost: 'https://gitlab.com' }, /gitlabHost must be a host name/],
    [{ gitlabProjectPath: 'g/p', gitlabHost: 'gitlab.com:8443' }, /gitlabHost must be/],
    [{ githubRepository: 'owner/*' }, /githubRepository must be a GitHub repository/],
    [{ githubRepository: 'o/r', githubEnvironment: 'prod*' }, /githubEnvironment must be/],
    [
      { gitlabProjectPath: 'g/p', bootstrapQualifier: 'toolongqualifier' },
      /bootstrapQualifier must be up to 10/,
    ],
    [{ gitlabProjectPath: 'g/p', gameStackName: 'valheim*' }, /gameStackName must be/],
  ] as Array<[CiAccessStackProps, RegExp]>)('rejects %j', (props, message) => {
    // When / Then
    expect(() => build(props)).toThrow(message);
  });
});
