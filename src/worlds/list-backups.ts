import {
  type BackupEntry,
  listImageZips,
  listRecoveryPoints,
  mergeBackups,
  snapshotEntry,
} from './backups.js';
import { listSnapshots } from './snapshots.js';
import { awsStep, WORLD_PERMISSIONS, type WorldPorts } from './world-ports.js';

export interface WorldBackups {
  /** Newest first, whatever the source. */
  readonly entries: readonly BackupEntry[];
  /**
   * In order: snapshots left out (a sentence), and sources that could not be read (what, and AWS's error for
   * the caller to word); the others are still listed.
   */
  readonly warnings: readonly BackupWarning[];
}

export type BackupWarning = string | { readonly unlisted: string; readonly error: unknown };

/**
 * Snapshots in S3, AWS Backup recovery points of the file system and (unless `zips` is false) the image's
 * own zips, each with the id a restore takes. A source that cannot be read becomes a warning; when none can
 * be read, the first failure is thrown.
 */
export async function listWorldBackups(
  ports: WorldPorts,
  options: {
    /** @default true */
    readonly zips?: boolean;
    /** Only the snapshots holding this world (recovery points and zips hold every world anyway). */
    readonly world?: string;
  } = {},
): Promise<WorldBackups> {
  const { stack, s3, report } = ports;
  const lists: BackupEntry[][] = [];
  const failures: unknown[] = [];
  const warnings: BackupWarning[] = [];
  const attempt = async (what: string, read: () => Promise<BackupEntry[]>): Promise<void> => {
    try {
      lists.push(await read());
    } catch (error) {
      failures.push(error);
      warnings.push({ unlisted: what, error });
    }
  };

  await attempt('snapshots', async () => {
    const { snapshots, incomplete } = await awsStep('list the snapshots', WORLD_PERMISSIONS.bucket, () =>
      listSnapshots(s3, stack.bucket),
    );
    if (incomplete.length > 0) {
      warnings.push(
        `${incomplete.length} incomplete snapshot${incomplete.length === 1 ? '' : 's'} left out (interrupted; never restored): ${incomplete.join(', ')}`,
      );
    }
    const world = options.world;
    return snapshots
      .filter(
        (snapshot) =>
          world === undefined ||
          snapshot.worlds.includes(world) ||
          (snapshot.world === world && snapshot.format !== 'none'),
      )
      .map(snapshotEntry);
  });
  const fileSystemArn = stack.fileSystemArn;
  if (fileSystemArn) {
    await attempt('AWS Backup recovery points', () =>
      awsStep('list the AWS Backup recovery points', WORLD_PERMISSIONS.backup, () =>
        listRecoveryPoints(ports.backup(), fileSystemArn),
      ),
    );
  } else {
    warnings.push('AWS Backup recovery points not listed: the transfer task definition names no file system');
  }
  const zips = options.zips !== false;
  if (zips) {
    report.progress(
      "Listing the server's own backup zips (a short task on the file system, about a minute)…",
    );
    await attempt("the image's backup zips", () =>
      awsStep("list the image's backup zips", `${WORLD_PERMISSIONS.task}; ${WORLD_PERMISSIONS.bucket}`, () =>
        listImageZips(ports.ecs, s3, stack, ports.now(), {
          onStatus: (status, arn) => report.taskStatus(status, arn),
          ...(ports.sleep && { sleep: ports.sleep }),
        }),
      ),
    );
  }
  const attempted = (fileSystemArn ? 2 : 1) + (zips ? 1 : 0);
  if (failures.length === attempted) throw failures[0];
  return { entries: mergeBackups(...lists), warnings };
}
