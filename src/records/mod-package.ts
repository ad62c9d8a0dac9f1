/**
 * Thunderstore package names as mod lists, dependency strings and r2modman profiles spell them:
 * `Owner-Name` (a package) and `Owner-Name-1.2.3` (one version of it). No dependencies: the config schema,
 * the CLI, the bot and the lockfile all read these.
 */

/** Why a mod name, version or list was refused, in words for people. */
export class ModsError extends Error {
  override readonly name = 'ModsError';
  constructor(
    message: string,
    /** What to do about it, when there is something to do. */
    readonly fix?: string,
  ) {
    super(message);
  }
}

/** A package: `Owner-Name`. */
export interface PackageName {
  readonly namespace: string;
  readonly name: string;
}

/** A package with or without a version (`Owner-Name` or `Owner-Name-1.2.3`). */
export interface PackageRef extends PackageName {
  readonly version?: string;
}

/** One version of a package: `Owner-Name-1.2.3`. */
export interface PackageVersionRef extends PackageName {
  readonly version: string;
}

/** BepInEx packaged for Valheim: every mod needs it; the server image loads it. */
export const BEPINEX_PACK: PackageName = { namespace: 'denikson', name: 'BepInExPack_Valheim' };

/**
 * The oldest BepInExPack_Valheim the server image can start. The image (1.2.0 and later) starts BepInEx with
 * Doorstop 4's variables (DOORSTOP_ENABLED, DOORSTOP_TARGET_ASSEMBLY); packs up to 5.4.2202 ship Doorstop 3,
 * which ignores them: the server would come up without a single mod loaded. 5.4.2330 is the first pack with
 * Doorstop 4.
 */
export const MIN_BEPINEX_PACK_VERSION = '5.4.2330';

/** Thunderstore's team names: letters, digits, "_" and "." (not at the ends). Package names: letters, digits, "_". */
const REF_PATTERN = /^([A-Za-z0-9](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)-([A-Za-z0-9_]+)(?:-(\d+\.\d+\.\d+))?$/;

export const REF_HINT =
  '"Owner-Name" or "Owner-Name-1.2.3" as Thunderstore writes it, e.g. "ValheimModding-Jotunn-2.20.0"';

/** Parses `Owner-Name` or `Owner-Name-1.2.3`; undefined for anything else. */
export function tryParseRef(text: string): PackageRef | undefined {
  const match = REF_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, namespace = '', name = '', version] = match;
  return version === undefined ? { namespace, name } : { namespace, name, version };
}

/** Parses `Owner-Name` or `Owner-Name-1.2.3`, or throws a ModsError naming the rule. */
export function parseRef(text: string): PackageRef {
  const ref = tryParseRef(text);
  if (!ref) throw new ModsError(`"${text}" is not a Thunderstore package: use ${REF_HINT}`);
  return ref;
}

/** Parses `Owner-Name-1.2.3` (a version is required), or throws. */
export function parseVersionRef(text: string): PackageVersionRef {
  const ref = parseRef(text);
  if (ref.version === undefined) {
    throw new ModsError(`"${text}" has no version: write it as "${text}-1.2.3"`);
  }
  return ref as PackageVersionRef;
}

/** `Owner-Name`. */
export function packageId(ref: PackageName): string {
  return `${ref.namespace}-${ref.name}`;
}

/** `Owner-Name-1.2.3`. */
export function versionId(ref: PackageVersionRef): string {
  return `${ref.namespace}-${ref.name}-${ref.version}`;
}

export function samePackage(a: PackageName, b: PackageName): boolean {
  return (
    a.namespace.toLowerCase() === b.namespace.toLowerCase() && a.name.toLowerCase() === b.name.toLowerCase()
  );
}

export function isBepInExPack(ref: PackageName): boolean {
  return samePackage(ref, BEPINEX_PACK);
}

/** Orders `1.2.10` after `1.2.9`: negative when a is older. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** `{major, minor, patch}` as r2modman's profiles write a version. */
export function versionParts(version: string): { major: number; minor: number; patch: number } {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  return { major, minor, patch };
}

/** The package page players open: Thunderstore's Valheim community. */
export function packagePageUrl(ref: PackageName): string {
  return `https://thunderstore.io/c/valheim/p/${ref.namespace}/${ref.name}/`;
}

/** Where Thunderstore shows a package's changelog. */
export function changelogUrl(ref: PackageName): string {
  return `${packagePageUrl(ref)}changelog/`;
}
