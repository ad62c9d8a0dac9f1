import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import type { WorldDeps } from './world-common.js';

/**
 * `valheim world` and its subcommands. Each action loads its command's module when it runs: they pull in
 * the S3 transfer and zip code, which the other commands do not need at start-up.
 */
export function worldCommand({ deps, configOption }: CommandContext<WorldDeps>): Command {
  const world = new Command('world')
    .description('Move the world between the server, S3 and this computer: export, import, backups, restore')
    .addHelpText(
      'after',
      `
The world commands work through the stack's world bucket and its world-transfer task (a short ECS task
on the world's file system). Nothing replaces the world without saving the current one as a snapshot
first. The stack's resources are found from the config (stackName, region); these override:
  VALHEIM_WORLD_BUCKET, VALHEIM_TRANSFER_SUBNETS, VALHEIM_TRANSFER_SECURITY_GROUP`,
    );
  world
    .command('export')
    .description("Snapshot the server's world to S3 and download it here, ready to play on a PC")
    .option('--out <dir>', 'folder to put <world>-<snapshot id>/ in (default: the current folder)')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Takes a snapshot (kept in S3, restorable with valheim world restore snapshot:<id>), then downloads the
configured world's files laid out as in worlds_local. A running server is exported as of its last save.

Examples:
  npx valheim world export
  npx valheim world export --out ~/valheim-exports`,
    )
    .action(async (options: { out?: string; config: string }) => {
      const { worldExport } = await import('./world-export.js');
      await worldExport({ config: options.config, ...(options.out && { out: options.out }) }, deps);
    });
  world
    .command('import')
    .description("Make a world from this computer the server's world (the current one is kept as a snapshot)")
    .argument('<path>', 'a .fwl or .db file, a world folder, a folder holding worlds_local, or a .zip of one')
    .option('--yes', 'do not ask before replacing the world')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Refuses while the server runs (stop it first) and when the world's name is not server.world. Shows what
it found and asks; uploads it to the world bucket; then the transfer task saves the current world as a
snapshot (pre-import) before swapping the new one in. To undo, restore that snapshot.

Examples:
  npx valheim world import ~/AppData/LocalLow/IronGate/Valheim/worlds_local
  npx valheim world import Dedicated.zip --yes`,
    )
    .action(async (path: string, options: { yes?: boolean; config: string }) => {
      const { worldImport } = await import('./world-import.js');
      await worldImport({ config: options.config, path, ...(options.yes && { yes: true }) }, deps);
    });
  world
    .command('backups')
    .description('List the backups of the world, newest first, with the ID to restore each')
    .option('--json', 'print one JSON array')
    .option('--no-zips', "skip the image's own backup zips (listing them runs a short task, about a minute)")
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Lists three kinds, newest first:
  snapshot:<id>  snapshots in S3 (the end of every session, valheim world export, /valheim backup, before every import or restore)
  backup:<id>    AWS Backup recovery points of the world's file system (the daily backup)
  zip:<name>     the zips the game image keeps in /config/backups
A kind that cannot be read is reported as a warning; the others are still listed.

Examples:
  npx valheim world backups
  npx valheim world backups --no-zips --json`,
    )
    .action(async (options: { json?: boolean; zips: boolean; config: string }) => {
      const { worldBackups } = await import('./world-backups.js');
      await worldBackups(
        {
          config: options.config,
          ...(options.json && { json: true }),
          ...(!options.zips && { zips: false }),
        },
        deps,
      );
    });
  world
    .command('restore')
    .description("Make a backup the server's world (the current one is kept as a snapshot)")
    .argument('<id>', 'an ID from valheim world backups: snapshot:<id>, zip:<name> or backup:<id>')
    .option('--yes', 'do not ask before replacing the world')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Refuses while the server runs. snapshot: and zip: backups are restored by the transfer task, which saves
the current world as a snapshot (pre-restore) first. AWS Backup recovery points (backup:) are never
restored in place: for them the command prints the steps.

Examples:
  npx valheim world restore snapshot:20261123T190500Z-discord
  npx valheim world restore zip:worlds-20261123-190500.zip --yes`,
    )
    .action(async (id: string, options: { yes?: boolean; config: string }) => {
      const { worldRestore } = await import('./world-restore.js');
      await worldRestore({ config: options.config, id, ...(options.yes && { yes: true }) }, deps);
    });
  return world;
}
