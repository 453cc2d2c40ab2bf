#!/usr/bin/env bash
# Configures and builds Dots (server, tests, benchmarks) and the browser app.
# Usage: scripts/build.sh [BUILD_DIR] [extra cmake arguments...]
# DOTS_BUILD_TARGETS (space-separated) builds only those targets.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$root/build"}
shift || true

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout, and no hash of the build folder: a fresh
  # clone elsewhere (CI) and the other build flavours then reuse the cache.
  export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
fi
cmake -S "$root" -B "$build" -G Ninja -DDOTS_WERROR=ON "${launcher[@]}" "$@"
# Two cores, and Beast/CAF translation units need about 1 GiB each.
targets=()
for t in ${DOTS_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" --parallel "${DOTS_JOBS:-2}" "${targets[@]}"
