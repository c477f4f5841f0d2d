#!/usr/bin/env bash
# e2e (root): dsrlb-dataplane in xdp mode on a veth pair between two private
# namespaces. VIP traffic is steered by dsrlb's XDP program to the dataplane
# and comes back out with the backend's MAC; ARP, ping and non-VIP TCP reach
# the kernel; a VIP made inactive stops being steered; on SIGTERM the XDP
# program is detached and the stats region says stopped.
# Usage: dataplane_xdp_test.sh DSRLB_DATAPLANE DSRLB_REGION
set -euo pipefail
DP=$1
REGION=$2
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces, XDP)"; exit 77; }

N=dsrlbx$$
C=${N}c
S=${N}s
work=$(mktemp -d /dev/shm/dsrlb-xdp-XXXXXX)
dp_pid=""
cleanup() {
  if [ -n "$dp_pid" ]; then kill -KILL "$dp_pid" 2>/dev/null || true; wait "$dp_pid" 2>/dev/null || true; fi
  ip netns del "$C" 2>/dev/null || true
  ip netns del "$S" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- dataplane log"; cat "$work/log" || true
  exit 1
}
counter() {  # counter NAME: summed over lcores, from the stats region
  "$REGION" stats "$work/stats" --json |
    python3 -c "import json,sys; print(json.load(sys.stdin)['counters']['$1'])"
}
wait_for() {  # wait_for SECONDS CMD...: until CMD succeeds
  local t=$(( $1 * 10 )); shift
  until "$@"; do t=$((t - 1)); [ $t -gt 0 ] || return 1; sleep 0.1; done
}
capture_start() {  # frames leaving the dataplane towards the backend MAC
  ip netns exec "$C" tcpdump -i c0 -n -U -w "$work/$1.cap" 'ether dst 02:00:00:00:01:01' \
    2>"$work/$1.tcpdump" &
  cap_pid=$!
  wait_for 10 grep -q listening "$work/$1.tcpdump" || fail "tcpdump did not start"
}
captured() { tcpdump -r "$work/$1.cap" -n 2>/dev/null | wc -l; }
capture_count() {  # capture_count NAME EXPECTED: waits up to 10 s for EXPECTED
  local t=100
  while [ "$(captured "$1")" -lt "$2" ] && [ $t -gt 0 ]; do t=$((t - 1)); sleep 0.1; done
  sleep 1  # and for any extra frame
  kill -INT "$cap_pid"; wait "$cap_pid" 2>/dev/null || true
  captured "$1"
}

ip netns add "$C"
ip netns add "$S"
ip link add c0 netns "$C" type veth peer name s0 netns "$S"
ip -n "$C" addr add 10.99.0.1/24 dev c0
ip -n "$S" addr add 10.99.0.2/24 dev s0
ip -n "$C" link set c0 up
ip -n "$S" link set lo up
ip -n "$S" link set s0 up
smac=$(ip -n "$S" -j link show s0 | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['address'])")

spec() {  # spec ACTIVE
  cat > "$work/spec.json" <<JSON
{"ring_size": 251, "port_mac": "$smac",
 "vips": [{"address": "10.99.0.15", "port": 80, "protocol": "tcp", "active": $1,
   "backends": [{"address": "10.99.0.100", "mac": "02:00:00:00:01:01"}]}]}
JSON
  "$REGION" publish "$work/spec.json" "$work/table" >/dev/null
}
spec true

ip netns exec "$S" "$DP" --no-huge -m 256 --no-pci --no-shconf --no-telemetry -l 0-1 -- \
  --xdp-iface s0 --table-region "$work/table" --stats-region "$work/stats" \
  --idle-sleep-us 100 >"$work/log" 2>&1 &
dp_pid=$!
wait_for 60 grep -q "XDP steers 2 VIP keys (generation 1)" "$work/log" ||
  fail "dataplane did not start in xdp mode"
ip -n "$S" link show s0 | grep -q "prog/xdp" || fail "no XDP program on s0"

# 20 VIP flows: forwarded back out of s0 to the backend's MAC.
capture_start vip
ip netns exec "$C" python3 "$HERE/dataplane_send_tcp.py" c0 "$smac" 10.99.0.1 10.99.0.15 80 20
n=$(capture_count vip 20)
[ "$n" = 20 ] || fail "expected 20 frames to the backend MAC, captured $n (rx_packets $(counter rx_packets), tx $(counter tx_packets))"
[ "$(counter forwarded)" = 20 ] || fail "forwarded counter $(counter forwarded), expected 20"

# ARP + ping and TCP to a non-VIP port reach the kernel, not the dataplane.
ip netns exec "$C" ip neigh flush dev c0
ip netns exec "$C" ping -c 2 -W 2 10.99.0.2 >/dev/null || fail "ping to the scheduler's own address failed"
ip netns exec "$C" python3 "$HERE/dataplane_send_tcp.py" c0 "$smac" 10.99.0.1 10.99.0.2 22 5
sleep 0.3
[ "$(counter rx_packets)" = 20 ] || fail "non-VIP traffic reached the dataplane (rx_packets $(counter rx_packets))"

# The VIP turns inactive (BACKUP): the XDP map follows the table.
spec false
wait_for 10 grep -q "XDP steers 0 VIP keys (generation 2)" "$work/log" || fail "XDP map not updated"
capture_start inactive
ip netns exec "$C" python3 "$HERE/dataplane_send_tcp.py" c0 "$smac" 10.99.0.1 10.99.0.15 80 10
n=$(capture_count inactive 0)
[ "$n" = 0 ] || fail "inactive VIP still forwarded ($n frames)"
[ "$(counter rx_packets)" = 20 ] || fail "inactive VIP traffic reached the dataplane"

# Clean shutdown: XDP program detached, stats region says stopped.
kill -TERM "$dp_pid"
wait "$dp_pid" || fail "dataplane exited with $?"
dp_pid=""
ip -n "$S" link show s0 | grep -q "prog/xdp" && fail "XDP program left attached"
"$REGION" stats "$work/stats" --json | python3 -c "import json,sys; sys.exit(json.load(sys.stdin)['running'])" ||
  fail "stats region still says running"
echo "PASS"
