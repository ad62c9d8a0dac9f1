import { Command, Option } from 'commander';
import type { CommandContext } from '../command-context.js';
import type { WorldDeps } from './world-common.js';

const SETTINGS_HELP = `
Settings (Valheim's world modifiers, passed at each of the world's starts):
  a preset       normal, casual, easy, hard, hardcore, immersive, hammer (or preset=<name>)
  modifiers      combat=veryeasy|easy|normal|hard|veryhard
                 deathpenalty=casual|veryeasy|easy|normal|hard|hardcore
                 resources=muchless|less|normal|more|muchmore|most
                 raids=none|muchless|less|normal|more|muchmore
                 portals=casual|normal|hard|veryhard
  keys           nomap, passivemobs, nobuildcost, playerevents (key=off removes one)`;

const worldOption = (what: string) =>
  new Option('--world <name>', `the world to ${what} (default: the active world)`);

/**
 * `valheim world` and its subcommands. Each action loads its command's module when it runs: they pull in
 * the S3 transfer and zip code, which the other commands do not need at start-up.
 */
export function worldCommand({ deps, configOption }: CommandContext<WorldDeps>): Command {
  const world = new Command('world')
    .description(
      'The worlds of the server: list, switch, new, settings, delete; export, import, backups, restore',
    )
    .addHelpText(
      'after',
      `
A server keeps several worlds; one is active: the next start runs it (a switch needs no deploy, and a
deploy never switches). The transfer commands work through the stack's world bucket and its
world-transfer task (a short ECS task on the world's file system); nothing replaces or deletes a world
without saving the server's worlds as a snapshot first, and each names the one world it touches. The
stack's resources are found from the config (stackName, region); these override:
  VALHEIM_WORLD_BUCKET, VALHEIM_TRANSFER_SUBNETS, VALHEIM_TRANSFER_SECURITY_GROUP, VALHEIM_STATE_TABLE`,
    );
  world
    .command('list')
    .description('The worlds with their size, hours played, latest snapshot, settings and idle cost')
    .option('--json', 'print one JSON array')
    .addOption(configOption())
    .action(async (options: { json?: boolean; config: string }) => {
      const { worldList } = await import('./world-manage.js');
      await worldList({ config: options.config, ...(options.json && { json: true }) }, deps);
    });
  world
    .command('switch')
    .description('Make a world the one the next start runs (while the server is stopped)')
    .argument('<name>', 'a world from valheim world list')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Refuses while the server runs (stop it first: the stop saves the world). In Discord, /valheim world switch
offers a "Stop and switch" button instead.

Example:
  npx valheim world switch Ashlands`,
    )
    .action(async (name: string, options: { config: string }) => {
      const { worldSwitch } = await import('./world-manage.js');
      await worldSwitch({ config: options.config, name }, deps);
    });
  world
    .command('new')
    .description('Add a world (Valheim creates it at its first start) and make it the next one')
    .argument('<name>', '1 to 64 letters, digits, "_" or "-"')
    .argument('[settings...]', 'preset, modifiers and keys (see below)')
    .addOption(configOption())
    .addHelpText(
      'after',
      `${SETTINGS_HELP}

While the server runs, the world is added and the switch waits: stop, then valheim world switch <name>.

Examples:
  npx valheim world new Season2
  npx valheim world new Hardcore hardcore raids=more nomap`,
    )
    .action(async (name: string, settings: string[], options: { config: string }) => {
      const { worldNew } = await import('./world-manage.js');
      await worldNew({ config: options.config, name, settings }, deps);
    });
  world
    .command('settings')
    .description("Show or change a world's settings (applied at its next start)")
    .argument('<name>', 'a world from valheim world list')
    .argument('[settings...]', 'what to change (see below); none: show them')
    .option('--reset', 'clear every setting first (the world then keeps what its files hold)')
    .addOption(configOption())
    .addHelpText(
      'after',
      `${SETTINGS_HELP}

Examples:
  npx valheim world settings Season2 raids=none
  npx valheim world settings Season2 --reset casual`,
    )
    .action(async (name: string, settings: string[], options: { reset?: boolean; config: string }) => {
      const { worldSettings } = await import('./world-manage.js');
      await worldSettings(
        { config: options.config, name, settings, ...(options.reset && { reset: true }) },
        deps,
      );
    });
  world
    .command('delete')
    .description('Export a world, then remove it from the server (its snapshots stay)')
    .argument('<name>', 'a world that is not the active one')
    .option('--no-export', 'do not export it first (the snapshot the delete takes still holds it)')
    .option('--out <dir>', 'folder for the export (default: the current folder)')
    .option('--confirm <name>', "the world's name, typed ahead (for scripts)")
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Refuses the active world (switch first) and while the server runs. Exports the world to this computer,
asks you to type its name, then the transfer task snapshots every world (pre-delete) and removes this one's
files. Its snapshots stay in S3 until the retention removes the automatic ones; its hours stay in the ledger.

Examples:
  npx valheim world delete OldSeason
  npx valheim world delete OldSeason --no-export --confirm OldSeason`,
    )
    .action(
      async (name: string, options: { export: boolean; out?: string; confirm?: string; config: string }) => {
        const { worldDelete } = await import('./world-delete.js');
        await worldDelete(
          {
            config: options.config,
            name,
            ...(!options.export && { export: false }),
            ...(options.out && { out: options.out }),
            ...(options.confirm !== undefined && { confirm: options.confirm }),
          },
          deps,
        );
      },
    );
  world
    .command('export')
    .description('Snapshot a world on the server to S3 and download it here, ready to play on a PC')
    .option('--out <dir>', 'folder to put <world>-<snapshot id>/ in (default: the current folder)')
    .addOption(worldOption('export'))
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Takes a snapshot (kept in S3, restorable with valheim world restore snapshot:<id>), then downloads the
world's files laid out as in worlds_local. A running server is exported as of its last save.

Examples:
  npx valheim world export
  npx valheim world export --world Ashlands --out ~/valheim-exports`,
    )
    .action(async (options: { out?: string; world?: string; config: string }) => {
      const { worldExport } = await import('./world-export.js');
      await worldExport(
        {
          config: options.config,
          ...(options.out && { out: options.out }),
          ...(options.world && { world: options.world }),
        },
        deps,
      );
    });
  world
    .command('import')
    .description('Put a world from this computer on the server (a new name adds a world)')
    .argument('<path>', 'a .fwl or .db file, a world folder, a folder holding worlds_local, or a .zip of one')
    .option('--world <name>', 'the world to import from the path (its files must carry this name)')
    .option('--yes', 'do not ask before replacing the world')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
The path and the world's name are checked first, on this computer. Refuses while the server runs (stop it
first). Shows what it found and asks; uploads it to the world bucket; then the transfer task saves the
server's worlds as a snapshot (pre-import) before it swaps this one world in; the others stay as they are.
A world whose name the server does not have becomes a new world (valheim world switch <name> to play it).

Examples:
  npx valheim world import ~/AppData/LocalLow/IronGate/Valheim/worlds_local --world Midgard
  npx valheim world import Dedicated.zip --yes`,
    )
    .action(async (path: string, options: { world?: string; yes?: boolean; config: string }) => {
      const { worldImport } = await import('./world-import.js');
      await worldImport(
        {
          config: options.config,
          path,
          ...(options.world && { world: options.world }),
          ...(options.yes && { yes: true }),
        },
        deps,
      );
    });
  world
    .command('backups')
    .description('List the backups of a world, newest first, with the ID to restore each')
    .option('--json', 'print one JSON array')
    .option('--no-zips', "skip the image's own backup zips (listing them runs a short task, about a minute)")
    .addOption(worldOption('list the snapshots of'))
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Lists three kinds, newest first:
  snapshot:<id>  snapshots in S3 (the end of every session, valheim world export, /valheim backup, before every import, restore or delete)
  backup:<id>    AWS Backup recovery points of the world's file system (the daily backup)
  zip:<name>     the zips the game image keeps in /config/backups
Every kind holds all the server's worlds; snapshots are listed when they hold the world.
A kind that cannot be read is reported as a warning; the others are still listed.

Examples:
  npx valheim world backups
  npx valheim world backups --world Ashlands --no-zips --json`,
    )
    .action(async (options: { json?: boolean; zips: boolean; world?: string; config: string }) => {
      const { worldBackups } = await import('./world-backups.js');
      await worldBackups(
        {
          config: options.config,
          ...(options.json && { json: true }),
          ...(!options.zips && { zips: false }),
          ...(options.world && { world: options.world }),
        },
        deps,
      );
    });
  world
    .command('restore')
    .description("Restore a world from a backup (the server's worlds are kept as a snapshot first)")
    .argument('<id>', 'an ID from valheim world backups: snapshot:<id>, zip:<name> or backup:<id>')
    .addOption(worldOption('restore'))
    .option('--yes', 'do not ask before replacing the world')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Refuses while the server runs. Only the named world is taken from the backup; the other worlds stay as
they are. snapshot: and zip: backups are restored by the transfer task, which saves the server's worlds as
a snapshot (pre-restore) first. AWS Backup recovery points (backup:) are never restored in place: for
them the command prints the steps.

Examples:
  npx valheim world restore snapshot:20261123T190500Z-discord
  npx valheim world restore zip:worlds-20261123-190500.zip --world Ashlands --yes`,
    )
    .action(async (id: string, options: { yes?: boolean; world?: string; config: string }) => {
      const { worldRestore } = await import('./world-restore.js');
      await worldRestore(
        {
          config: options.config,
          id,
          ...(options.yes && { yes: true }),
          ...(options.world && { world: options.world }),
        },
        deps,
      );
    });
  return world;
}
