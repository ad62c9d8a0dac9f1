import { parseBackupId } from '../../worlds/backups.js';
import { WorldError } from '../../worlds/errors.js';
import { recoveryPointSteps, restoreImageZip, restoreSnapshot } from '../../worlds/restore-world.js';
import { CliError } from '../errors.js';
import { replacedLines, type WorldDeps, withWorldPorts } from './world-common.js';

export interface WorldRestoreOptions {
  /** Path of valheim.config.json. */
  readonly config: string;
  /** An id from `valheim world backups`: snapshot:…, zip:… or backup:…. */
  readonly id: string;
  /** Do not ask before replacing the world. */
  readonly yes?: boolean;
}

/**
 * `valheim world restore ID`: makes a backup the server's world (see src/worlds/restore-world.ts). Every way
 * first saves the current world as a snapshot (pre-restore); an AWS Backup recovery point gets the steps.
 */
export async function worldRestore(options: WorldRestoreOptions, deps: WorldDeps): Promise<void> {
  let ref: ReturnType<typeof parseBackupId>;
  try {
    ref = parseBackupId(options.id);
  } catch (error) {
    if (error instanceof WorldError) throw new CliError(error.problem, error.fix);
    throw error;
  }
  await withWorldPorts(options.config, deps, { ...(options.yes && { yes: true }) }, async (ports, config) => {
    const serverWorld = config.server.world;
    switch (ref.source) {
      case 'snapshot': {
        const replaced = await restoreSnapshot(ports, { snapshotId: ref.snapshotId, serverWorld });
        for (const line of replacedLines(replaced)) deps.term.out(line);
        return;
      }
      case 'zip': {
        const replaced = await restoreImageZip(ports, { name: ref.name, serverWorld });
        for (const line of replacedLines(replaced)) deps.term.out(line);
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
