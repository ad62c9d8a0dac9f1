import { transferId } from './transfer-id.js';

/*
 * A snapshot started without waiting for it: `/valheim backup` and the monitor's session snapshots. The
 * task's end reaches the monitor as an ECS event (see monitor/transfer-event.ts), which reports it. No SDK
 * import here: the interactions Lambda loads this in its entry chunk.
 */

/** A snapshot to start: the request of the transfer task, and who asked (the task's startedBy). */
export interface SnapshotStart {
  readonly snapshotId: string;
  readonly worldName: string;
  /** Recorded as the task's startedBy: letters, digits, `-` and `_`, at most 128. */
  readonly startedBy: string;
}

/** The world-transfer task as a snapshot needs it (one ECS call each; see aws-world-transfers.ts). */
export interface SnapshotTasks {
  /** ARNs of the transfer tasks that run or are about to: snapshots, exports, imports, restores. */
  inProgress(signal: AbortSignal): Promise<readonly string[]>;
  /** Whether the game server runs, starts or stops (its world may change while a snapshot reads it). */
  gameActive(signal: AbortSignal): Promise<boolean>;
  /** Starts the snapshot task and returns its ARN without waiting. */
  startSnapshot(snapshot: SnapshotStart, signal: AbortSignal): Promise<string>;
}

export type SnapshotStartOutcome =
  /** Another transfer runs: it holds (or is about to replace) the same world, so none is started. */
  | { readonly kind: 'busy'; readonly tasks: readonly string[] }
  | {
      readonly kind: 'started';
      readonly snapshotId: string;
      readonly taskArn: string;
      /** Whether the game ran (the snapshot then holds its last save); absent when not asked. */
      readonly gameActive?: boolean;
      /** What `alongside` threw, when it did (the snapshot started anyway). */
      readonly alongsideError?: unknown;
    };

export interface SnapshotRequest {
  readonly worldName: string;
  /** The last part of the snapshot id: discord, session-end, session… */
  readonly reason: string;
  readonly at: Date;
  readonly startedBy: string;
  /** Also ask whether the game runs (one more ECS call, at the same time as the others). */
  readonly checkGame?: boolean;
  /**
   * Runs at the same time as the task's start, with the snapshot's id (e.g. keeping the Discord reply to
   * follow up on). Its failure does not stop the snapshot; it is returned as `alongsideError`.
   */
  readonly alongside?: (snapshotId: string) => Promise<void>;
}

/** Starts a snapshot of the world unless another transfer runs; never waits for the task. */
export async function startWorldSnapshot(
  tasks: SnapshotTasks,
  request: SnapshotRequest,
  signal: AbortSignal,
): Promise<SnapshotStartOutcome> {
  const [running, gameActive] = await Promise.all([
    tasks.inProgress(signal),
    request.checkGame ? tasks.gameActive(signal) : undefined,
  ]);
  if (running.length > 0) return { kind: 'busy', tasks: running };

  const snapshotId = transferId(request.reason, request.at);
  // Both at once, to answer in time: what runs alongside (a stored reply) is needed only when the task has
  // stopped, a minute or more later.
  const [alongside, started] = await Promise.allSettled([
    request.alongside?.(snapshotId),
    tasks.startSnapshot({ snapshotId, worldName: request.worldName, startedBy: request.startedBy }, signal),
  ]);
  if (started.status === 'rejected') throw started.reason;
  return {
    kind: 'started',
    snapshotId,
    taskArn: started.value,
    ...(gameActive !== undefined && { gameActive }),
    ...(alongside.status === 'rejected' && { alongsideError: alongside.reason }),
  };
}
