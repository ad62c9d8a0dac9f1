import { WorldError } from '../../worlds/errors.js';
import { importWorld, openWorldToImport } from '../../worlds/import-world.js';
import type { OpenedWorld } from '../../worlds/world-files.js';
import { CliError } from '../errors.js';
import { replacedLines, type WorldDeps, withWorldPorts } from './world-common.js';

export interface WorldImportOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** A .fwl/.db file, a world folder, a folder holding worlds_local, or a .zip of one of those. */
  readonly path: string;
  /** The world to import (its files must carry this name); chooses one when the path holds several. */
  readonly world?: string;
  /** Do not ask before replacing the world. */
  readonly yes?: boolean;
}

/**
 * `valheim world import PATH`: puts a world from this computer on the server under its own name (see
 * src/worlds/import-world.ts). The path and the world's name are checked here first, before AWS is asked
 * anything; a name the server does not have yet becomes a new world.
 */
export async function worldImport(options: WorldImportOptions, deps: WorldDeps): Promise<void> {
  let opened: OpenedWorld;
  try {
    opened = openWorldToImport(options.path, options.world);
  } catch (error) {
    if (error instanceof WorldError) throw new CliError(error.problem, error.fix);
    throw error;
  }
  try {
    await withWorldPorts(options.config, deps, { ...(options.yes && { yes: true }) }, async (context) => {
      const imported = await importWorld(context.ports, opened.world, {
        where: options.path,
        worlds: await context.worlds(),
        by: 'cli',
      });
      for (const line of replacedLines(imported)) deps.term.out(line);
      if (imported.added) {
        deps.term.out(
          `"${imported.worldName}" is a new world on this server. To play it: npx valheim world switch ${imported.worldName}`,
        );
      }
    });
  } finally {
    opened.dispose();
  }
}
