#!/usr/bin/env bash
# `make test`: unit tests (ctest/cmocka), then the black-box suite against the
# real binary, including the real clients (skopeo, podman), twice: embedded
# (SQLite + filesystem), then on PostgreSQL + S3 (s3rver); then every fuzz
# seed corpus replayed through its libFuzzer target (scripts/fuzz.sh), and the
# unit and black-box tests again against an ASan+UBSan build (scripts/sanitize.sh).
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PYTEST=${PYTEST:-/usr/bin/python3 -m pytest}
fail=0

# A throwaway PostgreSQL (tests/pg.sh) for the PostgreSQL runs of the store
# tests and tests/e2e/test_postgres.py, unless one is given in WHARF_TEST_PG.
PG_DIR=""
stop_pg() {
  if [ -n "$PG_DIR" ]; then
    bash tests/pg.sh stop "$PG_DIR" || true
    rm -rf "$PG_DIR"
  fi
}
trap stop_pg EXIT
trap 'exit 130' INT TERM
if [ -z "${WHARF_TEST_PG:-}" ]; then
  PG_DIR=$(mktemp -d /tmp/wharf-pg-XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo "== PostgreSQL on 127.0.0.1:$PG_PORT (tests/pg.sh)"
  if bash tests/pg.sh start "$PG_DIR" "$PG_PORT"; then
    export WHARF_TEST_PG="postgres://postgres@127.0.0.1:$PG_PORT/wharf_test"
  else
    echo "PostgreSQL did not start: its tests will be skipped" >&2
    fail=1
  fi
fi

echo "== unit tests (ctest)"
(cd "$BUILD" && ctest --output-on-failure) || fail=1

echo "== black-box tests (pytest, real binary)"
WHARF_BIN="$ROOT/$BUILD/wharf" $PYTEST -q -p no:cacheprovider tests/e2e || fail=1

# The same suite again with every wharf on PostgreSQL + S3: a fresh database
# (on WHARF_TEST_PG's server) and a fresh bucket (one s3rver for the session)
# per instance; see tests/e2e/backends.py.
echo "== black-box tests on PostgreSQL + S3 (WHARF_TEST_BACKEND=pg-s3)"
if [ -n "${WHARF_TEST_PG:-}" ]; then
  # the SIGKILL loop runs its 50 cycles in the embedded pass; here 20, as
  # s3rver (a test stand-in, not S3) sometimes fails a listing while objects
  # of the killed process are still being written
  WHARF_CRASH_CYCLES=${WHARF_CRASH_CYCLES_PG_S3:-20} WHARF_TEST_BACKEND=pg-s3 \
    WHARF_BIN="$ROOT/$BUILD/wharf" $PYTEST -q -p no:cacheprovider tests/e2e || fail=1
else
  echo "no PostgreSQL (WHARF_TEST_PG): the PostgreSQL + S3 pass cannot run" >&2
  fail=1
fi

echo "== fuzz corpora (libFuzzer replay of fuzz/corpus, ${FUZZ_BUILD:-build-fuzz})"
bash scripts/fuzz.sh replay "${FUZZ_BUILD:-build-fuzz}" || fail=1

echo "== sanitizers (ASan+UBSan+LSan, ${ASAN_BUILD:-build-asan})"
bash scripts/sanitize.sh "${ASAN_BUILD:-build-asan}" || fail=1

if [ $fail -ne 0 ]; then
  echo "make test: FAILED" >&2
  exit 1
fi
echo "make test: all passed"
