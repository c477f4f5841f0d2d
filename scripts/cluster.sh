#!/usr/bin/env bash
# Runs the whole product in the seed's case-2 cluster (scripts/netns.sh):
# dsrlb-control + dsrlb-dataplane (xdp mode on eth0) in PREFIX-lvs1 and
# PREFIX-lvs2 with the seed's keepalived configs. Shared by scripts/demo.sh
# and tests/e2e/cluster_test.py.
#   scripts/cluster.sh up PREFIX               netns.sh up, then start lvs1, lvs2
#   scripts/cluster.sh start PREFIX LVS [PART] start LVS (lvs1|lvs2), or only its
#                                              PART (control|dataplane), and wait
#   scripts/cluster.sh stop PREFIX LVS [PART]  stop LVS (SIGTERM, by pid): the
#                                              control plane first (a master
#                                              hands over), then the dataplane
#   scripts/cluster.sh down PREFIX             stop both, netns.sh down, remove files
# Environment: DSRLB_BUILD (build directory, default build),
# DSRLB_CONTROL / DSRLB_DATAPLANE (the binaries, default in DSRLB_BUILD; the
# e2e test passes meson's paths), DSRLB_STATUS_LISTEN (each dsrlb-control's
# status page inside its namespace, default 127.0.0.1:8080; empty = only what
# the configuration's status_page block says), DSRLB_CONF_DIR (where
# case2_lvs1.conf and case2_lvs2.conf are read, default scripts/examples).
# Files (regions, sockets, logs, pids) live in /dev/shm/PREFIX-run/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
P=${2:-dsrlb}
BUILD=${DSRLB_BUILD:-$here/../build}
CONTROL=${DSRLB_CONTROL:-$BUILD/controlplane/daemon/dsrlb-control}
DATAPLANE=${DSRLB_DATAPLANE:-$BUILD/dataplane/dsrlb-dataplane}
STATUS=${DSRLB_STATUS_LISTEN-127.0.0.1:8080}
CONF_DIR=${DSRLB_CONF_DIR:-$here/examples}
RUN=/dev/shm/$P-run

count() { grep -c "$2" "$1" 2>/dev/null || true; }

# Logs are appended to across restarts: wait for one more PATTERN line
# than BEFORE.
wait_log() {  # wait_log SECONDS FILE PATTERN PID BEFORE
  local t=$(( $1 * 10 ))
  until [ "$(count "$2" "$3")" -gt "${5:-0}" ]; do
    if ! kill -0 "$4" 2>/dev/null || [ $t -le 0 ]; then
      echo "cluster.sh: $2 never said '$3':" >&2; cat "$2" >&2 || true; return 1
    fi
    t=$((t - 1)); sleep 0.1
  done
}

start_control() {  # start_control LVS
  local lvs=$1 ns=$P-$1 r=$RUN/$1
  local conf=$CONF_DIR/case2_$lvs.conf before
  mkdir -p "$RUN"
  before=$(count "$r-control.log" "serving")
  ip netns exec "$ns" "$CONTROL" --config "$conf" --state-file "$r-state.json" \
    --interface eth0 --table-region "$r-table" --stats-region "$r-stats" \
    --socket "$r-control.sock" ${STATUS:+--status-listen "$STATUS"} \
    >>"$r-control.log" 2>&1 </dev/null &
  echo $! >"$r-control.pid"
  wait_log 30 "$r-control.log" "serving" "$!" "$before"
}

start_dataplane() {  # start_dataplane LVS
  local lvs=$1 ns=$P-$1 r=$RUN/$1 before
  mkdir -p "$RUN"
  before=$(count "$r-dataplane.log" "XDP steers")
  ip netns exec "$ns" "$DATAPLANE" --no-huge -m 256 \
    --no-pci --no-shconf --no-telemetry -l 0-1 -- --xdp-iface eth0 \
    --table-region "$r-table" --stats-region "$r-stats" --idle-sleep-us 100 \
    >>"$r-dataplane.log" 2>&1 </dev/null &
  echo $! >"$r-dataplane.pid"
  wait_log 60 "$r-dataplane.log" "XDP steers" "$!" "$before"
}

# The control plane first: with no dataplane yet its VRRP instances wait in
# FAULT ("dataplane down"), so the host never claims a VIP it cannot forward.
start() {  # start LVS [PART]
  case "${2:-both}" in
    control) start_control "$1" ;;
    dataplane) start_dataplane "$1" ;;
    both) start_control "$1"; start_dataplane "$1" ;;
    *) echo "cluster.sh: PART is control or dataplane" >&2; exit 2 ;;
  esac
}

stop_part() {  # stop_part LVS PART SECONDS
  local r=$RUN/$1 pid
  [ -f "$r-$2.pid" ] || return 0
  pid=$(cat "$r-$2.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq $(($3 * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$r-$2.pid"
}

# The control plane first: a master sends priority 0 and forwards until the
# backup is master (at most 3 adverts + 1 s), then the dataplane detaches its
# XDP program. The reverse order would leave a master without a dataplane.
stop() {  # stop LVS [PART]
  case "${2:-both}" in
    control) stop_part "$1" control 20 ;;
    dataplane) stop_part "$1" dataplane 10 ;;
    both) stop_part "$1" control 20; stop_part "$1" dataplane 10 ;;
    *) echo "cluster.sh: PART is control or dataplane" >&2; exit 2 ;;
  esac
}

case "$cmd" in
  up)
    "$here/netns.sh" up "$P"
    start lvs1
    start lvs2
    ;;
  start) start "$3" "${4:-both}" ;;
  stop) stop "$3" "${4:-both}" ;;
  down)
    stop lvs1; stop lvs2
    "$here/netns.sh" down "$P"
    rm -rf "$RUN"
    ;;
  *) sed -n '2,18p' "$0"; exit 2 ;;
esac
