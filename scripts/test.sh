#!/usr/bin/env bash
# `npm test`: installs what is missing, starts the local RGW, builds, runs unit and integration tests, stops
# what it started, and ends with one line "N passed, N failed". Needs no stdin.
set -uo pipefail
exec </dev/null
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
START=$(date +%s)
log() { printf '[test] %s\n' "$*" >&2; }
mkdir -p test-results

fail_setup() {
  log "setup failed: $*"
  echo "0 passed, 1 failed"
  exit 1
}

# 1. Everything installable: npm packages, Debian packages, the pinned VS Code rig tools.
bash scripts/setup.sh || fail_setup "scripts/setup.sh"

# 2. The real object store on loopback; stopped whatever happens next.
RGW_NAME=${OBS_TEST_RGW_NAME:-test}
bash test/server/start.sh --name "$RGW_NAME" || fail_setup "RGW did not start"
trap 'bash test/server/stop.sh --name "$RGW_NAME" >/dev/null 2>&1 || true' EXIT
# shellcheck disable=SC1090
source ".state/rgw-$RGW_NAME/env.sh"

# 3. Build: the bundle the extension host loads, and the compiled tests (tsc also type-checks everything).
rm -rf out
node esbuild.js || fail_setup "esbuild"
npx --no-install tsc -p tsconfig.test.json || fail_setup "TypeScript compile"

passed=0
failed=0

# 4. Lint: the layering rules are checks like any other.
if npx --no-install eslint src test; then passed=$((passed + 1)); log "lint ok"; else failed=$((failed + 1)); log "lint FAILED"; fi

# Runs node's test runner over the given files (TAP to test-results/NAME.tap) and adds its counts.
run_node_tests() {
  local name=$1; shift
  [ $# -gt 0 ] || return 0
  node --test --test-concurrency=1 --test-reporter=tap "$@" > "test-results/$name.tap" 2>&1
  local rc=$?
  grep -E '^(not ok|# (pass|fail|skipped))' "test-results/$name.tap" >&2 || true
  [ $rc -ne 0 ] && grep -B2 -A25 '^\s*not ok' "test-results/$name.tap" | head -150 >&2
  local p f
  p=$(grep -E '^# pass ' "test-results/$name.tap" | tail -1 | awk '{print $3}')
  f=$(grep -E '^# fail ' "test-results/$name.tap" | tail -1 | awk '{print $3}')
  p=${p:-0}; f=${f:-1}
  [ $rc -ne 0 ] && [ "$f" -eq 0 ] && f=1
  passed=$((passed + p)); failed=$((failed + f))
  log "$name: $p passed, $f failed"
}

# 5. Unit tests (pure code).
mapfile -t unit < <(find out/test/unit -name '*.test.js' | sort)
run_node_tests unit "${unit[@]}"

# 6. Storage-core integration tests against the same RGW (no VS Code involved).
mapfile -t storage < <(find out/test/storage -name '*.test.js' 2>/dev/null | sort)
run_node_tests storage "${storage[@]}"

# 7. Integration tests inside a real VS Code extension host, against the RGW above.
rm -f test-results/integration.json
node out/test/integration/runTests.js
int_rc=$?
if [ -f test-results/integration.json ]; then
  ip=$(node -p "require('./test-results/integration.json').passed")
  if_=$(node -p "require('./test-results/integration.json').failed")
else
  ip=0; if_=1
fi
[ $int_rc -ne 0 ] && [ "$if_" -eq 0 ] && if_=1
passed=$((passed + ip)); failed=$((failed + if_))
log "integration: $ip passed, $if_ failed (exit $int_rc)"

# 8. The front door: `npm start` (which runs `npm run package`) driven as a user would, in a browser.
# shellcheck source=lib/tools-paths.sh
source scripts/lib/tools-paths.sh
run_node_tests frontdoor test/frontdoor/frontdoor.test.mjs

log "total time $(( $(date +%s) - START ))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
