import { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import type { GameDeps } from './game-actions.js';

/**
 * `valheim game`: which Valheim build the server runs. The actions load their module when they run (the S3,
 * SSM and DynamoDB code is not needed at start-up).
 */
export function gameCommand({ deps, configOption }: CommandContext<GameDeps>): Command {
  const game = new Command('game').description(
    'Which Valheim version the server runs: the Steam branch, and a way back after an update',
  );
  game
    .command('branch')
    .description('Show the Steam branch the server installs, or choose another (applied at the next start)')
    .argument('[name]', 'public, default_old, default_preml, default_preal, public-test, or another branch')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Without a name: the branch, and a rollback's hold if there is one. With a name: the next start installs that
branch's current build (no deploy needed; a running server keeps its build until it restarts). Choosing a
branch also ends a rollback's hold. Players must run the same version: on a branch other than public, they
choose it in Steam (Valheim → Properties → Betas).

Examples:
  npx valheim game branch
  npx valheim game branch default_old
  npx valheim game branch public`,
    )
    .action(async (name: string | undefined, options: { config: string }) => {
      const { gameBranch } = await import('./game-actions.js');
      await gameBranch({ config: options.config, ...(name !== undefined && { name }) }, deps);
    });
  game
    .command('rollback')
    .description(
      'Go back to the build before the last update: its install, and the world as it was before it',
    )
    .option('--dry-run', 'say exactly what would change, and change nothing')
    .option('--yes', 'do not ask before changing anything')
    .addOption(configOption())
    .addHelpText(
      'after',
      `
Refuses while the server runs. In this order: restores the active world from its pre-update snapshot (if the
new build loaded it; the current world is saved as a pre-restore snapshot first), makes the previous build's
cached install the current one again, and holds the server on that build (starts skip Steam's update) until
a branch is chosen again. Players must run the same version, which is only possible while a Steam branch
serves it (usually default_old).

Examples:
  npx valheim game rollback --dry-run
  npx valheim game rollback --yes`,
    )
    .action(async (options: { dryRun?: boolean; yes?: boolean; config: string }) => {
      const { gameRollback } = await import('./game-actions.js');
      await gameRollback(
        {
          config: options.config,
          ...(options.dryRun && { dryRun: true }),
          ...(options.yes && { yes: true }),
        },
        deps,
      );
    });
  return game;
}
