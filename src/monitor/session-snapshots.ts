import type { ECSClient } from '@aws-sdk/client-ecs';
import type { S3Client } from '@aws-sdk/client-s3';
import { sdkEcs } from '../aws/sdk-ecs.js';
import { ecsWorldTransfers } from '../worlds/aws-world-transfers.js';
import { startWorldSnapshot } from '../worlds/start-snapshot.js';
import { startTransferTask, type TransferTarget } from '../worlds/transfer-task.js';
import type { MonitorSnapshotSettings } from './environment.js';
import type { SessionSnapshots } from './monitor.js';

/** How long the monitor gives ECS to list and start the task (the tick's Lambda has 30 s). */
const ECS_BUDGET_MS = 5000;

/**
 * The monitor's snapshots: the world-transfer task in snapshot mode (the same task `/valheim backup` and
 * `valheim world export` run), and the count-and-age retention of the snapshots it takes.
 */
export function sessionSnapshots(
  ecs: ECSClient,
  /** Called only when a snapshot completed: the S3 client and the retention code load then, not every tick. */
  s3: () => Promise<S3Client>,
  cluster: string,
  gameService: string,
  settings: MonitorSnapshotSettings,
): SessionSnapshots {
  const target: TransferTarget = {
    cluster,
    taskDefinition: settings.taskDefinition,
    subnets: settings.subnets,
    securityGroups: settings.securityGroups,
    bucket: settings.bucket,
    gameService,
  };
  const tasks = ecsWorldTransfers(sdkEcs(ecs), target);
  return {
    take: async (reason, at, worldName) => {
      const outcome = await startWorldSnapshot(
        tasks,
        {
          worldName: worldName ?? settings.worldName,
          reason,
          at: new Date(at),
          startedBy: 'valheim-monitor',
        },
        AbortSignal.timeout(ECS_BUDGET_MS),
      );
      return outcome.kind === 'started' ? outcome.snapshotId : undefined;
    },
    uploadPreUpdate: async (snapshotId) => {
      const signal = AbortSignal.timeout(ECS_BUDGET_MS);
      if ((await tasks.inProgress(signal)).length > 0) return false;
      await startTransferTask(
        sdkEcs(ecs),
        target,
        { mode: 'pre-update', snapshotId },
        'valheim-monitor',
        signal,
      );
      return true;
    },
    prune: async (now) => {
      const { pruneSnapshots } = await import('../worlds/snapshot-retention.js');
      return pruneSnapshots(await s3(), settings.bucket, settings, now);
    },
  };
}
