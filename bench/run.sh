#!/usr/bin/env bash
# `npm run bench`: the product side by side with awscli, rclone and a bare undici client against a local RGW on
# bluestore. Installs awscli and rclone from Debian when missing (as root), starts the RGW instance
# ${BENCH_RGW_NAME:-bench}, builds, runs bench/main.ts (alternating runs, medians), prints the tables and appends them
# to bench/RESULTS.md. Stops the RGW and removes bench/.data.
# Knobs (environment): BENCH_SIZE_MIB (big transfer rows, default 1024), BENCH_HTTP_SIZE_MIB, BENCH_RUNS (default 3),
# BENCH_LIST_KEYS, BENCH_REKEY_JOB_OBJECTS, BENCH_DL_OBJECTS, BENCH_EXPAND_ALL=1, BENCH_THROTTLE_SHARE.
set -euo pipefail
exec </dev/null
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
T0=$(date +%s)
log() { printf '[bench] %s\n' "$*" >&2; }
NAME=${BENCH_RGW_NAME:-bench}
DATA="$ROOT/bench/.data"

need=()
[ -x /usr/bin/aws ] || need+=(awscli)
command -v rclone >/dev/null 2>&1 || need+=(rclone)
command -v cmp >/dev/null 2>&1 || need+=(diffutils)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    log "installing ${need[*]}"
    apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends --no-upgrade "${need[@]}" >&2 \
      || { apt-get update >&2 && apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends --no-upgrade "${need[@]}" >&2; }
  else
    log "missing ${need[*]}: run  sudo apt-get install -y ${need[*]}"
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund >&2
fi

cleanup() {
  bash test/server/stop.sh --name "$NAME" >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap cleanup EXIT

bash test/server/start.sh --name "$NAME" --bluestore >&2
# shellcheck disable=SC1090
source ".state/rgw-$NAME/env.sh"

log "building"
npx --no-install tsc -p tsconfig.test.json >&2

mkdir -p "$DATA"
# 1 GiB, as the issue asks: the whole bench took 386 s with it once the test RGW answered small requests without a
# 40 ms delayed-ACK stall (tcp_nodelay) and HEADs kept their connections. BENCH_SIZE_MIB=256 for a quicker run.
SIZE_MIB=${BENCH_SIZE_MIB:-1024}
log "generating ${SIZE_MIB} MiB of random data"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$DATA/1g.bin"

node out/bench/main.js
log "the whole bench (RGW start, build, data, measuring) took $(( $(date +%s) - T0 ))s"
