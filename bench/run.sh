#!/usr/bin/env bash
# `make bench`: wharf side by side with the CNCF Distribution registry (Debian docker-registry).
# Usage: bash bench/run.sh [BUILD_DIR]   (BENCH_SCALE=small|full|smoke, default full)
# Installs the benchmark's Debian packages (bench/deps.sh), makes sure the wharf binary is an
# optimized build without sanitizers (otherwise builds one in build-bench/), runs bench/bench.py
# and, for the small and full scales, writes the table into docs/PERFORMANCE.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
SCALE=${BENCH_SCALE:-full}

bash bench/deps.sh

cache_get() { sed -n "s/^$1:[A-Z]*=//p" "$2/CMakeCache.txt" 2>/dev/null; }
type=$(cache_get CMAKE_BUILD_TYPE "$BUILD")
san=$(cache_get WHARF_SANITIZE "$BUILD")
case "$type" in
  Release|RelWithDebInfo) ;;
  *) type="" ;;
esac
if [ -z "$type" ] || [ "$san" = "ON" ] || [ ! -x "$BUILD/wharf" ]; then
  echo "bench: $BUILD is not an optimized build without sanitizers; building build-bench/ (RelWithDebInfo)" >&2
  BUILD=build-bench
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWHARF_SANITIZE=OFF >/dev/null
  if ! cmake --build "$BUILD" -j "$(nproc)" --target wharf >"$BUILD/bench-build.log" 2>&1; then
    if [ -x "$BUILD/wharf" ]; then
      echo "bench: WARNING: building $BUILD failed (see $BUILD/bench-build.log); using the older $BUILD/wharf" >&2
    else
      cat "$BUILD/bench-build.log" >&2
      exit 1
    fi
  fi
  type=RelWithDebInfo
elif ! cmake --build "$BUILD" -j "$(nproc)" --target wharf >"$BUILD/bench-build.log" 2>&1; then
  # an optimized build dir given: bring it up to date first (a stale binary
  # would measure old code and may not know today's flags)
  cat "$BUILD/bench-build.log" >&2
  exit 1
fi

exec python3 bench/bench.py --wharf "$ROOT/$BUILD/wharf" --scale "$SCALE" --build-type "$type" \
  --json "$ROOT/$BUILD/bench-$SCALE.json"
