import { INSTALL_PATH } from '../server-cache/install-cache.js';
import { PUBLIC_BRANCH, PUBLIC_TEST_BRANCH, PUBLIC_TEST_PASSWORD } from './branch.js';

/*
 * The game container's update hooks. The image's `valheim-updater` (community-valheim-tools/valheim-server-
 * docker, read at commit 732221f) runs, once per container start:
 *
 *   update():  pre_update_check_hook  → eval "$PRE_UPDATE_CHECK_HOOK"    (in the updater's own bash)
 *              download_valheim       → steamcmd … +app_update 896660 $STEAMCMD_ARGS +quit
 *              rsync -a --delete dl/server/ → /opt/valheim/server
 *              write_restart_file
 *              post_update_check_hook → eval "$POST_UPDATE_CHECK_HOOK"
 *   check_server_restart → supervisorctl start valheim-server   (the game loads the world only now)
 *
 * So PRE_UPDATE_CHECK_HOOK can still change STEAMCMD_ARGS (and which function downloads), and
 * POST_UPDATE_CHECK_HOOK sees the build steamcmd left before the server has read the world.
 * test/game/hooks.test.ts runs both hooks in that order against a stand-in of the updater.
 *
 * Every line the hooks print starts with "valheim-ondemand: "; the log processor reads the build line and the
 * pre-update copy lines (src/players/server-log.ts). Variables carry a `vod_` prefix so they cannot clash with
 * the updater's own; both hooks are plain POSIX sh (the updater runs them in bash).
 */

/** The app manifest steamcmd writes next to the install, and the build the install cache restored. */
const manifestOf = (installRoot: string) => `${installRoot}/dl/server/steamapps/appmanifest_896660.acf`;
const restoredBuildOf = (installRoot: string) => `${installRoot}/.install-cache/restored-build`;

/** Where the hooks look (tests use temp folders). */
export interface HookPaths {
  /** The world file system. @default '/config' */
  readonly configRoot?: string;
  /** The install volume (steamcmd's dl/server, the install cache's state). @default INSTALL_PATH */
  readonly installRoot?: string;
}

/** Where pre-update copies wait on the world's file system until the transfer task uploads them. */
export const PRE_UPDATE_FOLDER = '.pre-update';
/** Beside each world's files: the build the world last ran on (travels with the world in snapshots). */
export const WORLD_BUILD_SUFFIX = '.valheim-build';

/** Sets vod_branch and vod_hold from GAME_BRANCH ("<branch>" or "<branch> hold <build>"). */
const READ_SETTING = [
  `vod_branch=\${GAME_BRANCH:-}; vod_branch=\${vod_branch%% *}`,
  `case $vod_branch in '' | *[!a-z0-9_-]*) [ -z "$vod_branch" ] || echo "valheim-ondemand: \\"$vod_branch\\" is not a Steam branch name; using ${PUBLIC_BRANCH}"; vod_branch=${PUBLIC_BRANCH};; esac`,
  `vod_hold=''; case "\${GAME_BRANCH:-}" in *' hold '*) vod_hold=\${GAME_BRANCH##* hold }; vod_hold=\${vod_hold%% *};; esac`,
  "case $vod_hold in *[!0-9]*) vod_hold='';; esac",
];

/**
 * PRE_UPDATE_CHECK_HOOK: selects the branch (appends `-beta <branch>`, with the test branch's password, to
 * STEAMCMD_ARGS unless a -beta is there already) and, when the setting holds a build and the install cache
 * restored exactly that build, replaces the updater's `download_valheim` for this run with one that skips
 * steamcmd: a rolled-back server stays where it was put. A hold the cache cannot serve updates as usual (and
 * says so): starting is worth more than holding.
 */
export function gameBranchHook(paths: HookPaths = {}): string {
  const restoredBuild = restoredBuildOf(paths.installRoot ?? INSTALL_PATH);
  return [
    ...READ_SETTING,
    `case " \${STEAMCMD_ARGS:-} " in`,
    "  *' -beta '*) ;;",
    `  *) case $vod_branch in`,
    `    ${PUBLIC_BRANCH}) ;;`,
    `    ${PUBLIC_TEST_BRANCH}) STEAMCMD_ARGS="\${STEAMCMD_ARGS:+$STEAMCMD_ARGS }-beta ${PUBLIC_TEST_BRANCH} -betapassword ${PUBLIC_TEST_PASSWORD}";;`,
    `    *) STEAMCMD_ARGS="\${STEAMCMD_ARGS:+$STEAMCMD_ARGS }-beta $vod_branch";;`,
    '  esac;;',
    'esac',
    `echo "valheim-ondemand: game branch $vod_branch, steamcmd arguments: \${STEAMCMD_ARGS:-(none)}" | sed 's/-betapassword [^ ]*/-betapassword ***/'`,
    'if [ -n "$vod_hold" ]; then',
    `  vod_restored=$(cat '${restoredBuild}' 2>/dev/null)`,
    '  if [ "$vod_restored" = "$vod_hold" ]; then',
    '    echo "valheim-ondemand: game held at build $vod_hold (valheim game rollback): steamcmd does not update it";',
    '    download_valheim() { echo "valheim-ondemand: steamcmd skipped: held at build $vod_hold"; return 0; };',
    '  else',
    `    echo "valheim-ondemand: game held at build $vod_hold, but the install cache holds \${vod_restored:-no build}: steamcmd updates as usual";`,
    '  fi',
    'fi',
    'unset vod_restored',
  ].join('\n');
}

/**
 * A step of POST_UPDATE_CHECK_HOOK: once steamcmd is done and before the server loads the world, compares
 * the installed build with the one the world last ran on (`<world>.valheim-build` beside its files; without
 * one, the build the install cache restored) and, when they differ, copies the world's files to
 * `.pre-update/<id>/` on the file system (a snapshot's layout: worlds_local/, worlds/), written under a
 * `.partial` name and renamed when complete. The world-transfer task uploads such copies as snapshots
 * `<id>` (marked pre-update) and removes them. Then it records the new build beside the world.
 *
 * A failed copy is reported and the server starts anyway: the world's last snapshot (the end of its last
 * session) and AWS Backup still hold it as the old build left it, and a start that never comes would be the
 * worse surprise. The world is the active one: the first word after "-world " in WORLD_ARGS, else WORLD_NAME.
 */
export function preUpdateCopyHook(paths: HookPaths = {}): string {
  const configRoot = paths.configRoot ?? '/config';
  const installRoot = paths.installRoot ?? INSTALL_PATH;
  const live = `${configRoot}/worlds_local`;
  const legacy = `${configRoot}/worlds`;
  return [
    ...READ_SETTING,
    `vod_build=$(grep -m 1 '"buildid"' '${manifestOf(installRoot)}' 2>/dev/null); vod_build=\${vod_build%\\"}; vod_build=\${vod_build##*\\"}`,
    "case $vod_build in '' | *[!0-9]*) vod_build='';; esac",
    `vod_restored=$(cat '${restoredBuildOf(installRoot)}' 2>/dev/null)`,
    `vod_world=\${WORLD_NAME:-}`,
    `case "\${WORLD_ARGS:-}" in "-world "?*) vod_world=\${WORLD_ARGS#-world }; vod_world=\${vod_world%% *};; esac`,
    "case $vod_world in '' | *[!A-Za-z0-9_-]*) vod_world='';; esac",
    `vod_marker=${live}/$vod_world${WORLD_BUILD_SUFFIX}`,
    'vod_last=$(cat "$vod_marker" 2>/dev/null)',
    "case $vod_last in *[!0-9]*) vod_last='';; esac",
    `echo "valheim-ondemand: game build \${vod_build:-unknown} on branch $vod_branch (cached \${vod_restored:-none}; world \${vod_world:-unknown} last ran on \${vod_last:-unknown})"`,
    "vod_from=''",
    'if [ -n "$vod_build" ] && [ -n "$vod_world" ]; then',
    '  if [ -n "$vod_last" ]; then [ "$vod_last" = "$vod_build" ] || vod_from=$vod_last;',
    '  elif [ -n "$vod_restored" ] && [ "$vod_restored" != "$vod_build" ]; then vod_from=$vod_restored; fi',
    'fi',
    'vod_files=""',
    'if [ -n "$vod_from" ]; then',
    `  for vod_entry in '${live}'/"$vod_world" '${live}'/"$vod_world".* '${legacy}'/"$vod_world".*; do`,
    '    if [ -e "$vod_entry" ]; then vod_files=yes; fi',
    '  done',
    'fi',
    'if [ -n "$vod_files" ]; then',
    '  vod_id=$(date -u +%Y%m%dT%H%M%SZ)-pre-update',
    `  vod_copy='${configRoot}/${PRE_UPDATE_FOLDER}'/$vod_id`,
    '  vod_started=$(date +%s)',
    '  vod_error=$( {',
    `    rm -rf '${configRoot}/${PRE_UPDATE_FOLDER}'/*.partial && mkdir -p "$vod_copy.partial/worlds_local" "$vod_copy.partial/worlds" &&`,
    `    for vod_entry in '${live}'/"$vod_world" '${live}'/"$vod_world".*; do`,
    '      if [ -e "$vod_entry" ]; then cp -pR "$vod_entry" "$vod_copy.partial/worlds_local/" || exit 1; fi;',
    '    done &&',
    `    for vod_entry in '${legacy}'/"$vod_world".*; do`,
    '      if [ -e "$vod_entry" ]; then cp -pR "$vod_entry" "$vod_copy.partial/worlds/" || exit 1; fi;',
    '    done &&',
    '    mv "$vod_copy.partial" "$vod_copy";',
    '  } 2>&1 )',
    '  if [ -d "$vod_copy" ] && [ ! -e "$vod_copy.partial" ]; then',
    '    echo "valheim-ondemand: pre-update copy $vod_id of world $vod_world made in $(( $(date +%s) - vod_started )) s (build $vod_from -> $vod_build)"',
    '  else',
    '    rm -rf "$vod_copy.partial"',
    '    echo "valheim-ondemand: pre-update copy of world $vod_world failed (build $vod_from -> $vod_build): $(printf %s "$vod_error" | head -c 300 | tr "\\n" " ")"',
    '  fi',
    'fi',
    'if [ -n "$vod_build" ] && [ -n "$vod_world" ]; then',
    `  mkdir -p '${live}' && printf '%s\\n' "$vod_build" > "$vod_marker" || echo "valheim-ondemand: could not record build $vod_build for world $vod_world"`,
    'fi',
    'unset vod_branch vod_hold vod_build vod_restored vod_world vod_marker vod_last vod_from vod_files vod_entry vod_id vod_copy vod_started vod_error',
  ].join('\n');
}
