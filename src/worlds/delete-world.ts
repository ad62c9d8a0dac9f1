import { WorldError } from './errors.js';
import { type ExportedWorld, exportWorld } from './export-world.js';
import { requireGameStopped, runTransfer } from './run-transfer.js';
import { transferId } from './transfer-id.js';
import { awsStep, WORLD_PERMISSIONS, type WorldPorts } from './world-ports.js';
import { activeWorldOf, findWorld, type WorldsPorts } from './worlds.js';

export interface DeletedWorld {
  readonly name: string;
  /** The export made first, unless told not to (or there were no files to export). */
  readonly exported?: ExportedWorld;
  /** The snapshot of every world the task took right before the delete; absent when there were no files. */
  readonly snapshotId?: string;
}

/**
 * Deletes a world that is not the active one, while the game is stopped: exports it first (a snapshot and a
 * download to `exportTo`) unless told not to, has the caller confirm by its name, then the transfer task
 * snapshots everything (pre-delete) and removes that world's files, and the catalog marks it deleted. Its
 * snapshots stay in S3 until the retention removes the automatic ones; its hours stay in the ledger. A new
 * world that never started has no files: only its entry goes.
 */
export async function deleteWorld(
  ports: WorldPorts,
  worlds: WorldsPorts,
  options: {
    readonly name: string;
    /** Folder for the export; false: no export. */
    readonly exportTo: string | false;
    /** Resolves when the person confirmed by typing the name; rejects to stop (nothing deleted). */
    readonly confirmName: (name: string) => Promise<void>;
  },
): Promise<DeletedWorld> {
  const { name } = options;
  const [record, active] = await awsStep('read the worlds', WORLD_PERMISSIONS.worlds, () =>
    Promise.all([findWorld(worlds, name), activeWorldOf(worlds)]),
  );
  if (!record) {
    throw new WorldError(`there is no world "${name}"`, 'valheim world list shows the worlds');
  }
  if (name === active.name) {
    throw new WorldError(
      `"${name}" is the active world (the next start runs it)`,
      'switch to another world first (valheim world switch <name>), then delete this one',
    );
  }
  await requireGameStopped(ports);

  let exported: ExportedWorld | undefined;
  let hasFiles = true;
  if (options.exportTo !== false) {
    try {
      exported = await exportWorld(ports, { worldName: name, out: options.exportTo });
    } catch (error) {
      if (!(error instanceof WorldError && error.problem.startsWith('the server has no world'))) throw error;
      hasFiles = false;
      ports.report.progress(`"${name}" has no files on the server (it never started): nothing to export.`);
    }
  }
  await options.confirmName(name);

  let snapshotId: string | undefined;
  if (hasFiles) {
    snapshotId = transferId('pre-delete', ports.now());
    try {
      await runTransfer(ports, { mode: 'delete', snapshotId, worldName: name });
    } catch (error) {
      // The task found no files of it (exit 3): a new world that never started. Only its entry goes.
      if (!(error instanceof WorldError && error.problem.startsWith('there is no world'))) throw error;
      snapshotId = undefined;
    }
  }
  await awsStep(`remove "${name}" from the list of worlds`, WORLD_PERMISSIONS.worlds, () =>
    worlds.catalog.remove(name, ports.now().getTime()),
  );
  return { name, ...(exported && { exported }), ...(snapshotId && { snapshotId }) };
}
