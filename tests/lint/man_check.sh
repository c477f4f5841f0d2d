#!/usr/bin/env bash
# The man pages render without a single groff warning (an unknown macro, a
# bad escape), and each names its binary in NAME as whatis/apropos want.
set -euo pipefail
dir=$1/man
status=0
for page in "$dir"/*.[18]; do
  out=$(LC_ALL=C.UTF-8 groff -man -ww -z "$page" 2>&1)
  if [ -n "$out" ]; then echo "$page: $out"; status=1; fi
  name=$(basename "${page%.*}")
  if ! grep -A1 '^\.SH NAME' "$page" | grep -q "^$name \\\\- "; then
    echo "$page: NAME does not start with '$name \\- '"; status=1
  fi
done
exit $status
