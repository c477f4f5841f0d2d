#!/usr/bin/env bash
# Side-by-side forwarding throughput, one run, one port: dpdk-testpmd
# --forward-mode=macswap (the I/O floor), DPDK's l3fwd -E (one exact-match
# lookup per packet; built here from Debian's dpdk-doc examples with
# perf/dataplane/l3fwd-net_pcap.patch) and dsrlb-dataplane, each on
# net_pcap replaying (infinite_rx=1) 64-byte TCP frames with 10, 10^4 and
# 10^6 distinct flows, to one VIP and then spread round-robin over 4,096
# VIPs (a table of 4,096 VIPs, 4 backends and M = 65537 each: the VIP index
# and rings no longer fit in cache); transmit on the same port, which net_pcap
# frees when it has no tx_pcap. One worker lcore (main lcore 0 + worker 1),
# hugepages (--in-memory; reserved here and released afterwards). dsrlb's
# flow table is sized by the README's rule (next power of two >= 2 x flows).
# Then instructions per packet (callgrind: perf/dataplane/instructions.sh,
# the pipeline alone; perf/dataplane/instructions_e2e.sh, the whole
# forwarding thread of testpmd and dsrlb)
# and memory per flow. Prints figures; never pass/fail. Run as root from
# the repository root:
#   perf/dataplane/throughput.sh [BUILD_DIR]
# Environment: DSRLB_BENCH_SECONDS (samples per run, default 6),
# DSRLB_BENCH_FLOWS ("10 10000 1000000"), DSRLB_BENCH_VIPS ("1 4096"),
# DSRLB_BENCH_MODES ("hugepages";
# add "nohuge" for --no-huge), DSRLB_L3FWD (an l3fwd binary built with the
# patch: skips the build), DSRLB_BENCH_INSTRUCTIONS=0 (skip callgrind).
set -euo pipefail
cd "$(dirname "$0")/../.."
source perf/dataplane/bench_common.sh
SAMPLES=${DSRLB_BENCH_SECONDS:-6}
FLOWS=${DSRLB_BENCH_FLOWS:-"10 10000 1000000"}
VIPS=${DSRLB_BENCH_VIPS:-"1 4096"}
MODES=${DSRLB_BENCH_MODES:-"hugepages"}
HP=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages

work=$(mktemp -d /dev/shm/dsrlb-bench-XXXXXX)
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

L3FWD=${DSRLB_L3FWD:-}
if [ -z "$L3FWD" ]; then
  L3FWD=$(perf/dataplane/build_l3fwd.sh "$work/l3fwd" 2>"$work/l3fwd-build.log" || true)
  [ -x "$L3FWD" ] || { echo "l3fwd not built (see below); its column stays n/a" >&2
                       tail -5 "$work/l3fwd-build.log" >&2; L3FWD=""; }
fi

for vips in $VIPS; do
  t0=$SECONDS
  perf/dataplane/bench_table.sh "$REGION" "$work/table-$vips" 2 "$vips"
  echo "table of $vips VIP(s): $(du -m --apparent-size "$work/table-$vips" | cut -f1) MiB, published in $((SECONDS - t0)) s"
done

# CPU ticks (utime + stime) of each thread of process $1: "tid ticks" lines.
thread_ticks() {
  local f
  for f in /proc/"$1"/task/*/stat; do
    awk -v t="${f%/stat}" '{print t, $(NF-38) + $(NF-37)}' "$f" 2>/dev/null || true
  done
}
count_lines() { grep -cE "$1" "$2" || true; }

# measure LOG RATE_RE SCALE TOTAL_RE CMD...: runs CMD in the background; once
# two rate lines are out and the packet total has reached $WARM_PACKETS
# (warm-up: dsrlb's flow table has seen every flow twice), samples SAMPLES
# more, then stops it with SIGINT. Prints two figures: the median rate over those lines (Mpps, wall
# clock), and packets per CPU second of the busiest thread (the forwarding
# lcore) over the same lines — what the loop does per core when the core is
# shared with other work, as on this machine.
measure() {
  local log=$1 rate_re=$2 scale=$3 total_re=$4; shift 4
  "$@" >"$log" 2>&1 &
  pid=$!
  local deadline=$((SECONDS + 300)) c1="" t1="" tot1="" wall cpu
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
    local n
    n=$(count_lines "$rate_re" "$log")
    local cur
    cur=$(grep -oE "$total_re" "$log" | grep -oE '[0-9]+' | tail -1 || true)
    if [ -z "$c1" ] && [ "$n" -ge 2 ] && [ "${cur:-0}" -ge "${WARM_PACKETS:-0}" ]; then
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
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a+0 > 0 && b+0 > 0) printf "%.2f", a/b; else print "n/a"}'; }
ns() { awk -v a="$1" 'BEGIN {if (a+0 > 0) printf "%.0f", 1000/a; else print "n/a"}'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (shared machines: compare within one run)"
echo "Mpps, wall clock (median of $SAMPLES one-second lines) | in brackets: per CPU-second of the forwarding thread"
printf "%-9s %-5s %-8s %-9s | %-15s %-15s %-15s %-7s | %-15s %-15s\n" memory vips flows table \
  testpmd l3fwd-E dsrlb "ns/pkt" "dsrlb/testpmd" "dsrlb/l3fwd"
for mode in $MODES; do
  for vips in $VIPS; do
  for flows in $FLOWS; do
    pcap=$work/flows-$flows-$vips.pcap
    [ -f "$pcap" ] || python3 perf/dataplane/make_flows_pcap.py "$pcap" "$flows" 192.168.4.15 80 "$vips"
    mbufs=$((flows + 32768))
    mem_mb=$(( (mbufs * 640 / 1048576) + 256 ))  # 256 B data room + headers + ring
    fts=$(rule_size "$flows")
    ft_mb=$(( fts * 72 / 1048576 + 2 ))
    # l3fwd's exact-match tables (4M entries, IPv4 and IPv6) take ~1 GiB more.
    l3_mb=$((mem_mb + 1024))
    if [ "$mode" = hugepages ]; then
      echo $(( hp_orig + l3_mb / 2 + 64 )) > $HP
      eal=(--in-memory --huge-dir "$work/huge" --no-pci --no-telemetry -l 0-1 -m "$mem_mb")
    else
      echo "$hp_orig" > $HP
      eal=(--no-huge --no-pci --no-shconf --no-telemetry -l 0-1 -m "$mem_mb")
    fi
    l3eal=("${eal[@]}")
    l3eal[${#l3eal[@]}-1]=$l3_mb
    vdev="net_pcap0,rx_pcap=$pcap,infinite_rx=1"
    t=$(measure "$work/testpmd.log" 'Tx-pps: +[0-9]+' 1000000 'TX-packets: +[0-9]+' \
      "$TESTPMD" "${eal[@]}" --vdev "$vdev" -- --forward-mode=macswap \
      --port-topology=loop --total-num-mbufs=$mbufs --mbuf-size=256 \
      --stats-period=1 --nb-cores=1)
    l="n/a n/a"
    if [ -n "$L3FWD" ]; then
      l=$(L3FWD_MIN_MBUFS=$mbufs L3FWD_MBUF_SIZE=384 measure "$work/l3fwd.log" \
        'tx-pps [0-9]+' 1000000 'tx [0-9]+$' \
        "$L3FWD" "${l3eal[@]}" --vdev "$vdev" -- -p 0x1 -P -E --parse-ptype \
        --config="(0,0,1)")
    fi
    d=$(WARM_PACKETS=$((2 * flows)) measure "$work/dsrlb.log" 'tx [0-9.]+ Mpps' 1 'tx [0-9]+\)' \
      "$DP" "${eal[@]}" --vdev "$vdev" -- --table-region "$work/table-$vips" \
      --stats-region "$work/stats" --flow-table-size "$fts" --mbufs $mbufs \
      --mbuf-size 256 --stats-interval 1000)
    read -r tw tc <<<"$t"
    read -r lw lc <<<"$l"
    read -r dw dc <<<"$d"
    printf "%-9s %-5s %-8s %-9s | %-15s %-15s %-15s %-7s | %-15s %-15s\n" "$mode" "$vips" "$flows" \
      "2^$(awk -v s="$fts" 'BEGIN {printf "%d", log(s)/log(2)}') (${ft_mb}M)" \
      "$tw [$tc]" "$lw [$lc]" "$dw [$dc]" "$(ns "$dw")" \
      "$(ratio "$dw" "$tw") [$(ratio "$dc" "$tc")]" "$(ratio "$dw" "$lw") [$(ratio "$dc" "$lc")]"
    [ "$tw" = n/a ] && tail -5 "$work/testpmd.log" >&2
    [ -n "$L3FWD" ] && [ "$lw" = n/a ] && tail -5 "$work/l3fwd.log" >&2
    [ "$dw" = n/a ] && tail -5 "$work/dsrlb.log" >&2
  done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "memory: 72 bytes per flow-table entry (64 B entry + 8 B of bucket line);" \
  "table per worker lcore = 72 B x (next power of two >= 2 x flows)"
if [ "${DSRLB_BENCH_INSTRUCTIONS:-1}" != 0 ]; then
  if command -v valgrind >/dev/null; then
    perf/dataplane/instructions.sh "$BUILD"
    perf/dataplane/instructions_e2e.sh "$BUILD"
  else
    echo "instructions per packet: n/a (apt-get install valgrind)"
  fi
fi
