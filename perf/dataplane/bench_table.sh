#!/usr/bin/env bash
# Publishes the benchmark's table into region PATH: one TCP VIP
# 192.168.4.15:80 with 4 backends, M = 65537. With WEIGHT, the third
# backend gets that weight (the publish benchmark varies it). With VIPS > 1,
# VIPS TCP VIPs on consecutive addresses from 192.168.4.15 (port 80), each
# with 4 backends of its own (10.128.0.0/12), M = 65537 each: the table of
# make_flows_pcap.py's VIPS argument.
# Usage: bench_table.sh DSRLB_REGION_BINARY PATH [WEIGHT] [VIPS]
set -euo pipefail
region=$1 path=$2 weight=${3:-2} vips=${4:-1}
spec=$(mktemp /dev/shm/dsrlb-bench-spec-XXXXXX.json)
if [ "$vips" -le 1 ]; then
  cat > "$spec" <<JSON
{"ring_size": 65537, "hash_seed": 1, "port_mac": "02:00:00:00:00:aa",
 "vips": [{"address": "192.168.4.15", "port": 80, "protocol": "tcp", "backends": [
   {"address": "192.168.4.100", "weight": 1, "mac": "02:00:00:00:01:01"},
   {"address": "192.168.4.101", "weight": 1, "mac": "02:00:00:00:01:02"},
   {"address": "192.168.4.102", "weight": $weight, "mac": "02:00:00:00:01:03"},
   {"address": "192.168.4.103", "weight": 1, "mac": "02:00:00:00:01:04"}]}]}
JSON
else
  python3 - "$spec" "$vips" "$weight" <<'PY'
import ipaddress, json, sys
out, n, weight = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
base = int(ipaddress.IPv4Address("192.168.4.15"))
rs = int(ipaddress.IPv4Address("10.128.0.0"))
vips = []
for v in range(n):
    backends = []
    for b in range(4):
        a = rs + 4 * v + b + 1
        backends.append({"address": str(ipaddress.IPv4Address(a)),
                         "weight": weight if b == 2 else 1,
                         "mac": "02:00:%02x:%02x:%02x:%02x" % tuple(a.to_bytes(4, "big"))})
    vips.append({"address": str(ipaddress.IPv4Address(base + v)), "port": 80,
                 "protocol": "tcp", "backends": backends})
json.dump({"ring_size": 65537, "hash_seed": 1, "port_mac": "02:00:00:00:00:aa",
           "vips": vips}, open(out, "w"))
PY
fi
"$region" publish "$spec" "$path" >/dev/null
rm -f "$spec"
