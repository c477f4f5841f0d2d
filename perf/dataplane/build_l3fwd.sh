#!/usr/bin/env bash
# Builds DPDK's l3fwd example, patched to run on net_pcap
# (perf/dataplane/l3fwd-net_pcap.patch: RSS off and rx offloads masked by
# what the port offers, mbuf pool count and size from L3FWD_MIN_MBUFS /
# L3FWD_MBUF_SIZE, per-second tx counters), in a scratch directory, from the
# examples tree of Debian's dpdk-doc package (apt-get install dpdk-doc).
# Prints the binary's path. Usage: build_l3fwd.sh SCRATCH_DIR
set -euo pipefail
patch_file=$(cd "$(dirname "$0")" && pwd)/l3fwd-net_pcap.patch
out=${1:?usage: build_l3fwd.sh SCRATCH_DIR}
src=$(dpkg -L dpdk-doc 2>/dev/null | grep '/examples/l3fwd/main.c$' | head -1 || true)
[ -n "$src" ] || { echo "no l3fwd source: apt-get install dpdk-doc" >&2; exit 1; }
examples=$(dirname "$(dirname "$src")")
rm -rf "$out" && mkdir -p "$out"
cp -r "$examples/l3fwd" "$examples/common" "$out/"
(cd "$out/l3fwd" && patch -p1 --quiet < "$patch_file" && make -j2 >&2)
echo "$out/l3fwd/build/l3fwd"
