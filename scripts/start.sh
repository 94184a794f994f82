#!/usr/bin/env bash
# `npm start`: the product against a local sandbox store. Starts Ceph RGW (instance "demo") with a demo bucket
# holding a plain, an SSE-KMS and an SSE-C object, installs the freshly built extension into a private VS Code
# web workbench (code-server), sets up the connection and the demo key, and prints the address to open.
# Ctrl-C stops everything it started.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=lib/tools-paths.sh
source scripts/lib/tools-paths.sh
log() { printf '[start] %s\n' "$*" >&2; }

PORT=${OBS_DEMO_PORT:-8080}
DEMO=$ROOT/.state/demo
bash scripts/setup.sh </dev/null
bash test/server/start.sh --name demo </dev/null
# shellcheck disable=SC1091
source .state/rgw-demo/env.sh

cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true
  bash test/server/stop.sh --name demo >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

mkdir -p "$DEMO"
export AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY AWS_DEFAULT_REGION=$RGW_REGION \
  AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
awsd() { /usr/bin/aws --endpoint-url "$RGW_HTTP_ENDPOINT" "$@" >/dev/null; }

# The demo key: made once, kept in the demo state folder (a local sandbox, never a real secret).
[ -f "$DEMO/demo-key.bin" ] || head -c 32 /dev/urandom >"$DEMO/demo-key.bin"
KEY_B64=$(base64 -w0 "$DEMO/demo-key.bin")
BUCKET=demo
awsd s3api head-bucket --bucket "$BUCKET" 2>/dev/null || awsd s3api create-bucket --bucket "$BUCKET"
printf 'Hello from a plain object.\n' >"$DEMO/plain.txt"
printf 'This object is encrypted with SSE-KMS (%s).\n' "$RGW_KMS_KEY_1" >"$DEMO/kms.txt"
printf 'This object is encrypted with your own key (SSE-C). Edit and save: it stays encrypted.\n' >"$DEMO/ssec.txt"
awsd s3api put-object --bucket "$BUCKET" --key readme/plain.txt --body "$DEMO/plain.txt"
awsd s3api put-object --bucket "$BUCKET" --key secure/kms.txt --body "$DEMO/kms.txt" --server-side-encryption aws:kms --ssekms-key-id "$RGW_KMS_KEY_1"
awsd s3api put-object --bucket "$BUCKET" --key secure/ssec.txt --body "$DEMO/ssec.txt" \
  --sse-customer-algorithm AES256 --sse-customer-key "fileb://$DEMO/demo-key.bin"

# Connection and key, applied by the extension on activation (OBS_DEMO_SETUP_FILE is set only here).
umask 077
node -e '
const [file, endpoint, ak, sk, region, key] = process.argv.slice(1);
const fp = require("crypto").createHash("md5").update(Buffer.from(key, "base64")).digest("base64");
require("fs").writeFileSync(file, JSON.stringify({
  keys: [{ label: "demo key", key }],
  connection: { id: "sandbox", label: "Local sandbox (Ceph RGW)", endpoint, region, accessKeyId: ak, secretAccessKey: sk,
    allowInsecureSse: true, defaultEncryption: { type: "sse-c", keyFingerprint: fp } },
}));' "$DEMO/setup.json" "$RGW_HTTP_ENDPOINT" "$RGW_ACCESS_KEY" "$RGW_SECRET_KEY" "$RGW_REGION" "$KEY_B64"
umask 022

log "building and installing the extension"
bash scripts/package.sh >/dev/null
VSIX=$(ls -t "$ROOT"/encrypted-buckets-*.vsix | head -1)
export PATH="$OBS_NODE24_HOME/bin:$PATH"
CS=(node "$OBS_CODE_SERVER_HOME/out/node/entry.js")
"${CS[@]}" --extensions-dir "$DEMO/extensions" --user-data-dir "$DEMO/user-data" --install-extension "$VSIX" --force >/dev/null

mkdir -p "$DEMO/workspace/.vscode"
log "starting the VS Code web workbench"
OBS_DEMO_SETUP_FILE=$DEMO/setup.json EXTENSIONS_GALLERY='{}' "${CS[@]}" \
  --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check --disable-workspace-trust \
  --extensions-dir "$DEMO/extensions" --user-data-dir "$DEMO/user-data" "$DEMO/workspace" >"$DEMO/code-server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$DEMO/code-server.log" >&2; exit 1; }
  sleep 1
done
cat <<MSG

  Encrypted Buckets is running.
  Open  http://127.0.0.1:$PORT/  in a browser, then the "Encrypted Buckets" view in the activity bar.
  Connection "sandbox" -> bucket "demo": readme/plain.txt (plain), secure/kms.txt (SSE-KMS), secure/ssec.txt (SSE-C).
  The demo SSE-C key is already in the key store. Ctrl-C stops the workbench and the local store.

MSG
wait "$SERVER_PID"
