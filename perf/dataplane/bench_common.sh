# Sourced by the dataplane benchmarks run against real ports (throughput.sh,
# instructions_e2e.sh) after `cd` to the repository root, with the build
# directory as $1: the binaries they run, checked, and the flow-table rule.
BUILD=${1:-build}
DP=$BUILD/dataplane/dsrlb-dataplane
REGION=$BUILD/controlplane/tools/dsrlb-region
TESTPMD=$(command -v dpdk-testpmd || true)
for f in "$DP" "$REGION"; do
  [ -x "$f" ] || { echo "missing $f: ninja -C $BUILD" >&2; exit 1; }
done
[ -n "$TESTPMD" ] || { echo "missing dpdk-testpmd: apt-get install dpdk" >&2; exit 1; }

# The README's flow-table rule: the next power of two >= 2 x flows (>= 1024).
rule_size() { local s=1024; while [ $s -lt $(($1 * 2)) ]; do s=$((s * 2)); done; echo $s; }
