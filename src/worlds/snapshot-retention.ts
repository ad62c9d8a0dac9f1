import { DeleteObjectCommand, DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { listObjects, listSnapshots, SNAPSHOTS } from './snapshots.js';
import { parseTransferId } from './transfer-id.js';

/**
 * How long the bot's own snapshots stay in the world bucket. Retention by age alone is what makes the image's
 * zips dangerous (one boot after a long break deletes every older one), so a count always protects the newest:
 * an automatic snapshot is deleted only when it is beyond the newest `keepCount` AND older than `keepDays`.
 * Snapshots somebody asked for (manual, /valheim backup, before an import or restore) are never pruned.
 */

/** The reasons (last part of the id) of snapshots the monitor takes by itself. */
export const AUTOMATIC_SNAPSHOT_REASONS = ['session-end', 'session'] as const;
export type AutomaticSnapshotReason = (typeof AUTOMATIC_SNAPSHOT_REASONS)[number];

/**
 * Days a snapshot stays in S3 Standard before the lifecycle moves it to Glacier Instant Retrieval: the
 * recent ones are the likely restores, and Glacier IR's 90-day minimum makes moving younger ones pointless.
 */
export const SNAPSHOT_COLD_AFTER_DAYS = 7;

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

/**
 * Deletes the automatic snapshots the retention no longer keeps; returns their ids. Called only after a new
 * snapshot has completed, so a failing or interrupted snapshot never costs an older one. The manifest goes
 * first: a half-deleted snapshot is then "incomplete" and never offered for restore. The bucket is versioned,
 * so a deleted snapshot can still be brought back for the noncurrent-version days.
 */
export async function pruneSnapshots(
  s3: S3Client,
  bucket: string,
  retention: SnapshotRetention,
  now: number,
): Promise<string[]> {
  const listing = await listSnapshots(s3, bucket);
  const doomed = snapshotsToPrune(
    listing.snapshots.map((snapshot) => snapshot.id),
    retention,
    now,
  );
  for (const id of doomed) {
    const prefix = `${SNAPSHOTS}/${id}/`;
    const manifest = `${prefix}manifest.json`;
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: manifest }));
    const keys = (await listObjects(s3, bucket, prefix))
      .map((object) => object.key)
      .filter((key) => key !== manifest);
    for (let at = 0; at < keys.length; at += 1000) {
      const batch = keys.slice(at, at + 1000);
      const result = await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = result.Errors?.[0];
      if (failed) throw new Error(`could not delete ${failed.Key} (${failed.Code ?? 'unknown error'})`);
    }
  }
  return doomed;
}
