import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import { Construct } from 'constructs';
import {
  EFS_IA_AFTER_DAYS,
  EFS_TRANSITION_TO_IA,
  EFS_TRANSITION_TO_PRIMARY,
} from '../../src/cost/storage-plan.js';

export interface WorldStorageProps {
  /** The VPC whose subnets get the mount targets. */
  readonly vpc: ec2.IVpc;
  /**
   * Directory on the file system that the game server sees as /config.
   * @default '/valheim'
   */
  readonly rootDirectory?: string;
  /**
   * What happens to the file system when it leaves the stack (DeletionPolicy and UpdateReplacePolicy).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The persistent world: an encrypted EFS file system that outlives the stack, reached through one access point.
 * Everything else the server needs (the ~2 GB install in /opt/valheim) stays on task storage.
 */
export class WorldStorage extends Construct {
  public readonly fileSystem: efs.IFileSystem;
  public readonly accessPoint: efs.IAccessPoint;

  constructor(scope: Construct, id: string, props: WorldStorageProps) {
    super(scope, id);
    const rootDirectory = props.rootDirectory ?? '/valheim';
    if (!/^(\/[A-Za-z0-9._-]+)+$/.test(rootDirectory)) {
      throw new Error(
        `rootDirectory must be an absolute path below "/" such as "/valheim", but "${rootDirectory}" was provided`,
      );
    }

    // NFS servers never open connections: no egress. Ingress is added per client with allowMountFrom().
    const securityGroup = new ec2.SecurityGroup(this, 'MountTargetSecurityGroup', {
      vpc: props.vpc,
      allowAllOutbound: false,
      description: 'EFS mount targets of the Valheim world (NFS from the game task only)',
    });
    const fileSystem = new efs.FileSystem(this, 'FileSystem', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup,
      encrypted: true,
      // A world nobody has read for EFS_IA_AFTER_DAYS moves to Infrequent Access (~1/12 of Standard's price)
      // and comes back to Standard when a start reads it; the cost estimate prices exactly these two policies
      // (src/cost/storage-plan.ts, test/infra/cost-assumptions.test.ts).
      lifecyclePolicy: efsLifecyclePolicy(),
      outOfInfrequentAccessPolicy: efs.OutOfInfrequentAccessPolicy.AFTER_1_ACCESS,
      // Bursting: world saves are small, so burst credits cover them at no charge beyond storage. (Elastic, which
      // EFS Archive would need, bills every GB read and written.)
      throughputMode: efs.ThroughputMode.BURSTING,
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      // AWS Backup runs on our own schedule and retention (WorldBackup), not EFS's daily default plan.
      enableAutomaticBackups: false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Said explicitly (CloudFormation's default depends on the file system type): EFS's own daily plan is off.
    (fileSystem.node.defaultChild as efs.CfnFileSystem).backupPolicy = { status: 'DISABLED' };
    this.fileSystem = fileSystem;

    // The image runs its start-up as root (PUID 0) and chowns /config: the directory is created root-owned.
    this.accessPoint = fileSystem.addAccessPoint('AccessPoint', {
      path: rootDirectory,
      createAcl: { ownerUid: '0', ownerGid: '0', permissions: '755' },
    });
  }

  /** Lets `client` (the game task) reach the mount targets on NFS (TCP 2049), and nothing else. */
  public allowMountFrom(client: ec2.IConnectable): void {
    this.fileSystem.connections.allowDefaultPortFrom(client, 'NFS from the Valheim game task');
  }
}

/** The CDK value for EFS_IA_AFTER_DAYS, refusing a number EFS has no policy for. */
function efsLifecyclePolicy(): efs.LifecyclePolicy {
  const policy = (efs.LifecyclePolicy as Record<string, efs.LifecyclePolicy | undefined>)[
    EFS_TRANSITION_TO_IA
  ];
  if (policy === undefined || !EFS_TRANSITION_TO_IA.startsWith(`AFTER_${EFS_IA_AFTER_DAYS}_`)) {
    throw new Error(`EFS has no lifecycle policy ${EFS_TRANSITION_TO_IA} for ${EFS_IA_AFTER_DAYS} days`);
  }
  // OutOfInfrequentAccessPolicy has one member; the constant says which, for the estimate and the tests.
  if (EFS_TRANSITION_TO_PRIMARY !== efs.OutOfInfrequentAccessPolicy.AFTER_1_ACCESS) {
    throw new Error(`EFS has no policy ${EFS_TRANSITION_TO_PRIMARY} to return files to Standard`);
  }
  return policy;
}

/** The name of the task volume that holds the world (see `worldVolume`). */
export const WORLD_VOLUME = 'world';

/**
 * The task-definition volume through which a task (the game, the world transfer) mounts the world: the
 * access point's directory, TLS in transit, and IAM authorization, so the task role needs an EFS grant.
 */
export function worldVolume(fileSystem: efs.IFileSystem, accessPoint: efs.IAccessPoint): ecs.Volume {
  return {
    name: WORLD_VOLUME,
    efsVolumeConfiguration: {
      fileSystemId: fileSystem.fileSystemId,
      transitEncryption: 'ENABLED',
      authorizationConfig: { accessPointId: accessPoint.accessPointId, iam: 'ENABLED' },
    },
  };
}
