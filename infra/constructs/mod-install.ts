import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { modsFetchCommand, modsSupervisorHook } from '../../src/mods/mods-script.js';
import { MODS_PREFIX } from '../../src/mods/plan.js';
import { INSTALL_PATH } from '../../src/server-cache/install-cache.js';
import { TRANSFER_IMAGE } from '../../src/worlds/transfer-script.js';
import { acknowledge, nagFinding } from '../validations.js';

/** The container's name, as it appears in the task and its log streams (`mods/mods-fetch/<task>`). */
export const MOD_FETCH_CONTAINER = 'mods-fetch';

export interface ModInstallProps {
  /** The game server's task definition (the fetch container joins it). */
  readonly taskDefinition: ecs.TaskDefinition;
  /** The game container: it waits for the fetch and runs the install in place of the image's updater. */
  readonly gameContainer: ecs.ContainerDefinition;
  /** The task-storage volume mounted at /opt/valheim in the game container (the install cache's). */
  readonly installVolume: string;
  /** The world bucket: the deploy puts the locked zips and the install plans below `mods/`. */
  readonly bucket: s3.IBucket;
  /** MODS_PLANS: each world's install plan by SHA-256 (src/mods/plan.ts, plansVariable). */
  readonly plans: string;
  /** The game's log group: the bot reads the install's lines there. */
  readonly logGroup: logs.ILogGroup;
  /**
   * The active world's name parameter, read at every launch: the plan is the world's that starts.
   * @default - the world is `worldName`
   */
  readonly activeWorldName?: ssm.IParameter;
  /**
   * The world's name when there is no active-world parameter.
   * @default - "*": the default plan
   */
  readonly worldName?: string;
  /**
   * The AWS CLI v2 image for the fetch.
   * @default TRANSFER_IMAGE
   */
  readonly awsCliImage?: string;
}

/**
 * The locked mods at every start (src/mods/mods.sh): a small AWS CLI container fetches the active world's
 * install plan and its zips from the world bucket and checks each SHA-256; the game waits for it, then the
 * image's own BepInEx path runs with the updater replaced by the install step, so the image never downloads
 * BepInExPack itself and what runs is exactly the lockfile. Nothing is fetched from Thunderstore at a start.
 *
 * Unlike the install cache, this is no optimisation: when the fetch fails, the game still starts its
 * container, but the install step refuses to start the server and says why in the log (the bot announces
 * it). A world whose list is empty runs vanilla.
 */
export class ModInstall extends Construct {
  public readonly container: ecs.ContainerDefinition;

  constructor(scope: Construct, id: string, props: ModInstallProps) {
    super(scope, id);
    const { taskDefinition, gameContainer, bucket } = props;
    const { entryPoint, command } = modsFetchCommand();
    this.container = taskDefinition.addContainer('ModFetch', {
      containerName: MOD_FETCH_CONTAINER,
      image: ecs.ContainerImage.fromRegistry(props.awsCliImage ?? TRANSFER_IMAGE),
      // The game's install step reports a failed fetch; the task must not end without saying why.
      essential: false,
      entryPoint,
      command,
      environment: {
        BUCKET: bucket.bucketName,
        MODS_PLANS: props.plans,
        AWS_DEFAULT_REGION: taskDefinition.stack.region,
        INSTALL_ROOT: INSTALL_PATH,
        ...(!props.activeWorldName && { WORLD_NAME: props.worldName ?? '*' }),
      },
      ...(props.activeWorldName && {
        secrets: { WORLD_NAME: ecs.Secret.fromSsmParameter(props.activeWorldName) },
      }),
      stopTimeout: Duration.seconds(10),
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'mods' }),
    });
    this.container.addMountPoints({
      sourceVolume: props.installVolume,
      containerPath: INSTALL_PATH,
      readOnly: false,
    });
    gameContainer.addContainerDependencies({
      container: this.container,
      condition: ecs.ContainerDependencyCondition.COMPLETE,
    });
    gameContainer.addEnvironment('PRE_SUPERVISOR_HOOK', modsSupervisorHook());
    this.grantRead(taskDefinition.taskRole, bucket);
  }

  /** GetObject below mods/ (plans, zips, configs) and ListBucket there, so a missing key reads as 404. */
  private grantRead(role: iam.IRole, bucket: s3.IBucket): void {
    const objects = bucket.arnForObjects(`${MODS_PREFIX}/*`);
    iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:GetObject'], resourceArns: [objects] });
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': `${MODS_PREFIX}/*` } },
    });
    if (Construct.isConstruct(role)) {
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::${nagFinding(this, objects)}]`,
        'The locked mod zips and install plans are named by their SHA-256; the task reads them below mods/ only.',
      );
    }
  }
}
