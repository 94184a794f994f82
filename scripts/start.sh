#!/usr/bin/env bash
# `npm start`: the product against a local sandbox store. Starts Ceph RGW with a demo bucket, installs the freshly
# packaged extension into a private VS Code web workbench (code-server), hands it the sandbox connection and the
# demo key, and prints the address to open. Ctrl-C stops everything it started.
#
# Environment (all optional):
#   OBS_DEMO_PORT   workbench port (default 8080)
#   OBS_DEMO_HOME   workbench profile, demo workspace and logs; must be outside the repository
#                   (default ${XDG_STATE_HOME:-~/.local/state}/encrypted-buckets/demo)
#   OBS_DEMO_RGW    name of the RGW instance (default demo; see test/server/start.sh)
set -euo pipefail
exec </dev/null
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=lib/tools-paths.sh
source scripts/lib/tools-paths.sh
log() { printf '[start +%ss] %s\n' "$SECONDS" "$*" >&2; }
die() { printf '[start] error: %s\n' "$*" >&2; exit 1; }

PORT=${OBS_DEMO_PORT:-8080}
RGW_NAME=${OBS_DEMO_RGW:-demo}
DEMO=${OBS_DEMO_HOME:-${XDG_STATE_HOME:-$HOME/.local/state}/encrypted-buckets/demo}
mkdir -p "$DEMO"
DEMO=$(cd "$DEMO" && pwd -P)
case "$DEMO/" in
  "$(pwd -P)"/*) die "OBS_DEMO_HOME ($DEMO) is inside the repository; choose a folder outside it" ;;
esac
URL="http://127.0.0.1:$PORT/"

# One sandbox at a time per demo folder: a second `npm start` says so instead of fighting over ports and profile.
# Fd 8 holds the lock; every child below gets it closed (8>&-) so that a leftover child cannot keep it.
exec 8>"$DEMO/start.lock"
if ! flock -n 8; then
  die "another \`npm start\` is already running (pid $(cat "$DEMO/start.pid" 2>/dev/null || echo '?')) at $(cat "$DEMO/address" 2>/dev/null || echo "$URL").
        Use that one, or stop it with Ctrl-C in its terminal first."
fi
echo $$ >"$DEMO/start.pid"
if curl -s -o /dev/null --max-time 2 "$URL" 2>/dev/null; then
  die "port $PORT is taken by another program. Start on another port: OBS_DEMO_PORT=8090 npm start"
fi

SERVER_PGID=
cleanup() {
  trap - EXIT INT TERM HUP
  if [ -n "$SERVER_PGID" ]; then
    log "stopping the workbench"
    kill -TERM -- "-$SERVER_PGID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$SERVER_PGID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$SERVER_PGID" 2>/dev/null || true
  fi
  log "stopping the local store"
  bash test/server/stop.sh --name "$RGW_NAME" >/dev/null 2>&1 8>&- || true
  rm -f "$DEMO/start.pid" "$DEMO/address"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

log "installing what is missing (the first run takes about five minutes)"
bash scripts/setup.sh 8>&-
log "starting the local store (Ceph RGW \"$RGW_NAME\")"
bash test/server/start.sh --name "$RGW_NAME" 8>&-
# shellcheck disable=SC1090
source ".state/rgw-$RGW_NAME/env.sh"

log "filling the demo bucket"
SEED=$DEMO/seed
rm -rf "$SEED"
mkdir -p "$SEED/many"
export AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY AWS_DEFAULT_REGION=$RGW_REGION \
  AWS_REQUEST_CHECKSUM_CALCULATION=when_required AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
awsd() { /usr/bin/aws --endpoint-url "$RGW_HTTP_ENDPOINT" "$@" >/dev/null 8>&-; }
put() { awsd s3api put-object --bucket demo --key "$1" --body "$2" "${@:3}"; }

# The demo key is made once and kept in the demo folder (a local sandbox, never a real secret). The "lost" key
# is made on every start and thrown away: the object under it shows what happens when no stored key fits.
[ -f "$DEMO/demo-key.bin" ] || (umask 077 && head -c 32 /dev/urandom >"$DEMO/demo-key.bin")
head -c 32 /dev/urandom >"$SEED/lost-key.bin"
KEY_B64=$(base64 -w0 "$DEMO/demo-key.bin")

awsd s3api create-bucket --bucket demo
printf 'Hello from a plain object: no server-side encryption.\n' >"$SEED/plain.txt"
printf 'This object is encrypted with SSE-KMS under key %s. Save it: it keeps that key.\n' "$RGW_KMS_KEY_1" >"$SEED/kms1.txt"
printf 'This object is encrypted with SSE-KMS under key %s. Save it: it keeps that key.\n' "$RGW_KMS_KEY_2" >"$SEED/kms2.txt"
printf 'This object is encrypted with your own key (SSE-C). Edit and save: it stays encrypted under the same key.\n' >"$SEED/ssec.txt"
printf 'You should never read this: the key that encrypted it is not in the key store.\n' >"$SEED/lost.txt"
put readme/plain.txt "$SEED/plain.txt" --content-type text/plain
put secure/kms-key-1.txt "$SEED/kms1.txt" --content-type text/plain --server-side-encryption aws:kms --ssekms-key-id "$RGW_KMS_KEY_1"
put secure/kms-key-2.txt "$SEED/kms2.txt" --content-type text/plain --server-side-encryption aws:kms --ssekms-key-id "$RGW_KMS_KEY_2"
put secure/ssec.txt "$SEED/ssec.txt" --content-type text/plain --sse-customer-algorithm AES256 --sse-customer-key "fileb://$DEMO/demo-key.bin"
put secure/ssec-unknown-key.txt "$SEED/lost.txt" --content-type text/plain --sse-customer-algorithm AES256 --sse-customer-key "fileb://$SEED/lost-key.bin"
rm -f "$SEED/lost-key.bin"
# A folder with more objects than one page of the tree (500), and one object above the editor limit (64 MiB).
for i in $(seq -w 1 620); do printf 'log line %s\n' "$i" >"$SEED/many/entry-$i.log"; done
awsd s3 cp --recursive --only-show-errors "$SEED/many" s3://demo/paged/
truncate -s 70M "$SEED/large.bin"
awsd s3 cp --only-show-errors "$SEED/large.bin" s3://demo/large/too-big-for-the-editor.bin
rm -rf "$SEED"

# Connection and keys, applied by the extension on every activation (OBS_DEMO_SETUP_FILE is set only here).
(umask 077 && node -e '
const [file, endpoint, ak, sk, region, key] = process.argv.slice(1);
const fp = require("crypto").createHash("md5").update(Buffer.from(key, "base64")).digest("base64");
require("fs").writeFileSync(file, JSON.stringify({
  keys: [{ label: "demo key", key }],
  connection: { id: "sandbox", label: "Local sandbox (Ceph RGW)", endpoint, region, accessKeyId: ak, secretAccessKey: sk,
    allowInsecureSse: true, defaultEncryption: { type: "sse-c", keyFingerprint: fp } },
}));' "$DEMO/setup.json" "$RGW_HTTP_ENDPOINT" "$RGW_ACCESS_KEY" "$RGW_SECRET_KEY" "$RGW_REGION" "$KEY_B64")

log "packaging and installing the extension"
bash scripts/package.sh >"$DEMO/package.log" 2>&1 8>&- || { tail -20 "$DEMO/package.log" >&2; die "packaging failed (log: $DEMO/package.log)"; }
VSIX=$ROOT/encrypted-buckets-$(node -p 'require("./package.json").version').vsix
export PATH="$OBS_NODE24_HOME/bin:$PATH"
CS=(node "$OBS_CODE_SERVER_HOME/out/node/entry.js")
"${CS[@]}" --extensions-dir "$DEMO/extensions" --user-data-dir "$DEMO/user-data" --install-extension "$VSIX" --force \
  >"$DEMO/install.log" 2>&1 8>&- || { tail -20 "$DEMO/install.log" >&2; die "installing the .vsix failed"; }
node scripts/lib/workbench-settings.mjs "$DEMO/user-data"
mkdir -p "$DEMO/workspace"

log "starting the VS Code web workbench"
# Own process group (setsid), so that cleanup reaches code-server, its extension host and anything they start.
OBS_DEMO_SETUP_FILE=$DEMO/setup.json EXTENSIONS_GALLERY='{}' XDG_DATA_HOME=$DEMO/xdg-data setsid "${CS[@]}" \
  --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override --extensions-dir "$DEMO/extensions" --user-data-dir "$DEMO/user-data" \
  "$DEMO/workspace" >"$DEMO/code-server.log" 2>&1 8>&- &
SERVER_PGID=$!
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PGID" 2>/dev/null || { tail -20 "$DEMO/code-server.log" >&2; die "the workbench did not start (log: $DEMO/code-server.log)"; }
  sleep 1
done
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" || die "the workbench did not answer within 60 s (log: $DEMO/code-server.log)"
echo "$URL" >"$DEMO/address"

cat <<MSG

  Encrypted Buckets is running at  $URL

  Open it in a browser, then the Encrypted Buckets view (bucket icon in the activity bar).
  Connection "sandbox" -> bucket "demo" has something to try in every folder:
    readme/plain.txt                 not encrypted
    secure/kms-key-1.txt, -2.txt     SSE-KMS, one per test key; saving keeps the key id
    secure/ssec.txt                  SSE-C with the demo key (already in the key store): edit, save, reopen
    secure/ssec-unknown-key.txt      SSE-C under a key that is NOT stored: see how it is refused, nothing lost
    paged/                           620 objects, more than one page: "Load more" at the end
    large/too-big-for-the-editor.bin 70 MiB, above the 64 MiB editor limit (setting obs.maxEditorFileSizeMB)
  Commands: F1 then "Encrypted Buckets".   Profile and logs: $DEMO
  Ctrl-C here stops the workbench and the local store.

MSG
wait "$SERVER_PGID" || true
die "the workbench stopped (log: $DEMO/code-server.log)"
