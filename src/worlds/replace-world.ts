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
export function openLocalWorld(path: string, preferred: string): OpenedWorld {
  try {
    return openWorld(path, preferred);
  } catch (error) {
    if (error instanceof WorldError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new WorldError(`could not read ${path} (${code})`, 'check the path and its permissions');
    throw error;
  }
}

/** Refuses a world whose name is not the one the server runs: the server would not load it. */
export function requireServerWorldName(serverWorld: string, name: string, where: string): void {
  if (name === serverWorld) return;
  throw new WorldError(
    `${where} is the world "${name}", but the server runs "${serverWorld}" (server.world in the config)`,
    `set server.world to "${name}" and run npm run deploy, or rename the world's files to ${serverWorld} first`,
  );
}

/**
 * Uploads a world found on this machine and makes it the server's world: the shared end of importing and of
 * restoring an image zip. Shows what it found and asks first; the transfer task saves the current world as
 * a snapshot before replacing it.
 */
export async function replaceWithLocalWorld(
  ports: WorldPorts,
  world: LocalWorld,
  options: { readonly serverWorld: string; readonly where: string; readonly reason: ReplaceReason },
): Promise<Replaced> {
  const { report } = ports;
  requireServerWorldName(options.serverWorld, world.name, options.where);
  report.info(
    `Found world "${world.name}" in ${options.where}: ${describeWorld({ ...world, fileCount: world.files.length })}.`,
  );
  if (world.others.length > 0) report.info(`Left out (other worlds): ${world.others.join(', ')}.`);
  await report.confirm(
    `Replace the world "${world.name}" on the server with it? The current one is saved as a snapshot first.`,
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
