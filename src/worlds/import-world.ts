import { WorldError } from './errors.js';
import { openLocalWorld, type Replaced, replaceWithLocalWorld } from './replace-world.js';
import { requireGameStopped } from './run-transfer.js';
import type { LocalWorld, OpenedWorld } from './world-files.js';
import { awsStep, WORLD_PERMISSIONS, type WorldPorts } from './world-ports.js';
import { findWorld, type WorldsPorts } from './worlds.js';

/**
 * Finds the world to import on this machine, before anything asks AWS: a typo in the path, or a world named
 * differently from the one asked for (`--world`), is told at once. With several worlds in the path, `world`
 * chooses one.
 */
export function openWorldToImport(path: string, world: string | undefined): OpenedWorld {
  const opened = openLocalWorld(path, world);
  if (world !== undefined && opened.world.name !== world) {
    opened.dispose();
    throw new WorldError(
      `${path} is the world "${opened.world.name}", not "${world}"`,
      `import it under its own name (leave out --world ${world}), or rename the world's files to ${world} first`,
    );
  }
  return opened;
}

/**
 * Puts a world from this machine on the server under its own name: refuses while the server runs; shows
 * what it found and asks; uploads it to `imports/<id>/`; then the transfer task snapshots the server's
 * worlds (pre-import) and swaps that one world in, leaving the others as they are. A name the catalog does
 * not know yet becomes a world of its own (`added`).
 */
export async function importWorld(
  ports: WorldPorts,
  world: LocalWorld,
  options: {
    /** How the source is named in messages (the path). */
    readonly where: string;
    /** The worlds, where a new one is added; without them nothing is recorded. */
    readonly worlds?: WorldsPorts;
    /** Who imports it (recorded with a new world). */
    readonly by?: string;
  },
): Promise<Replaced & { readonly added: boolean }> {
  await requireGameStopped(ports);
  const replaced = await replaceWithLocalWorld(ports, world, { where: options.where, reason: 'pre-import' });
  const worlds = options.worlds;
  const added = worlds
    ? await awsStep(`add the world "${world.name}" to the list`, WORLD_PERMISSIONS.worlds, async () => {
        if (await findWorld(worlds, world.name)) return false;
        return worlds.catalog.add({
          name: world.name,
          origin: 'import',
          createdAt: ports.now().getTime(),
          ...(options.by && { createdBy: options.by }),
          sizeBytes: world.totalBytes,
        });
      })
    : false;
  return { ...replaced, added };
}
