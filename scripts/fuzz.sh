#!/usr/bin/env bash
# libFuzzer targets in fuzz/ (one per parser of client input), built with
# clang, ASan and UBSan in their own build directory.
#   fuzz.sh build  [BUILD]            configure and build every target
#   fuzz.sh replay [BUILD]            run every seed corpus once (`make test`)
#   fuzz.sh run    [BUILD] [SECONDS]  fuzz each target for SECONDS (`make fuzz`)
# FUZZ_TARGETS="fuzz_jwt fuzz_range" limits build/replay/run to those targets.
# `run` grows a working corpus in BUILD/corpus/<target> (seeds in
# fuzz/corpus/<target> stay untouched; fuzz/dict/<target>.dict if present), writes crashing inputs to
# BUILD/crashes/<target>/, prints executions per target, and fails if any
# target crashed. Minimize a crash with
#   BUILD/fuzz_x -minimize_crash=1 -runs=100000 BUILD/crashes/fuzz_x/crash-...
# then add it to fuzz/corpus/fuzz_x/ as regress-<what> with a fix.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
CMD=${1:-replay}
BUILD=${2:-build-fuzz}
SECONDS_EACH=${3:-60}
CC_FUZZ=${CC_FUZZ:-clang}

build() {
  if ! command -v "$CC_FUZZ" >/dev/null 2>&1; then
    echo "fuzz: $CC_FUZZ not found; run 'make deps' (Debian: clang libclang-rt-dev)" >&2
    return 1
  fi
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S fuzz -B "$BUILD" -DCMAKE_C_COMPILER="$CC_FUZZ" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      >/dev/null || return 1
  else
    cmake "$BUILD" >/dev/null || return 1   # picks up new fuzz_*.c files
  fi
  local jobs
  jobs=$(nproc 2>/dev/null || echo 2)
  if [ -n "${FUZZ_TARGETS:-}" ]; then
    local t
    for t in $FUZZ_TARGETS; do
      cmake --build "$BUILD" -j "$jobs" --target "$t" >/dev/null || return 1
    done
  else
    cmake --build "$BUILD" -j "$jobs" >/dev/null || return 1
  fi
}

targets() {
  if [ -n "${FUZZ_TARGETS:-}" ]; then
    echo "$FUZZ_TARGETS"
  else
    local f
    for f in fuzz/fuzz_*.c; do basename "$f" .c; done
  fi
}

replay() {
  local fail=0 t out
  for t in $(targets); do
    # -runs=0: each seed exactly once; a crash or contract violation fails
    if out=$("$BUILD/$t" -runs=0 "fuzz/corpus/$t" 2>&1); then
      echo "  $t: $(ls "fuzz/corpus/$t" | wc -l) seeds ok"
    else
      echo "$out" | tail -40 >&2
      echo "  $t: FAILED" >&2
      fail=1
    fi
  done
  return $fail
}

run() {
  local fail=0 t log execs
  for t in $(targets); do
    mkdir -p "$BUILD/corpus/$t" "$BUILD/crashes/$t"
    log="$BUILD/$t.log"
    local dict=()
    [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
    "$BUILD/$t" -max_total_time="$SECONDS_EACH" -timeout=10 -print_final_stats=1 "${dict[@]}" \
      -artifact_prefix="$BUILD/crashes/$t/" "$BUILD/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
    local rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ $rc -ne 0 ]; then
      echo "  $t: CRASH after ${execs:-?} executions; see $log and $BUILD/crashes/$t/" >&2
      fail=1
    else
      echo "  $t: ${execs:-?} executions in ${SECONDS_EACH}s, no crash"
    fi
  done
  return $fail
}

case "$CMD" in
  build) build ;;
  replay) build && replay ;;
  run) build && run ;;
  *) echo "usage: $0 build|replay|run [BUILD] [SECONDS]" >&2; exit 2 ;;
esac
