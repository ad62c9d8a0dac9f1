import { DeleteObjectCommand, DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { type SnapshotRetention, snapshotsToPrune } from './snapshot-policy.js';
import { listObjects, listSnapshots, SNAPSHOTS } from './snapshots.js';

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
