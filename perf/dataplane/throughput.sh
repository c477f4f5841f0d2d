#!/usr/bin/env bash
# Side-by-side forwarding throughput: dsrlb-dataplane and dpdk-testpmd
# (--forward-mode=macswap) in the same run, on the same virtual port:
# net_pcap replaying (infinite_rx=1) 64-byte TCP frames to one VIP with 10,
# 10^4 and 10^6 distinct flows; transmit on the same port, which net_pcap
# drops (frees) when it has no tx_pcap, like net_null. One worker lcore
# (main lcore 0 + worker lcore 1). With hugepages (--in-memory; reserved
# here and released afterwards) and with --no-huge. Prints Mpps and the
# ratio; never pass/fail. Run as root from the repository root:
#   perf/dataplane/throughput.sh [BUILD_DIR]
# Environment: DSRLB_BENCH_SECONDS (samples per run, default 6),
# DSRLB_BENCH_FLOWS ("10 10000 1000000"), DSRLB_BENCH_MODES ("hugepages nohuge").
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
DP=$BUILD/dataplane/dsrlb-dataplane
REGION=$BUILD/controlplane/tools/dsrlb-region
TESTPMD=$(command -v dpdk-testpmd)
SAMPLES=${DSRLB_BENCH_SECONDS:-6}
FLOWS=${DSRLB_BENCH_FLOWS:-"10 10000 1000000"}
MODES=${DSRLB_BENCH_MODES:-"hugepages nohuge"}
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
for f in "$DP" "$REGION"; do
  [ -x "$f" ] || { echo "missing $f: ninja -C $BUILD" >&2; exit 1; }
done

work=$(mktemp -d /dev/shm/dsrlb-bench-XXXXXX)
hp_orig=$(cat $HP)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  echo "$hp_orig" > $HP
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/spec.json" <<JSON
{"ring_size": 65537, "hash_seed": 1, "port_mac": "02:00:00:00:00:aa",
 "vips": [{"address": "192.168.4.15", "port": 80, "protocol": "tcp", "backends": [
   {"address": "192.168.4.100", "weight": 1, "mac": "02:00:00:00:01:01"},
   {"address": "192.168.4.101", "weight": 1, "mac": "02:00:00:00:01:02"},
   {"address": "192.168.4.102", "weight": 2, "mac": "02:00:00:00:01:03"},
   {"address": "192.168.4.103", "weight": 1, "mac": "02:00:00:00:01:04"}]}]}
JSON
"$REGION" publish "$work/spec.json" "$work/table" >/dev/null

# CPU ticks (utime + stime) of each thread of process $1: "tid ticks" lines.
thread_ticks() {
  local f
  for f in /proc/"$1"/task/*/stat; do
    awk -v t="${f%/stat}" '{print t, $(NF-38) + $(NF-37)}' "$f" 2>/dev/null || true
  done
}
count_lines() { grep -cE "$1" "$2" || true; }

# measure LOG RATE_RE SCALE TOTAL_RE CMD...: runs CMD in the background; once
# two rate lines are out (warm-up), samples SAMPLES more, then stops it with
# SIGINT. Prints two figures: the median rate over those lines (Mpps, wall
# clock), and packets per CPU second of the busiest thread (the forwarding
# lcore) over the same lines — what the loop does per core when the core is
# shared with other work, as on this machine.
measure() {
  local log=$1 rate_re=$2 scale=$3 total_re=$4; shift 4
  "$@" >"$log" 2>&1 &
  pid=$!
  local deadline=$((SECONDS + 180)) c1="" t1="" tot1="" wall cpu
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
    local n
    n=$(count_lines "$rate_re" "$log")
    if [ -z "$c1" ] && [ "$n" -ge 2 ]; then
      c1=$n; t1=$(thread_ticks "$pid")
      tot1=$(grep -oE "$total_re" "$log" | grep -oE '[0-9]+' | tail -1)
    elif [ -n "$c1" ] && [ "$n" -ge $((c1 + SAMPLES)) ]; then
      local t2 tot2
      t2=$(thread_ticks "$pid")
      tot2=$(grep -oE "$total_re" "$log" | grep -oE '[0-9]+' | tail -1)
      cpu=$( { echo "$t1" | sed 's/^/a /'; echo "$t2" | sed 's/^/b /'; } |
        awk -v p=$((tot2 - tot1)) -v hz="$(getconf CLK_TCK)" '
          $1 == "a" {a[$2] = $3} $1 == "b" {d = $3 - a[$2]; if (d > m) m = d}
          END {if (m > 0) printf "%.2f", p / (m / hz) / 1e6; else print "n/a"}')
      break
    fi
    sleep 0.1
  done
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
  wall=$(grep -oE "$rate_re" "$log" | grep -oE '[0-9.]+' | tail -n "$SAMPLES" |
    sort -g | awk -v s="$scale" '{v[NR]=$1/s} END {if (NR==0) {print "n/a"; exit}
      printf "%.2f\n", (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}')
  echo "$wall ${cpu:-n/a}"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (shared machines: compare within one run)"
printf "%-10s %-8s | %-24s | %-24s | %s\n" "" "" "wall clock Mpps" "Mpps per CPU-second" "ratio dsrlb/testpmd"
printf "%-10s %-8s | %11s %12s | %11s %12s | %6s %6s\n" memory flows dsrlb testpmd dsrlb testpmd wall cpu
for mode in $MODES; do
  for flows in $FLOWS; do
    pcap=$work/flows-$flows.pcap
    [ -f "$pcap" ] || python3 perf/dataplane/make_flows_pcap.py "$pcap" "$flows" 192.168.4.15 80
    mbufs=$((flows + 32768))
    mem_mb=$(( (mbufs * 640 / 1048576) + 256 ))  # 256 B data room + headers + ring
    if [ "$mode" = hugepages ]; then
      echo $(( hp_orig + mem_mb / 2 + 64 )) > $HP
      eal=(--in-memory --no-pci --no-telemetry -l 0-1 -m "$mem_mb")
    else
      echo "$hp_orig" > $HP
      eal=(--no-huge --no-pci --no-shconf --no-telemetry -l 0-1 -m "$mem_mb")
    fi
    vdev="net_pcap0,rx_pcap=$pcap,infinite_rx=1"
    fts=1024
    while [ $fts -lt $((flows * 2)) ]; do fts=$((fts * 2)); done
    d=$(measure "$work/dsrlb.log" 'tx [0-9.]+ Mpps' 1 'tx [0-9]+\)' \
      "$DP" "${eal[@]}" --vdev "$vdev" -- --table-region "$work/table" \
      --stats-region "$work/stats" --flow-table-size $fts --mbufs $mbufs \
      --mbuf-size 256 --stats-interval 1000)
    t=$(measure "$work/testpmd.log" 'Tx-pps: +[0-9]+' 1000000 'TX-packets: +[0-9]+' \
      "$TESTPMD" "${eal[@]}" --vdev "$vdev" -- --forward-mode=macswap \
      --port-topology=loop --total-num-mbufs=$mbufs --mbuf-size=256 \
      --stats-period=1 --nb-cores=1)
    read -r dw dc <<<"$d"
    read -r tw tc <<<"$t"
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a+0 > 0 && b+0 > 0) printf "%.2f", a/b; else print "n/a"}'; }
    printf "%-10s %-8s | %11s %12s | %11s %12s | %6s %6s\n" "$mode" "$flows" \
      "$dw" "$tw" "$dc" "$tc" "$(ratio "$dw" "$tw")" "$(ratio "$dc" "$tc")"
    [ "$dw" = n/a ] && tail -5 "$work/dsrlb.log" >&2
    [ "$tw" = n/a ] && tail -5 "$work/testpmd.log" >&2
  done
done
