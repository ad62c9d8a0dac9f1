import { dirname, join } from 'node:path';
import { ConfigError } from '../config/load.js';
import type { ValheimConfig } from '../config/schema.js';
import { ModsError } from '../records/mod-package.js';
import {
  assertLockCurrent,
  hasMods,
  LOCKFILE_NAME,
  type ModsLock,
  modsConfigOf,
  readLock,
} from './lockfile.js';
import {
  type ConfigArchive,
  configArchive,
  installPlans,
  MODS_CONFIG_DIR,
  type PlanAssignment,
} from './plan.js';

/**
 * The mods of a deployment, read next to the config file: the lockfile (which must match the config's lists)
 * and the repo's mod configs. The CDK app builds the task from it; the deploy uploads what it names.
 */
export interface ModsDeployment {
  readonly lock: ModsLock;
  readonly configs?: ConfigArchive;
  /** Every list's install plan, the default first. */
  readonly plans: readonly PlanAssignment[];
  readonly lockFile: string;
}

/** Undefined for a stack without mods; a ConfigError (one line, with the fix) for a stale or broken lock. */
export function loadModsDeployment(configFile: string, config: ValheimConfig): ModsDeployment | undefined {
  const lockFile = join(dirname(configFile), LOCKFILE_NAME);
  try {
    const lock = readLock(lockFile);
    assertLockCurrent(modsConfigOf(config), lock, lockFile);
    if (!hasMods(lock)) return undefined;
    const configs = configArchive(join(dirname(configFile), MODS_CONFIG_DIR));
    return { lock, ...(configs && { configs }), plans: installPlans(lock, configs), lockFile };
  } catch (error) {
    if (error instanceof ModsError)
      throw new ConfigError(`${error.message}${error.fix ? ` — ${error.fix}` : ''}`);
    throw error;
  }
}
