#!/usr/bin/env bash
# Stop the local RGW instance started by start.sh and remove its data dir.
# Usage: stop.sh [--name NAME] [--keep]
# Only processes named in this instance's pid files (and started with its ceph.conf) are signalled.
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

NAME=test
KEEP=0
while (($#)); do
  case $1 in
    --name) [[ $# -ge 2 ]] || { echo "--name needs a value" >&2; exit 2; }; NAME=$2; shift 2 ;;
    --name=*) NAME=${1#--name=}; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) echo "usage: test/server/stop.sh [--name NAME] [--keep]"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
rgw_check_name "$NAME"

DIR="$RGW_STATE_DIR/rgw-$NAME"
if [[ ! -d "$DIR" ]]; then
  rgw_log "not running (no $DIR)"
  exit 0
fi

# Wait for a start of the same name to finish (or fail) instead of tearing it down mid-way.
exec 9>"$RGW_STATE_DIR/.rgw-$NAME.lock"
flock -w 600 9 || { echo "could not take $RGW_STATE_DIR/.rgw-$NAME.lock" >&2; exit 1; }

rgw_stop_daemons "$DIR"
for d in "${RGW_DAEMONS[@]}"; do
  pid=$(rgw_live_pid "$DIR" "$d")
  if [[ -n "$pid" ]]; then
    echo "stop.sh ($NAME): $d (pid $pid) is still alive; data dir left in place" >&2
    exit 1
  fi
done

if ((KEEP)); then
  rm -f "$DIR/ready"
  rgw_log "stopped; data dir kept at $DIR"
else
  rm -rf "$DIR"
  rgw_log "stopped and removed $DIR"
fi
