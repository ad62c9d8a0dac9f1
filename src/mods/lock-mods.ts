import { ModsError, packageId, parseVersionRef, versionId } from '../records/mod-package.js';
import {
  LOCKFILE_VERSION,
  type LockedPackage,
  type LockedSet,
  type ModsConfig,
  type ModsLock,
  sideOf,
} from './lockfile.js';
import { resolveSet } from './resolve.js';
import type { Thunderstore, VersionInfo } from './thunderstore.js';

/**
 * Writes the lock for a config: resolves every list (the default one and each world's), and for every version
 * it has not locked before, downloads the zip once and records its SHA-256. A version already in the previous
 * lock keeps its hash without a download: Thunderstore never changes a published version, and the deploy
 * checks the hash again when it uploads the zip.
 */

export interface LockResult {
  readonly lock: ModsLock;
  /** Resolution choices (a dependency raised to a newer version) and hints (deprecated packages). */
  readonly notes: readonly string[];
}

export async function lockMods(
  config: ModsConfig,
  previous: ModsLock,
  source: Thunderstore,
): Promise<LockResult> {
  const notes: string[] = [];
  const packages: Record<string, LockedPackage> = {};

  const lockList = async (requested: readonly string[], label: string): Promise<LockedSet> => {
    const resolved = await resolveSet(requested, source);
    for (const note of resolved.notes) notes.push(`${label}: ${note}`);
    for (const info of resolved.packages) {
      const id = versionId(info);
      if (!packages[id]) packages[id] = await lockPackage(info, previous.packages[id], config, source, notes);
    }
    return {
      requested: [...requested],
      packages: resolved.packages.map(versionId),
      ...(resolved.bepinexPack && { bepinexPack: resolved.bepinexPack }),
    };
  };

  const defaultSet = await lockList(config.packages, 'mods.packages');
  const worlds: Record<string, LockedSet> = {};
  for (const [world, list] of Object.entries(config.worlds)) {
    worlds[world] = await lockList(list, `worlds.${world}.mods`);
  }
  return {
    lock: { lockfileVersion: LOCKFILE_VERSION, packages, sets: { default: defaultSet, worlds } },
    notes: [...new Set(notes)],
  };
}

async function lockPackage(
  info: VersionInfo,
  previous: LockedPackage | undefined,
  config: ModsConfig,
  source: Thunderstore,
  notes: string[],
): Promise<LockedPackage> {
  const id = versionId(info);
  const side = sideOf(id, config);
  const about = await source.package(info);
  if (about.isDeprecated)
    notes.push(`${packageId(info)} is deprecated on Thunderstore: look for a replacement`);
  const categories = [...about.categories];
  if (side === 'both' && categories.includes('Server-side') && !categories.includes('Client-side')) {
    notes.push(
      `${packageId(info)} says it is Server-side on Thunderstore; if players do not need it, add "${packageId(info)}" to mods.serverOnly`,
    );
  }
  const common = {
    url: info.downloadUrl,
    dependencies: info.dependencies.map((text) => versionId(parseVersionRef(text))),
    side,
    categories,
    deprecated: about.isDeprecated,
  };
  if (previous) return { ...common, sha256: previous.sha256, size: previous.size };
  const zip = await source.download(info);
  if (zip.bytes.length === 0)
    throw new ModsError(`Thunderstore sent an empty zip for ${id}`, 'try again later');
  return { ...common, sha256: zip.sha256, size: zip.bytes.length };
}
