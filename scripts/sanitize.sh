#!/usr/bin/env bash
# `make asan` and a step of `make test`: wharf built with AddressSanitizer,
# UBSan (-fno-sanitize-recover: any undefined behaviour aborts) and
# LeakSanitizer (CMake option WHARF_SANITIZE) in its own build directory;
# then the unit tests (leaks fail them) and the whole black-box suite
# against that binary. Clean is the only passing state: any sanitizer
# report from any wharf process fails the run, even when the tests passed.
#   scripts/sanitize.sh [BUILD]        (default build-asan)
# SANITIZE_E2E="tests/e2e/test_blobs.py ..." runs only those black-box tests.
set -uo pipefail
BUILD=${1:-build-asan}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PYTEST=${PYTEST:-/usr/bin/python3 -m pytest}
JOBS=$(nproc 2>/dev/null || echo 2)
fail=0

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DWHARF_SANITIZE=ON >/dev/null || exit 1
fi
cmake --build "$BUILD" -j "$JOBS" >/dev/null || exit 1

# ASan and LSan reports of every process (servers, CLI runs) go to files
# here; UBSan's go to stderr, which the e2e fixture keeps in each server's
# wharf.log under the pytest base directory.
LOGS=$(mktemp -d /tmp/wharf-asan-XXXXXX)
export ASAN_OPTIONS="log_path=$LOGS/asan:detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo "  unit tests (ctest, $BUILD)"
(cd "$BUILD" && ctest --output-on-failure >"$LOGS/ctest.log" 2>&1) || {
  tail -60 "$LOGS/ctest.log" >&2
  fail=1
}

echo "  black-box tests (pytest, $BUILD/wharf)"
# shellcheck disable=SC2086
WHARF_BIN="$ROOT/$BUILD/wharf" $PYTEST -q -p no:cacheprovider --basetemp="$LOGS/pytest" \
  ${SANITIZE_E2E:-tests/e2e} || fail=1

reports=$(ls "$LOGS"/asan.* 2>/dev/null)
ub=$(grep -rlE "runtime error:|AddressSanitizer|LeakSanitizer" "$LOGS/pytest" \
  --include=wharf.log 2>/dev/null)
if [ -n "$reports$ub" ]; then
  echo "sanitizer reports (all of them in $LOGS):" >&2
  for f in $reports $ub; do
    echo "--- $f" >&2
    grep -E -A25 "runtime error:|ERROR: (Address|Leak)Sanitizer" "$f" | head -60 >&2
  done
  exit 1
fi
if [ $fail -ne 0 ]; then
  echo "  server logs kept in $LOGS/pytest" >&2
  exit 1
fi
rm -rf "$LOGS"
