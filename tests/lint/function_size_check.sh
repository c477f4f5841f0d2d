#!/usr/bin/env bash
# Fails when a function in a tracked C++ file is longer than 80 lines
# (clang-tidy readability-function-size, comments and blank lines counted).
# A function past that is split into named steps; a fixture table that is
# data, not steps, says so with NOLINTNEXTLINE(readability-function-size).
# GoogleTest TEST bodies are macro expansions, which clang-tidy skips.
# usage: function_size_check.sh SOURCE_ROOT BUILD_DIR [FILE...]  (default: all)
set -euo pipefail
src=$1
build=$2
shift 2
cd "$src"
jobs=$(nproc)
# The files the build compiles (compile_commands.json) that git tracks:
# generated protobuf code is left out.
mapfile -t files < <(python3 - "$build/compile_commands.json" <<'PY'
import json, os, subprocess, sys
tracked = set(subprocess.check_output(["git", "ls-files", "*.cc"], text=True).split())
seen = set()
for e in json.load(open(sys.argv[1])):
    path = os.path.relpath(os.path.join(e["directory"], e["file"]))
    if path in tracked and path not in seen:
        seen.add(path)
        print(path)
PY
)
[ $# -eq 0 ] || files=("$@")
[ ${#files[@]} -gt 0 ] || { echo "function_size_check: no files"; exit 1; }
config='{CheckOptions: [{key: readability-function-size.LineThreshold, value: 80}]}'
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -n 4 clang-tidy -p "$build" \
  --quiet --checks='-*,readability-function-size' --config="$config" \
  --warnings-as-errors='*' --header-filter="(common|controlplane|dataplane|perf|tests)/" \
  >"$log" 2>&1 || status=1
grep -E 'warning:|error:|note: [0-9]+ lines' "$log" | sort -u || true
if [ $status -ne 0 ]; then
  echo "function_size_check: functions over 80 lines (or clang-tidy failed): split them into named steps"
  tail -20 "$log"
  exit 1
fi
echo "function_size_check: ${#files[@]} files, no function over 80 lines"
