import type { ModList, ModListSet } from '../records/mod-list.js';
import { isBepInExPack, packageId, packagePageUrl, parseVersionRef } from '../records/mod-package.js';
import { clientPackages, type LockedSet, lockedSets, type ModsLock, serverPackages } from './lockfile.js';
import type { ConfigArchive } from './plan.js';
import { buildR2z, isConfigFile } from './r2z.js';

/**
 * What players need, built from the lockfile: the r2modman profile of a set (its client-side packages at
 * their locked versions, with the repo's configs) and the list /valheim mods shows. Never "latest": the
 * profile holds exactly what the server checks versions against.
 */

/** One line of /valheim mods. */
export interface PlayerMod {
  /** `Owner-Name`. */
  readonly name: string;
  readonly version: string;
  readonly url: string;
  /** Listed in the config (not only pulled in as a dependency). */
  readonly listed: boolean;
}

/** What /valheim mods shows for one set (stored in the bucket as part of the summary). */
export interface SetSummary {
  /** Client-side packages, BepInExPack first. */
  readonly players: readonly PlayerMod[];
  /** Packages only the server loads (players leave them out). */
  readonly serverOnly: readonly PlayerMod[];
  readonly bepinexPack?: string;
  /** The .r2z's key in the world bucket. */
  readonly profileKey?: string;
}

/** The summary of every set, for the bot: `default` and each world with a list of its own. */
export interface ModsSummary {
  readonly default: SetSummary;
  readonly worlds: Readonly<Record<string, SetSummary>>;
}

function playerMod(id: string, listed: readonly string[]): PlayerMod {
  const ref = parseVersionRef(id);
  return {
    name: packageId(ref),
    version: ref.version,
    url: packagePageUrl(ref),
    listed: listed.some(
      (entry) => packageId(parseVersionRef(entry)).toLowerCase() === packageId(ref).toLowerCase(),
    ),
  };
}

export function setSummary(lock: ModsLock, set: LockedSet, profileKey?: string): SetSummary {
  const players = clientPackages(lock, set).map(({ id }) => playerMod(id, set.requested));
  const serverOnly = serverPackages(lock, set)
    .filter(({ locked }) => locked.side === 'server')
    .map(({ id }) => playerMod(id, set.requested));
  return {
    players,
    serverOnly,
    ...(set.bepinexPack && { bepinexPack: set.bepinexPack }),
    ...(profileKey && players.length > 0 && { profileKey }),
  };
}

/** The players' .r2z of a set; undefined for a set players install nothing for. */
export function playerProfile(
  lock: ModsLock,
  set: LockedSet,
  name: string,
  config?: ConfigArchive,
): Uint8Array | undefined {
  const mods = clientPackages(lock, set).map(({ id }) => {
    const ref = parseVersionRef(id);
    return { name: packageId(ref), version: ref.version, enabled: true };
  });
  if (
    mods.length === 0 ||
    mods.every((mod) => isBepInExPack(parseVersionRef(`${mod.name}-${mod.version}`)))
  ) {
    return undefined;
  }
  const configs: Record<string, Uint8Array> = {};
  for (const [path, bytes] of Object.entries(config?.contents ?? {})) {
    if (isConfigFile(path)) configs[path] = bytes;
  }
  return buildR2z({ name, mods, configs });
}

/** What /valheim mods lists, for the interactions Lambda (src/records/mod-list.ts): every set's packages. */
export function modListOf(lock: ModsLock): ModList {
  const ids = (summary: SetSummary) => ({
    players: summary.players.map((mod) => `${mod.name}-${mod.version}`),
    serverOnly: summary.serverOnly.map((mod) => `${mod.name}-${mod.version}`),
  });
  const worlds: Record<string, ModListSet> = {};
  for (const { key, set } of lockedSets(lock)) {
    if (key !== 'default') worlds[key.slice('world '.length)] = ids(setSummary(lock, set));
  }
  return { default: ids(setSummary(lock, lock.sets.default)), worlds };
}
