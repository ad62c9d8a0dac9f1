import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import type { ModsDeps } from './mods-actions.js';

const WORLD_OPTION = [
  '--world <name>',
  "a world's own list (worlds.<name>.mods) instead of mods.packages",
] as const;

/**
 * `valheim mods` and its subcommands: the Thunderstore mods the server installs, in the config and in
 * valheim.mods.lock.json. Each action loads its module when it runs (the other commands never need it).
 */
export function modsCommand({ deps, configOption }: CommandContext<ModsDeps>): Command {
  const mods = new Command('mods')
    .description('Thunderstore mods: add, remove, update, list and import them (config + lockfile)')
    .addHelpText(
      'after',
      `
The mod lists live in the config (mods.packages, and worlds.<name>.mods for a world of its own); the exact
versions, their dependencies and each zip's SHA-256 in valheim.mods.lock.json next to it. Commit both; the
next deploy uploads the locked zips to the world bucket, and every start installs exactly those, checked
against their hashes. Players see the list with /valheim mods in Discord; npx valheim mods export writes
their r2modman profile to share.

Environment:
  VALHEIM_THUNDERSTORE_URL  Thunderstore's address (default https://thunderstore.io)
  VALHEIM_CACHE_DIR         where zips and version data are cached (default ~/.cache/valheim-ondemand/thunderstore)`,
    );
  const load = () => import('./mods-actions.js');
  mods
    .command('add')
    .description('Add mods (the latest version unless one is given), with their dependencies')
    .argument('<mods...>', 'Owner-Name or Owner-Name-1.2.3, as on the Thunderstore page')
    .option(...WORLD_OPTION)
    .addOption(configOption())
    .addHelpText(
      'after',
      '\nExamples:\n  npx valheim mods add ValheimModding-Jotunn\n  npx valheim mods add Azumatt-AzuCraftyBoxes-1.8.2 --world Hardcore',
    )
    .action(async (refs: string[], options: { world?: string; config: string }) => {
      await (await load()).modsAdd({ ...options, refs }, deps);
    });
  mods
    .command('remove')
    .description('Remove mods from the list (dependencies nobody needs any more go with them)')
    .argument('<mods...>', 'Owner-Name')
    .option(...WORLD_OPTION)
    .addOption(configOption())
    .action(async (names: string[], options: { world?: string; config: string }) => {
      await (await load()).modsRemove({ ...options, names }, deps);
    });
  mods
    .command('update')
    .description('Move mods to their latest versions; shows old → new with changelog links')
    .argument('[mods...]', 'Owner-Name (default: every listed mod)')
    .option(...WORLD_OPTION)
    .option('--dry-run', 'show what would change, write nothing')
    .addOption(configOption())
    .action(async (names: string[], options: { world?: string; dryRun?: boolean; config: string }) => {
      await (await load()).modsUpdate({ ...options, names }, deps);
    });
  mods
    .command('list')
    .description('Show each list with its dependencies (and which are server-only)')
    .option(...WORLD_OPTION)
    .option('--json', 'print the locked sets as JSON')
    .addOption(configOption())
    .action(async (options: { world?: string; json?: boolean; config: string }) => {
      (await load()).modsList(options, deps);
    });
  mods
    .command('import')
    .description('Make a list the mods of an r2modman profile (an .r2z file or a profile code)')
    .argument('<profile>', 'an .r2z file, or the code r2modman gives for "Export profile as code"')
    .option(...WORLD_OPTION)
    .option('--overwrite-config', 'replace config files already in mods/config with the profile’s')
    .addOption(configOption())
    .action(
      async (source: string, options: { world?: string; overwriteConfig?: boolean; config: string }) => {
        await (await load()).modsImport({ ...options, source }, deps);
      },
    );
  mods
    .command('lock')
    .description('Write the lockfile for the lists as the config has them (after editing it by hand)')
    .addOption(configOption())
    .action(async (options: { config: string }) => {
      await (await load()).modsLock(options, deps);
    });
  mods
    .command('export')
    .description('Write the players’ r2modman profile (.r2z) of a list, to share with them')
    .option(...WORLD_OPTION)
    .option('--out <file>', 'where to write it (default: <server name>.r2z)')
    .addOption(configOption())
    .action(async (options: { world?: string; out?: string; config: string }) => {
      (await load()).modsExport(options, deps);
    });
  return mods;
}
