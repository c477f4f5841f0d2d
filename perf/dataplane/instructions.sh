#!/usr/bin/env bash
# Instructions per packet of the pipeline, the deterministic gauge beside
# the throughput figures: callgrind counts what runs inside
# pipeline_bench's MeasuredBursts() (bursts of 32 over frames built
# beforehand), hit path (10 flows, all known) and miss path (every packet a
# new flow). Usage: perf/dataplane/instructions.sh [BUILD_DIR]
# DSRLB_PIPELINE_ARGS: more pipeline_bench arguments for both runs, e.g.
# "--vips 4096 --flows 10000" (flows spread over 4,096 VIPs).
set -euo pipefail
cd "$(dirname "$0")/../.."
BENCH=${DSRLB_PIPELINE_BENCH:-${1:-build}/perf/dataplane/pipeline_bench}
[ -x "$BENCH" ] || { echo "missing $BENCH" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for mode in hit miss; do
  valgrind --tool=callgrind --callgrind-out-file="$out/$mode.out" \
    --collect-atstart=no --toggle-collect='*MeasuredBursts*' \
    "$BENCH" --measure "$mode" ${DSRLB_PIPELINE_ARGS:-} >"$out/$mode.log" 2>&1
  packets=$(grep -oE 'measured [a-z]+: [0-9]+' "$out/$mode.log" | grep -oE '[0-9]+$')
  ir=$(grep -E '^(summary|totals):' "$out/$mode.out" | head -1 | awk '{print $2}')
  awk -v m="$mode" -v ir="$ir" -v p="$packets" 'BEGIN {
    printf "instructions per packet, %s path: %.0f (callgrind: %d instructions / %d packets)\n",
      m, ir / p, ir, p}'
done
