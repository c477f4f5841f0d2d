#!/usr/bin/env bash
# Instructions per packet of the whole forwarding thread, dsrlb-dataplane
# next to dpdk-testpmd --forward-mode=macswap (the I/O floor), on the same
# net_pcap infinite_rx port and the same 64-byte TCP frames, under
# callgrind: the deterministic gauge beside throughput.sh's noisy Mpps.
# Each count is split by where the instructions run: the DPDK libraries
# (net_pcap rx/tx, mempool, ethdev: the same work in both programs) and the
# program's own code (testpmd's macswap engine; dsrlb's worker loop and
# pipeline). Prints figures; never pass/fail. As root, from the repository
# root:
#   perf/dataplane/instructions_e2e.sh [BUILD_DIR]
# Environment: DSRLB_E2E_FLOWS ("10 10000"), DSRLB_E2E_SECONDS (30 per run).
set -euo pipefail
cd "$(dirname "$0")/../.."
source perf/dataplane/bench_common.sh
FLOWS=${DSRLB_E2E_FLOWS:-"10 10000"}
SECONDS_PER_RUN=${DSRLB_E2E_SECONDS:-30}
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 1; }

work=$(mktemp -d /dev/shm/dsrlb-e2e-XXXXXX)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

perf/dataplane/bench_table.sh "$REGION" "$work/table" 2 1

# run OUT READY_RE CMD...: CMD under callgrind (one profile per thread);
# once its log matches READY_RE (it forwards: under valgrind start-up takes
# a while), SECONDS_PER_RUN seconds more, then SIGINT.
run() {
  local out=$1 ready=$2 waited=0; shift 2
  valgrind --tool=callgrind --separate-threads=yes \
    --callgrind-out-file="$out" "$@" >"$out.log" 2>&1 &
  pid=$!
  while ! grep -qE "$ready" "$out.log" && [ $waited -lt 300 ] &&
    kill -0 "$pid" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
  done
  sleep "$SECONDS_PER_RUN"
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}

# split OUT: "total libraries own" instructions of the thread that ran the
# most (the forwarding lcore); libraries = functions in shared objects
# under /usr/lib (DPDK's drivers, mempool, ethdev; libc), own = the rest
# (the program's binary, DPDK's inline functions compiled into it).
split() {
  local f best="" most=0 ir
  for f in "$1"-*; do
    ir=$(callgrind_annotate "$f" 2>/dev/null |
      awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    if [ "${ir:-0}" -gt "$most" ]; then most=$ir; best=$f; fi
  done
  callgrind_annotate --threshold=100 "$best" 2>/dev/null | awk '
    /PROGRAM TOTALS/ {gsub(",", "", $1); total = $1; next}
    $1 ~ /^[0-9,]+$/ && /\[\/(usr\/)?lib/ {n = $1; gsub(",", "", n); lib += n}
    END {printf "%.0f %.0f %.0f\n", total, lib, total - lib}'
}

echo "instructions per packet of the forwarding thread (callgrind, ${SECONDS_PER_RUN} s per run; 64 B TCP, 1 VIP, 4 backends; net_pcap infinite_rx)"
printf "%-7s | %-28s | %-36s | %s\n" flows "testpmd macswap: all (lib + own)" \
  "dsrlb: all (lib + own)" "testpmd/dsrlb"
for flows in $FLOWS; do
  pcap=$work/flows-$flows.pcap
  python3 perf/dataplane/make_flows_pcap.py "$pcap" "$flows" 192.168.4.15 80 1
  mbufs=$((flows + 32768))
  eal=(--no-huge -m 1024 --no-pci --no-shconf --no-telemetry -l 0-1
       --vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1")
  run "$work/testpmd-$flows.cg" 'Tx-pps: +[1-9]' "$TESTPMD" "${eal[@]}" -- \
    --forward-mode=macswap --port-topology=loop --total-num-mbufs=$mbufs \
    --mbuf-size=256 --nb-cores=1 --stats-period=1
  tp=$(grep -oE 'TX-packets: +[0-9]+' "$work/testpmd-$flows.cg.log" |
    grep -oE '[0-9]+' | tail -1)
  run "$work/dsrlb-$flows.cg" 'tx [0-9.]*[1-9][0-9.]* Mpps' "$DP" "${eal[@]}" -- \
    --table-region "$work/table" --stats-region "$work/stats" \
    --flow-table-size "$(rule_size "$flows")" --mbufs $mbufs --mbuf-size 256 \
    --stats-interval 1000
  dp=$("$REGION" stats "$work/stats" | awk '$1 == "tx_packets" {print $2}')
  read -r tt td to <<<"$(split "$work/testpmd-$flows.cg")"
  read -r dt dd dw <<<"$(split "$work/dsrlb-$flows.cg")"
  awk -v f="$flows" -v tp="${tp:-0}" -v dp="${dp:-0}" -v tt="$tt" -v td="$td" \
    -v to="$to" -v dt="$dt" -v dd="$dd" -v dw="$dw" 'BEGIN {
      if (tp == 0 || dp == 0) {printf "%-7s | n/a (no packets counted)\n", f; exit}
      printf "%-7s | %5.0f (%3.0f + %3.0f)%-11s | %5.0f (%3.0f + %3.0f)%-19s | %.2f\n",
        f, tt / tp, td / tp, to / tp, "", dt / dp, dd / dp, dw / dp, "",
        (tt / tp) / (dt / dp)}'
done
