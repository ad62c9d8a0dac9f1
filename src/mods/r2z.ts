import { strFromU8, strToU8, unzipSync, type Zippable, zipSync } from 'fflate';
import { parse, stringify } from 'yaml';
import { ModsError, parseRef, tryParseRef, versionParts } from '../records/mod-package.js';

/**
 * r2modman's profile export (`.r2z`, what Thunderstore Mod Manager and r2modman import as "from file"): a zip
 * with `export.r2x`, YAML of `{profileName, mods: [{name: Owner-Name, version: {major, minor, patch},
 * enabled}]}`, and the profile's BepInEx config files below `config/`. A profile code is the same zip, base64,
 * after a `#r2modman` line, stored by Thunderstore's legacyprofile API.
 */

export interface ProfileMod {
  /** `Owner-Name`. */
  readonly name: string;
  readonly version: string;
  readonly enabled: boolean;
}

export interface Profile {
  readonly name: string;
  readonly mods: readonly ProfileMod[];
  /** BepInEx config files, by their path below BepInEx/config (e.g. `Jotunn.cfg`, `MyMod/settings.yml`). */
  readonly configs: Readonly<Record<string, Uint8Array>>;
}

export const PROFILE_CODE_PREFIX = '#r2modman';

/** The file types r2modman carries in an export (anything else in config/ is left out of it). */
export const CONFIG_EXTENSIONS = ['.cfg', '.txt', '.json', '.yml', '.yaml', '.ini'] as const;

/** Zip entries' time: fixed, so the same profile is always the same bytes (and the same hash). */
const FIXED_TIME = new Date('2000-01-01T00:00:00Z');

export function isConfigFile(path: string): boolean {
  const lower = path.toLowerCase();
  return CONFIG_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/** A relative path inside the profile, or undefined for one that could escape it. */
export function safeRelativePath(path: string): string | undefined {
  const parts = path.replace(/\\/g, '/').split('/');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return undefined;
  if (parts.some((part) => part === '..' || part === '')) return undefined;
  return parts.join('/');
}

export function buildR2z(profile: Profile): Uint8Array {
  const manifest = {
    profileName: profile.name,
    mods: profile.mods.map((mod) => ({
      name: mod.name,
      version: versionParts(mod.version),
      enabled: mod.enabled,
    })),
  };
  const files: Zippable = { 'export.r2x': [strToU8(stringify(manifest)), { mtime: FIXED_TIME }] };
  for (const path of Object.keys(profile.configs).sort()) {
    const safe = safeRelativePath(path);
    const data = profile.configs[path];
    if (!safe || !data) continue;
    files[`config/${safe}`] = [data, { mtime: FIXED_TIME }];
  }
  return zipSync(files, { level: 6 });
}

/** Reads an .r2z; a ModsError says what is wrong with a file that is not one. */
export function parseR2z(bytes: Uint8Array, source = 'the profile'): Profile {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new ModsError(
      `${source} is not a zip (${(error as Error).message})`,
      'export the profile again in r2modman (Settings → Profile → Export profile as a file)',
    );
  }
  const manifestEntry = Object.keys(entries).find(
    (name) => name.replace(/\\/g, '/').split('/').at(-1) === 'export.r2x',
  );
  const manifestBytes = manifestEntry ? entries[manifestEntry] : undefined;
  if (!manifestEntry || !manifestBytes) {
    throw new ModsError(
      `${source} has no export.r2x, so it is no r2modman profile`,
      'export it from r2modman or Thunderstore Mod Manager',
    );
  }
  const prefix = manifestEntry.slice(0, manifestEntry.length - 'export.r2x'.length);
  let manifest: unknown;
  try {
    manifest = parse(strFromU8(manifestBytes));
  } catch (error) {
    throw new ModsError(`${source}: export.r2x is not valid YAML (${(error as Error).message})`);
  }
  const raw = manifest as { profileName?: unknown; mods?: unknown };
  if (!Array.isArray(raw?.mods)) throw new ModsError(`${source}: export.r2x lists no mods`);
  const mods = raw.mods.map((entry, index) => profileMod(entry, index, source));
  const configs: Record<string, Uint8Array> = {};
  for (const [name, data] of Object.entries(entries)) {
    const normalized = name.replace(/\\/g, '/');
    if (!normalized.startsWith(`${prefix}config/`) || normalized.endsWith('/')) continue;
    const path = safeRelativePath(normalized.slice(`${prefix}config/`.length));
    if (path && isConfigFile(path)) configs[path] = data;
  }
  return { name: typeof raw.profileName === 'string' ? raw.profileName : 'profile', mods, configs };
}

function profileMod(entry: unknown, index: number, source: string): ProfileMod {
  const raw = entry as {
    name?: unknown;
    version?: { major?: unknown; minor?: unknown; patch?: unknown } | string;
    enabled?: unknown;
    major?: unknown;
    minor?: unknown;
    patch?: unknown;
  };
  const name = typeof raw?.name === 'string' ? raw.name : undefined;
  const ref = name ? tryParseRef(name) : undefined;
  // {version: {major, minor, patch}} as r2modman writes it; flat major/minor/patch as some tools do.
  const parts = typeof raw?.version === 'object' && raw.version !== null ? raw.version : raw;
  const version =
    typeof raw?.version === 'string'
      ? raw.version
      : [parts?.major, parts?.minor, parts?.patch].every((part) => Number.isInteger(part))
        ? `${parts.major}.${parts.minor}.${parts.patch}`
        : undefined;
  if (!name || !ref || ref.version !== undefined || !version || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new ModsError(
      `${source}: mod ${index + 1} in export.r2x is not "Owner-Name" with a version (${JSON.stringify(entry)})`,
    );
  }
  parseRef(`${name}-${version}`);
  return { name, version, enabled: raw.enabled !== false };
}

/** A profile code's payload: `#r2modman`, a newline, the .r2z in base64. */
export function profileCodePayload(r2z: Uint8Array): string {
  return `${PROFILE_CODE_PREFIX}\n${Buffer.from(r2z).toString('base64')}`;
}

export function parseProfileCodePayload(text: string): Uint8Array {
  if (!text.startsWith(PROFILE_CODE_PREFIX)) {
    throw new ModsError('Thunderstore sent something that is not an r2modman profile for that code');
  }
  return new Uint8Array(Buffer.from(text.slice(PROFILE_CODE_PREFIX.length).trim(), 'base64'));
}

/** r2modman's profile codes are UUIDs. */
export function isProfileCode(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text.trim());
}
