/*
 * Which Valheim build the server runs: the Steam branch of the dedicated server (app 896660) the group chose,
 * and a hold on one build after `valheim game rollback`. Both live in one SSM String parameter that the game
 * task reads through ECS `secrets` at every launch (as it reads the active world, src/worlds/active-world.ts),
 * so a change needs no deploy and applies at the next start; a deploy never writes it (the stack only creates
 * it when it is missing):
 *
 *   /<stack>/game/branch  → GAME_BRANCH   "public", "default_old", "public-test", or "<branch> hold <build>"
 *
 * One parameter, read atomically: a start never sees one branch with another's hold. No dependencies, so the
 * interactions Lambda can use it in its entry chunk.
 *
 * Facts from the image's scripts (community-valheim-tools/valheim-server-docker, read at commit 732221f):
 * `valheim-updater` runs `steamcmd.sh +force_install_dir /opt/valheim/dl/server +login anonymous +app_update
 * 896660 $STEAMCMD_ARGS +quit`, so `-beta <branch>` placed in STEAMCMD_ARGS selects a branch; `defaults` sets
 * `STEAMCMD_ARGS=${STEAMCMD_ARGS-validate}` and, for PUBLIC_TEST=true, appends `-beta public-test -betapassword
 * yesimadebackups`. The password is Iron Gate's public one for the test branch, printed in the image's source:
 * no secret.
 */

import { BRANCH_PATTERN, PUBLIC_BRANCH } from '../records/game.js';

export { BRANCH_PATTERN, PUBLIC_BRANCH };

/** Iron Gate's public test branch, and the password the image passes for it (PUBLIC_TEST=true). */
export const PUBLIC_TEST_BRANCH = 'public-test';
export const PUBLIC_TEST_PASSWORD = 'yesimadebackups';

/**
 * The branches of app 896660 people ask for (issue #20): the public one, the previous stable build (no
 * password), the last builds before the mistlands and ashlands releases, and the public test. Others are
 * accepted too (Iron Gate adds some, e.g. `default_pre1_0`); these are the ones the commands suggest.
 */
export const KNOWN_BRANCHES = [
  PUBLIC_BRANCH,
  'default_old',
  'default_preml',
  'default_preal',
  PUBLIC_TEST_BRANCH,
] as const;

/** Steam build ids are decimal numbers. */
const BUILD_PATTERN = /^[0-9]{1,20}$/;

export interface GameSetting {
  /** The Steam branch steamcmd installs from. */
  readonly branch: string;
  /**
   * A build id the server stays on (set by a rollback): the start skips steamcmd's update when the install
   * cache restored exactly this build, so the game does not move until someone picks a branch again.
   */
  readonly hold?: string;
}

export const DEFAULT_GAME_SETTING: GameSetting = { branch: PUBLIC_BRANCH };

export function gameParameterName(stackName: string): string {
  return `/${stackName}/game/branch`;
}

export function isBranchName(name: string): boolean {
  return BRANCH_PATTERN.test(name);
}

/** Why `name` is not a branch name, or undefined when it is one. */
export function branchNameProblem(name: string): string | undefined {
  if (isBranchName(name)) return undefined;
  return `"${name}" is not a Steam branch name: use lower-case letters, digits, "_" and "-" (e.g. ${KNOWN_BRANCHES.join(', ')})`;
}

/** The parameter's value. */
export function formatGameSetting(setting: GameSetting): string {
  return setting.hold ? `${setting.branch} hold ${setting.hold}` : setting.branch;
}

/** The setting a parameter value holds, or undefined when it is not one formatGameSetting wrote. */
export function parseGameSetting(value: string): GameSetting | undefined {
  const match = /^(\S+)(?: hold (\S+))?$/.exec(value.trim());
  const branch = match?.[1]?.toLowerCase();
  if (!branch || !isBranchName(branch)) return undefined;
  const hold = match?.[2];
  if (hold !== undefined && !BUILD_PATTERN.test(hold)) return undefined;
  return hold ? { branch, hold } : { branch };
}

/**
 * What the start hook adds to STEAMCMD_ARGS for a branch: nothing for public (steamcmd's default), the test
 * branch with its password, `-beta <branch>` for every other. The shell hook (gameBranchHook) does the same;
 * the tests hold the two together.
 */
export function steamcmdBranchArguments(branch: string): string {
  if (branch === PUBLIC_BRANCH) return '';
  if (branch === PUBLIC_TEST_BRANCH)
    return `-beta ${PUBLIC_TEST_BRANCH} -betapassword ${PUBLIC_TEST_PASSWORD}`;
  return `-beta ${branch}`;
}

/** The install cache's tarball for a branch: public keeps the key it always had, so no cache is lost. */
export function installCacheKeyFor(branch: string, publicKey: string, prefix: string): string {
  const file = publicKey.slice(publicKey.lastIndexOf('/') + 1);
  return branch === PUBLIC_BRANCH ? publicKey : `${prefix}/branches/${branch}/${file}`;
}

/** A Valheim version as the log prints it ("l-1.0.14") made readable ("1.0.14"). */
export function displayVersion(version: string): string {
  return version.replace(/^[a-z]+-(?=\d)/, '');
}

/**
 * Compares two Valheim versions ("0.217.46", "1.0.14", "l-1.0.14"; a mod suffix "@0.9.3" is ignored) part by
 * part: negative when `a` is older. Undefined when either is not a version.
 */
export function compareVersions(a: string, b: string): number | undefined {
  const parts = (version: string) => {
    const core = displayVersion(version).split('@')[0] ?? '';
    return /^\d+(\.\d+)*$/.test(core) ? core.split('.').map(Number) : undefined;
  };
  const left = parts(a);
  const right = parts(b);
  if (!left || !right) return undefined;
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** How players match the server's branch in Steam (shown whenever the server is not on public). */
export function steamBranchAdvice(branch: string): string {
  if (branch === PUBLIC_BRANCH) {
    return 'In Steam: Valheim → Properties → Betas → None (the public version).';
  }
  const password =
    branch === PUBLIC_TEST_BRANCH
      ? ` (first enter the code \`${PUBLIC_TEST_PASSWORD}\` under Private betas)`
      : '';
  return `In Steam: Valheim → Properties → Betas → **${branch}**${password}.`;
}
