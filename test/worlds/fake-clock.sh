#!/bin/sh
# shellcheck shell=sh
#
# Stand-ins for `date` and `mv`, put first on PATH by the transfer-script tests (as bin/date and bin/mv,
# both this file) to give a task a wrong wall clock and to stop it at a chosen moment:
#   FAKE_CLOCK_OFFSET=S    date reads a wall clock S seconds ahead (negative: behind)
#   FAKE_DATE_PAUSE_AT=N   the N-th date call of the process (counted in $FAKE_AWS_STATE) waits, like
#   FAKE_MV_PAUSE_AT=N     the N-th mv: it creates $FAKE_AWS_STATE/paused, then waits until
#                          $FAKE_AWS_STATE/resume exists (before the rename)
# Everything else goes to the real command (REAL_DATE, REAL_MV), and so does date -r/-d.
state=${FAKE_AWS_STATE:?}
case ${0##*/} in
  date) tool=date pause_at=${FAKE_DATE_PAUSE_AT:-} real=${REAL_DATE:?} ;;
  *) tool=mv pause_at=${FAKE_MV_PAUSE_AT:-} real=${REAL_MV:?} ;;
esac
if [ -n "$pause_at" ]; then
  n=$(($(cat "$state/$tool-count" 2>/dev/null || echo 0) + 1))
  echo "$n" >"$state/$tool-count"
  if [ "$n" -eq "$pause_at" ]; then
    : >"$state/paused"
    while [ ! -e "$state/resume" ]; do sleep 0.05; done
  fi
fi
if [ "$tool" = date ] && [ "${FAKE_CLOCK_OFFSET:-0}" != 0 ]; then
  # Dates of files (date -r, as the aws stub's listing asks) and given dates are not the clock.
  for arg in "$@"; do
    case $arg in -r* | -d* | --reference* | --date*) exec "$real" "$@" ;; esac
  done
  now=$("$real" +%s)
  exec "$real" -d "@$((now + FAKE_CLOCK_OFFSET))" "$@"
fi
exec "$real" "$@"
