import {
  type BackupEntry,
  listImageZips,
  listRecoveryPoints,
  mergeBackups,
  snapshotEntry,
} from '../../worlds/backups.js';
import { listSnapshots } from '../../worlds/snapshots.js';
import { formatBytes } from '../../worlds/world-files.js';
import {
  backupClient,
  PERMISSIONS,
  step,
  taskProgress,
  type WorldContext,
  type WorldDeps,
  worldContext,
} from './world-common.js';

export interface WorldBackupsOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** Print one JSON array. */
  readonly json?: boolean;
  /** Also list the image's zips in /config/backups (runs a short task). @default true */
  readonly zips?: boolean;
}

/**
 * `valheim world backups`: snapshots in S3, AWS Backup recovery points of the file system and the image's
 * own zips, newest first, each with the id `valheim world restore` takes. A source that cannot be read is
 * reported as a warning and the others are still listed; when none can be read, the first failure is thrown.
 */
export async function worldBackups(options: WorldBackupsOptions, deps: WorldDeps): Promise<void> {
  const context = await worldContext(options.config, deps);
  const { config, stack, s3 } = context;
  const lists: BackupEntry[][] = [];
  const failures: Error[] = [];
  const warnings: string[] = [];
  const attempt = async (what: string, read: () => Promise<BackupEntry[]>): Promise<void> => {
    try {
      lists.push(await read());
    } catch (error) {
      failures.push(error as Error);
      warnings.push(`${what} not listed: ${(error as Error).message}`);
    }
  };

  await attempt('snapshots', async () => {
    const { snapshots, incomplete } = await step(
      config.region,
      'list the snapshots',
      PERMISSIONS.bucket,
      () => listSnapshots(s3, stack.bucket),
    );
    if (incomplete.length > 0) {
      warnings.push(
        `${incomplete.length} incomplete snapshot${incomplete.length === 1 ? '' : 's'} left out (interrupted; never restored): ${incomplete.join(', ')}`,
      );
    }
    return snapshots.map(snapshotEntry);
  });
  const fileSystemArn = stack.fileSystemArn;
  if (fileSystemArn) {
    await attempt('AWS Backup recovery points', () =>
      step(config.region, 'list the AWS Backup recovery points', PERMISSIONS.backup, () =>
        listRecoveryPoints(backupClient(context), fileSystemArn),
      ),
    );
  } else {
    warnings.push('AWS Backup recovery points not listed: the transfer task definition names no file system');
  }
  if (options.zips !== false) {
    deps.term.err("Listing the server's own backup zips (a short task on the file system, about a minute)…");
    await attempt("the image's backup zips", () => listZips(context));
  }

  const attempted = (fileSystemArn ? 2 : 1) + (options.zips !== false ? 1 : 0);
  if (failures.length === attempted) throw failures[0];
  for (const warning of warnings) deps.term.err(`valheim: warning: ${warning}`);
  const entries = mergeBackups(...lists);
  if (options.json) {
    deps.term.out(
      JSON.stringify(
        entries.map((entry) => ({ ...entry, created: entry.created.toISOString() })),
        null,
        2,
      ),
    );
    return;
  }
  if (entries.length === 0) {
    deps.term.out('No backups yet. Take a snapshot with: npx valheim world export');
    return;
  }
  for (const line of table(entries)) deps.term.out(line);
  deps.term.out('');
  deps.term.out(
    'Restore one with: npx valheim world restore <ID> (the current world is saved as a snapshot first)',
  );
}

function listZips(context: WorldContext): Promise<BackupEntry[]> {
  return step(
    context.config.region,
    "list the image's backup zips",
    `${PERMISSIONS.task}; ${PERMISSIONS.bucket}`,
    () => listImageZips(context.ecs, context.s3, context.stack, context.now(), taskProgress(context)),
  );
}

function table(entries: readonly BackupEntry[]): string[] {
  const rows = entries.map((entry) => [
    entry.created.toISOString().slice(0, 16).replace('T', ' '),
    entry.sizeBytes === undefined ? '' : formatBytes(entry.sizeBytes),
    entry.id,
    entry.description,
  ]);
  const header = ['CREATED (UTC)', 'SIZE', 'ID', 'WHAT'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  return [header, ...rows].map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
