#!/bin/sh
# shellcheck shell=sh
#
# world-transfer.sh: moves Valheim worlds between the world file system (mounted at /config) and the
# world bucket. It runs as the only command of the one-off transfer task (image aws-cli v2), so it needs
# nothing but POSIX sh, coreutils and the AWS CLI: no tar, unzip, python, jq, find, sed or awk.
#
# Rule: nothing may lose a world. A restore snapshots the current world first (and stops if that fails),
# downloads into worlds_local.incoming, checks it, and only then swaps directories. Until the swap the
# live world is untouched; an interrupted run is repaired by the next one (and by the game task's start,
# see src/worlds/swap-repair.ts). Snapshots and restores hold a lock on the file system itself
# (.world-transfer.lock, an atomic mkdir), so two of them never run at once, whoever started them.
#
# Environment:
#   MODE           snapshot | restore | delete | list-backups | fetch-backup
#   BUCKET         the world bucket
#   SNAPSHOT_ID    snapshot: id of the new snapshot; restore, delete: id of the snapshot of the current worlds
#                  taken first; list-backups: id of the listing. Form 20261123T190500Z-<reason>.
#   WORLD_NAME     snapshot: the world it is taken for (the manifest names it); restore, delete: the one world
#                  replaced or removed: every other world on the file system is left exactly as it is
#   SOURCE_PREFIX  restore: snapshots/<id> or imports/<id>, holding worlds_local/ and manifest.json
#   BACKUP_NAME    fetch-backup: a zip in /config/backups (with or without .zip)
#   GAME_CLUSTER, GAME_SERVICE  restore, delete: refuse to touch a world while this ECS service has a task
#   CONFIG_ROOT    where the world file system is mounted (default /config; tests use a temp dir)
#   LOCK_HEARTBEAT_SECONDS  how often the lock holder shows it is alive (default 30)
#   LOCK_STALE_SECONDS      a lock whose holder was silent this long was left by a killed task (default 300)
#
# S3 layout: snapshots/<id>/worlds_local/..., snapshots/<id>/worlds/... (legacy folder, when present),
# snapshots/<id>/manifest.json (written last: a snapshot without it is incomplete), listings/<id>.txt,
# image-backups/<name>.zip.
#
# Exit codes: 0 done, 1 failed (AWS or file error), 2 bad input, 3 world or backup not found,
# 4 game server running, 5 source incomplete, 6 another snapshot or restore is running.

set -u
export AWS_PAGER=''

ROOT=${CONFIG_ROOT:-/config}
LIVE=$ROOT/worlds_local
LEGACY=$ROOT/worlds
INCOMING=$ROOT/worlds_local.incoming
LOCK=$ROOT/.world-transfer.lock
HEARTBEAT_SECONDS=${LOCK_HEARTBEAT_SECONDS:-30}
STALE_SECONDS=${LOCK_STALE_SECONDS:-300}

# State for cleanup() (runs on every exit, also after SIGTERM from ECS).
CLEAN_INCOMING=no
SWAPPING=no
PREVIOUS=''
HOLDING_LOCK=no
HEARTBEAT_PID=''

log() {
  printf 'world-transfer: %s\n' "$*"
}

die() {
  _code=$1
  shift
  printf 'world-transfer: error: %s\n' "$*" >&2
  exit "$_code"
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [ "$SWAPPING" = yes ] && [ ! -e "$LIVE" ] && [ -n "$PREVIOUS" ] && [ -d "$PREVIOUS" ]; then
    mv "$PREVIOUS" "$LIVE" && log "put the previous world back in place"
  fi
  if [ "$CLEAN_INCOMING" = yes ] && [ -e "$INCOMING" ]; then
    rm -rf "$INCOMING" && log "removed the incomplete download"
  fi
  if [ -n "$HEARTBEAT_PID" ]; then kill "$HEARTBEAT_PID" 2>/dev/null; fi
  if [ "$HOLDING_LOCK" = yes ]; then rm -rf "$LOCK"; fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# --- checks -------------------------------------------------------------------------------------------

valid_id() {
  case $1 in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z-?*) ;;
    *) return 1 ;;
  esac
  case ${1#*-} in
    *[!a-z0-9-]*) return 1 ;;
  esac
  return 0
}

require_id() {
  valid_id "${SNAPSHOT_ID:-}" ||
    die 2 "SNAPSHOT_ID must look like 20261123T190500Z-manual, not \"${SNAPSHOT_ID:-}\""
}

require_world_name() {
  case ${WORLD_NAME:-} in
    '' | *[!A-Za-z0-9_-]*) die 2 "WORLD_NAME must be 1 or more letters, digits, \"_\" or \"-\", not \"${WORLD_NAME:-}\"" ;;
  esac
}

require_bucket() {
  case ${BUCKET:-} in
    '' | */* | *[!a-z0-9.-]*) die 2 "BUCKET must be an S3 bucket name, not \"${BUCKET:-}\"" ;;
  esac
}

# Refuses (exit 4) while the game service has a task or wants one: two writers would corrupt the world.
game_must_be_stopped() {
  [ -n "${GAME_CLUSTER:-}" ] && [ -n "${GAME_SERVICE:-}" ] || return 0
  _counts=$(aws ecs describe-services --cluster "$GAME_CLUSTER" --services "$GAME_SERVICE" \
    --query 'services[0].[desiredCount,runningCount,pendingCount]' --output text) ||
    die 1 "could not check whether the game server ($GAME_SERVICE) is stopped"
  read -r _desired _running _pending <<EOF
$_counts
EOF
  case "${_desired:-x}${_running:-x}${_pending:-x}" in
    *[!0-9]*) die 1 "could not read the state of the game service $GAME_SERVICE (got \"$_counts\")" ;;
  esac
  if [ "$_desired" -ne 0 ] || [ "$_running" -ne 0 ] || [ "$_pending" -ne 0 ]; then
    die 4 "the game server is running (desired $_desired, running $_running, pending $_pending); stop it first"
  fi
}

# Seconds since the lock's holder last wrote its heartbeat (a large number when unreadable).
lock_silence() {
  _beat=$(cat "$1/heartbeat" 2>/dev/null) || _beat=0
  case $_beat in '' | *[!0-9]*) _beat=0 ;; esac
  echo $(($(date +%s) - _beat))
}

# Takes the lock or exits 6. mkdir is atomic, on EFS too: of two transfers starting at once, one gets it.
# A lock whose holder stopped writing its heartbeat was left by a task that was killed (SIGKILL, a lost
# host): it is taken over, one contender at a time (the takeover itself is guarded by a second mkdir).
take_lock() {
  if ! mkdir "$LOCK" 2>/dev/null; then
    # A heartbeat is written right after mkdir: give a new holder that moment before judging it silent.
    if [ "$(lock_silence "$LOCK")" -lt "$STALE_SECONDS" ] || ! mkdir "$LOCK.takeover" 2>/dev/null; then
      die 6 "another world snapshot or restore is running ($(cat "$LOCK/owner" 2>/dev/null || echo 'just started')); try again when it has finished"
    fi
    if [ "$(lock_silence "$LOCK")" -lt "$STALE_SECONDS" ] || ! rm -rf "$LOCK" || ! mkdir "$LOCK" 2>/dev/null; then
      rmdir "$LOCK.takeover"
      die 6 "another world snapshot or restore is running; try again when it has finished"
    fi
    rmdir "$LOCK.takeover"
    log "took over the lock of a transfer that stopped without releasing it"
  fi
  HOLDING_LOCK=yes
  date +%s >"$LOCK/heartbeat" || die 1 "could not write $LOCK/heartbeat"
  printf '%s %s since %s\n' "$MODE" "${SNAPSHOT_ID:-}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$LOCK/owner"
  # Quiet and detached from stdout: an orphaned sleep must not hold the task's log stream open.
  (while sleep "$HEARTBEAT_SECONDS"; do date +%s >"$LOCK/heartbeat" || exit 0; done) </dev/null >/dev/null 2>&1 &
  HEARTBEAT_PID=$!
}

# --- files --------------------------------------------------------------------------------------------

# True when $1 is a directory with at least one entry.
has_entries() {
  [ -d "$1" ] || return 1
  for _e in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    if [ -e "$_e" ] || [ -L "$_e" ]; then return 0; fi
  done
  return 1
}

# Adds the number and total size of the regular files below $1 to FILES and BYTES (symbolic links are
# followed, as aws s3 sync does).
count_tree() {
  for _entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    if [ -d "$_entry" ]; then
      count_tree "$_entry" || return 1
    elif [ -f "$_entry" ]; then
      _size=$(wc -c <"$_entry") || return 1
      FILES=$((FILES + 1))
      BYTES=$((BYTES + _size))
    fi
  done
  return 0
}

# Sets FILES and BYTES from the objects below s3://BUCKET/$1 (a prefix ending in "/").
count_remote() {
  FILES=0
  BYTES=0
  _listing=$(aws s3 ls "s3://$BUCKET/$1" --recursive) || return 1
  while read -r _day _time _size _key; do
    case $_key in '' | */) continue ;; esac
    case $_size in '' | *[!0-9]*) return 1 ;; esac
    FILES=$((FILES + 1))
    BYTES=$((BYTES + _size))
  done <<EOF
$_listing
EOF
  return 0
}

# Prints folder, legacy, both or none: how WORLD_NAME is stored in the given worlds directories.
world_format() {
  _legacy=no
  _folder=no
  for _dir in "$@"; do
    if [ -s "$_dir/$WORLD_NAME.fwl" ] && [ -s "$_dir/$WORLD_NAME.db" ]; then _legacy=yes; fi
    if has_entries "$_dir/$WORLD_NAME"; then _folder=yes; fi
  done
  case $_legacy$_folder in
    yesyes) echo both ;;
    yesno) echo legacy ;;
    noyes) echo folder ;;
    *) echo none ;;
  esac
}

# Sets WORLD_NAMES to the names of the worlds in the given directories, space-separated (" A B "): world
# folders with entries and .fwl files. Names outside [A-Za-z0-9_-] are left out (Valheim's own names never
# need escaping).
collect_world_names() {
  WORLD_NAMES=' '
  for _dir in "$@"; do
    for _e in "$_dir"/*; do
      _n=${_e##*/}
      if [ -d "$_e" ]; then
        has_entries "$_e" || continue
      else
        case $_n in *.fwl) _n=${_n%.fwl} ;; *) continue ;; esac
      fi
      case $_n in '' | *[!A-Za-z0-9_-]*) continue ;; esac
      case $WORLD_NAMES in *" $_n "*) continue ;; esac
      WORLD_NAMES="$WORLD_NAMES$_n "
    done
  done
}

# Prints the names of the worlds in the given directories as JSON strings separated by ", ".
world_names_json() {
  collect_world_names "$@"
  _json=''
  for _n in $WORLD_NAMES; do
    _json="$_json${_json:+, }\"$_n\""
  done
  printf '%s' "$_json"
}

# Prints the size in bytes of each world in the given directories as JSON members ("Name": 123) separated
# by ", ": its folder and its .fwl/.db files (with Valheim's .old copies), the same names world_names_json
# lists. Per world, so `valheim world list` can say what each one costs to keep.
world_sizes_json() {
  collect_world_names "$@"
  _json=''
  for _n in $WORLD_NAMES; do
    FILES=0
    BYTES=0
    for _dir in "$@"; do
      if [ -d "$_dir/$_n" ]; then count_tree "$_dir/$_n" || return 1; fi
      for _suffix in fwl db fwl.old db.old; do
        if [ -f "$_dir/$_n.$_suffix" ]; then
          _size=$(wc -c <"$_dir/$_n.$_suffix") || return 1
          BYTES=$((BYTES + _size))
        fi
      done
    done
    _json="$_json${_json:+, }\"$_n\": $BYTES"
  done
  printf '%s' "$_json"
}

# After a restore that died between its two renames, worlds_local is missing and the previous world waits
# in worlds_local.previous-<time>: put the newest one back before anything else.
recover_interrupted_swap() {
  if [ -e "$LIVE" ] || [ -L "$LIVE" ]; then return 0; fi
  _newest=''
  for _p in "$ROOT"/worlds_local.previous-*; do
    if [ -d "$_p" ]; then _newest=$_p; fi
  done
  [ -n "$_newest" ] || return 0
  log "worlds_local is missing after an interrupted restore: putting ${_newest##*/} back"
  mv "$_newest" "$LIVE" || die 1 "could not move ${_newest##*/} back to worlds_local"
}

# --- modes --------------------------------------------------------------------------------------------

# Uploads worlds_local (and the legacy worlds folder) to snapshots/$1/, checks that S3 holds every file,
# then writes manifest.json, last. Returns 3 when there is nothing to snapshot; exits on any failure.
snapshot_world() {
  _id=$1
  _dest=snapshots/$_id
  _parts=''
  _total_files=0
  _total_bytes=0
  for _part in worlds_local worlds; do
    FILES=0
    BYTES=0
    count_tree "$ROOT/$_part" || die 1 "could not read $ROOT/$_part"
    if [ "$FILES" -gt 0 ]; then
      _parts="$_parts $_part"
      _total_files=$((_total_files + FILES))
      _total_bytes=$((_total_bytes + BYTES))
    fi
  done
  [ -n "$_parts" ] || return 3

  if aws s3 ls "s3://$BUCKET/$_dest/" --recursive >/dev/null 2>&1; then
    die 2 "snapshot $_id already exists in s3://$BUCKET/$_dest/; use a new id"
  fi
  log "snapshot $_id: $_total_files files, $_total_bytes bytes to s3://$BUCKET/$_dest/"
  for _part in $_parts; do
    FILES=0
    BYTES=0
    count_tree "$ROOT/$_part" || die 1 "could not read $ROOT/$_part"
    _local_files=$FILES
    _local_bytes=$BYTES
    aws s3 sync "$ROOT/$_part" "s3://$BUCKET/$_dest/$_part" --only-show-errors ||
      die 1 "upload of $_part to s3://$BUCKET/$_dest/ failed; the snapshot is incomplete (no manifest)"
    count_remote "$_dest/$_part/" || die 1 "could not list s3://$BUCKET/$_dest/$_part/ after the upload"
    if [ "$FILES" -ne "$_local_files" ] || [ "$BYTES" -ne "$_local_bytes" ]; then
      die 1 "s3://$BUCKET/$_dest/$_part/ holds $FILES files ($BYTES bytes) but $_part has $_local_files ($_local_bytes bytes); was the world saved meanwhile? The snapshot is incomplete (no manifest)"
    fi
  done

  _format=$(world_format "$LIVE" "$LEGACY")
  _created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  _sizes=$(world_sizes_json "$LIVE" "$LEGACY") || die 1 "could not read the sizes of the worlds in $LIVE"
  printf '{\n  "version": 1,\n  "id": "%s",\n  "world": "%s",\n  "created": "%s",\n  "reason": "%s",\n  "format": "%s",\n  "fileCount": %s,\n  "totalBytes": %s,\n  "worlds": [%s],\n  "sizes": {%s}\n}\n' \
    "$_id" "$WORLD_NAME" "$_created" "${_id#*-}" "$_format" "$_total_files" "$_total_bytes" \
    "$(world_names_json "$LIVE" "$LEGACY")" "$_sizes" |
    aws s3 cp - "s3://$BUCKET/$_dest/manifest.json" --content-type application/json --only-show-errors ||
    die 1 "could not write the manifest of snapshot $_id; the snapshot is incomplete"
  log "snapshot $_id is complete (world $WORLD_NAME, format $_format)"
  return 0
}

mode_snapshot() {
  require_id
  require_world_name
  take_lock
  recover_interrupted_swap
  snapshot_world "$SNAPSHOT_ID"
  [ $? -eq 3 ] && die 3 "nothing to snapshot: $LIVE and $LEGACY hold no files"
  log "done: snapshot $SNAPSHOT_ID"
}

# True when the entry name $1 (in a worlds directory) belongs to WORLD_NAME: its folder, or its .fwl/.db
# files and Valheim's copies of them. Names never hold a "." (checked), so "Midgard" never takes "Midgard_2".
belongs_to_world() {
  case $1 in "$WORLD_NAME" | "$WORLD_NAME".*) return 0 ;; esac
  return 1
}

# Makes the incoming folder hold WORLD_NAME from the source and every other world exactly as the live
# worlds_local has it: a restore replaces one world and never touches another, even when the source (a
# snapshot of the whole worlds_local) holds older copies of the others.
keep_only_this_world() {
  for _e in "$INCOMING"/* "$INCOMING"/.[!.]* "$INCOMING"/..?*; do
    if [ ! -e "$_e" ] && [ ! -L "$_e" ]; then continue; fi
    belongs_to_world "${_e##*/}" && continue
    rm -rf "$_e" || return 1
  done
  [ -d "$LIVE" ] || return 0
  for _e in "$LIVE"/* "$LIVE"/.[!.]* "$LIVE"/..?*; do
    if [ ! -e "$_e" ] && [ ! -L "$_e" ]; then continue; fi
    _n=${_e##*/}
    belongs_to_world "$_n" && continue
    log "keeping $_n from the current worlds_local"
    cp -pR "$_e" "$INCOMING/$_n" || return 1
  done
  return 0
}

mode_restore() {
  require_id
  require_world_name
  _source=${SOURCE_PREFIX:-}
  _source=${_source%/}
  case $_source in
    snapshots/?* | imports/?*) ;;
    *) die 2 "SOURCE_PREFIX must be snapshots/<id> or imports/<id>, not \"${SOURCE_PREFIX:-}\"" ;;
  esac
  case $_source in */*/* | *..*) die 2 "SOURCE_PREFIX must be snapshots/<id> or imports/<id>, not \"$_source\"" ;; esac

  game_must_be_stopped
  take_lock
  recover_interrupted_swap
  if [ -e "$INCOMING" ] || [ -L "$INCOMING" ]; then
    log "removing worlds_local.incoming left by an interrupted run"
    rm -rf "$INCOMING" || die 1 "could not remove $INCOMING"
  fi

  # 1. Save the current world. Nothing below runs unless this worked.
  snapshot_world "$SNAPSHOT_ID"
  if [ $? -eq 3 ]; then
    log "no world on the server yet: nothing to snapshot"
  else
    log "the current world is saved as snapshot $SNAPSHOT_ID"
  fi
  # Left by restores whose clean-up was interrupted; each was snapshotted before it was set aside.
  for _p in "$ROOT"/worlds_local.previous-*; do
    [ -d "$_p" ] || continue
    log "removing ${_p##*/} left by an earlier restore"
    rm -rf "$_p" || die 1 "could not remove $_p"
  done

  # 2. Download the source next to the live world and check it.
  aws s3 cp "s3://$BUCKET/$_source/manifest.json" - >/dev/null ||
    die 5 "s3://$BUCKET/$_source/ has no manifest.json: it is incomplete or does not exist; nothing was changed"
  # The source's worlds_local, or its legacy worlds folder when only that holds files (old snapshots).
  _area=worlds_local
  if ! count_remote "$_source/worlds_local/" || [ "$FILES" -eq 0 ]; then
    _area=worlds
    if ! count_remote "$_source/worlds/" || [ "$FILES" -eq 0 ]; then
      die 5 "s3://$BUCKET/$_source/ holds no worlds_local (or it is unreadable); nothing was changed"
    fi
  fi
  _remote_files=$FILES
  _remote_bytes=$BYTES
  CLEAN_INCOMING=yes
  mkdir -p "$INCOMING" || die 1 "could not create $INCOMING"
  log "downloading s3://$BUCKET/$_source/$_area/ ($_remote_files files, $_remote_bytes bytes)"
  aws s3 sync "s3://$BUCKET/$_source/$_area/" "$INCOMING" --delete --only-show-errors ||
    die 1 "the download of $_source failed; the world on the server is unchanged"
  FILES=0
  BYTES=0
  count_tree "$INCOMING" || die 1 "could not read $INCOMING"
  if [ "$FILES" -ne "$_remote_files" ] || [ "$BYTES" -ne "$_remote_bytes" ]; then
    die 5 "downloaded $FILES files ($BYTES bytes) of $_remote_files ($_remote_bytes bytes); nothing was changed"
  fi
  _format=$(world_format "$INCOMING")
  if [ "$_format" = none ]; then
    die 3 "$_source holds no world \"$WORLD_NAME\" ($WORLD_NAME.fwl + $WORLD_NAME.db or a non-empty $WORLD_NAME/ folder; found: $(world_names_json "$INCOMING")); nothing was changed"
  fi
  keep_only_this_world || die 1 "could not copy the other worlds of worlds_local; nothing was changed"

  # 3. Swap. Between the two renames cleanup() puts the previous world back if anything goes wrong.
  game_must_be_stopped
  PREVIOUS=$ROOT/worlds_local.previous-$(date -u +%Y%m%dT%H%M%SZ)
  SWAPPING=yes
  if [ -e "$LIVE" ]; then
    mv "$LIVE" "$PREVIOUS" || die 1 "could not move worlds_local aside; nothing was changed"
  fi
  [ -e "$LIVE" ] && die 1 "worlds_local reappeared during the swap; nothing was changed"
  mv "$INCOMING" "$LIVE" || die 1 "could not move the new world into place; the previous world is put back"
  SWAPPING=finished
  CLEAN_INCOMING=no
  if [ -e "$PREVIOUS" ]; then
    rm -rf "$PREVIOUS" || log "warning: could not remove ${PREVIOUS##*/} (the next restore removes it)"
  fi
  log "done: world $WORLD_NAME ($_format) restored from $_source"
}

# Removes WORLD_NAME (its folder and .fwl/.db files, in worlds_local and the legacy worlds folder) after a
# snapshot of everything, which is the way back. Each entry is renamed aside first (atomic), then removed:
# an interrupted run leaves the world either in place or set aside, never half of it in place.
mode_delete() {
  require_id
  require_world_name
  game_must_be_stopped
  take_lock
  recover_interrupted_swap
  _found=no
  for _dir in "$LIVE" "$LEGACY"; do
    for _e in "$_dir"/*; do
      if [ -e "$_e" ] && belongs_to_world "${_e##*/}"; then _found=yes; fi
    done
  done
  [ "$_found" = yes ] || die 3 "there is no world \"$WORLD_NAME\" on the server (found: $(world_names_json "$LIVE" "$LEGACY"))"

  snapshot_world "$SNAPSHOT_ID" || die 1 "the snapshot before the delete failed; nothing was deleted"
  log "everything is saved as snapshot $SNAPSHOT_ID"
  game_must_be_stopped
  _aside=$ROOT/.deleting-$WORLD_NAME
  rm -rf "$_aside" || die 1 "could not remove $_aside left by an earlier delete"
  mkdir -p "$_aside" || die 1 "could not create $_aside"
  for _dir in "$LIVE" "$LEGACY"; do
    for _e in "$_dir"/*; do
      [ -e "$_e" ] || continue
      belongs_to_world "${_e##*/}" || continue
      mv "$_e" "$_aside/${_dir##*/}-${_e##*/}" || die 1 "could not move ${_e##*/} aside; the rest of the world is in place"
    done
  done
  rm -rf "$_aside" || log "warning: could not remove ${_aside##*/} (the next delete removes it)"
  log "done: world $WORLD_NAME deleted (snapshot $SNAPSHOT_ID holds it)"
}

mode_list_backups() {
  require_id
  _listing=''
  for _zip in "$ROOT"/backups/*.zip; do
    [ -f "$_zip" ] || continue
    _n=${_zip##*/}
    case $_n in *[!A-Za-z0-9._-]*) continue ;; esac
    _stat=$(stat -L -c '%s %Y' "$_zip") || die 1 "could not read $_zip"
    _listing="$_listing$_stat $_n
"
  done
  printf '%s' "$_listing" |
    aws s3 cp - "s3://$BUCKET/listings/$SNAPSHOT_ID.txt" --content-type text/plain --only-show-errors ||
    die 1 "could not write the listing to s3://$BUCKET/listings/$SNAPSHOT_ID.txt"
  log "done: listed the zips in $ROOT/backups to listings/$SNAPSHOT_ID.txt"
}

mode_fetch_backup() {
  _name=${BACKUP_NAME:-}
  _name=${_name%.zip}
  case $_name in
    '' | .* | *[!A-Za-z0-9._-]*) die 2 "BACKUP_NAME must be a file name in backups/, not \"${BACKUP_NAME:-}\"" ;;
  esac
  [ -f "$ROOT/backups/$_name.zip" ] || die 3 "there is no backup $_name.zip in $ROOT/backups"
  aws s3 cp "$ROOT/backups/$_name.zip" "s3://$BUCKET/image-backups/$_name.zip" --only-show-errors ||
    die 1 "could not upload $_name.zip to s3://$BUCKET/image-backups/"
  log "done: copied $_name.zip to image-backups/$_name.zip"
}

# --- main ---------------------------------------------------------------------------------------------

require_bucket
log "mode ${MODE:-} on $ROOT"
case ${MODE:-} in
  snapshot) mode_snapshot ;;
  restore) mode_restore ;;
  delete) mode_delete ;;
  list-backups) mode_list_backups ;;
  fetch-backup) mode_fetch_backup ;;
  *) die 2 "MODE must be snapshot, restore, delete, list-backups or fetch-backup, not \"${MODE:-}\"" ;;
esac
exit 0
