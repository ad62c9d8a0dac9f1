import {
  openLocalWorld,
  replaceWithLocalWorld,
  requireStopped,
  type WorldDeps,
  worldContext,
} from './world-common.js';

export interface WorldImportOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** A .fwl/.db file, a world folder, a folder holding worlds_local, or a .zip of one of those. */
  readonly path: string;
  /** Do not ask before replacing the world. */
  readonly yes?: boolean;
}

/**
 * `valheim world import PATH`: makes a world from this machine the server's world. Refuses while the server
 * runs and when the world's name is not server.world; shows what it found and asks; uploads it to
 * `imports/<id>/`; then the transfer task snapshots the current world (pre-import) and swaps the new one in.
 */
export async function worldImport(options: WorldImportOptions, deps: WorldDeps): Promise<void> {
  const context = await worldContext(options.config, deps);
  await requireStopped(context);
  const opened = openLocalWorld(options.path, context.config.server.world);
  try {
    await replaceWithLocalWorld(context, opened.world, {
      where: options.path,
      reason: 'pre-import',
      ...(options.yes && { yes: true }),
    });
  } finally {
    opened.dispose();
  }
}
