import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, parseConfig } from '../../config/load.js';
import type { ValheimConfig } from '../../config/schema.js';
import { lockMods } from '../../mods/lock-mods.js';
import {
  LOCKFILE_NAME,
  type LockedSet,
  lockedSets,
  type ModsLock,
  modsConfigOf,
  readLock,
  writeLock,
} from '../../mods/lockfile.js';
import { configArchive, MODS_CONFIG_DIR } from '../../mods/plan.js';
import { playerProfile } from '../../mods/profile.js';
import { isProfileCode, parseProfileCodePayload, parseR2z, safeRelativePath } from '../../mods/r2z.js';
import { type Thunderstore, thunderstoreClient } from '../../mods/thunderstore.js';
import {
  BEPINEX_PACK,
  changelogUrl,
  compareVersions,
  isBepInExPack,
  ModsError,
  packageId,
  parseRef,
  parseVersionRef,
  samePackage,
  versionId,
} from '../../records/mod-package.js';
import { CliError } from '../errors.js';
import type { Terminal } from '../io.js';

/**
 * `valheim mods …`: edits the mod lists in the config and writes valheim.mods.lock.json to match, resolving
 * through Thunderstore (one request at a time, cached). Both files are the user's to commit; the deploy then
 * uploads exactly the locked zips.
 */

export interface ModsDeps {
  readonly env: NodeJS.ProcessEnv;
  readonly term: Terminal;
  /** @default a client of thunderstore.io (VALHEIM_THUNDERSTORE_URL overrides), cached below VALHEIM_CACHE_DIR */
  readonly thunderstore?: () => Thunderstore;
}

export interface ModsOptions {
  readonly config: string;
  /** The world whose own list to edit (worlds.<name>.mods) instead of mods.packages. */
  readonly world?: string;
}

/** The config as JSON (to edit and write back) and as validated. */
interface ConfigFile {
  readonly path: string;
  readonly raw: Record<string, unknown>;
  readonly config: ValheimConfig;
}

function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) {
    throw new CliError(`${path} not found`, 'run npx valheim setup first, or pass --config <file>');
  }
  const text = readFileSync(path, 'utf8');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return { path, raw, config: parseConfig(raw, path, text) };
}

export const lockFileOf = (configPath: string) => join(dirname(configPath), LOCKFILE_NAME);
export const modsConfigDirOf = (configPath: string) => join(dirname(configPath), MODS_CONFIG_DIR);

/** Where zips and version data are kept between runs. */
export function thunderstoreCacheDir(env: NodeJS.ProcessEnv): string {
  return (
    env.VALHEIM_CACHE_DIR?.trim() ||
    join(env.XDG_CACHE_HOME?.trim() || join(homedir(), '.cache'), 'valheim-ondemand', 'thunderstore')
  );
}

function defaultThunderstore(env: NodeJS.ProcessEnv): Thunderstore {
  return thunderstoreClient({
    ...(env.VALHEIM_THUNDERSTORE_URL && { baseUrl: env.VALHEIM_THUNDERSTORE_URL }),
    cacheDir: thunderstoreCacheDir(env),
  });
}

/** The list being edited, from the raw config. */
function listOf(file: ConfigFile, world: string | undefined): string[] {
  if (world === undefined) return [...file.config.mods.packages];
  return [...(file.config.worlds[world]?.mods ?? file.config.mods.packages)];
}

/** The raw config with the list replaced. */
function withList(
  raw: Record<string, unknown>,
  world: string | undefined,
  list: string[],
): Record<string, unknown> {
  if (world === undefined) {
    const mods = { ...((raw.mods as Record<string, unknown> | undefined) ?? {}), packages: list };
    return { ...raw, mods };
  }
  const worlds = { ...((raw.worlds as Record<string, unknown> | undefined) ?? {}) };
  worlds[world] = { ...((worlds[world] as Record<string, unknown> | undefined) ?? {}), mods: list };
  return { ...raw, worlds };
}

function checkWorld(world: string | undefined): void {
  if (world !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(world)) {
    throw new CliError(`"${world}" is not a world name`, 'use 1 to 64 letters, digits, "_" or "-"');
  }
}

/**
 * Resolves the edited config, writes it and the lock (only when both are valid), and reports what changed.
 * Returns the new lock.
 */
async function commit(
  file: ConfigFile,
  raw: Record<string, unknown>,
  deps: ModsDeps,
  options: { dryRun?: boolean } = {},
): Promise<ModsLock> {
  const config = parseConfig(raw, file.path);
  const lockFile = lockFileOf(file.path);
  const previous = readLock(lockFile);
  const source = (deps.thunderstore ?? (() => defaultThunderstore(deps.env)))();
  const { lock, notes } = await guard(() => lockMods(modsConfigOf(config), previous, source));
  for (const line of changeLines(previous, lock)) deps.term.out(line);
  for (const note of notes) deps.term.err(`valheim: note: ${note}`);
  if (config.server.crossplay && lockedSets(lock).some(({ set }) => set.packages.length > 0)) {
    deps.term.err(`valheim: warning: ${CROSSPLAY_WARNING}`);
  }
  if (options.dryRun) {
    deps.term.out('Dry run: nothing written.');
    return lock;
  }
  writeFileSync(file.path, `${JSON.stringify(raw, null, 2)}\n`);
  writeLock(lockFile, lock);
  deps.term.out(`Wrote ${file.path} and ${lockFile}: commit both, then npx valheim deploy.`);
  return lock;
}

export const CROSSPLAY_WARNING =
  'crossplay is on: Xbox and Game Pass players cannot install mods, so a mod every client must have keeps them out (the server image warns that mods may not work with crossplay)';

/** ModsErrors (resolution, Thunderstore) as one CLI line each. */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ModsError)
      throw new CliError(error.message, error.fix ?? 'see npx valheim mods --help');
    throw error;
  }
}

/** `Owner-Name 1.2.3 → 1.3.0 (changelog: …)` for every package whose locked version changed, per set. */
export function changeLines(before: ModsLock, after: ModsLock): string[] {
  const versions = (set: LockedSet | undefined) =>
    new Map((set?.packages ?? []).map((id) => [packageId(parseVersionRef(id)), parseVersionRef(id).version]));
  const lines: string[] = [];
  const keys = new Set([...lockedSets(before), ...lockedSets(after)].map(({ key }) => key));
  for (const key of keys) {
    const find = (lock: ModsLock) => lockedSets(lock).find((entry) => entry.key === key)?.set;
    const old = versions(find(before));
    const now = versions(find(after));
    const changes: string[] = [];
    for (const [name, version] of now) {
      const was = old.get(name);
      const ref = parseRef(name);
      if (was === undefined) changes.push(`  + ${name} ${version}`);
      else if (was !== version) {
        const direction = compareVersions(version, was) > 0 ? '' : ' (older)';
        changes.push(`  ~ ${name} ${was} → ${version}${direction} — changelog: ${changelogUrl(ref)}`);
      }
    }
    for (const [name, version] of old) if (!now.has(name)) changes.push(`  - ${name} ${version}`);
    if (changes.length > 0) lines.push(`${key === 'default' ? 'mods.packages' : key}:`, ...changes.sort());
  }
  return lines.length > 0 ? lines : ['No change in the locked versions.'];
}

/** `valheim mods add <Owner-Name[-1.2.3]>…`: latest unless a version is given; BepInExPack comes along. */
export async function modsAdd(
  options: ModsOptions & { refs: readonly string[] },
  deps: ModsDeps,
): Promise<void> {
  checkWorld(options.world);
  const file = readConfigFile(options.config);
  const source = (deps.thunderstore ?? (() => defaultThunderstore(deps.env)))();
  const list = listOf(file, options.world);
  const refs = await guard(async () => {
    const wanted = options.refs.map(parseRef);
    if (!wanted.some(isBepInExPack) && !list.some((entry) => isBepInExPack(parseVersionRef(entry)))) {
      wanted.unshift(BEPINEX_PACK);
    }
    const resolved: string[] = [];
    for (const ref of wanted) {
      const version = ref.version ?? (await source.package(ref)).latest.version;
      // Thunderstore's spelling of the names, whatever case the user typed.
      const info = await source.version({ ...ref, version });
      resolved.push(versionId(info));
    }
    return resolved;
  });
  let next = list;
  for (const id of refs) {
    const ref = parseVersionRef(id);
    const at = next.findIndex((entry) => samePackage(parseVersionRef(entry), ref));
    next = at >= 0 ? next.map((entry, i) => (i === at ? id : entry)) : [...next, id];
  }
  await commit(file, withList(file.raw, options.world, next), { ...deps, thunderstore: () => source });
}

/** `valheim mods remove <Owner-Name>…`: out of the list; the last mod takes BepInExPack with it. */
export async function modsRemove(
  options: ModsOptions & { names: readonly string[] },
  deps: ModsDeps,
): Promise<void> {
  checkWorld(options.world);
  const file = readConfigFile(options.config);
  const list = listOf(file, options.world);
  const names = await guard(async () => options.names.map(parseRef));
  const missing = names.filter((name) => !list.some((entry) => samePackage(parseVersionRef(entry), name)));
  if (missing.length > 0) {
    throw new CliError(
      `${missing.map(packageId).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not in the list${options.world ? ` of world ${options.world}` : ''}`,
      'npx valheim mods list shows what is (a dependency goes when the mods that need it go)',
    );
  }
  let next = list.filter((entry) => !names.some((name) => samePackage(parseVersionRef(entry), name)));
  if (next.every((entry) => isBepInExPack(parseVersionRef(entry)))) next = [];
  await commit(file, withList(file.raw, options.world, next), deps);
}

/** `valheim mods update [Owner-Name…]`: the listed mods (or the named ones) to their latest versions. */
export async function modsUpdate(
  options: ModsOptions & { names: readonly string[]; dryRun?: boolean },
  deps: ModsDeps,
): Promise<void> {
  checkWorld(options.world);
  const file = readConfigFile(options.config);
  const source = (deps.thunderstore ?? (() => defaultThunderstore(deps.env)))();
  const names = await guard(async () => options.names.map(parseRef));
  const update = async (list: readonly string[]) =>
    guard(async () => {
      const next: string[] = [];
      for (const entry of list) {
        const ref = parseVersionRef(entry);
        const chosen = names.length === 0 || names.some((name) => samePackage(name, ref));
        next.push(chosen ? versionId((await source.package(ref)).latest) : entry);
      }
      return next;
    });
  // One world's list, or the default list and every world's own.
  const targets =
    options.world !== undefined ? [options.world] : [undefined, ...Object.keys(file.config.worlds)];
  let raw = file.raw;
  for (const world of targets) raw = withList(raw, world, await update(listOf(file, world)));
  await commit(file, raw, { ...deps, thunderstore: () => source }, { dryRun: options.dryRun === true });
}

/** `valheim mods lock`: the lock for the lists as the config has them (after editing the config by hand). */
export async function modsLock(options: ModsOptions, deps: ModsDeps): Promise<void> {
  const file = readConfigFile(options.config);
  await commit(file, file.raw, deps);
}

/** `valheim mods list`: each list with its dependencies, who needs what, and where. */
export function modsList(options: ModsOptions & { json?: boolean }, deps: ModsDeps): void {
  const file = readConfigFile(options.config);
  const lock = readLock(lockFileOf(file.path));
  if (options.json) {
    deps.term.out(JSON.stringify(lock.sets));
    return;
  }
  for (const { key, set } of lockedSets(lock)) {
    if (options.world !== undefined && key !== `world ${options.world}`) continue;
    const title =
      key === 'default'
        ? 'mods.packages (every world without a list of its own)'
        : `worlds.${key.slice(6)}.mods`;
    if (set.packages.length === 0) {
      deps.term.out(`${title}: none (vanilla)`);
      continue;
    }
    deps.term.out(`${title}:`);
    for (const id of set.packages) {
      const ref = parseVersionRef(id);
      const locked = lock.packages[id];
      const listed = set.requested.some((entry) => samePackage(parseVersionRef(entry), ref));
      const tags = [
        listed ? '' : 'dependency',
        locked?.side === 'server' ? 'server only' : locked?.side === 'client' ? 'players only' : '',
        locked?.deprecated ? 'deprecated' : '',
      ].filter(Boolean);
      deps.term.out(`  ${packageId(ref)} ${ref.version}${tags.length > 0 ? ` (${tags.join(', ')})` : ''}`);
    }
  }
}

/**
 * `valheim mods import <file.r2z | profile code>`: the list becomes the profile's enabled mods, and its
 * configs go to mods/config (existing files are kept unless --overwrite-config).
 */
export async function modsImport(
  options: ModsOptions & { source: string; overwriteConfig?: boolean },
  deps: ModsDeps,
): Promise<void> {
  checkWorld(options.world);
  const file = readConfigFile(options.config);
  const thunderstore = (deps.thunderstore ?? (() => defaultThunderstore(deps.env)))();
  const profile = await guard(async () => {
    if (existsSync(options.source))
      return parseR2z(new Uint8Array(readFileSync(options.source)), options.source);
    if (isProfileCode(options.source)) {
      return parseR2z(
        parseProfileCodePayload(await thunderstore.profile(options.source.trim())),
        `profile ${options.source}`,
      );
    }
    throw new ModsError(
      `${options.source} is neither a file nor a profile code`,
      'pass an .r2z file (r2modman: Settings → Export profile as file) or the code r2modman shows after "Export profile as code"',
    );
  });
  const disabled = profile.mods.filter((mod) => !mod.enabled);
  for (const mod of disabled)
    deps.term.err(`valheim: note: ${mod.name} ${mod.version} is disabled in the profile: left out`);
  const list = profile.mods.filter((mod) => mod.enabled).map((mod) => `${mod.name}-${mod.version}`);
  deps.term.out(`Profile "${profile.name}": ${list.length} mods.`);
  await commit(file, withList(file.raw, options.world, list), { ...deps, thunderstore: () => thunderstore });
  const configDir = modsConfigDirOf(file.path);
  let written = 0;
  const kept: string[] = [];
  for (const [path, bytes] of Object.entries(profile.configs)) {
    const safe = safeRelativePath(path);
    if (!safe) continue;
    const target = join(configDir, safe);
    if (existsSync(target) && !options.overwriteConfig) {
      kept.push(safe);
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    written++;
  }
  if (written > 0)
    deps.term.out(`Wrote ${written} config files to ${configDir} (the server uses them; commit them).`);
  if (kept.length > 0) {
    deps.term.err(
      `valheim: note: kept ${kept.length} config files that exist in ${configDir} (--overwrite-config replaces them)`,
    );
  }
}

/** `valheim mods export [--out file]`: the players' .r2z of a list, for an operator to share with them. */
export function modsExport(options: ModsOptions & { out?: string }, deps: ModsDeps): void {
  checkWorld(options.world);
  const file = readConfigFile(options.config);
  const lock = readLock(lockFileOf(file.path));
  const set =
    options.world !== undefined ? (lock.sets.worlds[options.world] ?? lock.sets.default) : lock.sets.default;
  const name = `${file.config.server.name}${options.world ? ` ${options.world}` : ''}`;
  const bytes = playerProfile(lock, set, name, configArchive(modsConfigDirOf(file.path)));
  if (!bytes)
    throw new CliError('that list has no mods players install', 'npx valheim mods list shows the lists');
  const out = options.out ?? `${name.replace(/[^A-Za-z0-9_-]+/g, '-')}.r2z`;
  writeFileSync(out, bytes);
  deps.term.out(
    `Wrote ${out}: in r2modman or Thunderstore Mod Manager, Settings → Import profile → From file.`,
  );
}
