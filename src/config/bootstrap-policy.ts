/*
 * The least-privileged CloudFormation execution policy for `cdk bootstrap --cloudformation-execution-policies`.
 * By default the bootstrap gives CloudFormation AdministratorAccess, so whoever may deploy (a CI job from a
 * version tag included) may do anything in the account. This policy lets CloudFormation touch only the
 * services the game stack and the CI access stack use, create and change only IAM roles named after the stack,
 * and attach no managed policy but the ones the stack attaches.
 */

/** The bootstrap qualifier `cdk bootstrap` uses unless told otherwise. */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** AWS managed policies the stack attaches to its roles (the AWS Backup selection's role). */
export const ATTACHABLE_MANAGED_POLICIES = ['service-role/AWSBackupServiceRolePolicyForBackup'] as const;

/**
 * The IAM service prefix of each CloudFormation resource namespace the stacks use. Every resource type of both
 * templates must be listed here (test/infra/bootstrap-policy.test.ts checks it), so a new kind of resource
 * cannot be deployed until the policy allows it. IAM and S3 are granted apart, on the stack's own names.
 */
export const SERVICES_BY_RESOURCE_NAMESPACE = {
  'AWS::ApiGatewayV2': 'apigateway',
  'AWS::Backup': 'backup',
  'AWS::Budgets': 'budgets',
  'AWS::DynamoDB': 'dynamodb',
  'AWS::EC2': 'ec2',
  'AWS::ECS': 'ecs',
  'AWS::EFS': 'elasticfilesystem',
  'AWS::Events': 'events',
  'AWS::IAM': 'iam',
  'AWS::Lambda': 'lambda',
  'AWS::Logs': 'logs',
  'AWS::S3': 's3',
  'AWS::Scheduler': 'scheduler',
  // Lambda-backed custom resources: CloudFormation invokes the function (lambda:InvokeFunction).
  Custom: 'lambda',
} as const;

/** Services granted with every action: the ones whose resources have generated, unpredictable names. */
const WHOLE_SERVICES = Object.values(SERVICES_BY_RESOURCE_NAMESPACE).filter(
  (service) => service !== 'iam' && service !== 's3',
);

/** What CloudFormation does to the stack's roles (the AWS::IAM::Role and AWS::IAM::Policy handlers). */
const ROLE_ACTIONS = [
  'iam:CreateRole',
  'iam:DeleteRole',
  'iam:GetRole',
  'iam:UpdateRole',
  'iam:UpdateRoleDescription',
  'iam:UpdateAssumeRolePolicy',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:ListRoleTags',
  'iam:PutRolePolicy',
  'iam:GetRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:ListRolePolicies',
  'iam:ListAttachedRolePolicies',
  'iam:ListInstanceProfilesForRole',
  'iam:PassRole',
];

/** What CloudFormation does to the CI access stack's OIDC providers. */
const OIDC_PROVIDER_ACTIONS = [
  'iam:CreateOpenIDConnectProvider',
  'iam:DeleteOpenIDConnectProvider',
  'iam:GetOpenIDConnectProvider',
  'iam:TagOpenIDConnectProvider',
  'iam:UntagOpenIDConnectProvider',
  'iam:AddClientIDToOpenIDConnectProvider',
  'iam:RemoveClientIDFromOpenIDConnectProvider',
  'iam:UpdateOpenIDConnectProviderThumbprint',
];

/** Services that create their service-linked role the first time a resource is created in an account. */
const SERVICE_LINKED_ROLES = ['ecs.amazonaws.com', 'elasticfilesystem.amazonaws.com', 'backup.amazonaws.com'];

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: PolicyStatement[];
}

/** Name of the customer managed policy the docs create from `cloudFormationExecutionPolicy`. */
export function cloudFormationExecutionPolicyName(stackName: string): string {
  return `${stackName}-cfn-execution`;
}

/** The execution role `cdk bootstrap` creates; `valheim doctor` reads which policies it has. */
export function cloudFormationExecutionRoleName(account: string, region: string, qualifier?: string): string {
  return `cdk-${qualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER}-cfn-exec-role-${account}-${region}`;
}

/**
 * The execution policy for the stack `stackName` (the game stack and `${stackName}-ci-access`). ARNs carry
 * `*` for partition and account: the policy is only ever attached in the account it is created in.
 */
export function cloudFormationExecutionPolicy(
  stackName: string,
  qualifier: string = DEFAULT_BOOTSTRAP_QUALIFIER,
): PolicyDocument {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(stackName)) {
    throw new Error(`stackName must be a CloudFormation stack name, but "${stackName}" was provided`);
  }
  if (!/^[A-Za-z0-9]{1,10}$/.test(qualifier)) {
    throw new Error(`qualifier must be up to 10 letters or digits, but "${qualifier}" was provided`);
  }
  // CloudFormation names what it creates `<stack name>-<logical ID>-<suffix>` (buckets in lower case).
  const roles = `arn:*:iam::*:role/${stackName}-*`;
  const bucket = `arn:*:s3:::${stackName.toLowerCase()}-*`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'StackServices',
        Effect: 'Allow',
        Action: [...new Set(WHOLE_SERVICES)].sort().map((service) => `${service}:*`),
        Resource: ['*'],
      },
      {
        // Creating a backup vault mounts its storage and uses the AWS managed key aws/backup.
        Sid: 'BackupVaultStorage',
        Effect: 'Allow',
        Action: [
          'backup-storage:MountCapsule',
          'kms:CreateGrant',
          'kms:Decrypt',
          'kms:DescribeKey',
          'kms:GenerateDataKey',
          'kms:RetireGrant',
        ],
        Resource: ['*'],
        Condition: { StringLike: { 'kms:ViaService': 'backup.*.amazonaws.com' } },
      },
      {
        Sid: 'StackRoles',
        Effect: 'Allow',
        Action: ROLE_ACTIONS,
        Resource: [roles],
      },
      {
        Sid: 'AttachOnlyTheStacksManagedPolicies',
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        Resource: [roles],
        Condition: {
          ArnLike: {
            'iam:PolicyARN': ATTACHABLE_MANAGED_POLICIES.map((name) => `arn:*:iam::aws:policy/${name}`),
          },
        },
      },
      {
        Sid: 'CiOidcProviders',
        Effect: 'Allow',
        Action: OIDC_PROVIDER_ACTIONS,
        Resource: ['arn:*:iam::*:oidc-provider/*'],
      },
      {
        Sid: 'ServiceLinkedRoles',
        Effect: 'Allow',
        Action: ['iam:CreateServiceLinkedRole'],
        Resource: ['arn:*:iam::*:role/aws-service-role/*'],
        Condition: { StringEquals: { 'iam:AWSServiceName': SERVICE_LINKED_ROLES } },
      },
      {
        Sid: 'WorldBucket',
        Effect: 'Allow',
        Action: ['s3:*'],
        Resource: [bucket, `${bucket}/*`],
      },
      {
        // Lambda reads the function code from the bootstrap bucket with CloudFormation's permissions.
        Sid: 'ReadCdkAssets',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [`arn:*:s3:::cdk-${qualifier}-assets-*/*`],
      },
      {
        // The templates' BootstrapVersion parameter.
        Sid: 'ReadBootstrapVersion',
        Effect: 'Allow',
        Action: ['ssm:GetParameters'],
        Resource: [`arn:*:ssm:*:*:parameter/cdk-bootstrap/${qualifier}/version`],
      },
    ],
  };
}
