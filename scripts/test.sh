#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test: the C++
# suites (unit, storage, actors, end to end against the real binary) and the
# browser app's tests, all through ctest.
# DOTS_SANITIZE=1 (or address) builds and runs them under AddressSanitizer
# and UBSan. DOTS_SANITIZE=thread builds the server and the threaded suites
# (actors, HTTP with its streams, end to end) under ThreadSanitizer and runs
# those only: the pure suites (domain, storage, options) have no threads of
# their own to race.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
case "${DOTS_SANITIZE:-0}" in
1 | ON | on | address)
  build="$root/build-asan"
  "$root/scripts/build.sh" "$build" -DDOTS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DDOTS_BUILD_TESTS=ON -DDOTS_BUILD_BENCHMARKS=OFF
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ;;
thread)
  build="$root/build-tsan"
  # Only the test binaries that run (and the server the end-to-end tests
  # start): configure, then build those targets. Optimised, because TSan
  # slows code down 5-15 times; with debug info for the reports.
  targets=(dots-server actors_tests http_tests e2e_api_tests e2e_sse_tests
           e2e_cluster_tests)
  DOTS_BUILD_TARGETS="${targets[*]}" "$root/scripts/build.sh" "$build" \
    -DDOTS_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDOTS_BUILD_TESTS=ON -DDOTS_BUILD_BENCHMARKS=OFF -DDOTS_BUILD_WEB=OFF
  # Stop at the first report; a report in the server's log fails its test.
  # The suppressions cover third-party libraries only (see the file).
  # history_size=7: the longest access history, so that the earlier access
  # of a report still has its stack (tests/tsan.supp says why it matters).
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=7 suppressions=$root/tests/tsan.supp"
  cd "$build"
  # Labels are the test binaries' names (tests/CMakeLists.txt). Left out:
  # the two floods (thousands of events from several writers into 1,000
  # stalled streams, bounded at 15-30 s), which TSan's slowdown keeps from
  # reaching their bounds; the same stream code runs in the other tests.
  ctest --output-on-failure --no-tests=error --timeout 600 \
    -j "${DOTS_TEST_JOBS:-4}" -L '^(actors_tests|http_tests|e2e_.*_tests)$' \
    -E '^Sse\.(SlowClientIsDroppedWhileOthersReceiveEverything|EventsCreatedAfterTheStreamOpenedAreDeliveredUnderLoad)$'
  exit 0
  ;;
0 | OFF | off | "")
  build="$root/build"
  # Stated, not inherited; scripts/run.sh builds build-run/ with the tests
  # off, so neither folder's options are turned off by the other script.
  "$root/scripts/build.sh" "$build" -DDOTS_BUILD_TESTS=ON -DDOTS_BUILD_BENCHMARKS=ON
  ;;
*)
  echo "DOTS_SANITIZE must be 0, 1 (address) or thread, not '$DOTS_SANITIZE'" >&2
  exit 2
  ;;
esac
cd "$build"
ctest --output-on-failure --no-tests=error --timeout 300 -j "${DOTS_TEST_JOBS:-4}"
