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
  type PolicyDocument,
  PROTECTIONS,
  permissionsBoundaryName,
  permissionsBoundaryPolicy,
  SERVICES_BY_RESOURCE_NAMESPACE,
} from '../../src/config/bootstrap-policy.js';
import { type Decision, evaluate, explain, type Principal, type Request } from '../support/iam-evaluator.js';
import { ACCOUNT, type Template as Json, physicalName, REGION, resolve } from '../support/template-arns.js';
import { appContext, exampleConfig } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const STACK = 'valheim-ondemand';
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/${permissionsBoundaryName(STACK)}`;

const execution = cloudFormationExecutionPolicy(STACK);
const boundary = permissionsBoundaryPolicy(STACK);

/** CloudFormation as bootstrapped in the README: the execution policy, under the boundary. */
const cloudFormation: Principal = { policies: [execution], boundary };
/** CloudFormation bootstrapped with the execution policy but without --custom-permissions-boundary. */
const cloudFormationUnbounded: Principal = { policies: [execution] };
/** CloudFormation whose role someone also gave AdministratorAccess: the boundary is what holds. */
const cloudFormationWithAdmin: Principal = {
  policies: [execution, { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }],
  boundary,
};
/** The worst role a template can make: a policy that allows everything, under the boundary it must carry. */
const anyStackRole: Principal = {
  policies: [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }],
  boundary,
};

const decision = (principal: Principal, request: Request): Decision => evaluate(principal, request);
const why = (principal: Principal, request: Request) =>
  `${request.action} on ${request.resource}: ${explain(principal.policies, request).join(', ') || 'no identity statement'} / boundary: ${principal.boundary ? explain([principal.boundary], request).join(', ') || 'no statement' : 'none'}`;

/** The copies that must outlive any deploy, as ARNs in a deployed account. */
const RETAINED = {
  vault: `arn:aws:backup:${REGION}:${ACCOUNT}:backup-vault:valheimondemandBackupVaultD27B53F3`,
  recoveryPoint: `arn:aws:backup:${REGION}:${ACCOUNT}:recovery-point:0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9`,
  fileSystem: `arn:aws:elasticfilesystem:${REGION}:${ACCOUNT}:file-system/fs-0123456789abcdef0`,
  bucket: `arn:aws:s3:::${physicalName(STACK, 'WorldsBucket97AE83F6', true)}`,
};

describe('what no deploy and no role of the stacks may do', () => {
  const destructive: Array<[string, string]> = [
    ...PROTECTIONS.recoveryPoints.map((action): [string, string] => [
      action,
      /RecoveryPoint/.test(action) ? RETAINED.recoveryPoint : RETAINED.vault,
    ]),
    ...PROTECTIONS.fileSystem.map((action): [string, string] => [action, RETAINED.fileSystem]),
    ...PROTECTIONS.worldBucket.map((action): [string, string] => [
      action,
      action === 's3:DeleteObjectVersion' || action === 's3:BypassGovernanceRetention'
        ? `${RETAINED.bucket}/snapshots/Dedicated/20261123T190500Z.tar.gz`
        : RETAINED.bucket,
    ]),
  ];

  it.each([
    ['CloudFormation under the boundary', cloudFormation],
    ['CloudFormation without the boundary on its role', cloudFormationUnbounded],
    ['CloudFormation with AdministratorAccess added, under the boundary', cloudFormationWithAdmin],
    ['a stack role whose policy allows everything', anyStackRole],
  ] as const)(
    '%s cannot remove the vault lock, delete or shorten recovery points, delete the file system, or delete versions, the bucket policy or the bucket',
    (_who, principal) => {
      for (const [action, resource] of destructive) {
        const request = { action, resource };
        expect(decision(principal, request), why(principal, request)).toBe('explicit deny');
      }
    },
  );

  it('lets CloudFormation change the world bucket’s lifecycle and policy until the bucket is sealed, then never', () => {
    // Given the residual risk README → Security states: the stack sets both when it creates the bucket
    for (const action of PROTECTIONS.sealedWorldBucket) {
      expect(decision(cloudFormation, { action, resource: RETAINED.bucket }), action).toBe('allowed');
    }
    // When the bucket is sealed after the first deploy
    const name = RETAINED.bucket.replace('arn:aws:s3:::', '');
    const sealed: Principal = {
      policies: [cloudFormationExecutionPolicy(STACK, { sealedWorldBucket: name })],
      boundary: permissionsBoundaryPolicy(STACK, { sealedWorldBucket: name }),
    };
    const sealedRole: Principal = { ...anyStackRole, boundary: sealed.boundary };
    // Then neither CloudFormation nor any role can expire snapshots by a lifecycle rule or open the policy
    for (const action of PROTECTIONS.sealedWorldBucket) {
      for (const principal of [sealed, sealedRole]) {
        const request = { action, resource: RETAINED.bucket };
        expect(decision(principal, request), why(principal, request)).toBe('explicit deny');
      }
    }
    // And its objects are still written as before
    expect(decision(sealed, { action: 's3:PutObject', resource: `${RETAINED.bucket}/snapshots/x` })).toBe(
      'allowed',
    );
  });

  it('creates and changes roles only with the boundary on them', () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/${STACK}-InteractionsRole23085550-A1B2C3`;
    const withBoundary = { 'iam:PermissionsBoundary': BOUNDARY_ARN };
    for (const principal of [
      cloudFormation,
      cloudFormationUnbounded,
      cloudFormationWithAdmin,
      anyStackRole,
    ]) {
      // Allowed with the boundary (what the stack does)
      for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:PutRolePermissionsBoundary']) {
        const request = { action, resource: role, context: withBoundary };
        expect(decision(principal, request), why(principal, request)).toBe('allowed');
      }
      // Refused without it, or with another one
      for (const context of [{}, { 'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/Wide` }]) {
        for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy']) {
          const request = { action, resource: role, context };
          expect(decision(principal, request), why(principal, request)).not.toBe('allowed');
        }
      }
      // The boundary is never removed, nor the two policies rewritten
      const removal = { action: 'iam:DeleteRolePermissionsBoundary', resource: role };
      expect(decision(principal, removal)).toBe('explicit deny');
      for (const name of [permissionsBoundaryName(STACK), cloudFormationExecutionPolicyName(STACK)]) {
        const edit = {
          action: 'iam:CreatePolicyVersion',
          resource: `arn:aws:iam::${ACCOUNT}:policy/${name}`,
        };
        expect(decision(principal, edit), why(principal, edit)).toBe('explicit deny');
      }
    }
  });

  it('gives a bounded role no way around the boundary: no users, keys, other roles, policies or functions', () => {
    const attempts: Request[] = [
      { action: 'iam:CreateUser', resource: `arn:aws:iam::${ACCOUNT}:user/mallory` },
      { action: 'iam:CreateAccessKey', resource: `arn:aws:iam::${ACCOUNT}:user/admin` },
      { action: 'iam:AttachUserPolicy', resource: `arn:aws:iam::${ACCOUNT}:user/admin` },
      { action: 'iam:CreatePolicy', resource: `arn:aws:iam::${ACCOUNT}:policy/Wide` },
      { action: 'iam:PutRolePolicy', resource: `arn:aws:iam::${ACCOUNT}:role/Admin` },
      { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/Admin` },
      { action: 'iam:UpdateAssumeRolePolicy', resource: `arn:aws:iam::${ACCOUNT}:role/Admin` },
      { action: 'sts:AssumeRole', resource: `arn:aws:iam::${ACCOUNT}:role/Admin` },
      // Another app's function and its role: rewrite it, or invoke it as a custom resource
      {
        action: 'lambda:UpdateFunctionCode',
        resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:admin-tool`,
      },
      {
        action: 'lambda:InvokeFunction',
        resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:admin-tool`,
      },
      { action: 'kms:ScheduleKeyDeletion', resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1` },
      { action: 'organizations:LeaveOrganization', resource: '*' },
    ];
    for (const principal of [cloudFormation, cloudFormationUnbounded, anyStackRole]) {
      for (const request of attempts) {
        expect(decision(principal, request), why(principal, request)).not.toBe('allowed');
      }
    }
  });
});

/** Both stacks with every optional part on: DNS, budget, schedules, Cost Explorer, GitLab and GitHub. */
function synthesizeBoth(): Json[] {
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
  return [game, ciAccess].map(
    (stack) => Template.fromStack(stack as NonNullable<typeof stack>).toJSON() as Json,
  );
}

/**
 * What CloudFormation's handler of each resource type calls, as IAM actions (from the resource types'
 * documented handler permissions, reduced to this stack's use): `action` on the resource itself, or
 * `action@role` (each role the resource passes), `@assets` (the bootstrap bucket), `@kms:<service>` (a key
 * through that service), `@function` (the custom resource's function), `@*`.
 */
const CLOUDFORMATION_CALLS: Record<string, string[]> = {
  'AWS::ApiGatewayV2::Api': [
    'apigateway:POST@*',
    'apigateway:GET@*',
    'apigateway:PATCH@*',
    'apigateway:DELETE@*',
  ],
  'AWS::ApiGatewayV2::Integration': ['apigateway:POST@*', 'apigateway:GET@*', 'apigateway:PATCH@*'],
  'AWS::ApiGatewayV2::Route': ['apigateway:POST@*', 'apigateway:GET@*', 'apigateway:PATCH@*'],
  'AWS::ApiGatewayV2::Stage': ['apigateway:POST@*', 'apigateway:PATCH@*', 'logs:CreateLogDelivery@*'],
  'AWS::Backup::BackupPlan': ['backup:CreateBackupPlan', 'backup:UpdateBackupPlan', 'backup:TagResource'],
  'AWS::Backup::BackupSelection': [
    'backup:CreateBackupSelection',
    'backup:GetBackupSelection',
    'iam:PassRole@role',
  ],
  'AWS::Backup::BackupVault': [
    'backup:CreateBackupVault',
    'backup:PutBackupVaultLockConfiguration',
    'backup:DescribeBackupVault',
    'backup:TagResource',
    'backup-storage:MountCapsule@*',
    'kms:CreateGrant@kms:backup',
    'kms:GenerateDataKey@kms:backup',
    'kms:Decrypt@kms:backup',
  ],
  'AWS::Budgets::Budget': ['budgets:ModifyBudget@*', 'budgets:ViewBudget@*'],
  'AWS::DynamoDB::Table': ['dynamodb:CreateTable', 'dynamodb:DescribeTable', 'dynamodb:UpdateTimeToLive'],
  'AWS::EC2::InternetGateway': ['ec2:CreateInternetGateway@*', 'ec2:CreateTags@*'],
  'AWS::EC2::Route': ['ec2:CreateRoute@*'],
  'AWS::EC2::RouteTable': ['ec2:CreateRouteTable@*'],
  'AWS::EC2::SecurityGroup': ['ec2:CreateSecurityGroup@*', 'ec2:RevokeSecurityGroupEgress@*'],
  'AWS::EC2::SecurityGroupIngress': ['ec2:AuthorizeSecurityGroupIngress@*'],
  'AWS::EC2::Subnet': ['ec2:CreateSubnet@*', 'ec2:ModifySubnetAttribute@*'],
  'AWS::EC2::SubnetRouteTableAssociation': ['ec2:AssociateRouteTable@*'],
  'AWS::EC2::VPC': ['ec2:CreateVpc@*', 'ec2:ModifyVpcAttribute@*', 'ec2:DescribeVpcs@*'],
  'AWS::EC2::VPCGatewayAttachment': ['ec2:AttachInternetGateway@*'],
  'AWS::ECS::Cluster': ['ecs:CreateCluster@*', 'ecs:PutClusterCapacityProviders@*'],
  'AWS::ECS::ClusterCapacityProviderAssociations': ['ecs:PutClusterCapacityProviders@*'],
  'AWS::ECS::Service': ['ecs:CreateService@*', 'ecs:UpdateService@*', 'ecs:DescribeServices@*'],
  'AWS::ECS::TaskDefinition': [
    'ecs:RegisterTaskDefinition@*',
    'ecs:DeregisterTaskDefinition@*',
    'iam:PassRole@role',
  ],
  'AWS::EFS::AccessPoint': ['elasticfilesystem:CreateAccessPoint@*', 'elasticfilesystem:TagResource@*'],
  'AWS::EFS::FileSystem': [
    'elasticfilesystem:CreateFileSystem@*',
    'elasticfilesystem:PutFileSystemPolicy@*',
    'elasticfilesystem:PutBackupPolicy@*',
    'kms:DescribeKey@kms:elasticfilesystem',
    'kms:CreateGrant@kms:elasticfilesystem',
  ],
  'AWS::EFS::MountTarget': ['elasticfilesystem:CreateMountTarget@*', 'ec2:CreateNetworkInterface@*'],
  'AWS::Events::Rule': ['events:PutRule', 'events:PutTargets', 'events:DescribeRule'],
  'AWS::IAM::OIDCProvider': ['iam:CreateOpenIDConnectProvider@oidc', 'iam:TagOpenIDConnectProvider@oidc'],
  'AWS::IAM::Policy': ['iam:PutRolePolicy@role', 'iam:GetRolePolicy@role'],
  'AWS::IAM::Role': [
    'iam:CreateRole',
    'iam:GetRole',
    'iam:TagRole',
    'iam:PutRolePermissionsBoundary',
    'iam:AttachRolePolicy',
  ],
  'AWS::Lambda::EventInvokeConfig': ['lambda:PutFunctionEventInvokeConfig@function'],
  'AWS::Lambda::Function': [
    'lambda:CreateFunction',
    'lambda:GetFunction',
    'lambda:TagResource',
    'lambda:PutFunctionConcurrency',
    'iam:PassRole@role',
    's3:GetObject@assets',
  ],
  'AWS::Lambda::Permission': ['lambda:AddPermission@function'],
  'AWS::Logs::LogGroup': ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:TagResource'],
  'AWS::Logs::SubscriptionFilter': ['logs:PutSubscriptionFilter@*'],
  'AWS::S3::Bucket': [
    's3:CreateBucket',
    's3:PutBucketTagging',
    's3:PutBucketVersioning',
    's3:PutEncryptionConfiguration',
    's3:PutLifecycleConfiguration',
    's3:PutBucketPublicAccessBlock',
    's3:PutBucketOwnershipControls',
  ],
  'AWS::S3::BucketPolicy': ['s3:PutBucketPolicy@bucket', 's3:GetBucketPolicy@bucket'],
  'AWS::Scheduler::Schedule': ['scheduler:CreateSchedule', 'scheduler:GetSchedule', 'iam:PassRole@role'],
};

describe('the stacks still deploy and run under both policies', () => {
  let templates: Json[];
  beforeAll(() => {
    templates = synthesizeBoth();
  });

  const resourcesOf = (template: Json) => Object.entries(template.Resources);
  const stackNameOf = (index: number) => (index === 0 ? STACK : `${STACK}-ci-access`);

  it('covers the service of every resource type the stacks create', () => {
    const types = [...new Set(templates.flatMap((t) => resourcesOf(t).map(([, r]) => r.Type)))];
    const services = SERVICES_BY_RESOURCE_NAMESPACE as Record<string, string>;
    const unknown = types.filter((type) => {
      const namespace = type.startsWith('Custom::') ? 'Custom' : type.split('::').slice(0, 2).join('::');
      return services[namespace] === undefined;
    });
    expect(unknown).toEqual([]);
    // And every type has its CloudFormation calls listed below, so the next test judges it
    expect(types.filter((type) => !type.startsWith('Custom::') && !CLOUDFORMATION_CALLS[type])).toEqual([]);
  });

  it('lets CloudFormation make every call each resource of both templates needs', () => {
    const refused: string[] = [];
    templates.forEach((template, index) => {
      const stackName = stackNameOf(index);
      for (const [id, resource] of resourcesOf(template)) {
        const calls = resource.Type.startsWith('Custom::')
          ? ['lambda:InvokeFunction@function']
          : (CLOUDFORMATION_CALLS[resource.Type] ?? []);
        for (const call of calls) {
          for (const request of requestsFor(call, template, stackName, id)) {
            const allowed = decision(cloudFormation, request) === 'allowed';
            const allowedUnbounded = decision(cloudFormationUnbounded, request) === 'allowed';
            if (!allowed || !allowedUnbounded)
              refused.push(`${resource.Type} ${id}: ${why(cloudFormation, request)}`);
          }
        }
      }
    });
    expect(refused).toEqual([]);
  });

  it('puts the boundary on every role of both stacks', () => {
    const roles = templates.flatMap((t) => resourcesOf(t).filter(([, r]) => r.Type === 'AWS::IAM::Role'));
    expect(roles.length).toBeGreaterThan(10);
    for (const [id, role] of roles) {
      expect(resolve(STACK, templates[0] as Json, role.Properties?.PermissionsBoundary), id).toBe(
        BOUNDARY_ARN,
      );
    }
  });

  it('lets every role do what its own policies grant: the boundary takes nothing a stack role uses', () => {
    const refused: string[] = [];
    templates.forEach((template, index) => {
      const stackName = stackNameOf(index);
      for (const [id, resource] of resourcesOf(template)) {
        if (resource.Type !== 'AWS::IAM::Policy') continue;
        const document = resource.Properties?.PolicyDocument as { Statement: StatementJson[] };
        const statements = document.Statement;
        for (const statement of statements) {
          if (statement.Effect !== 'Allow') continue;
          for (const action of [statement.Action].flat()) {
            for (const target of [resolve(stackName, template, statement.Resource)].flat()) {
              const request = { action, resource: String(target), context: contextFor(action) };
              const result = decision({ policies: [], boundary }, { ...request }) === 'explicit deny';
              const inBoundary = explain([boundary], request).some((s) => s.startsWith('Allow'));
              if (result || !inBoundary) refused.push(`${id}: ${why({ policies: [], boundary }, request)}`);
            }
          }
        }
      }
    });
    expect(refused).toEqual([]);
  });

  it('lets the roles reach what their managed policy and their secrets need through AWS', () => {
    // The backup selection's role: what AWSBackupServiceRolePolicyForBackup lets AWS Backup do to EFS
    const needs: Request[] = [
      { action: 'elasticfilesystem:Backup', resource: RETAINED.fileSystem },
      { action: 'elasticfilesystem:DescribeTags', resource: RETAINED.fileSystem },
      { action: 'tag:GetResources', resource: '*' },
      { action: 'backup:DescribeBackupVault', resource: RETAINED.vault },
      { action: 'backup:CopyIntoBackupVault', resource: RETAINED.vault },
      // SecureString parameters (the password, the bot token, the endpoint's path) through SSM
      ...['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'].map((action) => ({
        action,
        resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/aws-ssm`,
        context: { 'kms:ViaService': `ssm.${REGION}.amazonaws.com` },
      })),
      {
        action: 'ssm:PutParameter',
        resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${STACK}/discord-endpoint-path`,
      },
    ];
    for (const request of needs) {
      expect(decision(anyStackRole, request), why(anyStackRole, request)).toBe('allowed');
    }
    // But a key used directly, outside those services, is not
    const direct = { action: 'kms:Decrypt', resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/aws-ssm` };
    expect(decision(anyStackRole, direct)).not.toBe('allowed');
  });
});

type StatementJson = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The condition keys a request for `action` carries that the boundary looks at. */
function contextFor(action: string): Request['context'] {
  if (action === 'iam:PassRole') return { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' };
  return undefined;
}

/** The requests one CLOUDFORMATION_CALLS entry stands for, for resource `id` of `template`. */
function requestsFor(call: string, template: Json, stackName: string, id: string): Request[] {
  const [action, target = 'self'] = call.split('@') as [string, string?];
  const resource = template.Resources[id] as { Type: string; Properties?: Record<string, unknown> };
  const props = resource.Properties ?? {};
  const withBoundary = { 'iam:PermissionsBoundary': BOUNDARY_ARN };
  const roleArns = (): string[] => {
    const found =
      JSON.stringify(props).match(/"Fn::GetAtt":\["([A-Za-z0-9]+Role[A-Za-z0-9]*)","Arn"\]/g) ?? [];
    const ids = found.map((text) => text.replace(/.*\["([^"]+)".*/, '$1'));
    const refs = (props.Roles as unknown[] | undefined)?.map((r) => (r as { Ref: string }).Ref) ?? [];
    return [...new Set([...ids, ...refs])].map((roleId) =>
      String(resolve(stackName, template, { 'Fn::GetAtt': [roleId, 'Arn'] })),
    );
  };
  switch (target) {
    case '*':
      return [{ action, resource: '*' }];
    case 'role':
      // The roles carry the boundary (checked below), so IAM sees it on every change of them.
      return roleArns().map((arn) => ({
        action,
        resource: arn,
        ...(action !== 'iam:PassRole' && { context: withBoundary }),
      }));
    case 'assets':
      return [{ action, resource: `arn:aws:s3:::cdk-hnb659fds-assets-${ACCOUNT}-${REGION}/asset.zip` }];
    case 'oidc':
      return [{ action, resource: `arn:aws:iam::${ACCOUNT}:oidc-provider/gitlab.com` }];
    case 'bucket':
      return [{ action, resource: `arn:aws:s3:::${String(resolve(stackName, template, props.Bucket))}` }];
    case 'function': {
      const token = props.ServiceToken ?? props.FunctionName;
      const value = String(resolve(stackName, template, token));
      const arn = value.startsWith('arn:') ? value : `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${value}`;
      return [{ action, resource: arn }];
    }
    case 'self': {
      const arn = String(resolve(stackName, template, { 'Fn::GetAtt': [id, 'Arn'] }));
      const context =
        action.startsWith('iam:') && action !== 'iam:GetRole' && action !== 'iam:TagRole'
          ? {
              ...withBoundary,
              'iam:PolicyARN': 'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
            }
          : undefined;
      return [{ action, resource: arn, ...(context && { context }) }];
    }
    default: {
      if (target.startsWith('kms:')) {
        const service = target.slice(4);
        return [
          {
            action,
            resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/aws-${service}`,
            context: { 'kms:ViaService': `${service}.${REGION}.amazonaws.com` },
          },
        ];
      }
      throw new Error(`unknown target ${target}`);
    }
  }
}

describe('the two policy documents', () => {
  it.each([
    ['execution policy', execution],
    ['permissions boundary', boundary],
  ] as const)(
    'the %s is a valid identity policy within IAM’s 6144-character limit, with no action wildcard across services',
    (_name, policy: PolicyDocument) => {
      const document = iam.PolicyDocument.fromJson(policy);
      expect(document.validateForIdentityPolicy()).toEqual([]);
      expect(JSON.stringify(policy).replace(/\s/g, '').length).toBeLessThanOrEqual(6144);
      const actions = policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action);
      expect(
        actions.filter((action) => action === '*' || action.startsWith('iam:*') || action === 'sts:*'),
      ).toEqual([]);
    },
  );

  it('follows the stack name and the bootstrap qualifier, and names a bad one', () => {
    const custom = JSON.stringify(cloudFormationExecutionPolicy('my-valheim', 'custom1'));
    expect(custom).toContain(':role/my-valheim-*');
    expect(custom).toContain(':function:my-valheim-*');
    expect(custom).toContain(':policy/my-valheim-permissions-boundary');
    expect(custom).toContain('cdk-custom1-assets-');
    expect(custom).toContain('parameter/cdk-bootstrap/custom1/version');
    expect(() => cloudFormationExecutionPolicy('my valheim')).toThrow(
      /stackName .* "my valheim" was provided/,
    );
    expect(() => cloudFormationExecutionPolicy('v', 'way-too-long')).toThrow(/qualifier .* "way-too-long"/);
    expect(() => cloudFormationExecutionPolicy('v', { sealedWorldBucket: 'Not A Bucket' })).toThrow(
      /S3 bucket name, but "Not A Bucket"/,
    );
  });

  it('names the policies and the bootstrap execution role doctor checks', () => {
    expect(cloudFormationExecutionPolicyName('valheim-ondemand')).toBe('valheim-ondemand-cfn-execution');
    expect(permissionsBoundaryName('valheim-ondemand')).toBe('valheim-ondemand-permissions-boundary');
    expect(cloudFormationExecutionRoleName('123456789012', 'eu-central-1')).toBe(
      'cdk-hnb659fds-cfn-exec-role-123456789012-eu-central-1',
    );
  });
});

describe('npm run bootstrap-policy', () => {
  const example = JSON.parse(readFileSync(join(root, 'valheim.config.example.json'), 'utf8'));
  const run = (args: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'valheim-policy-'));
    const file = join(dir, 'valheim.config.json');
    writeFileSync(file, JSON.stringify({ ...example, stackName: 'my-valheim' }));
    return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bootstrap-policy.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, VALHEIM_CONFIG: file },
      encoding: 'utf8',
      timeout: 30_000,
    });
  };

  it('prints the execution policy, the boundary, and the sealed policies of the configured stack', () => {
    const plain = run([]);
    expect(plain.status, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout)).toEqual(cloudFormationExecutionPolicy('my-valheim'));
    const bounded = run(['--boundary']);
    expect(JSON.parse(bounded.stdout)).toEqual(permissionsBoundaryPolicy('my-valheim'));
    const sealed = run(['--seal-world-bucket', 'my-valheim-worldsbucket-abc']);
    expect(JSON.parse(sealed.stdout)).toEqual(
      cloudFormationExecutionPolicy('my-valheim', { sealedWorldBucket: 'my-valheim-worldsbucket-abc' }),
    );
  });

  it('names an unknown option in one line', () => {
    const result = run(['--bondary']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('--bondary');
  });
});

describe.each(['docs/ci-cd.md', 'README.md'])('%s', (file) => {
  it('creates the boundary and bootstraps with the policies this project ships, under their names', () => {
    const docs = readFileSync(join(root, file), 'utf8');
    const name = cloudFormationExecutionPolicyName('valheim-ondemand');
    const boundaryName = permissionsBoundaryName('valheim-ondemand');
    expect(docs).toContain('npm run --silent bootstrap-policy -- --boundary > permissions-boundary.json');
    expect(docs).toContain(
      `aws iam create-policy --policy-name ${boundaryName} --policy-document file://permissions-boundary.json`,
    );
    expect(docs).toContain('npm run --silent bootstrap-policy > cfn-execution-policy.json');
    expect(docs).toContain(`aws iam create-policy --policy-name ${name}`);
    expect(docs).toContain(
      `npx cdk bootstrap --cloudformation-execution-policies arn:aws:iam::ACCOUNT_ID:policy/${name} --custom-permissions-boundary ${boundaryName}`,
    );
  });
});
