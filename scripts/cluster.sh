#!/usr/bin/env bash
# Runs the whole product in the seed's case-2 cluster (scripts/netns.sh):
# dsrlb-control + dsrlb-dataplane (xdp mode on eth0) in PREFIX-lvs1 and
# PREFIX-lvs2 with the seed's keepalived configs. Shared by scripts/demo.sh
# and tests/e2e/cluster_test.py.
#   scripts/cluster.sh up PREFIX         netns.sh up, then start lvs1 and lvs2
#   scripts/cluster.sh start PREFIX LVS  start LVS (lvs1|lvs2) and wait for it
#   scripts/cluster.sh stop PREFIX LVS   stop LVS's processes (SIGTERM, by pid)
#   scripts/cluster.sh down PREFIX       stop both, netns.sh down, remove files
# Environment: DSRLB_BUILD (build directory, default build),
# DSRLB_CONTROL / DSRLB_DATAPLANE (the binaries, default in DSRLB_BUILD; the
# e2e test passes meson's paths), DSRLB_STATUS_LISTEN (each dsrlb-control's
# status page inside its namespace, default 127.0.0.1:8080; empty = off).
# Files (regions, sockets, logs, pids) live in /dev/shm/PREFIX-run/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
P=${2:-dsrlb}
BUILD=${DSRLB_BUILD:-$here/../build}
CONTROL=${DSRLB_CONTROL:-$BUILD/controlplane/daemon/dsrlb-control}
DATAPLANE=${DSRLB_DATAPLANE:-$BUILD/dataplane/dsrlb-dataplane}
STATUS=${DSRLB_STATUS_LISTEN-127.0.0.1:8080}
RUN=/dev/shm/$P-run

wait_log() {  # wait_log SECONDS FILE PATTERN PID
  local t=$(( $1 * 10 ))
  until grep -q "$3" "$2" 2>/dev/null; do
    if ! kill -0 "$4" 2>/dev/null || [ $t -le 0 ]; then
      echo "cluster.sh: $2 never said '$3':" >&2; cat "$2" >&2 || true; return 1
    fi
    t=$((t - 1)); sleep 0.1
  done
}

start() {  # start LVS
  local lvs=$1 ns=$P-$1 r=$RUN/$1
  local conf=$here/examples/case2_$lvs.conf
  mkdir -p "$RUN"
  ip netns exec "$ns" "$CONTROL" --config "$conf" --state-file "$r-state.json" \
    --interface eth0 --table-region "$r-table" --stats-region "$r-stats" \
    --socket "$r-control.sock" ${STATUS:+--status-listen "$STATUS"} \
    >"$r-control.log" 2>&1 </dev/null &
  echo $! >"$r-control.pid"
  wait_log 30 "$r-control.log" "serving" "$!"
  ip netns exec "$ns" "$DATAPLANE" --no-huge -m 256 \
    --no-pci --no-shconf --no-telemetry -l 0-1 -- --xdp-iface eth0 \
    --table-region "$r-table" --stats-region "$r-stats" --idle-sleep-us 100 \
    >"$r-dataplane.log" 2>&1 </dev/null &
  echo $! >"$r-dataplane.pid"
  wait_log 60 "$r-dataplane.log" "XDP steers" "$!"
}

stop() {  # stop LVS: the dataplane first, so it detaches its XDP program
  local r=$RUN/$1 pid
  for part in dataplane control; do
    [ -f "$r-$part.pid" ] || continue
    pid=$(cat "$r-$part.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$r-$part.pid"
  done
}

case "$cmd" in
  up)
    "$here/netns.sh" up "$P"
    start lvs1
    start lvs2
    ;;
  start) start "$3" ;;
  stop) stop "$3" ;;
  down)
    stop lvs1; stop lvs2
    "$here/netns.sh" down "$P"
    rm -rf "$RUN"
    ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
