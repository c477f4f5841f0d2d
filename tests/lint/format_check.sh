#!/usr/bin/env bash
# Fails when a tracked C or C++ file differs from what clang-format makes of
# it with the committed .clang-format; prints the offending lines.
# usage: format_check.sh SOURCE_ROOT
set -euo pipefail
cd "$1"
files=$(git ls-files '*.cc' '*.h' '*.c')
[ -n "$files" ] || { echo "format_check: no files found under $1"; exit 1; }
# shellcheck disable=SC2086
if ! clang-format --dry-run -Werror --style=file $files; then
  echo "format_check: run clang-format -i on the files above"
  exit 1
fi
echo "format_check: $(echo "$files" | wc -l) files formatted"
