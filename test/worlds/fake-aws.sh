#!/bin/sh
# shellcheck shell=sh
#
# A stand-in for the AWS CLI v2, put first on PATH by the transfer-script tests. It models only what
# src/worlds/world-transfer.sh uses, with the real CLI's argument forms and exit codes:
#   aws s3 sync SRC DST [--delete] [--only-show-errors] [--no-progress]   (local dir <-> s3://bucket/prefix)
#   aws s3 cp SRC DST [--only-show-errors] [--no-progress] [--content-type T] [--metadata K=V,…]   ("-" = stdin/stdout)
#   aws s3 ls s3://bucket/prefix --recursive            (exit 1 when nothing matches, as the real one)
#   aws ecs describe-services --cluster C --services S --query Q --output text  (prints $FAKE_ECS_COUNTS)
# A bucket is a folder of $FAKE_S3; a key is a path below it. Unknown commands or options fail with 252, as
# the real CLI does, so the script cannot rely on something the stub merely ignores.
#
# Failure injection: FAKE_AWS_FAIL_AT=N fails the N-th call; FAKE_AWS_FAIL_MATCH=text fails the first call
# whose arguments contain text. A failing "s3 sync" copies one file first (a partial transfer).
# Pausing: FAKE_AWS_PAUSE_MATCH=text makes the first call whose arguments contain text create
# $FAKE_AWS_STATE/paused and wait until $FAKE_AWS_STATE/resume exists (to run a second transfer meanwhile).
# Every call is appended to $FAKE_AWS_STATE/log.
#
# `aws dynamodb …` goes to the DynamoDB stand-in in $FAKE_DYNAMO (test/support/fake-dynamodb-cli.ts, which
# runs it against dynalite and models the CLI's output and exit codes) and is neither counted nor logged
# here: the transfer lock's renewals run in the background, at times no test should depend on.
if [ "${1:-}" = dynamodb ]; then
  [ -n "${FAKE_DYNAMO:-}" ] || { echo "fake aws: FAKE_DYNAMO is not set (no DynamoDB stand-in)" >&2; exit 255; }
  call=$FAKE_DYNAMO/calls/$$
  rm -f "$call.reply"
  mkfifo "$call.reply" || exit 255
  printf '%s\0' "${FAKE_DYNAMO_CLIENT:-}" "${FAKE_DYNAMO_FAULTS:-}" "$@" >"$call.args"
  # Open the answer before asking: the daemon then never waits for us.
  exec 3<>"$call.reply"
  printf '%s\n' "$$" >"$FAKE_DYNAMO/requests"
  IFS= read -r code <&3
  while IFS= read -r line <&3; do
    case $line in
      .) break ;;
      'o '*) printf '%s\n' "${line#o }" ;;
      'e '*) printf '%s\n' "${line#e }" >&2 ;;
    esac
  done
  exit "$code"
fi
state=$FAKE_AWS_STATE
n=$(( $(cat "$state/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$state/count"
printf '%s\n' "$*" >> "$state/log"
fail=no
[ "${FAKE_AWS_FAIL_AT:-0}" -eq "$n" ] && fail=yes
if [ -n "${FAKE_AWS_FAIL_MATCH:-}" ] && [ ! -e "$state/matched" ]; then
  case "$*" in *"$FAKE_AWS_FAIL_MATCH"*) fail=yes; : > "$state/matched" ;; esac
fi

if [ -n "${FAKE_AWS_PAUSE_MATCH:-}" ] && [ ! -e "$state/paused" ]; then
  case "$*" in
    *"$FAKE_AWS_PAUSE_MATCH"*)
      : > "$state/paused"
      while [ ! -e "$state/resume" ]; do sleep 0.05; done
      ;;
  esac
fi

usage() { echo "aws: error: $*" >&2; exit 252; }
# s3://bucket/key -> folder path; sets BUCKET_DIR and KEY
s3path() {
  rest=${1#s3://}
  bucket=${rest%%/*}
  KEY=${rest#"$bucket"}
  KEY=${KEY#/}
  BUCKET_DIR=$FAKE_S3/$bucket
  [ -d "$BUCKET_DIR" ] || { echo "An error occurred (NoSuchBucket): The specified bucket does not exist" >&2; exit 1; }
}
injected() { echo "fake aws: injected failure (call $n: $*)" >&2; exit 1; }

service=$1 op=$2
shift 2
positional=''
delete=no recursive=no
case "$service $op" in
  's3 sync' | 's3 cp' | 's3 ls')
    while [ $# -gt 0 ]; do
      case $1 in
        --delete) [ "$op" = sync ] || usage "Unknown options: $1"; delete=yes ;;
        --recursive) [ "$op" != sync ] || usage "Unknown options: $1"; recursive=yes ;;
        --only-show-errors | --no-progress) ;;
        --content-type | --metadata) [ "$op" = cp ] || usage "Unknown options: $1"; shift ;;
        --*) usage "Unknown options: $1" ;;
        *) if [ -z "$positional" ]; then src=$1; positional=1; else dst=$1; positional=2; fi ;;
      esac
      shift
    done
    ;;
  'ecs describe-services')
    [ "$fail" = yes ] && injected "$@"
    printf '%s\n' "${FAKE_ECS_COUNTS:-0	0	0}"
    exit 0
    ;;
  *) usage "fake aws does not model: $service $op" ;;
esac

case $op in
  ls)
    [ "$positional" = 1 ] || usage "ls needs one s3:// path"
    [ "$recursive" = yes ] || usage "fake aws models only ls --recursive"
    [ "$fail" = yes ] && injected
    s3path "$src"
    found=1
    for f in $(cd "$BUCKET_DIR" && find . -type f | sed 's|^\./||' | sort); do
      case $f in "$KEY"*) ;; *) continue ;; esac
      printf '%s %10s %s\n' "$(date -r "$BUCKET_DIR/$f" '+%Y-%m-%d %H:%M:%S')" "$(wc -c < "$BUCKET_DIR/$f")" "$f"
      found=0
    done
    exit $found
    ;;
  cp)
    [ "$positional" = 2 ] || usage "cp needs a source and a destination"
    [ "$fail" = yes ] && injected
    case $src in
      -) s3path "$dst"; mkdir -p "$(dirname "$BUCKET_DIR/$KEY")"; cat > "$BUCKET_DIR/$KEY"; exit 0 ;;
      s3://*)
        s3path "$src"
        [ -f "$BUCKET_DIR/$KEY" ] || { echo "fatal error: An error occurred (404) when calling the HeadObject operation: Key \"$KEY\" does not exist" >&2; exit 1; }
        if [ "$dst" = - ]; then cat "$BUCKET_DIR/$KEY"; else cp "$BUCKET_DIR/$KEY" "$dst"; fi
        exit 0
        ;;
      *)
        [ -f "$src" ] || { echo "The user-provided path $src does not exist." >&2; exit 255; }
        s3path "$dst"; mkdir -p "$(dirname "$BUCKET_DIR/$KEY")"; cp "$src" "$BUCKET_DIR/$KEY"; exit 0
        ;;
    esac
    ;;
  sync)
    [ "$positional" = 2 ] || usage "sync needs a source and a destination"
    case $src in
      s3://*) s3path "$src"; from=$BUCKET_DIR/${KEY%/} ;;
      *) [ -d "$src" ] || { echo "The user-provided path $src does not exist." >&2; exit 255; }; from=$src ;;
    esac
    case $dst in
      s3://*) s3path "$dst"; to=$BUCKET_DIR/${KEY%/} ;;
      *) to=$dst ;;
    esac
    files=''
    [ -d "$from" ] && files=$(cd "$from" && find . -type f | sed 's|^\./||' | sort)
    copied=0
    for f in $files; do
      if [ "$fail" = yes ] && [ "$copied" -ge 1 ]; then injected; fi
      mkdir -p "$(dirname "$to/$f")"
      cp "$from/$f" "$to/$f"
      copied=$((copied + 1))
    done
    [ "$fail" = yes ] && injected
    if [ "$delete" = yes ] && [ -d "$to" ]; then
      for f in $(cd "$to" && find . -type f | sed 's|^\./||'); do
        [ -f "$from/$f" ] || rm -f "$to/$f"
      done
    fi
    # S3 has no folders: an empty "directory" disappears.
    case $dst in s3://*) [ -d "$to" ] && find "$to" -type d -empty -delete ;; esac
    exit 0
    ;;
esac
