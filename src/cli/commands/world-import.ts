import { importWorld } from '../../worlds/import-world.js';
import { replacedLines, type WorldDeps, withWorldPorts } from './world-common.js';

export interface WorldImportOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** A .fwl/.db file, a world folder, a folder holding worlds_local, or a .zip of one of those. */
  readonly path: string;
  /** Do not ask before replacing the world. */
  readonly yes?: boolean;
}

/** `valheim world import PATH`: see importWorld (src/worlds/import-world.ts). */
export async function worldImport(options: WorldImportOptions, deps: WorldDeps): Promise<void> {
  await withWorldPorts(options.config, deps, { ...(options.yes && { yes: true }) }, async (ports, config) => {
    const replaced = await importWorld(ports, { path: options.path, serverWorld: config.server.world });
    for (const line of replacedLines(replaced)) deps.term.out(line);
  });
}
