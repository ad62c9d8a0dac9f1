import { WorldError } from './errors.js';
import { runTransfer } from './run-transfer.js';
import { readManifest, SNAPSHOTS, uploadWorld } from './snapshots.js';
import { transferId } from './transfer-id.js';
import { formatBytes, type LocalWorld, type OpenedWorld, openWorld } from './world-files.js';
import { awsStep, WORLD_PERMISSIONS, type WorldPorts } from './world-ports.js';

/** Why the world on the server is replaced: the reason of the snapshot taken of it first. */
export type ReplaceReason = 'pre-import' | 'pre-restore';

/** What a replacement did: where the new world came from, and the snapshot of the one it replaced. */
export interface Replaced {
  readonly worldName: string;
  readonly sourcePrefix: string;
  readonly snapshotId: string;
  /** False when there was no world on the server before (nothing to snapshot). */
  readonly saved: boolean;
}

/** "Valheim 1.0 folder, 3 files, 12.0 MB": what a world is, in one phrase. */
export function describeWorld(world: { format: string; fileCount: number; totalBytes: number }): string {
  const format =
    world.format === 'folder'
      ? 'Valheim 1.0 folder'
      : world.format === 'legacy'
        ? '.fwl + .db'
        : world.format === 'both'
          ? 'folder and .fwl + .db'
          : world.format;
  return `${format}, ${world.fileCount} file${world.fileCount === 1 ? '' : 's'}, ${formatBytes(world.totalBytes)}`;
}

/** Finds the world in a local path (see openWorld); an unreadable path is a WorldError naming it. */
export function openLocalWorld(path: string, preferred: string | undefined): OpenedWorld {
  try {
    return openWorld(path, preferred);
  } catch (error) {
    if (error instanceof WorldError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new WorldError(`could not read ${path} (${code})`, 'check the path and its permissions');
    throw error;
  }
}

/**
 * Uploads a world found on this machine and puts it on the server under its own name: the shared end of
 * importing and of restoring an image zip. Shows what it found and asks first; the transfer task saves the
 * server's worlds as a snapshot before it replaces that one world (the others stay as they are).
 */
export async function replaceWithLocalWorld(
  ports: WorldPorts,
  world: LocalWorld,
  options: { readonly where: string; readonly reason: ReplaceReason },
): Promise<Replaced> {
  const { report } = ports;
  report.info(
    `Found world "${world.name}" in ${options.where}: ${describeWorld({ ...world, fileCount: world.files.length })}.`,
  );
  if (world.others.length > 0) report.info(`Left out (other worlds): ${world.others.join(', ')}.`);
  await report.confirm(
    `Put it on the server as "${world.name}" (replacing a world of that name there)? The server's worlds are saved as a snapshot first.`,
  );

  const importId = transferId('import', ports.now());
  const sourcePrefix = await awsStep(
    `upload ${world.name} to the world bucket`,
    WORLD_PERMISSIONS.bucket,
    () =>
      uploadWorld(
        ports.s3,
        ports.stack.bucket,
        world,
        importId,
        ports.now(),
        report.bytes(`Uploading ${world.name}`),
      ),
  );
  return restoreFromPrefix(ports, { worldName: world.name, sourcePrefix, reason: options.reason });
}

/**
 * Runs the restore task from a complete prefix (`snapshots/<id>` or `imports/<id>`): it snapshots the
 * current world first, then swaps the one from the prefix in. Says whether there was a world to save.
 */
export async function restoreFromPrefix(
  ports: WorldPorts,
  options: { readonly worldName: string; readonly sourcePrefix: string; readonly reason: ReplaceReason },
): Promise<Replaced> {
  const { worldName, sourcePrefix } = options;
  const snapshotId = transferId(options.reason, ports.now());
  await runTransfer(ports, { mode: 'restore', snapshotId, worldName, sourcePrefix });
  const saved = await awsStep('read the snapshot of the replaced world', WORLD_PERMISSIONS.bucket, () =>
    readManifest(ports.s3, ports.stack.bucket, `${SNAPSHOTS}/${snapshotId}`),
  );
  return { worldName, sourcePrefix, snapshotId, saved: saved !== undefined };
}
