/**
 * The world-transfer task (snapshots, imports, restores) runs in the game's cluster, so its state changes
 * reach the monitor too. When one has stopped, this says how it went, from the event alone.
 */
export interface TransferOutcome {
  readonly taskArn: string;
  /** snapshot, restore, list-backups or fetch-backup */
  readonly mode: string;
  readonly snapshotId?: string;
  readonly ok: boolean;
  /** Why it failed, when it did (AWS's words). */
  readonly reason?: string;
}

interface TaskStateDetail {
  readonly taskArn?: string;
  readonly group?: string;
  readonly lastStatus?: string;
  readonly stoppedReason?: string;
  readonly containers?: ReadonlyArray<{
    readonly name?: string;
    readonly exitCode?: number;
    readonly reason?: string;
  }>;
  readonly overrides?: {
    readonly containerOverrides?: ReadonlyArray<{
      readonly name?: string;
      readonly environment?: ReadonlyArray<{ readonly name?: string; readonly value?: string }>;
    }>;
  };
}

/** The container that runs the transfer script in the transfer task definition. */
export const TRANSFER_CONTAINER = 'transfer';

export function transferOutcome(detail: unknown, family: string): TransferOutcome | undefined {
  const task = (detail ?? {}) as TaskStateDetail;
  if (task.group !== `family:${family}` || task.lastStatus !== 'STOPPED' || !task.taskArn) return undefined;
  const container = task.containers?.find((c) => c.name === TRANSFER_CONTAINER);
  const environment =
    task.overrides?.containerOverrides?.find((c) => c.name === TRANSFER_CONTAINER)?.environment ?? [];
  const variable = (name: string) => environment.find((entry) => entry.name === name)?.value;
  const ok = container?.exitCode === 0;
  const reason = ok
    ? undefined
    : (container?.reason ??
      (container?.exitCode !== undefined
        ? `exit code ${container.exitCode}`
        : (task.stoppedReason ?? 'unknown reason')));
  const snapshotId = variable('SNAPSHOT_ID');
  return {
    taskArn: task.taskArn,
    mode: variable('MODE') ?? 'unknown',
    ok,
    ...(snapshotId && { snapshotId }),
    ...(reason && { reason }),
  };
}
