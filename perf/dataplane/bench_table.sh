#!/usr/bin/env bash
# Publishes the benchmark's table into region PATH: one TCP VIP
# 192.168.4.15:80 with 4 backends, M = 65537. With WEIGHT, the third
# backend gets that weight (the publish benchmark varies it).
# Usage: bench_table.sh DSRLB_REGION_BINARY PATH [WEIGHT]
set -euo pipefail
region=$1 path=$2 weight=${3:-2}
spec=$(mktemp /dev/shm/dsrlb-bench-spec-XXXXXX.json)
cat > "$spec" <<JSON
{"ring_size": 65537, "hash_seed": 1, "port_mac": "02:00:00:00:00:aa",
 "vips": [{"address": "192.168.4.15", "port": 80, "protocol": "tcp", "backends": [
   {"address": "192.168.4.100", "weight": 1, "mac": "02:00:00:00:01:01"},
   {"address": "192.168.4.101", "weight": 1, "mac": "02:00:00:00:01:02"},
   {"address": "192.168.4.102", "weight": $weight, "mac": "02:00:00:00:01:03"},
   {"address": "192.168.4.103", "weight": 1, "mac": "02:00:00:00:01:04"}]}]}
JSON
"$region" publish "$spec" "$path" >/dev/null
rm -f "$spec"
