#!/bin/sh
# shellcheck shell=sh
#
# One contender of the lock harness (lock-harness.ts): the real lock functions of world-transfer.sh, sourced,
# then the steps of PLAN ("step:gap" seconds, or "step:gap:frozen", space-separated). A step stands for a
# change to the world and comes right after the script's guard, as the script's renames do; a gap stands for
# work that needs no guard (an upload), during which the lease may be lost; a frozen gap stops the renewer
# too, as when the whole task freezes. Each step appends "enter <id>" and "exit <id>" to
# $EVENTS with the time (hundredths of /proc/uptime, one clock for every process of the machine), and the
# script's LOCK_TRACE adds each lease the holder counts on, to the same file: appends to one file are atomic
# and ordered, so its order is also the order in which these things happened.
# Environment: TRANSFER_SCRIPT, EVENTS, CONTENDER, PLAN, LOCK_TABLE, LOCK_LEASE_SECONDS, LOCK_RENEW_SECONDS,
# and the stand-ins' (FAKE_DYNAMO…, FAKE_CLOCK_OFFSET).
WORLD_TRANSFER_FUNCTIONS_ONLY=yes
MODE=snapshot
SNAPSHOT_ID=20261123T190500Z-$CONTENDER
BUCKET=harness
# shellcheck source=../../src/worlds/world-transfer.sh
. "$TRANSFER_SCRIPT"
LOCK_TRACE=$EVENTS
take_lock
printf 'acquired %s %s\n' "$CONTENDER" "$TOKEN" >>"$EVENTS"
for entry in $PLAN; do
  step=${entry%%:*}
  gap=${entry#*:}
  lock_guard "step $step"
  mono
  printf 'enter %s %s\n' "$CONTENDER" "$MONO" >>"$EVENTS"
  sleep "$step"
  mono
  printf 'exit %s %s\n' "$CONTENDER" "$MONO" >>"$EVENTS"
  case $gap in
    *:frozen)
      # The task freezes between two steps: its renewer stops too.
      kill -STOP "$RENEWER_PID"
      sleep "${gap%:*}"
      kill -CONT "$RENEWER_PID"
      ;;
    *) sleep "$gap" ;;
  esac
done
exit 0
