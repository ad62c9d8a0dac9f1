import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  INSTALL_CACHE_KEY,
  INSTALL_CACHE_PREFIX,
  INSTALL_PATH,
  type InstallCacheMode,
  installCacheCommand,
  UPDATE_CHECKED_HOOK,
} from '../../src/server-cache/install-cache.js';
import { TRANSFER_IMAGE } from '../../src/worlds/transfer-script.js';
import { acknowledge, nagFinding } from '../validations.js';

/** The task-storage volume holding the server install, shared by the game and the cache containers. */
export const INSTALL_VOLUME = 'valheim-install';

/** Container names, as they appear in the task and in its log streams (`install-cache/<name>/<task>`). */
export const INSTALL_CACHE_CONTAINERS = {
  fetch: 'install-cache-fetch',
  unpack: 'install-cache-unpack',
  pack: 'install-cache-pack',
  upload: 'install-cache-upload',
} as const satisfies Record<InstallCacheMode, string>;

export interface ServerInstallCacheProps {
  /** The game server's task definition (the cache containers join it). */
  readonly taskDefinition: ecs.TaskDefinition;
  /** The game container: it mounts the install volume and starts after the cache is restored. */
  readonly gameContainer: ecs.ContainerDefinition;
  /** The game's image (it has tar and gzip); the unpack and pack containers run it, so nothing extra is pulled for them. */
  readonly gameImage: ecs.ContainerImage;
  /** The bucket holding the tarball (the world bucket, below `server-install/`). */
  readonly bucket: s3.IBucket;
  /** The game's log group: the monitor reads the cache's lines there to time a start. */
  readonly logGroup: logs.ILogGroup;
  /**
   * The AWS CLI v2 image for the S3 side (fetch, upload).
   * @default TRANSFER_IMAGE
   */
  readonly awsCliImage?: string;
  /**
   * The game branch parameter: fetch and upload read GAME_BRANCH from it at launch and use that branch's
   * tarball (one per branch; public keeps INSTALL_CACHE_KEY).
   * @default - the public branch's tarball only
   */
  readonly gameBranch?: ssm.IParameter;
  /**
   * Adds the cache's step to the game's POST_UPDATE_CHECK_HOOK (GameServer.addPostUpdateCheckStep), after the
   * steps already there.
   * @default - the hook is the cache's step alone
   */
  readonly addPostUpdateCheckStep?: (step: string) => void;
}

/**
 * Keeps the Valheim server install between sessions as a tarball in S3 (src/server-cache/install-cache.sh;
 * why S3 rather than an ECR image: docs/start-time.md). Before the game container starts, `fetch` copies the
 * tarball onto the task's install volume and `unpack` unpacks it where steamcmd expects its install; the
 * game's steamcmd then only checks for (and applies) an update. Beside the game, `pack` and `upload` replace
 * the tarball when the build changed. Every cache container exits 0 and the game waits only for them to
 * complete, never for success: a missing or broken cache means the full download of a start without one.
 *
 * Idle cost: the tarball (~1.3 GB in S3 Intelligent-Tiering, see WorldBucket: Standard's $0.023/GB-month while
 * the group starts monthly, Glacier IR's $0.004 after 90 days without a start) and, for a day after each game
 * update, the replaced version.
 */
export class ServerInstallCache extends Construct {
  /** The S3 key of the tarball. */
  public readonly cacheKey = INSTALL_CACHE_KEY;

  constructor(scope: Construct, id: string, props: ServerInstallCacheProps) {
    super(scope, id);
    const { taskDefinition, gameContainer, bucket } = props;
    const awsCli = ecs.ContainerImage.fromRegistry(props.awsCliImage ?? TRANSFER_IMAGE);
    const { entryPoint, command } = installCacheCommand();
    const region = taskDefinition.stack.region;

    // Task storage (Fargate ephemeral storage, 20 GiB): the install, the tarball and a packed copy fit.
    taskDefinition.addVolume({ name: INSTALL_VOLUME });
    const mount = { sourceVolume: INSTALL_VOLUME, containerPath: INSTALL_PATH, readOnly: false };

    const add = (mode: InstallCacheMode, image: ecs.ContainerImage, s3: boolean) => {
      const container = taskDefinition.addContainer(`InstallCache-${mode}`, {
        containerName: INSTALL_CACHE_CONTAINERS[mode],
        image,
        // Never stops the task: the game runs with or without the cache.
        essential: false,
        entryPoint,
        command,
        environment: {
          MODE: mode,
          ...(s3 && { BUCKET: bucket.bucketName, CACHE_KEY: INSTALL_CACHE_KEY, AWS_DEFAULT_REGION: region }),
        },
        // The branch picks the tarball (install-cache.sh, cache_key), read at launch like the game's.
        ...(s3 &&
          props.gameBranch && { secrets: { GAME_BRANCH: ecs.Secret.fromSsmParameter(props.gameBranch) } }),
        // The game keeps its 120 s to save; a cache container has nothing to save (it exits on SIGTERM).
        stopTimeout: Duration.seconds(10),
        logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'install-cache' }),
      });
      container.addMountPoints(mount);
      return container;
    };
    const fetch = add('fetch', awsCli, true);
    const unpack = add('unpack', props.gameImage, false);
    unpack.addContainerDependencies({
      container: fetch,
      condition: ecs.ContainerDependencyCondition.COMPLETE,
    });
    for (const sidecar of [add('pack', props.gameImage, false), add('upload', awsCli, true)]) {
      sidecar.addContainerDependencies({
        container: unpack,
        condition: ecs.ContainerDependencyCondition.COMPLETE,
      });
    }

    gameContainer.addMountPoints(mount);
    // COMPLETE, not SUCCESS: whatever the cache did, the game starts.
    gameContainer.addContainerDependencies({
      container: unpack,
      condition: ecs.ContainerDependencyCondition.COMPLETE,
    });
    // Tells `pack` that steamcmd and the image's copy to /opt/valheim/server are done.
    if (props.addPostUpdateCheckStep) props.addPostUpdateCheckStep(UPDATE_CHECKED_HOOK);
    else gameContainer.addEnvironment('POST_UPDATE_CHECK_HOOK', UPDATE_CHECKED_HOOK);

    this.grantCacheAccess(taskDefinition.taskRole, bucket);
  }

  /**
   * Read and replace the tarballs (one per branch), nothing else: GetObject and PutObject (with
   * AbortMultipartUpload, as `aws s3 cp` uploads in parts) below the cache's prefix, and ListBucket there so a
   * missing tarball reads as "404 not found" rather than "403 access denied".
   */
  private grantCacheAccess(role: iam.IRole, bucket: s3.IBucket): void {
    const object = bucket.arnForObjects(`${INSTALL_CACHE_PREFIX}/*`);
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resourceArns: [object],
    });
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': `${INSTALL_CACHE_PREFIX}/*` } },
    });
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::${nagFinding(this, object)}]`,
      "One tarball per game branch, each at a key named after its branch: the statement is limited to the install cache's own folder.",
    );
  }
}
