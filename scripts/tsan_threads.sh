#!/usr/bin/env bash
# ThreadSanitizer over the unit tests that run threads (meson suite 'threads'):
# configures build-tsan (clang, -Db_sanitize=thread) once, builds only those
# tests' executables, runs them. Called by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build-tsan/build.ninja ]; then
  CC=clang CXX=clang++ meson setup build-tsan -Dbuildtype=debug \
    -Db_sanitize=thread -Db_lundef=false
fi
mapfile -t targets < <(meson introspect --tests build-tsan | python3 -c '
import json, os, sys
for t in json.load(sys.stdin):
    if "threads" in t["suite"] or any(s.endswith(":threads") for s in t["suite"]):
        print(os.path.relpath(t["cmd"][0], "build-tsan"))')
[ ${#targets[@]} -gt 0 ] || { echo "tsan: no tests in suite threads"; exit 1; }
ninja -C build-tsan tests/tsan/libabsl_sync_tsan.so "${targets[@]}"
meson test -C build-tsan --setup tsan --no-rebuild --print-errorlogs --num-processes 2 \
    --suite threads "$@"
