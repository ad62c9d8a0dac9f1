#!/bin/bash
# A stand-in for the game image's valheim-updater (community-valheim-tools/valheim-server-docker, read at
# commit 732221f), written here from what that script does, not copied: the defaults it reads, the functions
# the hooks can see, and the order of one start. test/game/hooks.test.ts checks the order against the real
# script when a copy of it is on this machine.
#
#   defaults:        STEAMCMD_ARGS=${STEAMCMD_ARGS-validate} (PUBLIC_TEST=true appends the test branch)
#   update():        pre_update_check_hook (eval, this shell) → download_valheim (steamcmd) →
#                    rsync dl/server/ → server/ → write_restart_file → post_update_check_hook (eval)
#   main loop:       update → check_server_restart → supervisorctl start valheim-server
#
# Paths come from the environment: DL (steamcmd's install dir), SERVER (the copy the game runs from).
# `steamcmd.sh` and `supervisorctl` are stand-ins first on PATH (the test writes them).
STEAMCMD_ARGS=${STEAMCMD_ARGS-validate}
PUBLIC_TEST=${PUBLIC_TEST:-false}
if [ "$PUBLIC_TEST" = true ]; then
  STEAMCMD_ARGS="$STEAMCMD_ARGS -beta public-test -betapassword yesimadebackups"
fi
info() { echo "INFO - $*"; }
error() { echo "ERROR - $*"; }
restartfile=$(mktemp -u)

write_restart_file() {
  echo start > "$restartfile"
}
download_valheim() {
  # shellcheck disable=SC2086
  steamcmd.sh +force_install_dir "$DL" +login anonymous +app_update 896660 $STEAMCMD_ARGS +quit
}
pre_update_check_hook() {
  if [ -n "$PRE_UPDATE_CHECK_HOOK" ]; then
    info "Running pre update check hook: $PRE_UPDATE_CHECK_HOOK"
    eval "$PRE_UPDATE_CHECK_HOOK"
  fi
}
post_update_check_hook() {
  if [ -n "$POST_UPDATE_CHECK_HOOK" ]; then
    info "Running post update check hook: $POST_UPDATE_CHECK_HOOK"
    eval "$POST_UPDATE_CHECK_HOOK"
  fi
}
update() {
  pre_update_check_hook
  info "Downloading/updating/validating Valheim server from Steam"
  if ! download_valheim; then
    if [ -f "$DL/valheim_server.x86_64" ]; then
      error "Failed to update Valheim server from Steam - however an existing version was found locally - using it"
    else
      error "Failed to download Valheim server from Steam - retrying later"
      return
    fi
  fi
  # The image: rsync -a --delete (without steamapps); a plain copy here (npm test needs no rsync).
  rm -rf "$SERVER" && mkdir -p "$SERVER" && cp -pR "$DL/." "$SERVER/" && rm -rf "$SERVER/steamapps"
  write_restart_file
  post_update_check_hook
}
check_server_restart() {
  if [ -f "$restartfile" ]; then
    rm -f "$restartfile"
    supervisorctl start valheim-server
  fi
}
update
check_server_restart
