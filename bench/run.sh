#!/usr/bin/env bash
# `npm run bench`: our transfer layer side by side with awscli and rclone against a local RGW on bluestore.
# Installs awscli and rclone from Debian when missing (as root), starts the RGW instance `bench`, builds, runs
# bench/main.ts once, prints one table and appends it to bench/RESULTS.md. Stops the RGW and removes bench/.data.
set -euo pipefail
exec </dev/null
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
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
SIZE_MIB=${BENCH_SIZE_MIB:-1024}
log "generating ${SIZE_MIB} MiB of random data"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$DATA/1g.bin"

START=$(date +%s)
node out/bench/main.js
log "benchmark took $(( $(date +%s) - START ))s"
