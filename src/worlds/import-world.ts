import { openLocalWorld, type Replaced, replaceWithLocalWorld } from './replace-world.js';
import { requireGameStopped } from './run-transfer.js';
import type { WorldPorts } from './world-ports.js';

/**
 * Makes a world from this machine the server's world: refuses while the server runs and when the world's
 * name is not the server's; shows what it found and asks; uploads it to `imports/<id>/`; then the transfer
 * task snapshots the current world (pre-import) and swaps the new one in.
 */
export async function importWorld(
  ports: WorldPorts,
  options: {
    /** A .fwl/.db file, a world folder, a folder holding worlds_local, or a .zip of one of those. */
    readonly path: string;
    /** The world the server runs. */
    readonly serverWorld: string;
  },
): Promise<Replaced> {
  await requireGameStopped(ports);
  const opened = openLocalWorld(options.path, options.serverWorld);
  try {
    return await replaceWithLocalWorld(ports, opened.world, {
      serverWorld: options.serverWorld,
      where: options.path,
      reason: 'pre-import',
    });
  } finally {
    opened.dispose();
  }
}
