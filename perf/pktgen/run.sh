#!/usr/bin/env bash
# pktgen -> net_memif -> dsrlb-dataplane -> net_memif -> pktgen on one host:
# 64-byte TCP to one VIP with 10, ~10^4 and ~10^6 flows (dsrlb_flows.lua),
# printing the Mpps pktgen sent and received. dsrlb forwards on the port it
# received on (direct server return), so one memif pair carries both ways.
# Not part of CI; needs a pktgen-dpdk build (README.md says how).
# Run as root from the repository root:
#   perf/pktgen/run.sh PKTGEN_BINARY [BUILD_DIR]
# Environment: DSRLB_PKTGEN_FLOWS ("10 10000 1000000"), DSRLB_SECONDS (10),
# DSRLB_PKTGEN_LCORES (pktgen's EAL -l, "0-1"), DSRLB_DP_LCORES ("0-1"):
# on a host with 4+ cores give them separate cores (e.g. "2-3" / "0-1").
set -euo pipefail
PKTGEN=${1:?usage: perf/pktgen/run.sh PKTGEN_BINARY [BUILD_DIR]}
cd "$(dirname "$0")/../.."
BUILD=${2:-build}
DP=$BUILD/dataplane/dsrlb-dataplane
REGION=$BUILD/controlplane/tools/dsrlb-region
FLOWS=${DSRLB_PKTGEN_FLOWS:-"10 10000 1000000"}
PG_LCORES=${DSRLB_PKTGEN_LCORES:-0-1}
DP_LCORES=${DSRLB_DP_LCORES:-0-1}
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
for f in "$PKTGEN" "$DP" "$REGION"; do
  [ -x "$f" ] || { echo "missing $f" >&2; exit 1; }
done
PKTGEN=$(readlink -f "$PKTGEN")
profile=$(readlink -f perf/pktgen/dsrlb_flows.lua)

work=$(mktemp -d /dev/shm/dsrlb-pktgen-XXXXXX)
hp_orig=$(cat $HP)
dp_pid=""
cleanup() {
  [ -n "$dp_pid" ] && kill -INT "$dp_pid" 2>/dev/null && wait "$dp_pid" 2>/dev/null || true
  umount "$work/huge" 2>/dev/null || true
  echo "$hp_orig" > $HP
  rm -rf "$work"
  # EAL makes its runtime directory even with --in-memory: leave none.
  rmdir /var/run/dpdk/dsrlb-pg /var/run/dpdk/dsrlb-pg-dp 2>/dev/null || true
}
trap cleanup EXIT
# A hugetlbfs of our own (EAL --huge-dir): the run does not depend on, or
# disturb, the system's mount; unmounted on exit.
mkdir -p "$work/huge" && mount -t hugetlbfs nodev "$work/huge"
# 2 x 512 MiB: pktgen's pools and dsrlb's.
echo $((hp_orig + 1024)) > $HP

perf/dataplane/bench_table.sh "$REGION" "$work/table"
sock=$work/memif.sock
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
for flows in $FLOWS; do
  fts=1024
  while [ $fts -lt $((flows * 2)) ]; do fts=$((fts * 2)); done
  # dsrlb is the memif server (it creates the socket); pktgen connects.
  "$DP" --in-memory --huge-dir "$work/huge" --no-pci --no-telemetry --file-prefix dsrlb-pg-dp -l "$DP_LCORES" -m 512 \
    --vdev "net_memif0,role=server,id=0,socket=$sock,mac=02:00:00:00:00:aa" -- \
    --table-region "$work/table" --stats-region "$work/stats" \
    --flow-table-size $fts --stats-interval 1000 >"$work/dsrlb.log" 2>&1 &
  dp_pid=$!
  for _ in $(seq 300); do
    grep -q "forwarding on port" "$work/dsrlb.log" 2>/dev/null && break
    sleep 0.1
  done
  # pktgen's display needs a terminal: give it one with script(1).
  (cd "$(dirname "$PKTGEN")" && DSRLB_FLOWS=$flows DSRLB_RESULT="$work/result" \
    timeout $(( ${DSRLB_SECONDS:-10} + 60 )) script -qec "'$PKTGEN' --in-memory --huge-dir '$work/huge' --no-pci \
      --no-telemetry --file-prefix dsrlb-pg -l $PG_LCORES -m 512 \
      --vdev net_memif0,role=client,id=0,socket=$sock -- -P -m '[1].0' -f '$profile'" \
      /dev/null >"$work/pktgen.log" 2>&1 || true)
  cp "$work/pktgen.log" "${DSRLB_PKTGEN_LOG:-/dev/null}" 2>/dev/null || true
  kill -INT "$dp_pid" 2>/dev/null || true
  wait "$dp_pid" 2>/dev/null || true
  dp_pid=""
  if grep -q "flows" "$work/result" 2>/dev/null; then
    tail -1 "$work/result"
  else
    echo "flows $flows: no result; pktgen's last lines:"; tail -25 "$work/pktgen.log"
    echo "dsrlb's last lines:"; tail -3 "$work/dsrlb.log"
  fi
  rm -f "$work/result"
  "$REGION" stats "$work/stats" | grep -E "rx_packets|tx_packets|forwarded|drop_" | head -8 || true
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
