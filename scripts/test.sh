#!/usr/bin/env bash
# The one command that tests dsrlb: installs what is missing, builds, runs
# every test (unit, packet, end-to-end in namespaces). Run as root: the
# end-to-end tests make network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ninja -C build
meson test -C build --print-errorlogs --num-processes 2 "$@"
