#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test: the C++
# suites (unit, storage, actors, end to end against the real binary) and the
# browser app's tests, all through ctest.
# DOTS_SANITIZE=1 builds and runs them under AddressSanitizer and UBSan.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
if [[ "${DOTS_SANITIZE:-0}" == 1 ]]; then
  build="$root/build-asan"
  "$root/scripts/build.sh" "$build" -DDOTS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DDOTS_BUILD_TESTS=ON -DDOTS_BUILD_BENCHMARKS=OFF
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  build="$root/build"
  # Stated, not inherited: scripts/run.sh configures the same folder with
  # the tests off.
  "$root/scripts/build.sh" "$build" -DDOTS_BUILD_TESTS=ON -DDOTS_BUILD_BENCHMARKS=ON
fi
cd "$build"
ctest --output-on-failure --no-tests=error --timeout 300 -j "${DOTS_TEST_JOBS:-4}"
