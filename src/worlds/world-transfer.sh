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
# see src/worlds/swap-repair.ts). Snapshots and restores hold the transfer lock, a lease on one item of
# the state table (see "the transfer lock" below for why at most one transfer holds it at any instant), so
# two of them never run at once, whoever started them.
#
# Environment:
#   MODE           snapshot | pre-update | restore | delete | list-backups | fetch-backup
#   BUCKET         the world bucket
#   SNAPSHOT_ID    snapshot: id of the new snapshot; restore, delete: id of the snapshot of the current worlds
#                  taken first; list-backups: id of the listing; pre-update: the copy the caller waits for
#                  (optional). Form 20261123T190500Z-<reason>.
#   WORLD_NAME     snapshot: the world it is taken for (the manifest names it); restore, delete: the one world
#                  replaced or removed: every other world on the file system is left exactly as it is
#   SOURCE_PREFIX  restore: snapshots/<id> or imports/<id>, holding worlds_local/ and manifest.json
#   BACKUP_NAME    fetch-backup: a zip in /config/backups (with or without .zip)
#   GAME_CLUSTER, GAME_SERVICE  restore, delete: refuse to touch a world while this ECS service has a task
#   CONFIG_ROOT    where the world file system is mounted (default /config; tests use a temp dir)
#   LOCK_TABLE     snapshot, restore, delete: the state table, which holds the transfer lock (item LOCK/WORLD_TRANSFER)
#   LOCK_LEASE_SECONDS  how long the lock outlives its holder's last renewal (default 120; "0.5" allowed)
#   LOCK_RENEW_SECONDS  how often the holder renews it (default 20; at most a quarter of the lease)
#   LOCK_TRACE     a file to append the holder's leases to (the lock harness checks that none overlap)
#
# Pre-update copies: the game task copies a world to .pre-update/<id>/ (worlds_local/, worlds/) before a new
# game build loads it (src/game/hooks.ts). Mode pre-update uploads every complete one as snapshot <id> and
# removes it; mode snapshot does the same first, so a copy no task uploaded yet goes with the next snapshot.
#
# S3 layout: snapshots/<id>/worlds_local/..., snapshots/<id>/worlds/... (legacy folder, when present),
# snapshots/<id>/manifest.json (written last: a snapshot without it is incomplete), listings/<id>.txt,
# image-backups/<name>.zip.
#
# Exit codes: 0 done, 1 failed (AWS or file error), 2 bad input, 3 world or backup not found,
# 4 game server running, 5 source incomplete, 6 another snapshot or restore is running, 7 the lock was lost
# (taken over, or it could not be renewed) and the transfer stopped before changing anything more.

set -u
export AWS_PAGER=''

ROOT=${CONFIG_ROOT:-/config}
LIVE=$ROOT/worlds_local
LEGACY=$ROOT/worlds
# Each transfer downloads into a folder of its own (INCOMING gets the lock's owner token once it is held):
# a transfer that lost the lock and cleans up can then never remove another one's download.
INCOMING=$ROOT/worlds_local.incoming
LOCK_KEY='{"pk":{"S":"LOCK"},"sk":{"S":"WORLD_TRANSFER"}}'

# State for cleanup() (runs on every exit, also after SIGTERM from ECS).
CLEAN_INCOMING=no
SWAPPING=no
PREVIOUS=''
HOLDING_LOCK=no
RENEWER_PID=''
LOCK_STATE=''

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
  # Only within the lease: once it may have passed, another transfer may own the folder, and the repair of
  # the next holder (or of the game's start) puts the previous world back instead.
  if [ "$SWAPPING" = yes ] && [ ! -e "$LIVE" ] && [ -n "$PREVIOUS" ] && [ -d "$PREVIOUS" ]; then
    if lease_still_valid; then
      mv -T "$PREVIOUS" "$LIVE" && log "put the previous world back in place"
    else
      log "left ${PREVIOUS##*/} for the next transfer or the game's start to put back (the lock may have passed on)"
    fi
  fi
  # This transfer's own download folder: nobody else writes there.
  if [ "$CLEAN_INCOMING" = yes ] && [ -e "$INCOMING" ]; then
    rm -rf "$INCOMING" && log "removed the incomplete download"
  fi
  if [ -n "$RENEWER_PID" ]; then kill "$RENEWER_PID" 2>/dev/null; fi
  if [ "$HOLDING_LOCK" = yes ]; then release_lock; fi
  if [ -n "$LOCK_STATE" ]; then rm -rf "$LOCK_STATE"; fi
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

# --- the transfer lock --------------------------------------------------------------------------------
#
# One item of the state table, LOCK/WORLD_TRANSFER, with ownerToken (random, new for every holder),
# leaseVersion (new at every renewal), renewedAt (the holder's wall clock: a hint for people and for a quick
# refusal, never used to decide a takeover), leaseSeconds and holder (what runs, for messages). Every write
# is conditional:
#   take       PutItem if no item exists
#   renew      UpdateItem setting a new leaseVersion if ownerToken is mine (every LOCK_RENEW_SECONDS, and
#              by the guard before each step that changes the world)
#   take over  PutItem if leaseVersion is the one I watched unchanged for a whole lease on my own clock
#   release    DeleteItem if ownerToken is mine
#
# Why no two transfers ever act at the same time, whatever their wall clocks say (docs/architecture.md):
# - Durations are measured on each machine's monotonic clock (/proc/uptime) and only ever compared with
#   durations on the same machine. Wall clocks that differ by 10 minutes change nothing below; they only
#   decide whether a contender is refused at once or first watches the lock (both safe).
# - The holder notes S, its monotonic time just before it sent a take or renew that succeeded, and counts
#   on its lease until S + 0.9 x lease. That write took effect after S.
# - A contender that finds the lock held reads its leaseVersion V and notes R, its monotonic time just after
#   that read returned. V was written after S, so R is after S. It takes over only with a write conditional
#   on leaseVersion still being V, sent once a whole lease has passed since R: if the holder renewed
#   meanwhile, V changed and the takeover fails; if not, the takeover takes effect after R + lease, which is
#   after S + 0.9 x lease, when the holder has stopped counting on its lease. The tenth of a lease between
#   the two covers the rates of two monotonic clocks (which differ by far less than 1 %).
# - The holder changes the world (renames, removals, the manifest that makes a snapshot valid) only right
#   after a guard: a renewal that succeeded and left at least half a lease. A holder that was taken over
#   fails that renewal (ownerToken is no longer its own) and stops with exit 7 before the step. A step thus
#   overlaps another holder only if it runs longer than half a lease (60 s by default) after its guard;
#   the guarded steps are renames, removals and one small upload.
# - Process death at any point: a killed holder stops renewing and is taken over one lease after a
#   contender starts watching. A holder whose renewals fail keeps counting on its lease only until
#   0.9 x lease after the last good one; its next guard stops it. Release is conditional on the owner token,
#   so a holder that was taken over never removes the new holder's lock.

# Sets HUNDREDTHS to a number of seconds ("120", "0.5") in hundredths; exits 2 naming $1 on anything else.
hundredths() {
  case $2 in
    '' | *[!0-9.]* | *.*.* | .* | *. | 0[0-9]* | *.???*) die 2 "$1 must be a number of seconds like 120 or 0.5, not \"$2\"" ;;
    *.*) _whole=${2%.*} _frac=${2#*.}00 ;;
    *) _whole=$2 _frac=00 ;;
  esac
  _frac=${_frac%"${_frac#??}"}
  HUNDREDTHS=$((_whole * 100 + 1$_frac - 100))
}

# Sets MONO to this machine's monotonic clock in hundredths of a second: /proc/uptime, which neither NTP nor
# a wrong wall clock moves.
mono() {
  read -r _up _idle </proc/uptime || die 1 "could not read /proc/uptime"
  MONO=${_up%.*}${_up#*.}
  while :; do
    case $MONO in 0?*) MONO=${MONO#0} ;; *) break ;; esac
  done
}

sleep_hundredths() {
  [ "$1" -gt 0 ] || return 0
  sleep "$(($1 / 100)).$(($1 % 100 / 10))$(($1 % 10))"
}

# The wall clock in epoch seconds (0 when it cannot be read: it is only a hint).
wall_seconds() {
  _wall=$(date +%s) || _wall=0
  case $_wall in '' | *[!0-9]*) _wall=0 ;; esac
}

# Runs `aws dynamodb "$@"`; DYNAMO_OUT holds what it printed. Returns 0 when it succeeded, 1 when its
# condition failed, 2 on any other error (network, throttling, permissions).
dynamo() {
  if DYNAMO_OUT=$(aws dynamodb "$@" --output text 2>&1); then return 0; fi
  case $DYNAMO_OUT in *ConditionalCheckFailed*) return 1 ;; esac
  return 2
}

# Writes the lock item as this transfer's: if none exists, or (with $1) if its leaseVersion is still $1.
put_lock() {
  wall_seconds
  _item='{"pk":{"S":"LOCK"},"sk":{"S":"WORLD_TRANSFER"},"ownerToken":{"S":"'$TOKEN'"},"leaseVersion":{"S":"'$TOKEN'-t"},"renewedAt":{"N":"'$_wall'"},"leaseSeconds":{"N":"'$LEASE_SECONDS'"},"holder":{"S":"'$HOLDER'"}}'
  if [ -n "${1:-}" ]; then
    dynamo put-item --table-name "$LOCK_TABLE" --item "$_item" \
      --condition-expression 'leaseVersion = :watched' \
      --expression-attribute-values '{":watched":{"S":"'"$1"'"}}'
  else
    dynamo put-item --table-name "$LOCK_TABLE" --item "$_item" --condition-expression 'attribute_not_exists(pk)'
  fi
}

# Renews the lease if this transfer still owns the lock. $1 makes the new version unique: the renewer and
# the guard renew independently, and a version must never come back.
renew_lock() {
  wall_seconds
  dynamo update-item --table-name "$LOCK_TABLE" --key "$LOCK_KEY" \
    --update-expression 'SET leaseVersion = :version, renewedAt = :now' \
    --condition-expression 'ownerToken = :owner' \
    --expression-attribute-values '{":owner":{"S":"'$TOKEN'"},":version":{"S":"'$TOKEN-$1'"},":now":{"N":"'$_wall'"}}'
}

# Reads the lock (strongly consistent) into SEEN_OWNER, SEEN_VERSION, SEEN_RENEWED, SEEN_HOLDER ("None"
# when there is no lock), and SEEN_AT: the monotonic time right after the answer came.
read_lock() {
  dynamo get-item --table-name "$LOCK_TABLE" --key "$LOCK_KEY" --consistent-read \
    --query '[Item.ownerToken.S, Item.leaseVersion.S, Item.renewedAt.N, Item.holder.S]' || return 1
  mono
  SEEN_AT=$MONO
  read -r SEEN_OWNER SEEN_VERSION SEEN_RENEWED SEEN_HOLDER <<EOT
$DYNAMO_OUT
EOT
  [ -n "${SEEN_OWNER:-}" ] && [ -n "${SEEN_VERSION:-}" ]
}

# The lease this transfer counts on after a take or renewal sent at monotonic time $1.
lease_from() {
  VALID_UNTIL=$(($1 + LEASE_CS - LEASE_CS / 10))
}

# Appends "lease <token> <from> <until>" (hundredths of /proc/uptime) when this transfer starts counting on
# its lease anew, and "release <token> <at>" when it stops, to LOCK_TRACE if set: on one machine these times
# are comparable across processes, so the lock harness can check that no two transfers ever count on the
# lock at the same instant.
trace_lease() {
  [ -n "${LOCK_TRACE:-}" ] || return 0
  mono
  if [ "$1" = lease ]; then
    printf 'lease %s %s %s\n' "$TOKEN" "$MONO" "$VALID_UNTIL" >>"$LOCK_TRACE"
  else
    printf 'release %s %s\n' "$TOKEN" "$MONO" >>"$LOCK_TRACE"
  fi
}

lease_still_valid() {
  [ "$HOLDING_LOCK" = yes ] || return 1
  mono
  [ "$MONO" -lt "$VALID_UNTIL" ]
}

# Watches the version just read for a whole lease, counted from SEEN_AT on this machine's clock. Returns 0
# when it never changed (its holder is gone), 1 when it changed (its holder is alive), 2 when the lock was
# released. A failed read changes nothing: the takeover is conditional on the version anyway.
watch_lock() {
  WATCHED=$SEEN_VERSION
  _from=$SEEN_AT
  while :; do
    mono
    _left=$((_from + LEASE_CS - MONO))
    [ "$_left" -gt 0 ] || return 0
    [ "$_left" -lt "$RENEW_CS" ] || _left=$RENEW_CS
    sleep_hundredths "$_left"
    read_lock || continue
    [ "$SEEN_OWNER" != None ] || return 2
    [ "$SEEN_VERSION" = "$WATCHED" ] || return 1
  done
}

# Renews the lease every LOCK_RENEW_SECONDS while the script runs; quiet and detached from stdout (an
# orphaned sleep must not hold the task's log stream open). It stops when the script is gone or the lock was
# taken over (it then leaves a mark that the next guard reads).
start_renewer() {
  (
    _n=0
    while sleep_hundredths "$RENEW_CS"; do
      kill -0 "$MAIN_PID" 2>/dev/null || exit 0
      _n=$((_n + 1))
      renew_lock "r$_n"
      if [ $? -eq 1 ]; then
        : >"$LOCK_STATE/lost"
        exit 0
      fi
    done
  ) </dev/null >/dev/null 2>&1 &
  RENEWER_PID=$!
}

# Takes the lock or exits 6 (another transfer holds it and is alive).
take_lock() {
  case ${LOCK_TABLE:-} in
    '' | *[!A-Za-z0-9_.-]*) die 2 "LOCK_TABLE must name the state table, which holds the transfer lock, not \"${LOCK_TABLE:-}\"" ;;
  esac
  LEASE_SECONDS=${LOCK_LEASE_SECONDS:-120}
  hundredths LOCK_LEASE_SECONDS "$LEASE_SECONDS"
  LEASE_CS=$HUNDREDTHS
  hundredths LOCK_RENEW_SECONDS "${LOCK_RENEW_SECONDS:-20}"
  RENEW_CS=$HUNDREDTHS
  if [ "$RENEW_CS" -le 0 ] || [ $((RENEW_CS * 4)) -gt "$LEASE_CS" ]; then
    die 2 "LOCK_RENEW_SECONDS must be more than 0 and at most a quarter of LOCK_LEASE_SECONDS ($LEASE_SECONDS)"
  fi
  MAIN_PID=$$
  GUARDS=0
  LOCK_STATE=$(mktemp -d) || die 1 "could not create a temporary folder"
  TOKEN=$(od -An -N8 -tx8 /dev/urandom) || die 1 "could not read /dev/urandom"
  TOKEN=$(printf '%s' $TOKEN)
  HOLDER="$MODE ${SNAPSHOT_ID:-} since $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  _round=0
  while :; do
    _round=$((_round + 1))
    [ "$_round" -le 5 ] || die 6 "the transfer lock kept changing hands; try again when the other snapshot or restore has finished"
    mono
    _sent=$MONO
    put_lock && break
    _put=$?
    _put_error=$DYNAMO_OUT
    if ! read_lock; then
      # Neither the write nor the read got through (a network or throttling error): try again a little later.
      [ "$_round" -lt 5 ] || die 1 "could not take the transfer lock in table $LOCK_TABLE: $_put_error"
      sleep_hundredths "$RENEW_CS"
      continue
    fi
    # Our write went through and only its answer was lost (the CLI's retry then failed the condition).
    [ "$SEEN_OWNER" = "$TOKEN" ] && break
    if [ "$SEEN_OWNER" = None ]; then
      [ "$_put" -eq 1 ] && continue # released meanwhile
      die 1 "could not take the transfer lock in table $LOCK_TABLE: $_put_error"
    fi

    # Held. A lock renewed within the lease by its holder's clock is refused at once; otherwise (an old or
    # future time: a dead holder, or clocks apart) the contender watches it.
    wall_seconds
    _age=-1
    case $SEEN_RENEWED in '' | *[!0-9]*) ;; *) [ "$_wall" -eq 0 ] || _age=$((_wall - SEEN_RENEWED)) ;; esac
    if [ "$_age" -ge 0 ] && [ $((_age * 100)) -lt "$LEASE_CS" ]; then
      die 6 "another world snapshot or restore is running ($SEEN_HOLDER); try again when it has finished"
    fi
    log "the transfer lock is held ($SEEN_HOLDER); watching whether its holder still renews it (up to $LEASE_SECONDS s)"
    watch_lock
    case $? in
      1) die 6 "another world snapshot or restore is running ($SEEN_HOLDER); it still renews its lock. Try again when it has finished" ;;
      2) continue ;;
    esac
    mono
    _sent=$MONO
    if put_lock "$WATCHED" || { read_lock && [ "$SEEN_OWNER" = "$TOKEN" ]; }; then
      log "took over the lock of a transfer that stopped renewing it"
      break
    fi
    die 6 "another world snapshot or restore is running; try again when it has finished"
  done
  lease_from "$_sent"
  trace_lease lease
  HOLDING_LOCK=yes
  INCOMING=$ROOT/worlds_local.incoming-$TOKEN
  start_renewer
}

# Stops the transfer (exit 7) before a step that would change the world once the lock is lost.
lost_lock() {
  VALID_UNTIL=0
  die 7 "stopped before $1: $2; nothing more was changed. Try again when the other snapshot or restore has finished"
}

# Call right before each step that changes the world folders or makes a snapshot valid: renews the lease
# and returns only while this transfer holds the lock with at least half a lease left.
lock_guard() {
  [ "$HOLDING_LOCK" = yes ] || lost_lock "$1" "this transfer does not hold the transfer lock"
  [ ! -e "$LOCK_STATE/lost" ] || lost_lock "$1" "another transfer took the transfer lock over"
  _tries=0
  while :; do
    GUARDS=$((GUARDS + 1))
    mono
    _sent=$MONO
    renew_lock "g$GUARDS"
    case $? in
      0)
        lease_from "$_sent"
        mono
        if [ $((VALID_UNTIL - MONO)) -ge $((LEASE_CS / 2)) ]; then
          trace_lease lease
          return 0
        fi
        DYNAMO_OUT="the renewal took $(((MONO - _sent) / 100)) s"
        ;;
      1) lost_lock "$1" "another transfer took the transfer lock over" ;;
    esac
    _tries=$((_tries + 1))
    [ "$_tries" -lt 3 ] || lost_lock "$1" "the transfer lock could not be renewed in time ($DYNAMO_OUT)"
    sleep_hundredths $((RENEW_CS / 4))
  done
}

# Gives the lock up, if this transfer still owns it.
release_lock() {
  HOLDING_LOCK=no
  trace_lease release
  dynamo delete-item --table-name "$LOCK_TABLE" --key "$LOCK_KEY" \
    --condition-expression 'ownerToken = :owner' \
    --expression-attribute-values '{":owner":{"S":"'$TOKEN'"}}'
  case $? in
    1) log "the transfer lock had been taken over; it stays with its new holder" ;;
    2) log "warning: could not release the transfer lock ($DYNAMO_OUT); it passes on $LEASE_SECONDS s after a contender starts watching it" ;;
  esac
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
  lock_guard "putting ${_newest##*/} back"
  log "worlds_local is missing after an interrupted restore: putting ${_newest##*/} back"
  mv -T "$_newest" "$LIVE" || die 1 "could not move ${_newest##*/} back to worlds_local"
}

# --- modes --------------------------------------------------------------------------------------------

# Uploads worlds_local (and the legacy worlds folder) to snapshots/$1/, checks that S3 holds every file,
# then writes manifest.json, last. Returns 3 when there is nothing to snapshot; exits on any failure. With $2
# "resume", files an interrupted run of the same snapshot uploaded are allowed (its source never changed).
snapshot_world() {
  _id=$1
  _resume=${2:-}
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

  if [ "$_resume" != resume ] && aws s3 ls "s3://$BUCKET/$_dest/" --recursive >/dev/null 2>&1; then
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
  # The manifest makes the snapshot valid: only while no other transfer can have changed the world meanwhile.
  lock_guard "writing the manifest of snapshot $_id"
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

# Uploads the complete pre-update copies in .pre-update/ (the game task's, see the header) as snapshots of
# their ids and removes each once its manifest is written; a copy whose snapshot is already complete is only
# removed. Runs in a subshell: a failure stops the uploads (the copy stays for a later run) and returns 1, not
# the transfer. Needs the lock.
upload_pre_update_copies() (
  _pending=$ROOT/.pre-update
  [ -d "$_pending" ] || exit 0
  for _copy in "$_pending"/*; do
    [ -d "$_copy" ] || continue
    _cid=${_copy##*/}
    case $_cid in *.partial) continue ;; esac
    if ! valid_id "$_cid"; then
      log "skipping .pre-update/$_cid: not a snapshot id"
      continue
    fi
    if ! aws s3 cp "s3://$BUCKET/snapshots/$_cid/manifest.json" - >/dev/null 2>&1; then
      ROOT=$_copy
      LIVE=$ROOT/worlds_local
      LEGACY=$ROOT/worlds
      collect_world_names "$LIVE" "$LEGACY"
      WORLD_NAME=${WORLD_NAMES# }
      WORLD_NAME=${WORLD_NAME%% *}
      [ -n "$WORLD_NAME" ] || WORLD_NAME=unknown
      log "uploading the pre-update copy $_cid of world $WORLD_NAME"
      snapshot_world "$_cid" resume
      [ $? -eq 3 ] && log "the pre-update copy $_cid holds no files"
    fi
    lock_guard "removing the uploaded pre-update copy $_cid"
    rm -rf "$_copy" || log "warning: could not remove .pre-update/$_cid (the next snapshot removes it)"
  done
  exit 0
)

mode_pre_update() {
  take_lock
  upload_pre_update_copies || die 1 "a pre-update copy could not be uploaded; it stays on the file system for the next snapshot"
  if [ -n "${SNAPSHOT_ID:-}" ]; then
    require_id
    aws s3 cp "s3://$BUCKET/snapshots/$SNAPSHOT_ID/manifest.json" - >/dev/null 2>&1 ||
      die 3 "there is no pre-update copy $SNAPSHOT_ID on the file system, and no such snapshot"
  fi
  log "done: pre-update copies uploaded"
}

mode_snapshot() {
  require_id
  require_world_name
  take_lock
  recover_interrupted_swap
  upload_pre_update_copies || log "warning: a pre-update copy could not be uploaded; it stays for the next snapshot"
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
  for _p in "$ROOT"/worlds_local.incoming*; do
    if [ ! -e "$_p" ] && [ ! -L "$_p" ]; then continue; fi
    lock_guard "removing ${_p##*/}"
    log "removing ${_p##*/} left by an interrupted run"
    rm -rf "$_p" || die 1 "could not remove $_p"
  done

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
    lock_guard "removing ${_p##*/}"
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

  # 3. Swap, right after a guard: a transfer that lost the lock stops here with the live world untouched.
  # Between the two renames cleanup() puts the previous world back if anything goes wrong. mv -T renames or
  # fails: it never moves a folder into one that (re)appeared.
  game_must_be_stopped
  PREVIOUS=$ROOT/worlds_local.previous-$(date -u +%Y%m%dT%H%M%SZ)
  lock_guard "the swap"
  SWAPPING=yes
  if [ -e "$LIVE" ]; then
    mv -T "$LIVE" "$PREVIOUS" || die 1 "could not move worlds_local aside; nothing was changed"
  fi
  [ -e "$LIVE" ] && die 1 "worlds_local reappeared during the swap; nothing was changed"
  lease_still_valid || lost_lock "moving the new world into place" "the lease ran out during the swap"
  mv -T "$INCOMING" "$LIVE" || die 1 "could not move the new world into place; the previous world is put back"
  SWAPPING=finished
  CLEAN_INCOMING=no
  if [ -e "$PREVIOUS" ] && lease_still_valid; then
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
  # Right after a guard: a transfer that lost the lock stops here with every world in place.
  lock_guard "the delete of $WORLD_NAME"
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

# The lock harness (test/worlds/lock-contender.sh) sources this file for its functions only.
if [ "${WORLD_TRANSFER_FUNCTIONS_ONLY:-}" = yes ]; then return 0; fi

require_bucket
log "mode ${MODE:-} on $ROOT"
case ${MODE:-} in
  snapshot) mode_snapshot ;;
  pre-update) mode_pre_update ;;
  restore) mode_restore ;;
  delete) mode_delete ;;
  list-backups) mode_list_backups ;;
  fetch-backup) mode_fetch_backup ;;
  *) die 2 "MODE must be snapshot, pre-update, restore, delete, list-backups or fetch-backup, not \"${MODE:-}\"" ;;
esac
exit 0
