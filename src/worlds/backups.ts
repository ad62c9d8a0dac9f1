import {
  type BackupClient,
  paginateListRecoveryPointsByResource,
  type RecoveryPointByResource,
} from '@aws-sdk/client-backup';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { S3Client } from '@aws-sdk/client-s3';
import { sdkEcs } from '../aws/sdk-ecs.js';
import { WorldError } from './errors.js';
import type { TransferManifest } from './manifest.js';
import { readText } from './snapshots.js';
import type { WorldStack } from './stack.js';
import { parseTransferId, transferId } from './transfer-id.js';
import { type RunTransferOptions, runTransferTask, transferFailure } from './transfer-task.js';

/*
 * Three kinds of backup, one list:
 *   backup:<recovery point id>  AWS Backup's copies of the whole file system (the stack's backup plan)
 *   snapshot:<id>               world snapshots in the bucket (export, Discord, before every import/restore)
 *   zip:<name>                  the image's own zips in /config/backups (BACKUPS=true; one at every start)
 */

export type BackupSource = 'backup' | 'snapshot' | 'zip';

export interface BackupEntry {
  /** What `valheim world restore` takes, e.g. `snapshot:20261123T190500Z-manual`. */
  readonly id: string;
  readonly source: BackupSource;
  readonly created: Date;
  readonly sizeBytes?: number;
  /** One line about it, e.g. "Midgard, folder, 12 files (manual)". */
  readonly description: string;
}

export type BackupRef =
  | { readonly source: 'snapshot'; readonly snapshotId: string }
  | { readonly source: 'zip'; readonly name: string }
  | { readonly source: 'backup'; readonly recoveryPointId: string };

/** Newest first, whatever the source. */
export function mergeBackups(...lists: ReadonlyArray<readonly BackupEntry[]>): BackupEntry[] {
  return lists.flat().sort((a, b) => b.created.getTime() - a.created.getTime() || a.id.localeCompare(b.id));
}

export function snapshotEntry(manifest: TransferManifest): BackupEntry {
  const others = manifest.worlds.filter((world) => world !== manifest.world);
  return {
    id: `snapshot:${manifest.id}`,
    source: 'snapshot',
    created: new Date(manifest.created),
    sizeBytes: manifest.totalBytes,
    description: `${manifest.world}, ${manifest.format === 'none' ? 'world not on the server' : manifest.format}, ${manifest.fileCount} files (${manifest.reason})${others.length > 0 ? `; also ${others.join(', ')}` : ''}`,
  };
}

/** Every recovery point of `fileSystemArn`, page by page (the SDK's paginator follows NextToken). */
async function* recoveryPointsOf(
  backup: BackupClient,
  fileSystemArn: string,
): AsyncGenerator<RecoveryPointByResource> {
  for await (const page of paginateListRecoveryPointsByResource(
    { client: backup },
    { ResourceArn: fileSystemArn },
  )) {
    yield* page.RecoveryPoints ?? [];
  }
}

/** AWS Backup's completed recovery points of the world's file system. */
export async function listRecoveryPoints(
  backup: BackupClient,
  fileSystemArn: string,
): Promise<BackupEntry[]> {
  const points: RecoveryPointByResource[] = [];
  try {
    for await (const point of recoveryPointsOf(backup, fileSystemArn)) points.push(point);
  } catch (error) {
    // No backup has run yet: AWS Backup does not know the resource.
    if ((error as Error).name === 'ResourceNotFoundException') return [];
    throw error;
  }
  return points
    .filter((point) => point.Status === 'COMPLETED' && point.RecoveryPointArn && point.CreationDate)
    .map((point) => ({
      id: `backup:${recoveryPointId(point.RecoveryPointArn as string)}`,
      source: 'backup' as const,
      created: point.CreationDate as Date,
      ...(point.BackupSizeBytes !== undefined && { sizeBytes: point.BackupSizeBytes }),
      description: `whole file system, AWS Backup vault ${point.BackupVaultName ?? '?'}`,
    }));
}

/** The recovery point by its short id (the end of its ARN), with what the console steps need. */
export async function findRecoveryPoint(
  backup: BackupClient,
  fileSystemArn: string,
  id: string,
): Promise<RecoveryPointByResource | undefined> {
  for await (const point of recoveryPointsOf(backup, fileSystemArn)) {
    if (point.RecoveryPointArn && recoveryPointId(point.RecoveryPointArn) === id) return point;
  }
  return undefined;
}

/** `arn:aws:backup:…:recovery-point:<id>` → `<id>`. */
export function recoveryPointId(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/**
 * The image's zips from a listing written by the transfer task (`list-backups`): one line per zip,
 * "<size> <mtime epoch seconds> <name>".
 */
export function parseZipListing(text: string): BackupEntry[] {
  const entries: BackupEntry[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\d+) (\d+) (\S+\.zip)$/.exec(line.trim());
    if (!match) continue;
    const [, size, mtime, name] = match;
    entries.push({
      id: `zip:${name}`,
      source: 'zip',
      created: new Date(Number(mtime) * 1000),
      sizeBytes: Number(size),
      description: "the server image's own backup zip (worlds at a server start)",
    });
  }
  return entries;
}

/** Runs the `list-backups` task and reads its listing: the image's zips in /config/backups. */
export async function listImageZips(
  ecs: ECSClient,
  s3: S3Client,
  stack: WorldStack,
  now: Date,
  options: RunTransferOptions = {},
): Promise<BackupEntry[]> {
  const request = { mode: 'list-backups', listingId: transferId('list', now) } as const;
  const result = await runTransferTask(sdkEcs(ecs), stack, request, options);
  if (!result.ok) throw transferFailure(result, request);
  const text = await readText(s3, stack.bucket, `listings/${request.listingId}.txt`);
  if (text === undefined) {
    throw new WorldError(
      `the listing listings/${request.listingId}.txt is missing although the task succeeded`,
      'try again',
    );
  }
  return parseZipListing(text);
}

/** Parses an id from `valheim world backups`; a bare snapshot id is accepted too. */
export function parseBackupId(id: string): BackupRef {
  const [source, ...rest] = id.trim().split(':');
  const value = rest.join(':');
  if (source === 'snapshot' && parseTransferId(value)) return { source: 'snapshot', snapshotId: value };
  if (rest.length === 0 && source && parseTransferId(source))
    return { source: 'snapshot', snapshotId: source };
  if (source === 'zip' && /^[A-Za-z0-9._-]+$/.test(value) && !value.startsWith('.')) {
    return { source: 'zip', name: value.endsWith('.zip') ? value : `${value}.zip` };
  }
  if (source === 'backup' && /^[A-Za-z0-9_-]+$/.test(value))
    return { source: 'backup', recoveryPointId: value };
  throw new WorldError(
    `"${id}" is not a backup id`,
    'use an id from valheim world backups, e.g. snapshot:20261123T190500Z-manual, zip:worlds-20261123-190500.zip or backup:…',
  );
}

export interface RecoveryPointInfo {
  readonly id: string;
  readonly created?: Date;
  readonly vault?: string;
  readonly arn?: string;
}

/**
 * Restoring an AWS Backup recovery point is not automated: AWS Backup never restores in place. An EFS
 * restore writes into a new folder `aws-backup-restore_<time>` at the file system's root, outside the
 * access point (/valheim) that the game and the transfer task mount, so a person has to move the files.
 * These are the steps, in order.
 */
export function awsBackupRestoreSteps(point: RecoveryPointInfo, stack: WorldStack): string[] {
  const fileSystemId = stack.fileSystemArn?.split('/').pop() ?? 'the world file system';
  const when = point.created ? ` (${point.created.toISOString()})` : '';
  return [
    `1. Stop the server (/valheim stop in Discord, or npx valheim stop) and wait until it has stopped.`,
    `2. Keep a copy of the current world: npx valheim world export`,
    `3. Open https://console.aws.amazon.com/backup/home?region=${stack.region}#/backupvaults → vault ${point.vault ?? '(see valheim world backups)'} → recovery point ${point.arn ?? point.id}${when} → Actions → Restore.`,
    '4. Choose "Restore specific items", path /valheim/worlds_local, "Restore to the source file system", role "Default role", then Restore backup.',
    `5. When the restore job is COMPLETED (AWS Backup → Jobs → Restore jobs), the files are in /aws-backup-restore_<time>/valheim/worlds_local on ${fileSystemId}, where the server does not see them.`,
    "6. Mount the file system on a machine in the stack's VPC (e.g. a small EC2 instance with amazon-efs-utils), copy that worlds_local folder to your PC, and import it: npx valheim world import <folder>. Then delete the aws-backup-restore_<time> folder.",
  ];
}
