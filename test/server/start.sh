#!/usr/bin/env bash
# Start a private Ceph RADOS Gateway on loopback for integration tests, the demo and benchmarks.
# One monitor, one OSD (memstore, or bluestore on a sparse file) and radosgw with an HTTP and an HTTPS endpoint.
# See README.md in this folder. Usage: start.sh [--name NAME] [--bluestore]
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

usage() {
  cat <<'EOF'
usage: test/server/start.sh [--name NAME] [--bluestore]

  --name NAME    instance name (default: test); data in <repo>/.state/rgw-NAME
  --bluestore    keep object data in bluestore on a sparse file instead of RAM (memstore)

Ports come from NAME (test: 17480/17443, bench: 17580/17543, demo: 17680/17643) and can be
overridden with RGW_HTTP_PORT, RGW_HTTPS_PORT and RGW_MON_PORT. Stage timeout: RGW_WAIT_TIMEOUT (s, default 60).
EOF
}

NAME=test
STORE=memstore
while (($#)); do
  case $1 in
    --name) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; NAME=$2; shift 2 ;;
    --name=*) NAME=${1#--name=}; shift ;;
    --bluestore) STORE=bluestore; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
rgw_check_name "$NAME"

DIR="$RGW_STATE_DIR/rgw-$NAME"
CONF="$DIR/ceph.conf"
ENV_SH="$DIR/env.sh"
ENV_JSON="$DIR/env.json"
REGION=us-east-1
ACCESS_KEY=EBTESTACCESSKEY0001
OTHER_ACCESS_KEY=EBTESTACCESSKEY0002
WAIT_TIMEOUT=${RGW_WAIT_TIMEOUT:-60}
T0=$(date +%s.%N)

# ---------------------------------------------------------------- ports
# Each well-known name owns a block of 100 ports starting at 17400 + 100*slot; other names hash into slots 3..29.
# Inside a block: mon +10, messenger range +11..+39 (the OSD binds several), HTTPS +43, HTTP +80.
case $NAME in
  test) slot=0 ;;
  bench) slot=1 ;;
  demo) slot=2 ;;
  *) slot=$((3 + $(printf '%s' "$NAME" | cksum | cut -d' ' -f1) % 27)) ;;
esac
base=$((17400 + 100 * slot))
HTTP_PORT=${RGW_HTTP_PORT:-$((base + 80))}
HTTPS_PORT=${RGW_HTTPS_PORT:-$((base + 43))}
MON_PORT=${RGW_MON_PORT:-$((base + 10))}
MSGR_MIN=$((MON_PORT + 1))
MSGR_MAX=$((MON_PORT + 29))
for p in "$HTTP_PORT" "$HTTPS_PORT"; do
  if ((p >= MON_PORT && p <= MSGR_MAX)); then
    echo "port $p falls inside the monitor/messenger range $MON_PORT-$MSGR_MAX; choose other ports" >&2
    exit 2
  fi
done
if [[ "$HTTP_PORT" == "$HTTPS_PORT" ]]; then
  echo "RGW_HTTP_PORT and RGW_HTTPS_PORT must differ" >&2
  exit 2
fi
HTTP_ENDPOINT="http://127.0.0.1:$HTTP_PORT"
HTTPS_ENDPOINT="https://127.0.0.1:$HTTPS_PORT"

# ---------------------------------------------------------------- packages
APT_PACKAGES=(radosgw ceph-mon ceph-osd ceph-common uuid-runtime openssl)
APT_INSTALL=(apt-get install -y --no-install-recommends --no-upgrade -o DPkg::Lock::Timeout=900 "${APT_PACKAGES[@]}")
missing_commands() {
  local c
  for c in radosgw radosgw-admin ceph-mon ceph-osd monmaptool ceph uuidgen openssl; do
    command -v "$c" >/dev/null 2>&1 || printf '%s ' "$c"
  done
}
missing=$(missing_commands)
missing=${missing% }
if [[ -n "$missing" ]]; then
  if ((EUID != 0)); then
    echo "missing commands: $missing" >&2
    echo "install them with: sudo ${APT_INSTALL[*]}" >&2
    exit 1
  fi
  rgw_log "installing Ceph packages (missing: $missing)"
  # apt's chatter goes to stderr: stdout carries only the final summary.
  if ! "${APT_INSTALL[@]}" >&2; then
    apt-get update >&2
    "${APT_INSTALL[@]}" >&2
  fi
  missing=$(missing_commands)
  missing=${missing% }
  [[ -z "$missing" ]] || { echo "still missing after install: $missing" >&2; exit 1; }
fi
for c in flock timeout; do
  command -v "$c" >/dev/null 2>&1 || { echo "missing command: $c" >&2; exit 1; }
done

# Signed-request probe: awscli when installed (what the brief and CI use), else node's standard library.
PROBE=${RGW_PROBE:-auto}
if [[ "$PROBE" == auto ]]; then
  if [[ -x /usr/bin/aws ]]; then PROBE=aws; elif command -v node >/dev/null 2>&1; then PROBE=node; else PROBE=none; fi
fi
case $PROBE in
  aws) [[ -x /usr/bin/aws ]] || { echo "RGW_PROBE=aws but /usr/bin/aws is missing" >&2; exit 1; } ;;
  node) command -v node >/dev/null 2>&1 || { echo "RGW_PROBE=node but node is missing" >&2; exit 1; } ;;
  *) echo "need /usr/bin/aws (apt-get install awscli) or node for the readiness probe" >&2; exit 1 ;;
esac

# signed_probe ENDPOINT ACCESS SECRET: one SigV4 ListBuckets; quiet; diagnostics go to the probe log.
signed_probe() {
  local endpoint=$1 log="$DIR/log/probe.log"
  (
    # Secrets travel in the environment, never on a command line other users could read with ps.
    if [[ "$PROBE" == aws ]]; then
      unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_CA_BUNDLE AWS_ENDPOINT_URL
      export AWS_ACCESS_KEY_ID=$2 AWS_SECRET_ACCESS_KEY=$3 AWS_DEFAULT_REGION=$REGION
      export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
      export AWS_PAGER='' AWS_REQUEST_CHECKSUM_CALCULATION=when_required
      local extra=()
      [[ "$endpoint" != https:* ]] || extra=(--ca-bundle "$DIR/tls/cert.pem")
      exec timeout 30 /usr/bin/aws --endpoint-url "$endpoint" "${extra[@]}" --cli-connect-timeout 3 \
        --cli-read-timeout 10 s3api list-buckets --output json >/dev/null 2>>"$log"
    else
      export RGW_ACCESS_KEY=$2 RGW_SECRET_KEY=$3 RGW_REGION=$REGION
      exec timeout 30 node "$RGW_SERVER_DIR/probe.mjs" signed "$endpoint" "$DIR/tls/cert.pem" 2>>"$log"
    fi
  )
}

anon_probe() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 3 --cacert "$DIR/tls/cert.pem" "$1" 2>/dev/null
  else
    timeout 10 node "$RGW_SERVER_DIR/probe.mjs" anon "$1" "$DIR/tls/cert.pem" 2>/dev/null
  fi
}

print_summary() {
  local elapsed
  elapsed=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  cat <<EOF
RGW instance '$NAME' ${1} (${elapsed}s, objectstore $(cat "$DIR/objectstore" 2>/dev/null || echo '?'))
  RGW_HTTP_ENDPOINT=$HTTP_ENDPOINT
  RGW_HTTPS_ENDPOINT=$HTTPS_ENDPOINT
  RGW_CA_FILE=$DIR/tls/cert.pem
  credentials and KMS key ids: source $ENV_SH   (JSON: $ENV_JSON)
EOF
}

# ---------------------------------------------------------------- one start at a time per name
mkdir -p "$RGW_STATE_DIR"
exec 9>"$RGW_STATE_DIR/.rgw-$NAME.lock"
if ! flock -w 600 9; then
  echo "another start/stop of '$NAME' holds $RGW_STATE_DIR/.rgw-$NAME.lock" >&2
  exit 1
fi

# ---------------------------------------------------------------- already running?
if [[ -d "$DIR" ]]; then
  live=0
  for d in "${RGW_DAEMONS[@]}"; do
    [[ -z "$(rgw_live_pid "$DIR" "$d")" ]] || live=$((live + 1))
  done
  if ((live == ${#RGW_DAEMONS[@]})) && [[ -s "$ENV_SH" ]] && [[ -s "$DIR/ready" ]]; then
    # Ports of a running instance are the ones it was started with, whatever the environment says now.
    # shellcheck disable=SC1090
    source "$ENV_SH"
    HTTP_ENDPOINT=$RGW_HTTP_ENDPOINT
    HTTPS_ENDPOINT=$RGW_HTTPS_ENDPOINT
    if signed_probe "$HTTP_ENDPOINT" "$RGW_ACCESS_KEY" "$RGW_SECRET_KEY"; then
      if [[ "$(cat "$DIR/objectstore")" != "$STORE" ]]; then
        rgw_log "note: running instance uses $(cat "$DIR/objectstore"), not $STORE; stop it first to switch"
      fi
      print_summary "already running"
      exit 0
    fi
    rgw_log "instance is running but does not answer a signed request; restarting it"
  elif ((live > 0)); then
    rgw_log "instance is partly running ($live of ${#RGW_DAEMONS[@]} daemons); restarting it"
  else
    rgw_log "removing stale data dir $DIR"
  fi
  rgw_stop_daemons "$DIR"
  rm -rf "$DIR"
fi

# ---------------------------------------------------------------- ports free?
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$MON_PORT" "$HTTP_PORT" "$HTTPS_PORT"; do
  if port_busy "$p"; then
    echo "port $p on 127.0.0.1 is already in use (another instance or program); set RGW_HTTP_PORT/RGW_HTTPS_PORT/RGW_MON_PORT or use another --name" >&2
    exit 1
  fi
done

# ---------------------------------------------------------------- failure handling
STARTED=0
fail() {
  local msg=$1 f
  shift
  echo "start.sh ($NAME): $msg" >&2
  for f in "$@"; do
    if [[ -s "$f" ]]; then
      echo "----- last lines of $f" >&2
      tail -n 40 "$f" >&2
    fi
  done
  exit 1
}
on_exit() {
  local rc=$?
  if ((rc != 0 && STARTED)); then
    echo "start.sh ($NAME): start failed; stopping the daemons it started (data dir kept: $DIR)" >&2
    rgw_stop_daemons "$DIR"
  fi
}
trap on_exit EXIT

# wait_until DESC DAEMON LOG -- CMD...: retry CMD every 0.2 s until it succeeds; give up after WAIT_TIMEOUT seconds
# or as soon as DAEMON has died.
wait_until() {
  local desc=$1 daemon=$2 log=$3
  shift 4
  local deadline=$((SECONDS + WAIT_TIMEOUT))
  until "$@"; do
    if [[ -z "$(rgw_live_pid "$DIR" "$daemon")" ]]; then
      fail "$daemon exited while waiting for $desc" "$log" "$DIR/log/$daemon.out"
    fi
    if ((SECONDS >= deadline)); then
      fail "timed out after ${WAIT_TIMEOUT}s waiting for $desc" "$log"
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------- data dir, keys, certificate, config
umask 077
mkdir -p "$DIR"/{run,log,mon,osd0,rgw,tls}
echo "$STORE" >"$DIR/objectstore"
if [[ "$STORE" == bluestore ]] && [[ "$(stat -f -c %T "$DIR")" == tmpfs ]]; then
  fail "--bluestore needs O_DIRECT, which tmpfs ($DIR) does not offer"
fi

FSID=$(uuidgen)
OSD_UUID=$(uuidgen)
SECRET_KEY=$(openssl rand -hex 20)
OTHER_SECRET_KEY=$(openssl rand -hex 20)
KMS_KEY_1=$(openssl rand -base64 32)
KMS_KEY_2=$(openssl rand -base64 32)

if ! openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
  -keyout "$DIR/tls/key.pem" -out "$DIR/tls/cert.pem" >"$DIR/log/openssl.log" 2>&1; then
  fail "openssl could not create the certificate" "$DIR/log/openssl.log"
fi
chmod 644 "$DIR/tls/cert.pem"

if [[ "$STORE" == bluestore ]]; then
  OSD_STORE_CONF="osd objectstore = bluestore
# Not <osd data>/block: mkfs makes that a symlink to the block path, which would point at itself.
bluestore block path = $DIR/osd0-block.img
bluestore block create = true
bluestore block size = 21474836480
bluestore fsck on mkfs = false
osd memory target = 939524096"
else
  OSD_STORE_CONF="osd objectstore = memstore
memstore device bytes = 4294967296"
fi

cat >"$CONF" <<EOF
# Generated by test/server/start.sh for instance '$NAME'. Test-only: no authentication.
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
# Required with auth none, or radosgw loops on "failed to fetch mon config".
ms mon client mode = crc
ms bind msgr1 = false
ms bind port min = $MSGR_MIN
ms bind port max = $MSGR_MAX
run dir = $DIR/run
log file = $DIR/log/\$name.log
mon data avail warn = 1
mon data avail crit = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0

[mon]
mon data = $DIR/mon/\$name
pid file = $DIR/run/\$name.pid
paxos propose interval = 0.01

[osd]
osd data = $DIR/osd0
pid file = $DIR/run/\$name.pid
$OSD_STORE_CONF

[client.rgw.a]
pid file = $DIR/run/\$name.pid
rgw data = $DIR/rgw
# tcp_nodelay: without it every small answer over TLS waits ~40 ms for the client's delayed ACK (Nagle on the
# server's second TLS record): a HEAD took 48 ms over https against 4 ms over http, for every client alike.
rgw frontends = beast endpoint=127.0.0.1:$HTTP_PORT ssl_endpoint=127.0.0.1:$HTTPS_PORT ssl_certificate=$DIR/tls/cert.pem ssl_private_key=$DIR/tls/key.pem tcp_nodelay=1
# SSE over the plain-HTTP endpoint too (tests use both endpoints).
rgw crypt require ssl = false
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = testkey-1=$KMS_KEY_1 testkey-2=$KMS_KEY_2
# Collect overwritten and deleted data within seconds, not hours (memstore keeps it in RAM).
rgw gc obj min wait = 10
rgw gc processor period = 10
rgw gc processor max time = 10
EOF

# Daemons: stdin/stdout/stderr detached (a caller capturing our output must not wait on them) and the lock fd
# closed, so the per-name lock is released when this script ends.
launch() {
  local daemon=$1
  shift
  "$@" </dev/null >>"$DIR/log/$daemon.out" 2>&1 9>&-
}

# ---------------------------------------------------------------- monitor
rgw_log "starting mon (127.0.0.1:$MON_PORT), $STORE OSD and radosgw ($HTTP_ENDPOINT, $HTTPS_ENDPOINT)"
monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$DIR/monmap" >"$DIR/log/setup.log" 2>&1 ||
  fail "monmaptool failed" "$DIR/log/setup.log"
launch mon.a ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" ||
  fail "ceph-mon --mkfs failed" "$DIR/log/mon.a.out" "$DIR/log/mon.a.log"
STARTED=1
launch mon.a ceph-mon -c "$CONF" -i a || fail "ceph-mon did not start" "$DIR/log/mon.a.out" "$DIR/log/mon.a.log"

ceph_cli() { timeout 20 ceph -c "$CONF" --connect-timeout 15 "$@" 2>>"$DIR/log/setup.log" 9>&-; }
mon_quorum() { ceph_cli quorum_status >/dev/null; }
wait_until "monitor quorum" mon.a "$DIR/log/mon.a.log" -- mon_quorum

# ---------------------------------------------------------------- OSD
osd_id=$(ceph_cli osd new "$OSD_UUID") || fail "ceph osd new failed" "$DIR/log/setup.log"
[[ "$osd_id" == 0 ]] || fail "ceph osd new returned '$osd_id', expected 0" "$DIR/log/setup.log"
launch osd.0 ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" ||
  fail "ceph-osd --mkfs failed" "$DIR/log/osd.0.out" "$DIR/log/osd.0.log"
launch osd.0 ceph-osd -c "$CONF" -i 0 || fail "ceph-osd did not start" "$DIR/log/osd.0.out" "$DIR/log/osd.0.log"
osd_up() {
  local out
  out=$(ceph_cli osd stat -f json) || return 1
  [[ "${out//[[:space:]]/}" == *'"num_up_osds":1,'* ]]
}
wait_until "the OSD to come up" osd.0 "$DIR/log/osd.0.log" -- osd_up

# ---------------------------------------------------------------- radosgw
launch client.rgw.a radosgw -c "$CONF" -n client.rgw.a ||
  fail "radosgw did not start" "$DIR/log/client.rgw.a.out" "$DIR/log/client.rgw.a.log"
wait_until "radosgw to answer on $HTTP_ENDPOINT" client.rgw.a "$DIR/log/client.rgw.a.log" -- anon_probe "$HTTP_ENDPOINT/"
wait_until "radosgw to answer on $HTTPS_ENDPOINT" client.rgw.a "$DIR/log/client.rgw.a.log" -- anon_probe "$HTTPS_ENDPOINT/"

# ---------------------------------------------------------------- users
# radosgw-admin prints the keys it stored: keep them out of logs.
create_user() {
  timeout 60 radosgw-admin -c "$CONF" user create --uid="$1" --display-name="$2" \
    --access-key="$3" --secret-key="$4" >/dev/null 2>>"$DIR/log/setup.log" 9>&-
}
create_user ci "Encrypted Buckets CI" "$ACCESS_KEY" "$SECRET_KEY" ||
  fail "radosgw-admin user create ci failed" "$DIR/log/setup.log"
create_user other "Encrypted Buckets other user" "$OTHER_ACCESS_KEY" "$OTHER_SECRET_KEY" ||
  fail "radosgw-admin user create other failed" "$DIR/log/setup.log"

# ---------------------------------------------------------------- env files
json_str() {
  local s=${1//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}
ENV_NAMES=(RGW_HTTP_ENDPOINT RGW_HTTPS_ENDPOINT RGW_CA_FILE RGW_ACCESS_KEY RGW_SECRET_KEY RGW_OTHER_ACCESS_KEY
  RGW_OTHER_SECRET_KEY RGW_REGION RGW_KMS_KEY_1 RGW_KMS_KEY_2 RGW_DATA_DIR)
ENV_VALUES=("$HTTP_ENDPOINT" "$HTTPS_ENDPOINT" "$DIR/tls/cert.pem" "$ACCESS_KEY" "$SECRET_KEY" "$OTHER_ACCESS_KEY"
  "$OTHER_SECRET_KEY" "$REGION" testkey-1 testkey-2 "$DIR")
{
  echo "# Local Ceph RGW instance '$NAME' (test-only credentials). Source this file."
  for i in "${!ENV_NAMES[@]}"; do
    printf 'export %s=%q\n' "${ENV_NAMES[i]}" "${ENV_VALUES[i]}"
  done
} >"$ENV_SH.tmp"
{
  echo '{'
  for i in "${!ENV_NAMES[@]}"; do
    sep=,
    ((i < ${#ENV_NAMES[@]} - 1)) || sep=
    printf '  "%s": %s%s\n' "${ENV_NAMES[i]}" "$(json_str "${ENV_VALUES[i]}")" "$sep"
  done
  echo '}'
} >"$ENV_JSON.tmp"
mv "$ENV_SH.tmp" "$ENV_SH"
mv "$ENV_JSON.tmp" "$ENV_JSON"

# ---------------------------------------------------------------- ready when a signed request works
wait_until "a signed ListBuckets for user ci ($PROBE)" client.rgw.a "$DIR/log/probe.log" -- \
  signed_probe "$HTTP_ENDPOINT" "$ACCESS_KEY" "$SECRET_KEY"
wait_until "a signed ListBuckets for user other ($PROBE)" client.rgw.a "$DIR/log/probe.log" -- \
  signed_probe "$HTTP_ENDPOINT" "$OTHER_ACCESS_KEY" "$OTHER_SECRET_KEY"
date -u +%Y-%m-%dT%H:%M:%SZ >"$DIR/ready"

print_summary "started"
