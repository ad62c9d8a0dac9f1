import { parseTransferId } from './transfer-id.js';

/**
 * How long the bot's own snapshots stay in the world bucket (the rules only; snapshot-retention.ts applies
 * them to the bucket). No dependencies: the monitor's notices and the cost estimate use it too. Retention by age alone is what makes the image's
 * zips dangerous (one boot after a long break deletes every older one), so a count always protects the newest:
 * an automatic snapshot is deleted only when it is beyond the newest `keepCount` AND older than `keepDays`.
 * Snapshots somebody asked for (manual, /valheim backup, before an import or restore) are never pruned.
 */

/** The reasons (last part of the id) of snapshots the monitor takes by itself. */
export const AUTOMATIC_SNAPSHOT_REASONS = ['session-end', 'session'] as const;
export type AutomaticSnapshotReason = (typeof AUTOMATIC_SNAPSHOT_REASONS)[number];

/**
 * Days a snapshot stays in S3 Standard before the lifecycle moves it to Glacier Instant Retrieval (a fifth of
 * the price, restored as fast). One: an export downloads its fresh snapshot from Standard the same day, and a
 * snapshot lives at least keepDays (≥ Glacier IR's 90 billed days in the estimate) anyway, so a week in
 * Standard only cost more; restoring from Glacier IR costs $0.03/GB ($0.006 for a 0.2 GB world).
 */
export const SNAPSHOT_COLD_AFTER_DAYS = 1;

export interface SnapshotRetention {
  readonly keepCount: number;
  readonly keepDays: number;
}

export function isAutomaticSnapshot(id: string): boolean {
  const reason = parseTransferId(id)?.reason;
  return (AUTOMATIC_SNAPSHOT_REASONS as readonly string[]).includes(reason ?? '');
}

/**
 * The ids of the automatic snapshots to delete, from the complete ones (ids of interrupted snapshots are not
 * passed in, so they never push a good one out).
 */
export function snapshotsToPrune(
  completeIds: readonly string[],
  retention: SnapshotRetention,
  now: number,
): string[] {
  const automatic = completeIds
    .map((id) => ({ id, created: parseTransferId(id)?.created.getTime() }))
    .filter((entry): entry is { id: string; created: number } => entry.created !== undefined)
    .filter((entry) => isAutomaticSnapshot(entry.id))
    .sort((a, b) => b.created - a.created || b.id.localeCompare(a.id));
  const cutoff = now - retention.keepDays * 86_400_000;
  return automatic
    .slice(retention.keepCount)
    .filter((entry) => entry.created < cutoff)
    .map((entry) => entry.id);
}
