/*
 * What CloudFormation, and every role the stacks create, may ever do in the account: two customer managed
 * policies an admin creates once.
 *
 * - The **execution policy** (`<stackName>-cfn-execution`, for `cdk bootstrap --cloudformation-execution-policies`):
 *   by default the bootstrap gives CloudFormation AdministratorAccess, so whoever may deploy (a CI job from a
 *   version tag included) may do anything in the account. This policy lets CloudFormation touch only the
 *   services the game stack and the CI access stack use, Lambda functions, roles and buckets named after the
 *   stack, and attach no managed policy but the one the stack attaches.
 * - The **permissions boundary** (`<stackName>-permissions-boundary`): the most any role of the stacks may do,
 *   put on every role they create (infra/valheim-app.ts) and, with `cdk bootstrap --custom-permissions-boundary`,
 *   on the execution role too. Both policies allow creating or changing a role only with this boundary on it,
 *   so a template cannot make a role that escapes them.
 *
 * Both deny, whatever else allows it, what would erase the copies of the world that outlive a bad deploy
 * (PROTECTIONS): removing the backup vault's lock, deleting or shortening recovery points, deleting a file
 * system, deleting object versions, the bucket policy or the bucket. What AWS cannot tell apart from a
 * legitimate deploy (the world bucket's lifecycle and policy, which the stack sets) is denied only once the
 * bucket is sealed (`sealedWorldBucket`, after the first deploy); README → Security says what remains.
 */

/** The bootstrap qualifier `cdk bootstrap` uses unless told otherwise. */
export const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** AWS managed policies the stack attaches to its roles (the AWS Backup selection's role). */
export const ATTACHABLE_MANAGED_POLICIES = ['service-role/AWSBackupServiceRolePolicyForBackup'] as const;

/**
 * The IAM service prefix of each CloudFormation resource namespace the stacks use. Every resource type of both
 * templates must be listed here (test/infra/bootstrap-policy.test.ts checks it), so a new kind of resource
 * cannot be deployed until the policy allows it. IAM, Lambda and S3 are granted apart, on the stack's own names.
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

/**
 * Services granted with every action on every resource: the ones whose resources have generated,
 * unpredictable names. Lambda is not among them: with `lambda:*` on `*` a template could rewrite (or, as a
 * custom resource, invoke) any other function in the account and act with that function's role.
 */
const WHOLE_SERVICES = Object.values(SERVICES_BY_RESOURCE_NAMESPACE).filter(
  (service) => service !== 'iam' && service !== 's3' && service !== 'lambda',
);

/** What CloudFormation does to the stack's roles that IAM cannot tie to the boundary (no condition key). */
const ROLE_ACTIONS = [
  'iam:DeleteRole',
  'iam:GetRole',
  'iam:UpdateRole',
  'iam:UpdateRoleDescription',
  'iam:UpdateAssumeRolePolicy',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:ListRoleTags',
  'iam:GetRolePolicy',
  'iam:ListRolePolicies',
  'iam:ListAttachedRolePolicies',
  'iam:ListInstanceProfilesForRole',
  'iam:PassRole',
];

/**
 * What gives a role its permissions: allowed only when the role carries the boundary (IAM's
 * `iam:PermissionsBoundary` key is the boundary of the role being created or changed).
 */
const BOUNDED_ROLE_ACTIONS = [
  'iam:CreateRole',
  'iam:PutRolePolicy',
  'iam:DeleteRolePolicy',
  'iam:PutRolePermissionsBoundary',
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

/**
 * The actions that would erase a copy of the world that must outlive any deploy, denied to CloudFormation
 * and to every role of the stacks. The retained copies are the EFS file system, the AWS Backup recovery
 * points (under Vault Lock) and the object versions in the world bucket.
 */
export const PROTECTIONS = {
  /** Recovery points: the lock stays, and no point is deleted or expires earlier than it was made to. */
  recoveryPoints: [
    'backup:DeleteBackupVaultLockConfiguration',
    'backup:DeleteRecoveryPoint',
    'backup:UpdateRecoveryPointLifecycle',
    'backup:DisassociateRecoveryPoint',
    'backup:DisassociateRecoveryPointFromParent',
    // A vault access policy could let another account delete recovery points once their lock allows it.
    'backup:PutBackupVaultAccessPolicy',
  ],
  /** The live world. */
  fileSystem: ['elasticfilesystem:DeleteFileSystem'],
  /** The world bucket: versions go only by the lifecycle, the policy that says so stays, so does the bucket. */
  worldBucket: [
    's3:DeleteObjectVersion',
    's3:BypassGovernanceRetention',
    's3:DeleteBucketPolicy',
    's3:DeleteBucket',
  ],
  /**
   * Changes the stack itself makes when it creates the bucket, so AWS cannot refuse them to a bad deploy
   * without refusing the first deploy: denied once the bucket is sealed. A lifecycle rule can expire every
   * version whatever the bucket policy says; a new policy can let another account delete versions; suspended
   * versioning lets the next delete or overwrite destroy the object.
   */
  sealedWorldBucket: [
    's3:PutLifecycleConfiguration',
    's3:PutBucketPolicy',
    's3:PutBucketVersioning',
    's3:PutBucketOwnershipControls',
    's3:PutBucketAcl',
    's3:PutBucketObjectLockConfiguration',
  ],
} as const;

export type PolicyCondition = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string[];
  readonly Resource: string[];
  readonly Condition?: PolicyCondition;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: PolicyStatement[];
}

export interface PolicyOptions {
  /** The bootstrap qualifier. @default DEFAULT_BOOTSTRAP_QUALIFIER */
  readonly qualifier?: string;
  /**
   * The deployed world bucket's name (stack output WorldBucket): from then on no deploy may change its
   * lifecycle, policy, versioning or ownership (PROTECTIONS.sealedWorldBucket).
   * @default - not sealed: a deploy may still change them
   */
  readonly sealedWorldBucket?: string;
}

/** Name of the customer managed policy the docs create from `cloudFormationExecutionPolicy`. */
export function cloudFormationExecutionPolicyName(stackName: string): string {
  return `${stackName}-cfn-execution`;
}

/** Name of the customer managed policy the docs create from `permissionsBoundaryPolicy`. */
export function permissionsBoundaryName(stackName: string): string {
  return `${stackName}-permissions-boundary`;
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
  options: PolicyOptions | string = {},
): PolicyDocument {
  const { qualifier, sealedWorldBucket } = normalize(stackName, options);
  return {
    Version: '2012-10-17',
    Statement: [
      ...deployStatements(stackName, qualifier),
      ...protectionStatements(stackName, sealedWorldBucket),
    ],
  };
}

/**
 * The permissions boundary of every role of the stacks (and, bootstrapped with
 * `--custom-permissions-boundary`, of the execution role): what CloudFormation needs, plus what the
 * stacks' roles do at run time, less PROTECTIONS. A role's own policies then grant a part of it.
 */
export function permissionsBoundaryPolicy(
  stackName: string,
  options: PolicyOptions | string = {},
): PolicyDocument {
  const { qualifier, sealedWorldBucket } = normalize(stackName, options);
  return {
    Version: '2012-10-17',
    Statement: [
      ...deployStatements(stackName, qualifier),
      ...runtimeStatements(stackName, qualifier),
      ...protectionStatements(stackName, sealedWorldBucket),
    ],
  };
}

function normalize(stackName: string, options: PolicyOptions | string) {
  const { qualifier = DEFAULT_BOOTSTRAP_QUALIFIER, sealedWorldBucket } =
    typeof options === 'string' ? { qualifier: options } : options;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(stackName)) {
    throw new Error(`stackName must be a CloudFormation stack name, but "${stackName}" was provided`);
  }
  if (!/^[A-Za-z0-9]{1,10}$/.test(qualifier)) {
    throw new Error(`qualifier must be up to 10 letters or digits, but "${qualifier}" was provided`);
  }
  if (sealedWorldBucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(sealedWorldBucket)) {
    throw new Error(`the world bucket must be an S3 bucket name, but "${sealedWorldBucket}" was provided`);
  }
  return { qualifier, sealedWorldBucket };
}

/** CloudFormation names what it creates `<stack name>-<logical ID>-<suffix>` (buckets in lower case). */
function stackArns(stackName: string) {
  const bucket = `arn:*:s3:::${stackName.toLowerCase()}-*`;
  return {
    roles: `arn:*:iam::*:role/${stackName}-*`,
    functions: `arn:*:lambda:*:*:function:${stackName}-*`,
    bucket,
    objects: `${bucket}/*`,
    boundary: `arn:*:iam::*:policy/${permissionsBoundaryName(stackName)}`,
    executionPolicy: `arn:*:iam::*:policy/${cloudFormationExecutionPolicyName(stackName)}`,
    parameters: `arn:*:ssm:*:*:parameter/${stackName}/*`,
  };
}

/** What CloudFormation needs to deploy both stacks. */
function deployStatements(stackName: string, qualifier: string): PolicyStatement[] {
  const arns = stackArns(stackName);
  const withBoundary = { ArnLike: { 'iam:PermissionsBoundary': arns.boundary } };
  return [
    {
      Sid: 'StackServices',
      Effect: 'Allow',
      Action: [...new Set(WHOLE_SERVICES)].sort().map((service) => `${service}:*`),
      Resource: ['*'],
    },
    {
      // The stack's functions only (custom resources included); layers and code signing are looked up.
      Sid: 'StackFunctions',
      Effect: 'Allow',
      Action: ['lambda:*'],
      Resource: [arns.functions],
    },
    {
      Sid: 'LambdaLookups',
      Effect: 'Allow',
      Action: ['lambda:GetLayerVersion', 'lambda:GetCodeSigningConfig'],
      Resource: ['*'],
    },
    {
      // Creating a backup vault mounts its storage and uses the AWS managed key aws/backup; an encrypted file
      // system uses aws/elasticfilesystem.
      Sid: 'KeysThroughBackupAndEfs',
      Effect: 'Allow',
      Action: ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey', 'kms:RetireGrant'],
      Resource: ['*'],
      Condition: {
        StringLike: { 'kms:ViaService': ['backup.*.amazonaws.com', 'elasticfilesystem.*.amazonaws.com'] },
      },
    },
    // Apart from the keys: a condition on kms:ViaService would never hold for it.
    { Sid: 'BackupVaultStorage', Effect: 'Allow', Action: ['backup-storage:MountCapsule'], Resource: ['*'] },
    { Sid: 'StackRoles', Effect: 'Allow', Action: ROLE_ACTIONS, Resource: [arns.roles] },
    {
      Sid: 'StackRolesOnlyWithTheBoundary',
      Effect: 'Allow',
      Action: BOUNDED_ROLE_ACTIONS,
      Resource: [arns.roles],
      Condition: withBoundary,
    },
    {
      Sid: 'AttachOnlyTheStacksManagedPolicies',
      Effect: 'Allow',
      Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
      Resource: [arns.roles],
      Condition: {
        ArnLike: {
          'iam:PolicyARN': ATTACHABLE_MANAGED_POLICIES.map((name) => `arn:*:iam::aws:policy/${name}`),
          'iam:PermissionsBoundary': arns.boundary,
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
    { Sid: 'WorldBucket', Effect: 'Allow', Action: ['s3:*'], Resource: [arns.bucket, arns.objects] },
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
  ];
}

/** What the stacks' roles do at run time beyond what CloudFormation does (their own policies grant a part). */
function runtimeStatements(stackName: string, qualifier: string): PolicyStatement[] {
  const arns = stackArns(stackName);
  return [
    {
      // The monitor's DNS record, Cost Explorer for /valheim cost, AWS Backup's look-up of what to back up.
      Sid: 'RuntimeLookups',
      Effect: 'Allow',
      Action: [
        'ce:GetCostAndUsage',
        'route53:ChangeResourceRecordSets',
        'route53:GetChange',
        'tag:GetResources',
      ],
      Resource: ['*'],
    },
    {
      // The stack's parameters: the secrets (read by the tasks and functions) and the endpoint's path.
      Sid: 'StackParameters',
      Effect: 'Allow',
      Action: [
        'ssm:GetParameter',
        'ssm:GetParameters',
        'ssm:GetParameterHistory',
        'ssm:DescribeParameters',
        'ssm:PutParameter',
        'ssm:DeleteParameter',
      ],
      Resource: [arns.parameters],
    },
    {
      // SecureString parameters decrypt with aws/ssm through SSM; nothing else uses a key directly.
      Sid: 'KeysThroughServices',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      Resource: ['*'],
      Condition: {
        StringLike: { 'kms:ViaService': ['ssm.*.amazonaws.com', 'elasticfilesystem.*.amazonaws.com'] },
      },
    },
    {
      // The CI deploy role reaches the account only through the CDK bootstrap roles; the diff role reads.
      Sid: 'CiRoles',
      Effect: 'Allow',
      Action: ['sts:AssumeRole', 'cloudformation:DescribeStacks', 'cloudformation:GetTemplate'],
      Resource: [`arn:*:iam::*:role/cdk-${qualifier}-*`, `arn:*:cloudformation:*:*:stack/${stackName}/*`],
    },
  ];
}

/** PROTECTIONS as explicit denies, and the guards that keep every role under the boundary. */
function protectionStatements(stackName: string, sealedWorldBucket: string | undefined): PolicyStatement[] {
  const arns = stackArns(stackName);
  const statements: PolicyStatement[] = [
    { Sid: 'KeepRecoveryPoints', Effect: 'Deny', Action: [...PROTECTIONS.recoveryPoints], Resource: ['*'] },
    { Sid: 'KeepFileSystems', Effect: 'Deny', Action: [...PROTECTIONS.fileSystem], Resource: ['*'] },
    {
      Sid: 'KeepWorldBucketVersions',
      Effect: 'Deny',
      Action: [...PROTECTIONS.worldBucket],
      Resource: [arns.bucket, arns.objects],
    },
    {
      // Explicit, so that no other policy on the same role can lift it.
      Sid: 'NoRoleWithoutTheBoundary',
      Effect: 'Deny',
      Action: [
        'iam:CreateRole',
        'iam:PutRolePermissionsBoundary',
        'iam:CreateUser',
        'iam:PutUserPermissionsBoundary',
      ],
      Resource: ['*'],
      Condition: { ArnNotLike: { 'iam:PermissionsBoundary': arns.boundary } },
    },
    {
      Sid: 'KeepBoundaries',
      Effect: 'Deny',
      Action: ['iam:DeleteRolePermissionsBoundary', 'iam:DeleteUserPermissionsBoundary'],
      Resource: ['*'],
    },
    {
      Sid: 'KeepTheseTwoPolicies',
      Effect: 'Deny',
      Action: [
        'iam:CreatePolicyVersion',
        'iam:DeletePolicy',
        'iam:DeletePolicyVersion',
        'iam:SetDefaultPolicyVersion',
      ],
      Resource: [arns.boundary, arns.executionPolicy],
    },
  ];
  if (sealedWorldBucket) {
    statements.push({
      Sid: 'SealedWorldBucket',
      Effect: 'Deny',
      Action: [...PROTECTIONS.sealedWorldBucket],
      Resource: [`arn:*:s3:::${sealedWorldBucket}`],
    });
  }
  return statements;
}
