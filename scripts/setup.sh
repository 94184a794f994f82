#!/usr/bin/env bash
# Installs what `npm test` and `npm start` need and reuses what is present: npm dependencies, Debian's awscli
# (the interop oracle in integration tests), and the pinned VS Code rig tools (scripts/tools.sh).
# The RGW packages are installed by test/server/start.sh itself.
set -euo pipefail
exec </dev/null
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
log() { printf '[setup] %s\n' "$*" >&2; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: $*; run as root: apt-get install -y --no-install-recommends $*"
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends --no-upgrade -o DPkg::Lock::Timeout=900 "$@" ||
    { apt-get update -o DPkg::Lock::Timeout=900 && apt-get install -y --no-install-recommends --no-upgrade -o DPkg::Lock::Timeout=900 "$@"; }
}

[ -x /usr/bin/aws ] || apt_install awscli

bash scripts/tools.sh
