import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Zippable, zipSync } from 'fflate';
import { isBepInExPack, parseVersionRef } from '../records/mod-package.js';
import { type LockedSet, lockedSets, type ModsLock, serverPackages } from './lockfile.js';
import { safeRelativePath } from './r2z.js';
import { sha256 } from './thunderstore.js';

/**
 * What the server installs, as the game task reads it: an install plan per mod list, stored in the world bucket
 * under its own SHA-256 next to the zips it names (also under theirs), so that a start fetches nothing from
 * Thunderstore and can check every byte it installs. The task definition carries only the plans' hashes, one
 * per world (MODS_PLANS), so a deploy that changes a mod changes the task definition, and a start picks the plan
 * of the world that is active then.
 */

export const MODS_PREFIX = 'mods';
/** The repo folder whose files become BepInEx/config on the server (and config/ in the players' profile). */
export const MODS_CONFIG_DIR = 'mods/config';
/** MODS_PLANS' word for a world that runs without mods. */
export const VANILLA_PLAN = 'vanilla';
/** MODS_PLANS' name for every world without a list of its own. */
export const DEFAULT_PLAN = '*';

export const packageKey = (hash: string) => `${MODS_PREFIX}/packages/${hash}.zip`;
export const planKey = (hash: string) => `${MODS_PREFIX}/plans/${hash}.txt`;
export const configKey = (hash: string) => `${MODS_PREFIX}/config/${hash}.zip`;
/** The players' profiles, one per world (and `_default`), for /valheim mods. */
export const profileKey = (world: string | undefined) => `${MODS_PREFIX}/profiles/${world ?? '_default'}.r2z`;
/** What /valheim mods lists: the client side of every set (src/mods/discord-summary.ts). */
export const SUMMARY_KEY = `${MODS_PREFIX}/summary.json`;

/** A zip of the repo's mod configs: the same files always make the same bytes. */
export interface ConfigArchive {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly files: readonly string[];
  /** Each file's bytes, by its path below mods/config. */
  readonly contents: Readonly<Record<string, Uint8Array>>;
}

const FIXED_TIME = new Date('2000-01-01T00:00:00Z');

/** The files below `dir` (mods/config) as a deterministic zip, or undefined when there are none. */
export function configArchive(dir: string): ConfigArchive | undefined {
  if (!existsSync(dir)) return undefined;
  const contents: Record<string, Uint8Array> = {};
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !entry.name.startsWith('.')) {
        const name = safeRelativePath(relative(dir, path));
        if (name) contents[name] = new Uint8Array(readFileSync(path));
      }
    }
  };
  if (!statSync(dir).isDirectory()) return undefined;
  walk(dir);
  const files = Object.keys(contents).sort();
  if (files.length === 0) return undefined;
  const zippable: Zippable = {};
  for (const name of files) zippable[name] = [contents[name] as Uint8Array, { mtime: FIXED_TIME }];
  const bytes = zipSync(zippable, { level: 6 });
  return { bytes, sha256: sha256(bytes), files, contents };
}

export interface InstallPlan {
  readonly text: string;
  readonly sha256: string;
  /** The zips it names: [sha256, what it is]. */
  readonly entries: readonly {
    readonly kind: 'bepinex' | 'mod' | 'config';
    readonly sha256: string;
    readonly id: string;
  }[];
}

/**
 * A set's plan: one line per zip, `<kind> <sha256> <name>`, BepInExPack first, the repo's configs last.
 * Undefined for a set without server mods (the world runs vanilla).
 */
export function installPlan(lock: ModsLock, set: LockedSet, config?: ConfigArchive): InstallPlan | undefined {
  const packages = serverPackages(lock, set);
  if (packages.length === 0) return undefined;
  const entries: InstallPlan['entries'][number][] = packages.map(({ id, locked }) => ({
    kind: isBepInExPack(parseVersionRef(id)) ? 'bepinex' : 'mod',
    sha256: locked.sha256,
    id,
  }));
  if (config) entries.push({ kind: 'config', sha256: config.sha256, id: 'mods-config' });
  const text = [
    '# valheim-ondemand mod install plan 1: <kind> <sha256 of the zip> <name>',
    ...entries.map((entry) => `${entry.kind} ${entry.sha256} ${entry.id}`),
    '',
  ].join('\n');
  return { text, sha256: sha256(text), entries };
}

export interface PlanAssignment {
  /** `*` (the default list) or a world's name. */
  readonly world: string;
  readonly plan?: InstallPlan;
}

/** Every set's plan, the default one first. */
export function installPlans(lock: ModsLock, config?: ConfigArchive): PlanAssignment[] {
  return lockedSets(lock).map(({ key, set }) => {
    const plan = installPlan(lock, set, config);
    const world = key === 'default' ? DEFAULT_PLAN : key.slice('world '.length);
    return plan ? { world, plan } : { world };
  });
}

/** MODS_PLANS: `*=<hash> Hardcore=vanilla …`, which the task's fetch step looks its world up in. */
export function plansVariable(assignments: readonly PlanAssignment[]): string {
  return assignments.map(({ world, plan }) => `${world}=${plan?.sha256 ?? VANILLA_PLAN}`).join(' ');
}
