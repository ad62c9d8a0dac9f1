#!/bin/sh
# shellcheck shell=sh
#
# install-cache.sh: keeps the Valheim dedicated server install (steamcmd app 896660, ~2 GB) between sessions
# as one gzipped tarball in the world bucket, so a start unpacks it from S3 instead of downloading it from
# Steam. The game task runs it in four small containers that share the install volume (/opt/valheim):
#
#   fetch   (AWS CLI image, before the game)  copies the tarball from S3 to the volume
#   unpack  (game image, before the game)     unpacks it into /opt/valheim/dl/server (where steamcmd installs)
#                                             and hard-links /opt/valheim/server (where the game runs from)
#   pack    (game image, beside the game)     after the image's update check, packs the install when its
#                                             Steam build differs from the one restored (a game update, or
#                                             no cache yet)
#   upload  (AWS CLI image, beside the game)  puts what pack made in S3, replacing the old tarball
#
# Rule: the cache may only ever make a start faster. Every mode exits 0 (also on errors), a missing or
# corrupt tarball leaves the volume empty (the image then downloads the whole server as without a cache),
# and the game's steamcmd still updates the restored install in place before the server starts.
#
# Environment:
#   MODE           fetch | unpack | pack | upload
#   BUCKET         the world bucket (fetch, upload)
#   CACHE_KEY      object key of the public branch's tarball (fetch, upload)
#   GAME_BRANCH    the game's branch setting ("<branch>" or "<branch> hold <build>", src/game/branch.ts): every
#                  other branch has its own tarball, <prefix of CACHE_KEY>/branches/<branch>/<file of CACHE_KEY>
#   INSTALL_ROOT   the install volume (default /opt/valheim; tests use a temp dir)
#   POLL_SECONDS   how often pack/upload look for their signal (default 5)
#   GZIP_LEVEL     pack's compression level (default 1: unpacking is as fast at any level, packing is not)
#
# Files on the volume, below $INSTALL_ROOT/.install-cache/:
#   server.tar.gz         fetched tarball (removed once unpacked)
#   restored-build        Steam build id of the unpacked cache
#   update-checked        touched by the image's POST_UPDATE_CHECK_HOOK when steamcmd and its copy are done
#   out/server.tar.gz, out/build   pack's result; out/build is written last and is upload's signal
#   out/none              pack's "nothing to upload"

set -u
export AWS_PAGER=''

ROOT=${INSTALL_ROOT:-/opt/valheim}
STATE=$ROOT/.install-cache
TARBALL=$STATE/server.tar.gz
OUT=$STATE/out
DOWNLOAD=$ROOT/dl/server
SERVER=$ROOT/server
MANIFEST_NAME=steamapps/appmanifest_896660.acf
BINARY_NAME=valheim_server.x86_64
POLL=${POLL_SECONDS:-5}

log() {
  printf 'install-cache: %s\n' "$*"
}

# The messages below are read by the monitor (src/monitor/start-log.ts) to time the start's phases: keep
# their wording in step with it.
fall_back() {
  log "no usable cache ($*): this start downloads the game from Steam"
  exit 0
}

trap 'exit 0' TERM INT

now() {
  date +%s
}

# Steam build id and state of an install's app manifest (steamcmd's ACF text format).
acf_value() {
  # "buildid"		"12345678"  ->  12345678
  _line=$(grep -m 1 "\"$2\"" "$1" 2>/dev/null) || return 1
  _value=${_line%\"}
  _value=${_value##*\"}
  [ -n "$_value" ] || return 1
  printf '%s\n' "$_value"
}

megabytes() {
  _bytes=$(wc -c < "$1" 2>/dev/null) || _bytes=0
  echo $((_bytes / 1048576))
}

require_target() {
  [ -n "${BUCKET:-}" ] && [ -n "${CACHE_KEY:-}" ] || {
    log "BUCKET and CACHE_KEY must be set; the cache is off for this start"
    exit 0
  }
  BRANCH=${GAME_BRANCH:-public}
  BRANCH=${BRANCH%% *}
  # An unusable name is public, as the game's branch hook makes it (src/game/hooks.ts).
  case $BRANCH in '' | *[!a-z0-9_-]*) BRANCH=public ;; esac
  # One tarball per branch: a start on another branch never unpacks (or overwrites) this one's install.
  [ "$BRANCH" = public ] || CACHE_KEY=${CACHE_KEY%/*}/branches/$BRANCH/${CACHE_KEY##*/}
}

fetch() {
  require_target
  mkdir -p "$STATE" || fall_back "cannot write to $STATE"
  rm -f "$TARBALL" "$TARBALL.partial"
  log "fetching s3://$BUCKET/$CACHE_KEY"
  _started=$(now)
  if ! _error=$(aws s3 cp "s3://$BUCKET/$CACHE_KEY" "$TARBALL.partial" --only-show-errors --no-progress 2>&1); then
    rm -f "$TARBALL.partial"
    case $_error in
      *404* | *NoSuchKey* | *"does not exist"*) fall_back "none in s3://$BUCKET/$CACHE_KEY yet" ;;
      *) fall_back "download failed: $(printf '%s' "$_error" | head -c 300)" ;;
    esac
  fi
  mv "$TARBALL.partial" "$TARBALL" || fall_back "cannot write to $STATE"
  log "fetched $(megabytes "$TARBALL") MB in $(($(now) - _started)) s"
}

unpack() {
  [ -f "$TARBALL" ] || { log "nothing fetched: this start downloads the game from Steam"; exit 0; }
  _started=$(now)
  _incoming=$DOWNLOAD.incoming
  rm -rf "$_incoming" "$SERVER.incoming"
  mkdir -p "$_incoming" || fall_back "cannot write to $ROOT"
  if ! _error=$(tar -xzf "$TARBALL" -C "$_incoming" 2>&1); then
    rm -rf "$_incoming" "$TARBALL"
    fall_back "corrupt tarball: $(printf '%s' "$_error" | head -c 300)"
  fi
  rm -f "$TARBALL"
  if [ ! -f "$_incoming/$BINARY_NAME" ] || ! _build=$(acf_value "$_incoming/$MANIFEST_NAME" buildid); then
    rm -rf "$_incoming"
    fall_back "the tarball holds no complete server install"
  fi
  # Only now replace anything: until here a failure leaves the volume as the image expects it.
  rm -rf "$DOWNLOAD" "$SERVER"
  mkdir -p "$(dirname "$DOWNLOAD")"
  mv "$_incoming" "$DOWNLOAD" || fall_back "cannot move the install into place"
  # The image copies dl/server to server (rsync -a --delete, without steamapps) before every start. Hard
  # links make that copy find nothing to do, instead of writing 2 GB a second time; files steamcmd replaces
  # later get new inodes, which the copy then brings over as usual.
  if cp -al "$DOWNLOAD" "$SERVER.incoming" && rm -rf "$SERVER.incoming/steamapps" &&
    mv "$SERVER.incoming" "$SERVER"; then
    :
  else
    rm -rf "$SERVER.incoming"
    log "could not link the server folder; the image copies it instead"
  fi
  printf '%s\n' "$_build" > "$STATE/restored-build"
  log "restored build $_build in $(($(now) - _started)) s"
}

pack() {
  mkdir -p "$OUT"
  rm -f "$OUT"/*
  while [ ! -e "$STATE/update-checked" ]; do sleep "$POLL"; done
  _manifest=$DOWNLOAD/$MANIFEST_NAME
  _restored=$(cat "$STATE/restored-build" 2>/dev/null) || _restored=''
  # StateFlags 4 = fully installed; anything else is a broken or half-done update that must not be cached.
  if ! _build=$(acf_value "$_manifest" buildid) || [ "$(acf_value "$_manifest" StateFlags)" != 4 ] ||
    [ ! -f "$DOWNLOAD/$BINARY_NAME" ]; then
    log "not caching: steamcmd did not leave a complete install"
    : > "$OUT/none"
    exit 0
  fi
  if [ "$_build" = "$_restored" ]; then
    log "cache is current (build $_build)"
    : > "$OUT/none"
    exit 0
  fi
  log "packing build $_build (cached: ${_restored:-none})"
  _started=$(now)
  # Lowest priority: the game loads its world on the same two vCPUs meanwhile.
  if ! nice -n 19 tar --use-compress-program="gzip -${GZIP_LEVEL:-1}" -cf "$OUT/server.tar.gz" -C "$DOWNLOAD" .; then
    log "packing failed; the cache stays as it was"
    rm -f "$OUT/server.tar.gz"
    : > "$OUT/none"
    exit 0
  fi
  printf '%s\n' "$_build" > "$OUT/build.partial" && mv "$OUT/build.partial" "$OUT/build"
  log "packed build $_build: $(megabytes "$OUT/server.tar.gz") MB in $(($(now) - _started)) s"
}

upload() {
  require_target
  while [ ! -e "$OUT/build" ] && [ ! -e "$OUT/none" ]; do sleep "$POLL"; done
  [ -e "$OUT/build" ] || exit 0
  _build=$(cat "$OUT/build")
  _started=$(now)
  # One PUT (multipart under the hood): the old tarball stays in place until the new one is complete, and then
  # stays as the key's previous version (the bucket keeps one per key): `valheim game rollback` finds the
  # build it holds by this metadata.
  if _error=$(aws s3 cp "$OUT/server.tar.gz" "s3://$BUCKET/$CACHE_KEY" --metadata "build=$_build,branch=$BRANCH" \
    --only-show-errors --no-progress 2>&1); then
    log "uploaded build $_build: $(megabytes "$OUT/server.tar.gz") MB in $(($(now) - _started)) s"
  else
    log "upload failed; the cache stays as it was: $(printf '%s' "$_error" | head -c 300)"
  fi
  rm -f "$OUT/server.tar.gz"
}

case ${MODE:-} in
  fetch) fetch ;;
  unpack) unpack ;;
  pack) pack ;;
  upload) upload ;;
  *) log "unknown MODE '${MODE:-}' (fetch, unpack, pack or upload)" ;;
esac
exit 0
