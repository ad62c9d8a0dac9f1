import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { formatGameSetting, gameParameterName, isBranchName } from '../../src/game/branch.js';
import { INSTALL_CACHE_PREFIX } from '../../src/server-cache/install-cache.js';
import { SNAPSHOTS } from '../../src/worlds/snapshots.js';
import { acknowledge, nagFinding } from '../validations.js';

export interface GameBranchParameterProps {
  /** The prefix of the parameter name: `/<prefix>/game/branch`. */
  readonly parameterPrefix: string;
  /** The branch a new stack starts with (server.gameBranch). Never written over an existing parameter. */
  readonly initialBranch: string;
  /**
   * How long the logs of the function that creates the parameter are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The game's Steam branch (and a rollback's hold) as one SSM String parameter, which the game task and the
 * install cache read through ECS `secrets` at every launch (src/game/branch.ts). A deploy never changes it: the
 * stack only creates it when it does not exist (PutParameter without overwrite, at the resource's creation
 * only), and `valheim game branch` / `/valheim game branch` / `valheim game rollback` write it. Kept when the
 * stack is deleted, like the world: a stack deployed again keeps the group's choice.
 */
export class GameBranchParameter extends Construct {
  public readonly parameter: ssm.IStringParameter;

  constructor(scope: Construct, id: string, props: GameBranchParameterProps) {
    super(scope, id);
    if (!isBranchName(props.initialBranch)) {
      throw new Error(
        `initialBranch must be a Steam branch name (lower-case letters, digits, "_" and "-"), but "${props.initialBranch}" was provided`,
      );
    }
    this.parameter = ssm.StringParameter.fromStringParameterName(
      this,
      'Branch',
      gameParameterName(props.parameterPrefix),
    );
    // Every AwsCustomResource of a stack runs in one singleton function: when another construct (the active
    // world's parameters) made it already, with its own role and log group, this one only adds its policy to
    // that role. Otherwise it gives the function an own role (no managed policy) and log group.
    const shared = Stack.of(this).node.tryFindChild(
      `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    const logGroup = shared
      ? undefined
      : new logs.LogGroup(this, 'Logs', {
          retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        });
    const role = logGroup
      ? new iam.Role(this, 'Role', {
          assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
          description: `Creates the game branch parameter of ${Stack.of(this).stackName} when it is missing`,
        })
      : undefined;
    if (role) logGroup?.grantWrite(role);
    const creator = new cr.AwsCustomResource(this, 'Create', {
      onCreate: {
        service: 'SSM',
        action: 'PutParameter',
        parameters: {
          Name: this.parameter.parameterName,
          Value: formatGameSetting({ branch: props.initialBranch }),
          Type: 'String',
          Overwrite: false,
          Description:
            'The Steam branch of the Valheim server; written by valheim game branch/rollback, never by a deploy',
        },
        physicalResourceId: cr.PhysicalResourceId.of(this.parameter.parameterName),
        // Already there (an earlier stack, or a branch chosen since): it stays as it is.
        ignoreErrorCodesMatching: 'ParameterAlreadyExists',
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: [this.parameter.parameterArn] }),
      ]),
      ...(role && { role }),
      ...(logGroup && { logGroup }),
      installLatestAwsSdk: false,
      timeout: Duration.minutes(1),
    });
    if (logGroup) creator.node.addDependency(logGroup);
  }

  /** Lets `grantee` read the parameter (GetParameter, and GetParameters, which SsmGameSetting calls). */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resourceArns: [this.parameter.parameterArn],
    });
  }

  /** Lets `grantee` read and change the branch (GetParameter(s) and PutParameter). */
  public grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:PutParameter'],
      resourceArns: [this.parameter.parameterArn],
    });
  }
}

/**
 * What a rollback's plan reads in the world bucket (the Roll back… button's dry-run): the install cache's
 * tarball versions and their build tags, and whether a snapshot's manifest is there. Read only.
 */
export function grantReadRollbackPlan(
  scope: Construct,
  grantee: iam.IGrantable & { readonly role?: iam.IRole },
  bucket: s3.IBucket,
): void {
  iam.Grant.addToPrincipal({
    grantee,
    actions: ['s3:ListBucketVersions'],
    resourceArns: [bucket.bucketArn],
    conditions: { StringLike: { 's3:prefix': [`${INSTALL_CACHE_PREFIX}/*`] } },
  });
  const installs = bucket.arnForObjects(`${INSTALL_CACHE_PREFIX}/*`);
  const manifests = bucket.arnForObjects(`${SNAPSHOTS}/*/manifest.json`);
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObjectVersion'], resourceArns: [installs] });
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [manifests] });
  const target = grantee.role ?? scope;
  acknowledge(
    target,
    `AwsSolutions-IAM5[Resource::${nagFinding(scope, installs)}]`,
    'Branch tarballs are named by the branch the group picks at run time; read-only, and only below the install cache prefix.',
  );
  acknowledge(
    target,
    `AwsSolutions-IAM5[Resource::${nagFinding(scope, manifests)}]`,
    'Snapshot ids are chosen at run time; read-only, and only their manifests.',
  );
}
