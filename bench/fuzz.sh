#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz/README.md) for a while, one after
# the other, and prints per target: runs, execs/s, corpus growth and
# whether it found anything.
#
#   bench/fuzz.sh [SECONDS_PER_TARGET]        (default 60)
#
# Env: FUZZ_BUILD_DIR (default build-fuzz; configured with clang-14 and built
# here if needed), FUZZ_WORK (scratch dir, default a new /tmp/alertd-fuzz.*:
# the grown corpus and any crash/leak/timeout input per target; never in the
# repository), FUZZ_TARGETS (default: all), FUZZ_NICE (default 10; the
# machine is shared), FUZZ_ARGS (more libFuzzer flags).
# A finding stops that target's run (libFuzzer stops at the first one); the
# input is kept in FUZZ_WORK/<target>/findings/. Reproduce it with
# `FUZZ_BUILD_DIR/tests/fuzz/fuzz_<target> <file>`, and once fixed add it to
# tests/fuzz/corpus/<target>/ so the test command keeps checking it.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-60}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
WORK=${FUZZ_WORK:-$(mktemp -d /tmp/alertd-fuzz.XXXXXX)}
TARGETS=${FUZZ_TARGETS:-"alertmanager_v2 generic_events journal config matcher router http_request"}
NICE=${FUZZ_NICE:-10}

if [ ! -f "$BUILD/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DALERTD_WERROR=ON -DALERTD_BUILD_TESTS=OFF -DALERTD_BUILD_BENCH=OFF -DALERTD_BUILD_FUZZ=ON >/dev/null
fi
nice -n "$NICE" cmake --build "$BUILD" --target alertd_fuzz >/dev/null

# Every sanitizer finding is a finding; leaks are checked per input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

echo "fuzz: ${SECONDS_PER_TARGET}s per target, scratch in $WORK"
rows=()
for t in $TARGETS; do
  dir="$WORK/$t"
  mkdir -p "$dir/corpus" "$dir/findings"
  log="$dir/fuzz.log"
  set +e
  # The first folder receives new inputs; the seeds are only read.
  # shellcheck disable=SC2086
  nice -n "$NICE" "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" \
    -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/findings/" \
    ${FUZZ_ARGS:-} "$dir/corpus" "tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(stat number_of_executed_units "$log")
  speed=$(stat average_exec_per_sec "$log")
  added=$(stat new_units_added "$log")
  rss=$(stat peak_rss_mb "$log")
  findings=$(find "$dir/findings" -type f | wc -l)
  if [ "$rc" -eq 0 ] && [ "$findings" -eq 0 ]; then
    found="none"
  else
    found="FOUND (exit $rc): $(find "$dir/findings" -type f -printf '%f ' ) see $log"
  fi
  rows+=("$(printf '%-16s %6ss %12s %9s %7s %6s  %s' "$t" "$SECONDS_PER_TARGET" "${runs:-?}" \
    "${speed:-?}" "${added:-?}" "${rss:-?}" "$found")")
  echo "${rows[-1]}"
done

echo
printf '%-16s %7s %12s %9s %7s %6s  %s\n' target time runs execs/s new rss_mb findings
printf '%s\n' "${rows[@]}"
