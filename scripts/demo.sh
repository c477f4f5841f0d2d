#!/usr/bin/env bash
# The one command that runs dsrlb on one machine. For now: builds, publishes
# the seed's case-2 table into a region under /dev/shm and decodes it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ninja -C build
region=/dev/shm/dsrlb-demo-table
trap 'rm -f "$region"' EXIT
build/controlplane/tools/dsrlb-region publish scripts/examples/seed-case2-table.json "$region"
scripts/dsrlb-region table "$region"
