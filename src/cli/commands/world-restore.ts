import { parseBackupId } from '../../worlds/backups.js';
import { WorldError } from '../../worlds/errors.js';
import { recoveryPointSteps, restoreImageZip, restoreSnapshot } from '../../worlds/restore-world.js';
import { findWorld } from '../../worlds/worlds.js';
import { CliError } from '../errors.js';
import { replacedLines, type WorldCommandContext, type WorldDeps, withWorldPorts } from './world-common.js';

export interface WorldRestoreOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** An id from `valheim world backups`: snapshot:…, zip:… or backup:…. */
  readonly id: string;
  /** Do not ask before replacing the world. */
  readonly yes?: boolean;
  /** The world to restore from the backup. @default the active one */
  readonly world?: string;
}

/**
 * `valheim world restore ID`: restores one world (--world, else the active one) from a backup (see
 * src/worlds/restore-world.ts); the other worlds stay as they are. Every way first saves the server's worlds
 * as a snapshot (pre-restore); an AWS Backup recovery point gets the steps.
 */
export async function worldRestore(options: WorldRestoreOptions, deps: WorldDeps): Promise<void> {
  let ref: ReturnType<typeof parseBackupId>;
  try {
    ref = parseBackupId(options.id);
  } catch (error) {
    if (error instanceof WorldError) throw new CliError(error.problem, error.fix);
    throw error;
  }
  await withWorldPorts(options.config, deps, { ...(options.yes && { yes: true }) }, async (context) => {
    const { ports } = context;
    switch (ref.source) {
      case 'snapshot': {
        const worldName = await context.worldName(options.world);
        const replaced = await restoreSnapshot(ports, { snapshotId: ref.snapshotId, worldName });
        for (const line of replacedLines(replaced)) deps.term.out(line);
        await relist(context, worldName);
        return;
      }
      case 'zip': {
        const worldName = await context.worldName(options.world);
        const replaced = await restoreImageZip(ports, { name: ref.name, worldName });
        for (const line of replacedLines(replaced)) deps.term.out(line);
        await relist(context, worldName);
        return;
      }
      case 'backup': {
        const steps = await recoveryPointSteps(ports, ref.recoveryPointId);
        deps.term.out(
          `Restoring AWS Backup recovery point ${ref.recoveryPointId} takes these steps (AWS Backup never restores in place):`,
        );
        for (const line of steps) deps.term.out(`  ${line}`);
        throw new CliError(
          'restoring an AWS Backup recovery point is not automated yet',
          'follow the steps above, or restore a snapshot: or zip: backup instead (valheim world backups)',
        );
      }
    }
  });
}

/** A world restored by name (e.g. one deleted since) is on the server again: the list shows it again. */
async function relist(context: WorldCommandContext, worldName: string): Promise<void> {
  const worlds = await context.worlds();
  if (await findWorld(worlds, worldName)) return;
  await worlds.catalog.add({
    name: worldName,
    origin: 'import',
    createdAt: context.ports.now().getTime(),
    createdBy: 'cli',
  });
}
