import type { KeyValuePair } from '@aws-sdk/client-ecs';
import type { EcsApi } from '../aws/ecs.js';
import { taskIdOf } from '../server/server-status.js';
import { serviceActivity } from '../server/service-activity.js';
import { WorldError } from './errors.js';

/** The container of the transfer task definition that runs world-transfer.sh. */
export const TRANSFER_CONTAINER = 'transfer';

/** The transfer task definition's family: the stack names it after itself. */
export function transferFamily(stackName: string): string {
  return `${stackName}-world-transfer`;
}

/**
 * Where and how the transfer task runs. The stack provides all of it (see stack.ts for how the CLI finds
 * it): the game's cluster, the transfer task definition, subnets with a route to S3 and the EFS mount
 * targets (the public subnets: tasks get a public IP, there is no NAT), and a security group that may
 * reach the mount targets on NFS and S3 on HTTPS.
 */
export interface TransferTarget {
  /** ECS cluster name or ARN (the game's cluster). */
  readonly cluster: string;
  /** Task definition family (latest ACTIVE revision), `family:revision` or ARN. */
  readonly taskDefinition: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  /** The world bucket. */
  readonly bucket: string;
  /** The game service: a restore refuses while it runs, here and again in the task right before the swap. */
  readonly gameService: string;
}

/** What the task does (env MODE and its parameters; see world-transfer.sh). */
export type TransferRequest =
  | { readonly mode: 'snapshot'; readonly snapshotId: string; readonly worldName: string }
  /** Uploads the pre-update copies the game task left (src/game/hooks.ts); `snapshotId`: the one asked for. */
  | { readonly mode: 'pre-update'; readonly snapshotId?: string }
  | {
      readonly mode: 'restore';
      /** Id of the snapshot of the current world taken first. */
      readonly snapshotId: string;
      readonly worldName: string;
      /** `snapshots/<id>` or `imports/<id>`. */
      readonly sourcePrefix: string;
    }
  | {
      readonly mode: 'delete';
      /** Id of the snapshot of every world taken first (the way back). */
      readonly snapshotId: string;
      readonly worldName: string;
    }
  | { readonly mode: 'list-backups'; readonly listingId: string }
  | { readonly mode: 'fetch-backup'; readonly backupName: string };

export interface TransferResult {
  readonly taskArn: string;
  /** The script's exit code; absent when it never ran (image pull or EFS mount failed). */
  readonly exitCode?: number;
  readonly stoppedReason?: string;
  readonly ok: boolean;
}

export interface RunTransferOptions {
  /** Called when the task's status changes (PROVISIONING, PENDING, RUNNING, DEPROVISIONING, STOPPED). */
  readonly onStatus?: (status: string, taskArn: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 5000 */
  readonly pollMs?: number;
  /** Give up waiting (the task keeps going) after this long. @default 60 minutes */
  readonly timeoutMs?: number;
  /** Recorded as the task's startedBy. @default 'valheim-cli' */
  readonly startedBy?: string;
}

/** The container environment for a request: the script's whole interface. */
export function transferEnvironment(target: TransferTarget, request: TransferRequest): KeyValuePair[] {
  const env: Record<string, string> = { MODE: request.mode, BUCKET: target.bucket };
  switch (request.mode) {
    case 'snapshot':
      Object.assign(env, { SNAPSHOT_ID: request.snapshotId, WORLD_NAME: request.worldName });
      break;
    case 'pre-update':
      if (request.snapshotId) env.SNAPSHOT_ID = request.snapshotId;
      break;
    case 'restore':
      Object.assign(env, {
        SNAPSHOT_ID: request.snapshotId,
        WORLD_NAME: request.worldName,
        SOURCE_PREFIX: request.sourcePrefix,
        GAME_CLUSTER: target.cluster,
        GAME_SERVICE: target.gameService,
      });
      break;
    case 'delete':
      Object.assign(env, {
        SNAPSHOT_ID: request.snapshotId,
        WORLD_NAME: request.worldName,
        GAME_CLUSTER: target.cluster,
        GAME_SERVICE: target.gameService,
      });
      break;
    case 'list-backups':
      env.SNAPSHOT_ID = request.listingId;
      break;
    case 'fetch-backup':
      env.BACKUP_NAME = request.backupName;
      break;
  }
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

/**
 * Runs the transfer task and waits for it to stop. Snapshots and restores first make sure no other transfer
 * runs; a restore also refuses while the game server has (or wants) a task.
 */
export async function runTransferTask(
  ecs: EcsApi,
  target: TransferTarget,
  request: TransferRequest,
  options: RunTransferOptions = {},
): Promise<TransferResult> {
  const changesWorlds = request.mode === 'restore' || request.mode === 'delete';
  if (changesWorlds) await assertGameStopped(ecs, target.cluster, target.gameService);
  if (changesWorlds || request.mode === 'snapshot') await assertNoOtherTransfer(ecs, target);
  const taskArn = await startTransferTask(ecs, target, request, options.startedBy);
  return waitForTask(ecs, target.cluster, taskArn, options);
}

/** Starts the transfer task without waiting for it; returns its ARN. */
export async function startTransferTask(
  ecs: EcsApi,
  target: TransferTarget,
  request: TransferRequest,
  startedBy = 'valheim-cli',
  signal?: AbortSignal,
): Promise<string> {
  const started = await ecs.runTask(
    {
      cluster: target.cluster,
      taskDefinition: target.taskDefinition,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      count: 1,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [...target.subnets],
          securityGroups: [...target.securityGroups],
          // Public subnets without NAT: the task reaches ECR Public and S3 through its public IP.
          assignPublicIp: 'ENABLED',
        },
      },
      overrides: {
        containerOverrides: [{ name: TRANSFER_CONTAINER, environment: transferEnvironment(target, request) }],
      },
      // The stack's tags (the cost tag) are on the task definition.
      propagateTags: 'TASK_DEFINITION',
      startedBy,
    },
    signal,
  );
  const taskArn = started.tasks?.[0]?.taskArn;
  if (!taskArn) {
    const failure = started.failures?.[0];
    throw new WorldError(
      `ECS did not start the world-transfer task (${failure?.reason ?? 'no reason given'}${failure?.detail ? `: ${failure.detail}` : ''})`,
      'try again in a minute; if it keeps failing, check the cluster in the ECS console',
    );
  }
  return taskArn;
}

/** Polls DescribeTasks until the task has stopped. */
export async function waitForTask(
  ecs: EcsApi,
  cluster: string,
  taskArn: string,
  options: RunTransferOptions = {},
): Promise<TransferResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pollMs = options.pollMs ?? 5000;
  const timeoutMs = options.timeoutMs ?? 60 * 60 * 1000;
  let last = '';
  for (let waited = 0; ; waited += pollMs) {
    const described = await ecs.describeTasks({ cluster, tasks: [taskArn] });
    const task = described.tasks?.[0];
    const status = task?.lastStatus ?? 'UNKNOWN';
    if (status !== last) {
      last = status;
      options.onStatus?.(status, taskArn);
    }
    if (task && status === 'STOPPED') {
      const container = task.containers?.find((c) => c.name === TRANSFER_CONTAINER);
      const exitCode = container?.exitCode;
      const stoppedReason = container?.reason ?? task.stoppedReason;
      return {
        taskArn,
        ok: exitCode === 0,
        ...(exitCode !== undefined && { exitCode }),
        ...(stoppedReason && { stoppedReason }),
      };
    }
    if (!task && described.failures?.length) {
      throw new WorldError(
        `the world-transfer task ${taskIdOf(taskArn)} disappeared (${described.failures[0]?.reason ?? 'unknown'})`,
        'look for it in the ECS console (stopped tasks are kept for an hour)',
      );
    }
    if (waited >= timeoutMs) {
      throw new WorldError(
        `the world-transfer task ${taskIdOf(taskArn)} is still ${status} after ${Math.round(timeoutMs / 60_000)} minutes`,
        'it keeps going on its own: watch it in the ECS console, and run the command again once it has stopped',
      );
    }
    await sleep(pollMs);
  }
}

/** Refuses, in one line with the fix, while the game server runs, starts or stops. */
export async function assertGameStopped(ecs: EcsApi, cluster: string, service: string): Promise<void> {
  const activity = await serviceActivity(ecs, cluster, service);
  if (activity.kind === 'absent') {
    throw new WorldError(
      `the game service ${service} was not found in cluster ${cluster}`,
      'deploy the stack first (npm run deploy) and check stackName and region in the config',
    );
  }
  if (activity.kind === 'active') {
    const state =
      activity.desiredCount === 0 ? 'still stopping' : activity.runningCount > 0 ? 'running' : 'starting';
    throw new WorldError(
      `the server is ${state}, and the world must not change under it`,
      activity.desiredCount === 0
        ? 'wait until it has stopped (it saves the world first), then try again'
        : 'stop it first (/valheim stop in Discord, or npx valheim stop), then try again',
    );
  }
}

async function assertNoOtherTransfer(ecs: EcsApi, target: TransferTarget): Promise<void> {
  const other = (await transfersInProgress(ecs, target))[0];
  if (other) {
    throw new WorldError(
      `another world transfer is running (task ${taskIdOf(other)})`,
      'wait until it has finished (usually a minute or two), then try again',
    );
  }
}

/**
 * The transfer tasks that run or are about to (desired status RUNNING covers PROVISIONING and PENDING):
 * snapshots, exports, imports and restores alike. One ListTasks call.
 */
export async function transfersInProgress(
  ecs: EcsApi,
  target: Pick<TransferTarget, 'cluster' | 'taskDefinition'>,
  signal?: AbortSignal,
): Promise<string[]> {
  const running = await ecs.listTasks(
    { cluster: target.cluster, family: familyOf(target.taskDefinition), desiredStatus: 'RUNNING' },
    signal,
  );
  return running.taskArns ?? [];
}

/** The family of a task definition given as family, `family:revision` or ARN. */
export function familyOf(taskDefinition: string): string {
  return taskDefinition.replace(/^arn:.*:task-definition\//, '').replace(/:\d+$/, '');
}

/** What a request does, for messages ("the snapshot of Midgard"). */
export function describeRequest(request: TransferRequest): string {
  switch (request.mode) {
    case 'snapshot':
      return `the snapshot of ${request.worldName}`;
    case 'pre-update':
      return 'the upload of the pre-update copies';
    case 'restore':
      return `the restore of ${request.worldName} from ${request.sourcePrefix}`;
    case 'delete':
      return `the delete of ${request.worldName}`;
    case 'list-backups':
      return "the listing of the server's backup zips";
    case 'fetch-backup':
      return `the copy of backup ${request.backupName} to S3`;
  }
}

/** What a failed transfer means, from the script's exit code (see world-transfer.sh): one line with the fix. */
export function transferFailure(result: TransferResult, request: TransferRequest): WorldError {
  const action = describeRequest(request);
  const logs = `the log of task ${taskIdOf(result.taskArn)} (CloudWatch) has the details`;
  switch (result.exitCode) {
    case undefined:
      return new WorldError(
        `${action} did not run: the task stopped before its script (${result.stoppedReason ?? 'no reason given'})`,
        'check that the stack is deployed completely (npm run deploy) and try again; nothing was changed',
      );
    case 2:
      return new WorldError(`${action} was refused: the request was invalid`, `this is a bug; ${logs}`);
    case 3:
      if (request.mode === 'snapshot') {
        return new WorldError(
          'there is no world on the server yet (worlds_local is empty)',
          'start the server once to create one, or import one (valheim world import)',
        );
      }
      if (request.mode === 'restore') {
        return new WorldError(
          `${request.sourcePrefix} holds no world "${request.worldName}"`,
          `nothing was changed; check the world name (${logs})`,
        );
      }
      if (request.mode === 'delete') {
        return new WorldError(
          `there is no world "${request.worldName}" on the server`,
          'nothing was deleted; valheim world list shows the worlds',
        );
      }
      return new WorldError(
        `the server has no backup ${request.mode === 'fetch-backup' ? request.backupName : ''}`.trim(),
        'list them with valheim world backups',
      );
    case 4:
      return new WorldError(
        `${action} was refused: the game server is running`,
        'stop it first (/valheim stop in Discord, or npx valheim stop), then try again; nothing was changed',
      );
    case 5:
      return new WorldError(
        `${action} was refused: the source in S3 is incomplete`,
        `nothing was changed; upload or choose it again (${logs})`,
      );
    case 6:
      return new WorldError(
        `${action} was refused: another snapshot or restore is running`,
        'nothing was changed; wait until it has finished (usually a minute or two), then try again',
      );
    case 7:
      return new WorldError(
        `${action} stopped: another snapshot or restore took the transfer lock over (or it could not be renewed)`,
        'the world on the server is as it was before; wait until the other transfer has finished, then try again',
      );
    default:
      if (result.exitCode >= 128) {
        return new WorldError(
          `${action} was interrupted (exit code ${result.exitCode}${result.stoppedReason ? `, ${result.stoppedReason}` : ''})`,
          'run the command again: the next transfer first puts back anything an interrupted one left half-done',
        );
      }
      return new WorldError(
        `${action} failed (exit code ${result.exitCode}${result.stoppedReason ? `, ${result.stoppedReason}` : ''})`,
        `the world on the server is unchanged; ${logs}; try again`,
      );
  }
}
