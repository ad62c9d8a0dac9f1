import type { EcsApi } from '../aws/ecs.js';
import { serviceActivity } from '../server/service-activity.js';
import { startTransferTask, type TransferTarget, transfersInProgress } from './transfer-task.js';

/** A snapshot to start: the request of the transfer task, and who asked (the task's startedBy). */
export interface SnapshotStart {
  readonly snapshotId: string;
  readonly worldName: string;
  /** Recorded as the task's startedBy: letters, digits, `-` and `_`, at most 128. */
  readonly startedBy: string;
}

/**
 * The world-transfer task as the Discord commands use it: one ECS call each, never waiting for the task
 * (the monitor reports its end). The interactions Lambda passes its light ECS client.
 */
export function ecsWorldTransfers(ecs: EcsApi, target: TransferTarget) {
  return {
    /** ARNs of the transfer tasks that run or are about to (snapshots, imports, restores). */
    inProgress: (signal: AbortSignal): Promise<readonly string[]> => transfersInProgress(ecs, target, signal),
    /** Whether the game server runs, starts or stops (its world may change while a snapshot reads it). */
    gameActive: async (signal: AbortSignal): Promise<boolean> =>
      (await serviceActivity(ecs, target.cluster, target.gameService, signal)).kind === 'active',
    /** Starts the snapshot task and returns its ARN without waiting. */
    startSnapshot: (snapshot: SnapshotStart, signal: AbortSignal): Promise<string> =>
      startTransferTask(
        ecs,
        target,
        { mode: 'snapshot', snapshotId: snapshot.snapshotId, worldName: snapshot.worldName },
        snapshot.startedBy,
        signal,
      ),
  };
}
