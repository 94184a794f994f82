#!/usr/bin/env bash
# `npm run package`: a production bundle and an installable .vsix holding only the bundle, the manifest,
# icon, media, README, LICENSE and CHANGELOG (see .vscodeignore).
set -euo pipefail
exec </dev/null
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
[ -d node_modules ] || npm ci --no-audit --no-fund
rm -rf dist
node esbuild.js --production
npx --no-install vsce package --no-dependencies --allow-missing-repository --no-rewrite-relative-links -o "encrypted-buckets-$(node -p 'require("./package.json").version').vsix"
