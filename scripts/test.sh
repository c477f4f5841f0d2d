#!/usr/bin/env bash
# The one command that tests dsrlb: installs what is missing, builds, runs
# every test. Run as root: the end-to-end tests make network namespaces.
#   build/       gcc, every suite (unit, packet, e2e)
#   build-asan/  clang with AddressSanitizer + UBSan: unit and packet suites,
#                and the libFuzzer targets, each run briefly (suite fuzz).
#   build-tsan/  clang with ThreadSanitizer: the unit tests that run threads
#                (suite threads; scripts/tsan_threads.sh).
# DSRLB_QUICK=1 skips the sanitizer builds (for a fast local loop).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ninja -C build
status=0
meson test -C build --print-errorlogs --num-processes 2 "$@" || status=1
if [ "${DSRLB_QUICK:-0}" != 1 ]; then
  if [ ! -f build-asan/build.ninja ]; then
    CC=clang CXX=clang++ meson setup build-asan -Dbuildtype=debug \
      -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true
  fi
  ninja -C build-asan
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ASAN_OPTIONS=detect_leaks=1 \
    meson test -C build-asan --print-errorlogs --num-processes 2 \
      --suite unit --suite packet --suite fuzz "$@" || status=1
  bash scripts/tsan_threads.sh "$@" || status=1
fi
exit $status
