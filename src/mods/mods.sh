#!/bin/sh
# shellcheck shell=sh
#
# mods.sh: installs exactly the locked mods (valheim.mods.lock.json) at every start of a modded server, from
# the world bucket, never from Thunderstore. Two steps share the install volume (/opt/valheim):
#
#   fetch    (AWS CLI image, a container the game waits for)  looks up the active world's install plan in
#            MODS_PLANS, copies the plan and every zip it names from s3://$BUCKET/mods/ and checks each against
#            its SHA-256. It writes itself to $STATE/mods.sh for the next step.
#   install  (game image, in place of the image's bepinex-updater, which would pull the latest BepInExPack)
#            runs after steamcmd has updated the server: checks every zip's SHA-256 again and builds
#            /opt/valheim/bepinex, where the image runs a BepInEx server from, anew: the vanilla server
#            (hard links: no 2 GB copy), the locked BepInExPack, each mod's plugins and patchers in a folder of
#            its own, BepInEx/config on /config/bepinex (the mods' own files persist there), default configs
#            where none exist, then the repo's mods/config files over them.
#
# Rule: never a silent vanilla start. A missing plan or zip, a hash that does not match, a zip that does not
# unpack: the step logs "mods: refusing to start: <why>" (the bot announces it in Discord and stops the
# task) and install exits 1, so the image never starts the game. A world whose list is empty runs vanilla.
#
# Environment:
#   MODE            fetch | install (the default: the image runs it as bepinex-updater, without a MODE)
#   BUCKET          the world bucket (fetch)
#   MODS_PLANS      "<world>=<plan sha256>|vanilla ..." with "*" for every other world (fetch)
#   WORLD_NAME      the world that starts (fetch)
#   INSTALL_ROOT    the install volume (default /opt/valheim; tests use a temp dir)
#   MODS_CONFIG_DIR BepInEx/config's home on EFS (default /config/bepinex, where the image keeps it)
#   MODS_RECORD_DIR where each plan's last game build is kept (default /config/.valheim-ondemand/mods)
#
# Files below $INSTALL_ROOT/.mods/: mods.sh (this script), plan, zips/<sha256>.zip, unpacked/, and
# "vanilla" (this world runs without mods) or "failed" (why the fetch refused).

set -u
export AWS_PAGER=''

ROOT=${INSTALL_ROOT:-/opt/valheim}
STATE=$ROOT/.mods
CONFIG_DIR=${MODS_CONFIG_DIR:-/config/bepinex}
RECORD_DIR=${MODS_RECORD_DIR:-/config/.valheim-ondemand/mods}
SERVER=$ROOT/server
TREE=$ROOT/bepinex
MANIFEST=$ROOT/dl/server/steamapps/appmanifest_896660.acf

# The lines below are read by the log processor (src/players/mod-lines.ts): keep their wording in step.
log() {
  printf 'mods: %s\n' "$*"
}

now() {
  date +%s
}

sha256_of() {
  sha256sum "$1" 2>/dev/null | cut -d ' ' -f 1
}

megabytes() {
  _bytes=$(du -sk "$1" 2>/dev/null | cut -f 1) || _bytes=0
  echo $((${_bytes:-0} / 1024))
}

# fetch: say why, leave the reason for install, and let the task go on (install refuses the start).
refuse_fetch() {
  log "refusing to start: $*"
  printf '%s\n' "$*" > "$STATE/failed"
  exit 0
}

# install: say why and fail, so the image does not start the game.
refuse_install() {
  log "refusing to start: $*"
  exit 1
}

plan_for() {
  _world=$1
  _default=''
  for _entry in ${MODS_PLANS:-}; do
    case $_entry in
      "$_world="*) printf '%s\n' "${_entry#*=}"; return 0 ;;
      "*="*) _default=${_entry#*=} ;;
    esac
  done
  printf '%s\n' "$_default"
}

# Plan lines: "<kind> <sha256> <name>"; comments start with #.
plan_lines() {
  grep -v '^#' "$1" | grep -v '^[[:space:]]*$'
}

s3_get() {
  aws s3 cp "s3://$BUCKET/$1" "$2" --only-show-errors --no-progress 2>&1
}

fetch() {
  [ -n "${BUCKET:-}" ] || refuse_fetch "BUCKET is not set, so the mods cannot be fetched"
  mkdir -p "$STATE" || { log "refusing to start: cannot write to $STATE"; exit 0; }
  rm -rf "$STATE/zips" "$STATE/unpacked" "$STATE/plan" "$STATE/plan.partial" "$STATE/failed" "$STATE/vanilla"
  mkdir -p "$STATE/zips"
  _world=${WORLD_NAME:-}
  _plan=$(plan_for "$_world")
  if [ "$_plan" = vanilla ]; then
    : > "$STATE/vanilla"
    log "world ${_world:-?} runs without mods"
    exit 0
  fi
  [ -n "$_plan" ] || refuse_fetch "MODS_PLANS names no install plan for world ${_world:-?}"
  _started=$(now)
  if ! _error=$(s3_get "mods/plans/$_plan.txt" "$STATE/plan.partial"); then
    refuse_fetch "the install plan $_plan is not in s3://$BUCKET/mods/plans ($(printf '%s' "$_error" | head -c 200)); run npx valheim deploy"
  fi
  [ "$(sha256_of "$STATE/plan.partial")" = "$_plan" ] || refuse_fetch "the install plan in the bucket does not match its SHA-256 $_plan"
  _count=0
  plan_lines "$STATE/plan.partial" > "$STATE/plan.lines"
  while read -r _kind _hash _id; do
    case $_kind in
      config) _key=mods/config/$_hash.zip ;;
      *) _key=mods/packages/$_hash.zip ;;
    esac
    _zip=$STATE/zips/$_hash.zip
    if ! _error=$(s3_get "$_key" "$_zip"); then
      refuse_fetch "$_id is missing from s3://$BUCKET/$_key ($(printf '%s' "$_error" | head -c 200)); run npx valheim deploy"
    fi
    _actual=$(sha256_of "$_zip")
    [ "$_actual" = "$_hash" ] || refuse_fetch "$_id: the zip in the bucket has SHA-256 $_actual, the lockfile says $_hash"
    _count=$((_count + 1))
  done < "$STATE/plan.lines"
  rm -f "$STATE/plan.lines"
  mv "$STATE/plan.partial" "$STATE/plan"
  log "fetched $_count zips ($(megabytes "$STATE/zips") MB) for world ${_world:-?} in $(($(now) - _started)) s"
}

# Copies the files below $1 into $2 that $2 does not have yet (a package's default configs).
copy_missing() {
  [ -d "$1" ] || return 0
  (cd "$1" && find . -type f) | while read -r _file; do
    _file=${_file#./}
    [ -e "$2/$_file" ] && continue
    mkdir -p "$(dirname "$2/$_file")" && cp "$1/$_file" "$2/$_file"
  done
}

# Copies a folder's contents over another; files already there are replaced, never written through (the
# vanilla files are hard links into the install steamcmd keeps).
overlay() {
  mkdir -p "$2" && cp -R --remove-destination "$1/." "$2/"
}

# Lays out one mod's unpacked zip as r2modman does: plugins/ and patchers/ in a folder of the mod's own,
# config/ as defaults, core/ into BepInEx/core, everything else (loose DLLs, manifest, readme) with its plugins.
install_mod() {
  _from=$1
  _name=$2
  # Some zips wrap everything in BepInEx/.
  if [ -d "$_from/BepInEx" ] && [ ! -d "$_from/plugins" ]; then _from=$_from/BepInEx; fi
  for _entry in "$_from"/* "$_from"/.[!.]*; do
    [ -e "$_entry" ] || continue
    _base=$(basename "$_entry")
    case $_base in
      plugins) overlay "$_entry" "$TREE.incoming/BepInEx/plugins/$_name" ;;
      patchers) overlay "$_entry" "$TREE.incoming/BepInEx/patchers/$_name" ;;
      core) overlay "$_entry" "$TREE.incoming/BepInEx/core" ;;
      config) copy_missing "$_entry" "$CONFIG_DIR" ;;
      *)
        mkdir -p "$TREE.incoming/BepInEx/plugins/$_name"
        cp -R "$_entry" "$TREE.incoming/BepInEx/plugins/$_name/"
        ;;
    esac || return 1
  done
}

install_mods() {
  _started=$(now)
  [ -f "$STATE/failed" ] && refuse_install "$(cat "$STATE/failed")"
  [ -f "$STATE/plan" ] || refuse_install "no install plan was fetched (the mods-fetch step did not finish; see its log)"
  [ -f "$SERVER/valheim_server.x86_64" ] || refuse_install "the server is not installed in $SERVER"
  _plan=$(sha256_of "$STATE/plan")
  rm -rf "$STATE/unpacked" "$TREE.incoming"
  mkdir -p "$STATE/unpacked"
  plan_lines "$STATE/plan" > "$STATE/plan.lines"
  _mods=0
  _pack=''
  while read -r _kind _hash _id; do
    _zip=$STATE/zips/$_hash.zip
    [ -f "$_zip" ] || refuse_install "$_id: its zip was not fetched"
    _actual=$(sha256_of "$_zip")
    [ "$_actual" = "$_hash" ] || refuse_install "$_id: the zip has SHA-256 $_actual, the lockfile says $_hash"
    unzip -q -o "$_zip" -d "$STATE/unpacked/$_hash" > /dev/null 2>&1 || refuse_install "$_id: its zip does not unpack"
    case $_kind in
      bepinex) _pack=$_id ;;
      mod) _mods=$((_mods + 1)) ;;
    esac
  done < "$STATE/plan.lines"
  [ -n "$_pack" ] || refuse_install "the install plan has no BepInExPack"

  # The vanilla server, as hard links (a copy where the volume cannot link).
  cp -al "$SERVER" "$TREE.incoming" 2>/dev/null || { rm -rf "$TREE.incoming"; cp -a "$SERVER" "$TREE.incoming"; } ||
    refuse_install "cannot copy the server to $TREE.incoming"
  mkdir -p "$CONFIG_DIR" || refuse_install "cannot write to $CONFIG_DIR"
  while read -r _kind _hash _id; do
    _from=$STATE/unpacked/$_hash
    case $_kind in
      bepinex)
        # BepInExPack_Valheim wraps its files in a folder of that name.
        [ -d "$_from/BepInExPack_Valheim" ] && _from=$_from/BepInExPack_Valheim
        overlay "$_from" "$TREE.incoming" || refuse_install "$_id: cannot be laid out"
        copy_missing "$TREE.incoming/BepInEx/config" "$CONFIG_DIR"
        rm -rf "$TREE.incoming/BepInEx/config"
        ln -s "$CONFIG_DIR" "$TREE.incoming/BepInEx/config" || refuse_install "cannot link BepInEx/config to $CONFIG_DIR"
        ;;
      mod)
        _name=${_id%-*}
        install_mod "$_from" "$_name" || refuse_install "$_id: cannot be laid out"
        ;;
    esac
  done < "$STATE/plan.lines"
  # The repo's configs last: they win over defaults and over what a mod wrote there before.
  while read -r _kind _hash _id; do
    [ "$_kind" = config ] || continue
    overlay "$STATE/unpacked/$_hash" "$CONFIG_DIR" || refuse_install "the repo's mod configs cannot be copied to $CONFIG_DIR"
  done < "$STATE/plan.lines"
  rm -f "$STATE/plan.lines"
  [ -f "$TREE.incoming/BepInEx/core/BepInEx.Preloader.dll" ] ||
    refuse_install "$_pack has no BepInEx/core/BepInEx.Preloader.dll: the server could not load any mod"
  [ -f "$TREE.incoming/doorstop_libs/libdoorstop_x64.so" ] ||
    refuse_install "$_pack has no doorstop_libs/libdoorstop_x64.so, which the image preloads: the server could not load any mod"

  # Only now replace the tree the image runs.
  rm -rf "$TREE.old"
  if [ -e "$TREE" ]; then mv "$TREE" "$TREE.old" || refuse_install "cannot move the old $TREE aside"; fi
  mv "$TREE.incoming" "$TREE" || refuse_install "cannot move the new tree to $TREE"
  rm -rf "$TREE.old" "$STATE/unpacked"
  log "installed $_mods mods (BepInExPack ${_pack##*-}, plan $(printf '%.12s' "$_plan")) in $(($(now) - _started)) s"
  note_game_build "$_plan"
  exit 0
}

# A Valheim update the mods may not have caught up with: the build this plan last ran on differs.
note_game_build() {
  _line=$(grep -m 1 '"buildid"' "$MANIFEST" 2>/dev/null) || return 0
  _build=${_line%\"}
  _build=${_build##*\"}
  [ -n "$_build" ] || return 0
  _record=$RECORD_DIR/$1.build
  _last=$(cat "$_record" 2>/dev/null) || _last=''
  if [ -n "$_last" ] && [ "$_last" != "$_build" ]; then
    log "Valheim changed from build $_last to build $_build since these mods last ran"
  fi
  mkdir -p "$RECORD_DIR" 2>/dev/null && printf '%s\n' "$_build" > "$_record" 2>/dev/null
  return 0
}

case ${MODE:-install} in
  fetch) fetch ;;
  install) install_mods ;;
  *) log "unknown MODE '${MODE:-}' (fetch or install)"; exit 1 ;;
esac
exit 0
