import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TRANSFER_IMAGE, TRANSFER_LOCK_KEY, transferCommand } from '../../src/worlds/transfer-script.js';
import { TRANSFER_CONTAINER, transferFamily } from '../../src/worlds/transfer-task.js';
import { acknowledge, nagFinding } from '../validations.js';
import { STOP_TIMEOUT_SECONDS, taskArnsIn } from './game-server.js';
import { WORLD_BUCKET_PREFIXES } from './world-bucket.js';
import { WORLD_VOLUME, worldVolume } from './world-storage.js';

/**
 * What world-transfer.sh sends to the lock table: take and take over (PutItem), renew (UpdateItem), release
 * (DeleteItem), each conditional on the owner or the version, and the contender's look (GetItem).
 */
export const TRANSFER_LOCK_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

/** Where world-transfer.sh expects the world file system (its CONFIG_ROOT default, the game's /config). */
export const TRANSFER_MOUNT_PATH = '/config';

export interface WorldTransferProps {
  /** The game's cluster: the task runs there, so the monitor sees its state changes too. */
  readonly cluster: ecs.ICluster;
  /** The file system holding the world. */
  readonly fileSystem: efs.IFileSystem;
  /** The access point the game server mounts (the task sees the same /config). */
  readonly accessPoint: efs.IAccessPoint;
  /** The world bucket (snapshots, imports, listings, image backups). */
  readonly bucket: s3.IBucket;
  /**
   * The table holding the transfer lock (the state table, keyed `pk`/`sk`): snapshots and restores take a
   * lease on its item `TRANSFER_LOCK_KEY` with conditional writes, so two never run at once.
   */
  readonly lockTable: dynamodb.ITable;
  /** The game service: a restore refuses to touch the world while it has a task. */
  readonly gameService: ecs.IBaseService;
  /**
   * Subnets the task runs in: they need a route to S3 and ECR Public (public subnets with a public IP, no
   * NAT) and to the EFS mount targets.
   */
  readonly subnets: ec2.ISubnet[];
  /** Security group of the task: it must be allowed to mount the file system and reach the internet. */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * Task definition family; the CLI and the monitor find the task by it.
   * @default - `transferFamily(stackName)`, i.e. `<stackName>-world-transfer`
   */
  readonly family?: string;
  /**
   * The AWS CLI v2 image that runs the script (multi-arch: the task runs on ARM64).
   * @default TRANSFER_IMAGE
   */
  readonly image?: string;
  /**
   * How long the task's log is kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The one-off task that moves worlds between EFS and S3 (src/worlds/world-transfer.sh): snapshots,
 * restores, listings of the image's backup zips and copies of them. Nothing runs until the CLI or the
 * `/valheim backup` command starts it with RunTask (see `grantRun`); a run of 0.5 vCPU on ARM64 for a minute
 * or two costs a fraction of a cent.
 *
 * It mounts the world through the game's access point and runs in the game's subnets with the game's
 * security group, which already reaches the mount targets and the internet.
 */
export class WorldTransfer extends Construct {
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  public readonly logGroup: logs.ILogGroup;
  /** The task definition family (run the latest revision by this name). */
  public readonly family: string;
  /** The subnet IDs to run the task in (RunTask's awsvpcConfiguration). */
  public readonly subnetIds: string[];
  /** The security group IDs to run the task with. */
  public readonly securityGroupIds: string[];
  private readonly cluster: ecs.ICluster;

  constructor(scope: Construct, id: string, props: WorldTransferProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (props.subnets.length === 0) {
      throw new Error('subnets must name at least one subnet, but none was provided');
    }
    this.family = props.family ?? transferFamily(stack.stackName);
    if (!Token.isUnresolved(this.family) && !/^[A-Za-z0-9_-]{1,255}$/.test(this.family)) {
      throw new Error(
        `family must be 1 to 255 letters, digits, "-" or "_", but "${this.family}" was provided`,
      );
    }
    this.cluster = props.cluster;
    this.subnetIds = props.subnets.map((subnet) => subnet.subnetId);
    this.securityGroupIds = [props.securityGroup.securityGroupId];

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      family: this.family,
      // `aws s3 sync` of a world (tens of MB) needs neither more CPU nor memory.
      cpu: 512,
      memoryLimitMiB: 1024,
      // Graviton costs about 20 % less; the AWS CLI image is multi-arch.
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      volumes: [worldVolume(props.fileSystem, props.accessPoint)],
    });
    this.taskDefinition = taskDefinition;

    const { entryPoint, command } = transferCommand();
    const container = taskDefinition.addContainer('Transfer', {
      containerName: TRANSFER_CONTAINER,
      image: ecs.ContainerImage.fromRegistry(props.image ?? TRANSFER_IMAGE),
      essential: true,
      entryPoint,
      command,
      // The script traps SIGTERM and puts a half-swapped world back before it exits.
      stopTimeout: Duration.seconds(STOP_TIMEOUT_SECONDS),
      environment: {
        // The CLI reads the bucket from here (src/worlds/stack.ts); each run passes it again with its request.
        BUCKET: props.bucket.bucketName,
        // The AWS CLI needs a region for S3 and ECS; said explicitly rather than left to Fargate's defaults.
        AWS_DEFAULT_REGION: stack.region,
        LOCK_TABLE: props.lockTable.tableName,
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'transfer' }),
    });
    container.addMountPoints({
      sourceVolume: WORLD_VOLUME,
      containerPath: TRANSFER_MOUNT_PATH,
      readOnly: false,
    });
    acknowledge(
      taskDefinition,
      'AwsSolutions-ECS2',
      'The environment holds the bucket name, the region and the lock table name only; each run passes its request (mode, ids, world name) as overrides, and no secret is involved.',
    );

    const role = taskDefinition.taskRole;
    // Root access: the game writes the world as root (PUID 0); without it EFS would squash root to nobody and a
    // restore could not move the world's folders.
    props.fileSystem.grantRootAccess(role);
    this.grantBucketAccess(role, props.bucket);
    // The transfer lock: conditional writes and reads of its one item, and of no other item of the table
    // (dynamodb:LeadingKeys limits every request to the lock's partition key).
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: TRANSFER_LOCK_ACTIONS,
      resourceArns: [props.lockTable.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [TRANSFER_LOCK_KEY.pk] },
      },
    });
    // A restore checks, right before it swaps the world, that the game service has no task.
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['ecs:DescribeServices'],
      resourceArns: [props.gameService.serviceArn],
    });
  }

  /**
   * Lets `grantee` start the transfer task and follow it: ecs:RunTask on any revision of this family in the
   * game's cluster (with ecs:TagResource while it creates a task there, for the propagated tags),
   * iam:PassRole on the task's two roles (to ECS only), and DescribeTasks/ListTasks in that cluster.
   */
  public grantRun(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const taskDefinitions = stack.formatArn({
      service: 'ecs',
      resource: 'task-definition',
      resourceName: `${this.family}:*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const tasks = taskArnsIn(this.cluster);
    const inCluster = { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } };
    const grants = [
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['ecs:RunTask'],
        resourceArns: [taskDefinitions],
        conditions: inCluster,
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['iam:PassRole'],
        resourceArns: [
          this.taskDefinition.taskRole.roleArn,
          this.taskDefinition.obtainExecutionRole().roleArn,
        ],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
      // RunTask with propagateTags (the cost tag) is also authorized as tagging the new task.
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['ecs:TagResource'],
        resourceArns: [tasks],
        conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      }),
      iam.Grant.addToPrincipal({ grantee, actions: ['ecs:DescribeTasks'], resourceArns: [tasks] }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['ecs:ListTasks'],
        resourceArns: ['*'],
        conditions: inCluster,
      }),
    ];
    const principal = grantee.grantPrincipal;
    if (Construct.isConstruct(principal)) {
      acknowledge(
        principal,
        `AwsSolutions-IAM5[Resource::${nagFinding(this, taskDefinitions)}]`,
        'Every deploy that changes the transfer task adds a revision; RunTask takes the latest by family name, limited to this family in the game cluster.',
      );
      acknowledge(
        principal,
        `AwsSolutions-IAM5[Resource::${nagFinding(this, tasks)}]`,
        'Task IDs change at every run; the statement is limited to tasks of this one cluster.',
      );
      acknowledge(
        principal,
        'AwsSolutions-IAM5[Resource::*]',
        'ecs:ListTasks takes no task resource; it is limited to the game cluster by the ecs:cluster condition.',
      );
    }
    return grants.reduce((all, grant) => all.combine(grant));
  }

  /**
   * What world-transfer.sh does in the bucket, and nothing more: list and read snapshots and imports (a
   * restore's source), write snapshots, listings and image backups. It never deletes an object.
   */
  private grantBucketAccess(role: iam.IRole, bucket: s3.IBucket): void {
    const { snapshots, imports, listings, imageBackups } = WORLD_BUCKET_PREFIXES;
    const objects = (prefixes: string[]) => prefixes.map((prefix) => bucket.arnForObjects(`${prefix}/*`));
    const readable = objects([snapshots, imports]);
    const writable = objects([snapshots, listings, imageBackups]);
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      // `aws s3 ls/sync` always list below a snapshot or import.
      conditions: { StringLike: { 's3:prefix': [`${snapshots}/*`, `${imports}/*`] } },
    });
    iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:GetObject'], resourceArns: readable });
    iam.Grant.addToPrincipal({
      grantee: role,
      // AbortMultipartUpload: `aws s3 sync` uploads world files over 8 MB in parts and cleans up after a failure.
      actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: writable,
    });
    for (const arn of new Set([...readable, ...writable])) {
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::${nagFinding(this, arn)}]`,
        'Object keys are chosen at run time (snapshot ids, file names); access is limited to one prefix of the world bucket, and nothing may be deleted.',
      );
    }
  }
}
