import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsBackupRestoreSteps, findRecoveryPoint, parseBackupId } from '../../worlds/backups.js';
import { WorldError } from '../../worlds/errors.js';
import { downloadObject, readManifest, SNAPSHOTS } from '../../worlds/snapshots.js';
import { removeOnInterrupt } from '../../worlds/temporary.js';
import { CliError } from '../errors.js';
import {
  backupClient,
  confirm,
  describeWorld,
  openLocalWorld,
  PERMISSIONS,
  replaceWithLocalWorld,
  requireStopped,
  restoreFrom,
  runTask,
  step,
  type WorldContext,
  type WorldDeps,
  worldContext,
} from './world-common.js';

export interface WorldRestoreOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** An id from `valheim world backups`: snapshot:…, zip:… or backup:…. */
  readonly id: string;
  /** Do not ask before replacing the world. */
  readonly yes?: boolean;
}

/**
 * `valheim world restore ID`: makes a backup the server's world. Every way first saves the current world as a
 * snapshot (pre-restore) in the transfer task.
 * - snapshot:<id> → the restore task straight from `snapshots/<id>/`;
 * - zip:<name> → the task copies the zip to S3, the CLI unpacks it here and imports it;
 * - backup:<id> → not automated (AWS Backup restores next to the world, not in place): prints the steps.
 */
export async function worldRestore(options: WorldRestoreOptions, deps: WorldDeps): Promise<void> {
  let ref: ReturnType<typeof parseBackupId>;
  try {
    ref = parseBackupId(options.id);
  } catch (error) {
    if (error instanceof WorldError) throw new CliError(error.problem, error.fix);
    throw error;
  }
  const context = await worldContext(options.config, deps);
  switch (ref.source) {
    case 'snapshot':
      return restoreSnapshot(context, ref.snapshotId, options.yes);
    case 'zip':
      return restoreZip(context, ref.name, options.yes);
    case 'backup':
      return explainRecoveryPoint(context, ref.recoveryPointId);
  }
}

async function restoreSnapshot(
  context: WorldContext,
  snapshotId: string,
  yes: boolean | undefined,
): Promise<void> {
  const { config, stack, s3, deps } = context;
  const world = config.server.world;
  const manifest = await step(config.region, `read snapshot ${snapshotId}`, PERMISSIONS.bucket, () =>
    readManifest(s3, stack.bucket, `${SNAPSHOTS}/${snapshotId}`),
  );
  if (!manifest) {
    throw new CliError(
      `snapshot ${snapshotId} does not exist or is incomplete (it has no manifest)`,
      'choose one listed by valheim world backups',
    );
  }
  if (!(manifest.worlds.includes(world) || (manifest.world === world && manifest.format !== 'none'))) {
    const held = manifest.worlds.length > 0 ? manifest.worlds.join(', ') : 'no world';
    throw new CliError(
      `snapshot ${snapshotId} holds ${held}, not the world "${world}" the server runs (server.world)`,
      manifest.worlds.length === 1
        ? `set server.world to "${manifest.worlds[0]}" and run npm run deploy, then restore it`
        : 'choose another snapshot (valheim world backups)',
    );
  }
  await requireStopped(context);
  deps.term.out(
    `Snapshot ${snapshotId}: world "${manifest.world}" (${describeWorld(manifest)}), taken ${manifest.created} (${manifest.reason}).`,
  );
  await confirm(
    deps,
    `Replace the world "${world}" on the server with it? The current one is saved as a snapshot first.`,
    yes,
  );
  await restoreFrom(context, `${SNAPSHOTS}/${snapshotId}`, 'pre-restore');
}

async function restoreZip(context: WorldContext, name: string, yes: boolean | undefined): Promise<void> {
  const { config, stack, s3, deps } = context;
  await requireStopped(context);
  deps.term.err(`Copying ${name} from the server's backups folder to S3…`);
  await runTask(context, { mode: 'fetch-backup', backupName: name });
  const temp = mkdtempSync(join(tmpdir(), 'valheim-zip-'));
  const release = removeOnInterrupt(temp);
  try {
    const zip = join(temp, name);
    await step(config.region, `download ${name}`, PERMISSIONS.bucket, () =>
      downloadObject(s3, stack.bucket, `image-backups/${name}`, zip),
    );
    const opened = openLocalWorld(zip, config.server.world);
    try {
      await replaceWithLocalWorld(context, opened.world, {
        where: `zip:${name}`,
        reason: 'pre-restore',
        ...(yes && { yes: true }),
      });
    } finally {
      opened.dispose();
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
    release();
  }
}

async function explainRecoveryPoint(context: WorldContext, id: string): Promise<never> {
  const { config, stack, deps } = context;
  const fileSystemArn = stack.fileSystemArn;
  const point = fileSystemArn
    ? await step(config.region, 'look up the AWS Backup recovery point', PERMISSIONS.backup, () =>
        findRecoveryPoint(backupClient(context), fileSystemArn, id),
      )
    : undefined;
  if (fileSystemArn && !point) {
    throw new CliError(
      `there is no AWS Backup recovery point ${id} of the world`,
      'choose one listed by valheim world backups',
    );
  }
  deps.term.out(
    `Restoring AWS Backup recovery point ${id} takes these steps (AWS Backup never restores in place):`,
  );
  for (const line of awsBackupRestoreSteps(
    {
      id,
      ...(point?.CreationDate && { created: point.CreationDate }),
      ...(point?.BackupVaultName && { vault: point.BackupVaultName }),
      ...(point?.RecoveryPointArn && { arn: point.RecoveryPointArn }),
    },
    stack,
  )) {
    deps.term.out(`  ${line}`);
  }
  throw new CliError(
    'restoring an AWS Backup recovery point is not automated yet',
    'follow the steps above, or restore a snapshot: or zip: backup instead (valheim world backups)',
  );
}
