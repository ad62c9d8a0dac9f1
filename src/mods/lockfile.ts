import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { ValheimConfig } from '../config/schema.js';
import { isBepInExPack, ModsError, packageId, parseRef, parseVersionRef } from '../records/mod-package.js';

/**
 * `valheim.mods.lock.json`, committed next to the config: for every mod list (the default one and each world's
 * own) the exact versions of the list and its dependencies, and for every version the SHA-256 of its zip. The
 * deploy uploads exactly these zips, the server installs exactly these and checks every hash, and players get
 * a profile of exactly these: nobody installs "latest" of anything.
 */

export const LOCKFILE_NAME = 'valheim.mods.lock.json';
export const LOCKFILE_VERSION = 1;

/**
 * Who needs a mod: `both` (the default), `server` (players must not or need not install it) or `client`
 * (only in the players' profile; the server does not load it).
 */
export type ModSide = 'both' | 'server' | 'client';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex');
const versionRef = z.string().refine((text) => {
  try {
    parseVersionRef(text);
    return true;
  } catch {
    return false;
  }
}, 'must be Owner-Name-1.2.3');

const lockedPackageSchema = z.object({
  sha256,
  size: z.number().int().nonnegative(),
  url: z.string(),
  dependencies: z.array(versionRef),
  side: z.enum(['both', 'server', 'client']),
  /** The Valheim community's categories on Thunderstore (the author's own choice: a hint). */
  categories: z.array(z.string()).default([]),
  deprecated: z.boolean().default(false),
});

const lockedSetSchema = z.object({
  /** The list as the config has it, in its order. */
  requested: z.array(versionRef),
  /** The closure: BepInExPack first, then by name. */
  packages: z.array(versionRef),
  bepinexPack: z.string().optional(),
});

export const lockfileSchema = z.object({
  lockfileVersion: z.literal(LOCKFILE_VERSION),
  comment: z.string().optional(),
  packages: z.record(versionRef, lockedPackageSchema),
  sets: z.object({
    default: lockedSetSchema,
    worlds: z.record(z.string(), lockedSetSchema).default({}),
  }),
});

export type LockedPackage = z.output<typeof lockedPackageSchema>;
export type LockedSet = z.output<typeof lockedSetSchema>;
export type ModsLock = z.output<typeof lockfileSchema>;

export const EMPTY_LOCK: ModsLock = {
  lockfileVersion: LOCKFILE_VERSION,
  packages: {},
  sets: { default: { requested: [], packages: [] }, worlds: {} },
};

/** What the config says about mods (the part of it the lock must agree with). */
export interface ModsConfig {
  /** The default list: every world without a list of its own. */
  readonly packages: readonly string[];
  /** Each world's own list (`worlds.<name>.mods`), overriding the default one. */
  readonly worlds: Readonly<Record<string, readonly string[]>>;
  readonly serverOnly: readonly string[];
  readonly clientOnly: readonly string[];
}

/** The mod lists and sides of a validated config. */
export function modsConfigOf(config: Pick<ValheimConfig, 'mods' | 'worlds'>): ModsConfig {
  return {
    packages: config.mods.packages,
    worlds: Object.fromEntries(Object.entries(config.worlds).map(([name, world]) => [name, world.mods])),
    serverOnly: config.mods.serverOnly,
    clientOnly: config.mods.clientOnly,
  };
}

/** A package's side as the config decides it (`Owner-Name`, any case). */
export function sideOf(id: string, config: Pick<ModsConfig, 'serverOnly' | 'clientOnly'>): ModSide {
  const key = packageId(parseRef(id)).toLowerCase();
  if (config.serverOnly.some((name) => name.toLowerCase() === key)) return 'server';
  if (config.clientOnly.some((name) => name.toLowerCase() === key)) return 'client';
  return 'both';
}

/** Reads the lockfile; a missing file is an empty lock (no mods). */
export function readLock(file: string): ModsLock {
  if (!existsSync(file)) return EMPTY_LOCK;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ModsError(
      `${file} is not valid JSON (${(error as Error).message})`,
      'restore it from git (git checkout -- valheim.mods.lock.json) or write it again with npx valheim mods lock',
    );
  }
  const result = lockfileSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ModsError(
      `${file}: ${issue?.path.join('.') || '(top level)'} ${issue?.message ?? 'is not a lockfile'}`,
      'write it again with npx valheim mods lock',
    );
  }
  return result.data;
}

/** Writes the lockfile: stable key order and two-space JSON, so that a diff shows what changed. */
export function writeLock(file: string, lock: ModsLock): void {
  const packages = Object.fromEntries(
    Object.keys(lock.packages)
      .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))
      .map((key) => [key, lock.packages[key]]),
  );
  const worlds = Object.fromEntries(
    Object.keys(lock.sets.worlds)
      .sort()
      .map((name) => [name, lock.sets.worlds[name]]),
  );
  const ordered = {
    lockfileVersion: LOCKFILE_VERSION,
    comment:
      'Written by `npx valheim mods`; commit it. Exact versions and zip hashes of the mods the server installs.',
    packages,
    sets: { default: lock.sets.default, worlds },
  };
  writeFileSync(file, `${JSON.stringify(ordered, null, 2)}\n`);
}

/** Every set of the lock with its name: `default` and `world <name>`. */
export function lockedSets(lock: ModsLock): { readonly key: string; readonly set: LockedSet }[] {
  return [
    { key: 'default', set: lock.sets.default },
    ...Object.entries(lock.sets.worlds).map(([name, set]) => ({ key: `world ${name}`, set })),
  ];
}

/** The set a world runs: its own list if it has one, else the default. */
export function setForWorld(lock: ModsLock, world: string | undefined): LockedSet {
  return (world !== undefined && lock.sets.worlds[world]) || lock.sets.default;
}

/** Whether any set installs a mod (else the stack stays exactly as a vanilla one). */
export function hasMods(lock: ModsLock): boolean {
  return lockedSets(lock).some(({ set }) => set.packages.length > 0);
}

/**
 * Why the lock does not match the config, one line per difference, or [] when it does. A deploy refuses a
 * stale lock: it would install something other than what the config says.
 */
export function lockProblems(config: ModsConfig, lock: ModsLock): string[] {
  const problems: string[] = [];
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((entry, i) => entry === b[i]);
  if (!same(config.packages, lock.sets.default.requested)) {
    problems.push('mods.packages differs from the lockfile');
  }
  for (const [world, list] of Object.entries(config.worlds)) {
    const set = lock.sets.worlds[world];
    if (!set) problems.push(`worlds.${world}.mods is not in the lockfile`);
    else if (!same(list, set.requested)) problems.push(`worlds.${world}.mods differs from the lockfile`);
  }
  for (const world of Object.keys(lock.sets.worlds)) {
    if (!(world in config.worlds))
      problems.push(`the lockfile has a list for world ${world}, the config none`);
  }
  for (const { key, set } of lockedSets(lock)) {
    for (const id of set.packages) {
      const locked = lock.packages[id];
      if (!locked) {
        problems.push(`${id} (${key}) has no entry in the lockfile's packages`);
        continue;
      }
      const side = sideOf(id, config);
      if (locked.side !== side)
        problems.push(`${id} is ${side} in the config, ${locked.side} in the lockfile`);
    }
  }
  return problems;
}

/** Throws a ModsError when the lock does not match the config. */
export function assertLockCurrent(config: ModsConfig, lock: ModsLock, lockFile = LOCKFILE_NAME): void {
  const problems = lockProblems(config, lock);
  if (problems.length === 0) return;
  throw new ModsError(
    `${lockFile} does not match the config: ${problems.join('; ')}`,
    'run npx valheim mods lock (it resolves the lists as the config has them) and commit both files',
  );
}

/** The packages of a set the server installs (client-only ones left out), BepInExPack first. */
export function serverPackages(lock: ModsLock, set: LockedSet): { id: string; locked: LockedPackage }[] {
  return set.packages
    .map((id) => ({ id, locked: lock.packages[id] as LockedPackage }))
    .filter(({ locked }) => locked !== undefined && locked.side !== 'client');
}

/** The packages of a set players install (server-only ones left out). */
export function clientPackages(lock: ModsLock, set: LockedSet): { id: string; locked: LockedPackage }[] {
  return set.packages
    .map((id) => ({ id, locked: lock.packages[id] as LockedPackage }))
    .filter(({ locked }) => locked !== undefined && locked.side !== 'server');
}

/** The mods of a set as players count them: everything but BepInExPack. */
export function modCount(set: LockedSet): number {
  return set.packages.filter((id) => !isBepInExPack(parseVersionRef(id))).length;
}
