import type { EcsApi } from '../aws/ecs.js';
import { serviceActivity } from '../server/service-activity.js';
import type { SnapshotStart, SnapshotTasks } from './start-snapshot.js';
import { startTransferTask, type TransferTarget, transfersInProgress } from './transfer-task.js';

export type { SnapshotStart } from './start-snapshot.js';

/**
 * The world-transfer task as a snapshot started without waiting needs it (see start-snapshot.ts): one ECS
 * call each. The monitor passes its SDK client (`sdkEcs`), the interactions Lambda its light one (`lightEcs`).
 */
export function ecsWorldTransfers(ecs: EcsApi, target: TransferTarget): SnapshotTasks {
  return {
    inProgress: (signal) => transfersInProgress(ecs, target, signal),
    gameActive: async (signal) =>
      (await serviceActivity(ecs, target.cluster, target.gameService, signal)).kind === 'active',
    startSnapshot: (snapshot: SnapshotStart, signal) =>
      startTransferTask(
        ecs,
        target,
        { mode: 'snapshot', snapshotId: snapshot.snapshotId, worldName: snapshot.worldName },
        snapshot.startedBy,
        signal,
      ),
  };
}
