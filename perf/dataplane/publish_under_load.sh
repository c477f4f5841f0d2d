#!/usr/bin/env bash
# Table publishes under full-rate traffic: dsrlb-dataplane forwards a
# net_pcap infinite_rx replay (64-byte TCP, 10^4 flows, one worker lcore,
# hugepages) while publish_loop publishes 100 tables (each a new ring,
# waiting for the readers as dsrlb-control does). Then it stops and every
# frame is accounted for from the stats region: rx = forwarded + every
# drop, tx = forwarded. Prints the figures; never pass/fail. Run as root
# from the repository root:  perf/dataplane/publish_under_load.sh [BUILD_DIR]
# Environment: DSRLB_PUBLISHES (100), DSRLB_BENCH_FLOWS (10000).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
DP=$BUILD/dataplane/dsrlb-dataplane
REGION=$BUILD/controlplane/tools/dsrlb-region
LOOP=$BUILD/perf/dataplane/publish_loop
N=${DSRLB_PUBLISHES:-100}
FLOWS=${DSRLB_BENCH_FLOWS:-10000}
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
for f in "$DP" "$REGION" "$LOOP"; do
  [ -x "$f" ] || { echo "missing $f: ninja -C $BUILD" >&2; exit 1; }
done
work=$(mktemp -d /dev/shm/dsrlb-publish-XXXXXX)
hp_orig=$(cat $HP)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  umount "$work/huge" 2>/dev/null || true
  echo "$hp_orig" > $HP
  rm -rf "$work"
}
trap cleanup EXIT
# A hugetlbfs of our own (EAL --huge-dir): the run does not depend on, or
# disturb, the system's mount; unmounted on exit.
mkdir -p "$work/huge" && mount -t hugetlbfs nodev "$work/huge"

perf/dataplane/bench_table.sh "$REGION" "$work/table"
python3 perf/dataplane/make_flows_pcap.py "$work/flows.pcap" "$FLOWS" 192.168.4.15 80
mbufs=$((FLOWS + 32768))
mem_mb=$(( (mbufs * 640 / 1048576) + 256 ))
echo $(( hp_orig + mem_mb / 2 + 64 )) > $HP
fts=1024
while [ $fts -lt $((FLOWS * 2)) ]; do fts=$((fts * 2)); done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
"$DP" --in-memory --huge-dir "$work/huge" --no-pci --no-telemetry -l 0-1 -m "$mem_mb" \
  --vdev "net_pcap0,rx_pcap=$work/flows.pcap,infinite_rx=1" -- \
  --table-region "$work/table" --stats-region "$work/stats" \
  --flow-table-size $fts --mbufs $mbufs --mbuf-size 256 --stats-interval 1000 \
  >"$work/dsrlb.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  [ "$(grep -c 'tx [0-9.]* Mpps' "$work/dsrlb.log" || true)" -ge 2 ] && break
  sleep 0.1
done
"$LOOP" "$work/table" "$work/stats" "$N"
sleep 1
kill -INT "$pid"; wait "$pid" || true; pid=""
grep -E 'tx [0-9.]+ Mpps' "$work/dsrlb.log" | tail -3 | sed 's/^/  dsrlb /'
"$REGION" stats "$work/stats" --json | python3 -c '
import json, sys
c = json.load(sys.stdin)["counters"]
drops = {k: v for k, v in c.items() if k.startswith("drop_") and v}
rx, tx, fw = c["rx_packets"], c["tx_packets"], c["forwarded"]
print("rx %d, forwarded %d, tx %d, table_switches %d, drops %s"
      % (rx, fw, tx, c["table_switches"], drops or 0))
print("unaccounted frames (rx - forwarded - drops): %d; forwarded but not sent"
      " (forwarded - tx): %d" % (rx - fw - sum(drops.values()), fw - tx))
'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
