import {
  BEPINEX_PACK,
  compareVersions,
  isBepInExPack,
  MIN_BEPINEX_PACK_VERSION,
  ModsError,
  type PackageVersionRef,
  packageId,
  parseVersionRef,
  versionId,
} from '../records/mod-package.js';
import type { PackageSource, VersionInfo } from './thunderstore.js';

/**
 * Resolution of a mod list into the exact set the server installs and players need: the listed versions and
 * their dependency closure. A Thunderstore dependency (`Owner-Name-1.2.3`) names the version the package was
 * built against, which mod managers install unless a newer one is already there; so when two packages ask for
 * different versions of one dependency, the newer wins. A listed version is a pin: a dependency that needs a
 * newer one is a conflict with a clear way out, never a silent upgrade of what the user chose.
 */

export interface ResolvedSet {
  /** The closure, BepInExPack first, then by name. */
  readonly packages: readonly VersionInfo[];
  /** The BepInExPack version (undefined for an empty list: a vanilla server). */
  readonly bepinexPack?: string;
  /** Choices worth telling the user (a dependency raised to a newer version, and why). */
  readonly notes: readonly string[];
}

/**
 * Resolves `requested` (exact versions, as the config lists them) against `source`. Throws a ModsError for a
 * dependency that needs a newer version than the one pinned, for a missing or too old BepInExPack, and for
 * what Thunderstore does not know.
 */
export async function resolveSet(requested: readonly string[], source: PackageSource): Promise<ResolvedSet> {
  if (requested.length === 0) return { packages: [], notes: [] };
  const roots = requested.map(parseVersionRef);
  const pinned = new Map<string, PackageVersionRef>();
  for (const root of roots) {
    const key = packageId(root).toLowerCase();
    const earlier = pinned.get(key);
    if (earlier && earlier.version !== root.version) {
      throw new ModsError(
        `${packageId(root)} is listed twice, as ${earlier.version} and ${root.version}`,
        'keep one of them in the mod list',
      );
    }
    pinned.set(key, root);
  }

  // The version chosen for each package, and who asked for it. Versions only ever rise, so this ends.
  const chosen = new Map<string, { ref: PackageVersionRef; by: string }>();
  for (const [key, ref] of pinned) chosen.set(key, { ref, by: 'the mod list' });
  const notes: string[] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (const { ref } of [...closure(chosen, await dependencyMap(chosen, source)).values()]) {
      const info = await source.version(ref);
      for (const text of info.dependencies) {
        const dependency = parseDependency(text, ref);
        const key = packageId(dependency).toLowerCase();
        const current = chosen.get(key);
        if (current && compareVersions(dependency.version, current.ref.version) <= 0) continue;
        const pin = pinned.get(key);
        if (pin) {
          throw new ModsError(
            `${versionId(ref)} needs ${versionId(dependency)} or newer, but the mod list pins ${versionId(pin)}`,
            `raise it: npx valheim mods add ${versionId(dependency)} (or remove the version pin of ${packageId(pin)} with npx valheim mods update ${packageId(pin)})`,
          );
        }
        if (current) {
          notes.push(
            `${packageId(dependency)}: ${versionId(ref)} needs ${dependency.version}, ${current.by} needs ${current.ref.version}; using ${dependency.version}`,
          );
        }
        chosen.set(key, { ref: dependency, by: versionId(ref) });
        changed = true;
      }
    }
  }

  const final = closure(chosen, await dependencyMap(chosen, source));
  const packages = await Promise.all([...final.values()].map(({ ref }) => source.version(ref)));
  const pack = packages.find(isBepInExPack);
  if (!pack) {
    throw new ModsError(
      `the mod list has no ${packageId(BEPINEX_PACK)}, which loads every mod on the server`,
      `add it: npx valheim mods add ${packageId(BEPINEX_PACK)}`,
    );
  }
  if (compareVersions(pack.version, MIN_BEPINEX_PACK_VERSION) < 0) {
    throw new ModsError(
      `${versionId(pack)} is too old for the server image, which starts BepInEx the way ${MIN_BEPINEX_PACK_VERSION} and later expect (Doorstop 4): the server would run without its mods`,
      `add a newer one: npx valheim mods add ${packageId(BEPINEX_PACK)} (the latest) or ${packageId(BEPINEX_PACK)}-${MIN_BEPINEX_PACK_VERSION} or later`,
    );
  }
  packages.sort(
    (a, b) =>
      Number(isBepInExPack(b)) - Number(isBepInExPack(a)) ||
      packageId(a).toLowerCase().localeCompare(packageId(b).toLowerCase()),
  );
  return { packages, bepinexPack: pack.version, notes: [...new Set(notes)] };
}

type Chosen = Map<string, { ref: PackageVersionRef; by: string }>;

/** Each chosen version's dependencies (package keys), read from the source. */
async function dependencyMap(chosen: Chosen, source: PackageSource): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  for (const [key, { ref }] of chosen) {
    const info = await source.version(ref);
    map.set(
      key,
      info.dependencies.map((text) => packageId(parseDependency(text, ref)).toLowerCase()),
    );
  }
  return map;
}

/** The packages reachable from the mod list with the chosen versions (a dependency of an outgrown version drops out). */
function closure(chosen: Chosen, dependencies: Map<string, string[]>): Chosen {
  const reached: Chosen = new Map();
  const roots = [...chosen].filter(([, { by }]) => by === 'the mod list').map(([key]) => key);
  const queue = [...roots];
  while (queue.length > 0) {
    const key = queue.shift() as string;
    const entry = chosen.get(key);
    if (!entry || reached.has(key)) continue;
    reached.set(key, entry);
    queue.push(...(dependencies.get(key) ?? []));
  }
  return reached;
}

function parseDependency(text: string, of: PackageVersionRef): PackageVersionRef {
  try {
    return parseVersionRef(text);
  } catch {
    throw new ModsError(
      `${versionId(of)} names a dependency Thunderstore should not allow ("${text}")`,
      `leave ${packageId(of)} out, or tell its author`,
    );
  }
}
