#!/usr/bin/env bash
# `make test`: unit tests (ctest/cmocka), then the black-box suite against the
# real binary, including the real clients (skopeo, podman).
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PYTEST=${PYTEST:-/usr/bin/python3 -m pytest}
fail=0

echo "== unit tests (ctest)"
(cd "$BUILD" && ctest --output-on-failure) || fail=1

echo "== black-box tests (pytest, real binary)"
WHARF_BIN="$ROOT/$BUILD/wharf" $PYTEST -q -p no:cacheprovider tests/e2e || fail=1

if [ $fail -ne 0 ]; then
  echo "make test: FAILED" >&2
  exit 1
fi
echo "make test: all passed"
