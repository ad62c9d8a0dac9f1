import { resolve } from 'node:path';
import { deleteWorld } from '../../worlds/delete-world.js';
import { describeWorld } from '../../worlds/replace-world.js';
import { CliError } from '../errors.js';
import { type WorldDeps, withWorldPorts } from './world-common.js';

export interface WorldDeleteOptions {
  readonly config: string;
  readonly name: string;
  /** Export the world here first. @default the current folder; false: no export */
  readonly export?: boolean;
  readonly out?: string;
  /** The world's name typed ahead: the confirmation for scripts. */
  readonly confirm?: string;
}

/**
 * `valheim world delete NAME`: exports the world first (unless --no-export), asks for its name, and removes
 * it from the server's file system after a snapshot of everything (see src/worlds/delete-world.ts).
 */
export async function worldDelete(options: WorldDeleteOptions, deps: WorldDeps): Promise<void> {
  await withWorldPorts(options.config, deps, {}, async (context) => {
    const deleted = await deleteWorld(context.ports, await context.worlds(), {
      name: options.name,
      exportTo: options.export === false ? false : resolve(options.out ?? '.'),
      confirmName: async (name) => {
        const typed =
          options.confirm ??
          (await deps.promptLine(`Type the world's name (${name}) to delete it from the server: `)).trim();
        if (typed !== name) {
          throw new CliError(
            `"${typed}" is not "${name}", so nothing was deleted`,
            `type the name exactly, or pass --confirm ${name}`,
          );
        }
      },
    });
    if (deleted.exported) {
      deps.term.out(
        `Exported "${deleted.name}" (${describeWorld(deleted.exported.downloaded)}) to ${deleted.exported.downloaded.directory}`,
      );
    }
    deps.term.out(
      deleted.snapshotId
        ? `Deleted "${deleted.name}" from the server. Snapshot ${deleted.snapshotId} holds it (kept until you delete it); to bring it back: npx valheim world restore snapshot:${deleted.snapshotId} --world ${deleted.name}`
        : `Removed "${deleted.name}" from the list: it had no files on the server.`,
    );
    deps.term.out(
      'Its older snapshots stay until the retention removes the automatic ones; its hours stay in the ledger.',
    );
  });
}
