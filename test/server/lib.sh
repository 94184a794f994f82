# Shared helpers for start.sh and stop.sh. Sourced, not executed.
# Everything here acts on one instance's data dir only; processes are found through that dir's pid files and
# checked against their command line before a signal is sent, so a recycled pid is never hit.

RGW_SERVER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RGW_REPO_DIR=$(cd "$RGW_SERVER_DIR/../.." && pwd)
RGW_STATE_DIR="$RGW_REPO_DIR/.state"

# The daemons this scripts family starts, in start order (pid file basenames = ceph $name).
RGW_DAEMONS=(mon.a osd.0 client.rgw.a)

rgw_log() { printf '[rgw-%s] %s\n' "${NAME:-?}" "$*" >&2; }

rgw_check_name() {
  if [[ ! "$1" =~ ^[a-z0-9][a-z0-9-]{0,30}$ ]]; then
    echo "invalid instance name '$1' (use lowercase letters, digits and '-', at most 31 chars)" >&2
    exit 2
  fi
}

# Prints the pid recorded in DIR/run/<daemon>.pid if that process is alive AND was started with this
# instance's config file; prints nothing otherwise.
rgw_live_pid() {
  local dir=$1 daemon=$2 pidfile pid
  pidfile="$dir/run/$daemon.pid"
  [[ -s "$pidfile" ]] || return 0
  pid=$(tr -dc '0-9' <"$pidfile")
  [[ -n "$pid" ]] || return 0
  [[ -r "/proc/$pid/cmdline" ]] || return 0
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/ceph.conf"; then
    printf '%s\n' "$pid"
  fi
}

# Stops every daemon of the instance in DIR, one at a time in reverse start order: radosgw, then the OSD while the
# monitor can still acknowledge its "mark me down" (TERM-ing all at once costs the OSD a 5 s mon timeout), then the
# monitor. Each gets TERM and RGW_STOP_TIMEOUT seconds (default 10), then KILL.
rgw_stop_daemons() {
  local dir=$1 daemon pid i
  for ((i = ${#RGW_DAEMONS[@]} - 1; i >= 0; i--)); do
    daemon=${RGW_DAEMONS[i]}
    pid=$(rgw_live_pid "$dir" "$daemon")
    [[ -n "$pid" ]] || continue
    kill -TERM "$pid" 2>/dev/null || continue
    local deadline=$((SECONDS + ${RGW_STOP_TIMEOUT:-10}))
    while rgw_running "$pid"; do
      if ((SECONDS >= deadline)); then
        rgw_log "$daemon (pid $pid) did not stop after TERM; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.3
        break
      fi
      sleep 0.05
    done
  done
}

# True while PID exists and is not a zombie waiting to be reaped (our daemons are reparented to init).
rgw_running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z ]]
}
