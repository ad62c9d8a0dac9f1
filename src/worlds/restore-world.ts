import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsBackupRestoreSteps, findRecoveryPoint } from './backups.js';
import { WorldError } from './errors.js';
import {
  describeWorld,
  openLocalWorld,
  type Replaced,
  replaceWithLocalWorld,
  restoreFromPrefix,
} from './replace-world.js';
import { requireGameStopped, runTransfer } from './run-transfer.js';
import { downloadObject, readManifest, SNAPSHOTS } from './snapshots.js';
import { removeOnInterrupt } from './temporary.js';
import { awsStep, WORLD_PERMISSIONS, type WorldPorts } from './world-ports.js';

/*
 * Restoring a backup (the ids of `listWorldBackups`). Every way first saves the current world as a snapshot
 * (pre-restore) in the transfer task:
 * - snapshot:<id> → the restore task straight from `snapshots/<id>/`;
 * - zip:<name> → the task copies the zip to S3, it is unpacked here and imported;
 * - backup:<id> → not automated (AWS Backup restores next to the world, not in place): the steps instead.
 */

/**
 * Restores one world from the snapshot `snapshotId`, after showing it and asking; every other world on the
 * server stays as it is (a snapshot holds them all, but only this one is taken from it).
 */
export async function restoreSnapshot(
  ports: WorldPorts,
  options: { readonly snapshotId: string; readonly worldName: string },
): Promise<Replaced> {
  const { s3, stack, report } = ports;
  const { snapshotId, worldName: world } = options;
  const manifest = await awsStep(`read snapshot ${snapshotId}`, WORLD_PERMISSIONS.bucket, () =>
    readManifest(s3, stack.bucket, `${SNAPSHOTS}/${snapshotId}`),
  );
  if (!manifest) {
    throw new WorldError(
      `snapshot ${snapshotId} does not exist or is incomplete (it has no manifest)`,
      'choose one listed by valheim world backups',
    );
  }
  if (!(manifest.worlds.includes(world) || (manifest.world === world && manifest.format !== 'none'))) {
    const held = manifest.worlds.length > 0 ? manifest.worlds.join(', ') : 'no world';
    throw new WorldError(
      `snapshot ${snapshotId} holds ${held}, not the world "${world}"`,
      manifest.worlds.length > 0
        ? `restore one of its worlds with --world ${manifest.worlds[0]}, or choose a snapshot of ${world} (valheim world backups --world ${world})`
        : 'choose another snapshot (valheim world backups)',
    );
  }
  await requireGameStopped(ports);
  report.info(
    `Snapshot ${snapshotId}: world "${manifest.world}" (${describeWorld(manifest)}), taken ${manifest.created} (${manifest.reason}).`,
  );
  const others = manifest.worlds.filter((name) => name !== world);
  await report.confirm(
    `Replace the world "${world}" on the server with the one in this snapshot${others.length > 0 ? ` (its ${others.join(', ')} stay as the server has them)` : ''}? The server's worlds are saved as a snapshot first.`,
  );
  return restoreFromPrefix(ports, {
    worldName: world,
    sourcePrefix: `${SNAPSHOTS}/${snapshotId}`,
    reason: 'pre-restore',
  });
}

/**
 * Restores one world from one of the image's own zips (/config/backups): copied to S3 by the task, unpacked
 * here, and that world imported; the other worlds on the server stay as they are.
 */
export async function restoreImageZip(
  ports: WorldPorts,
  options: { readonly name: string; readonly worldName: string },
): Promise<Replaced> {
  const { s3, stack, report } = ports;
  const { name } = options;
  await requireGameStopped(ports);
  report.progress(`Copying ${name} from the server's backups folder to S3…`);
  await runTransfer(ports, { mode: 'fetch-backup', backupName: name });
  const temp = mkdtempSync(join(tmpdir(), 'valheim-zip-'));
  const release = removeOnInterrupt(temp);
  try {
    const zip = join(temp, name);
    await awsStep(`download ${name}`, WORLD_PERMISSIONS.bucket, () =>
      downloadObject(s3, stack.bucket, `image-backups/${name}`, zip),
    );
    const opened = openLocalWorld(zip, options.worldName);
    try {
      if (opened.world.name !== options.worldName) {
        throw new WorldError(
          `zip:${name} holds the world "${opened.world.name}", not "${options.worldName}"`,
          `restore it with --world ${opened.world.name}, or choose another backup (valheim world backups)`,
        );
      }
      return await replaceWithLocalWorld(ports, opened.world, {
        where: `zip:${name}`,
        reason: 'pre-restore',
      });
    } finally {
      opened.dispose();
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
    release();
  }
}

/**
 * The steps to restore an AWS Backup recovery point by hand (AWS Backup never restores in place). Refuses an
 * id that is not a recovery point of the world's file system.
 */
export async function recoveryPointSteps(ports: WorldPorts, id: string): Promise<string[]> {
  const { stack } = ports;
  const fileSystemArn = stack.fileSystemArn;
  const point = fileSystemArn
    ? await awsStep('look up the AWS Backup recovery point', WORLD_PERMISSIONS.backup, () =>
        findRecoveryPoint(ports.backup(), fileSystemArn, id),
      )
    : undefined;
  if (fileSystemArn && !point) {
    throw new WorldError(
      `there is no AWS Backup recovery point ${id} of the world`,
      'choose one listed by valheim world backups',
    );
  }
  return awsBackupRestoreSteps(
    {
      id,
      ...(point?.CreationDate && { created: point.CreationDate }),
      ...(point?.BackupVaultName && { vault: point.BackupVaultName }),
      ...(point?.RecoveryPointArn && { arn: point.RecoveryPointArn }),
    },
    stack,
  );
}
