#!/usr/bin/env bash
# Builds dsrlb's Debian package from this tree with dpkg-buildpackage
# (debian/: meson, -Dtests=false) in a copy of the tree under OUTDIR, and
# prints the path of the .deb. The package suite (tests/package/) runs it;
# by hand: scripts/package.sh build/package && apt install ./build/package/dsrlb_*.deb
#   OUTDIR  default build/package; the .deb, .buildinfo and .changes land there,
#           the copy of the tree in OUTDIR/src (rebuilt each run: ccache makes
#           a rebuild of an unchanged file cheap).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build/package}")
src="$out/src"
mkdir -p "$out"
rm -rf "$src" "$out"/dsrlb_*.deb "$out"/dsrlb_*.buildinfo "$out"/dsrlb_*.changes \
  "$out"/dsrlb-dbgsym_*.*deb
mkdir -p "$src"
# The files git knows (tracked, or new and not ignored): no build directory.
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf - | tar -xf - -C "$src"
# debhelper gives the build a fresh HOME; keep ccache's cache where it is.
if command -v ccache >/dev/null; then
  CCACHE_DIR="${CCACHE_DIR:-$(ccache -k cache_dir)}"
  export CCACHE_DIR
fi
cd "$src"
if ! nice dpkg-buildpackage -b -us -uc -jauto > "$out/build.log" 2>&1; then
  tail -n 60 "$out/build.log" >&2
  echo "package: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
  exit 1
fi
ls "$out"/dsrlb_*.deb
