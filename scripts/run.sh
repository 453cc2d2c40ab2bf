#!/usr/bin/env bash
# Installs what is missing, builds, and starts dots-server on its embedded
# SQLite database (./data/dots.db). Extra arguments go to dots-server
# (see --help), e.g. scripts/run.sh --listen 0.0.0.0:8000
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
DOTS_SKIP_BROWSER=1 "$root/scripts/install-deps.sh"
# A folder of its own: scripts/test.sh builds build/ with the tests on, and
# neither may turn the other's options off (ccache shares the objects).
"$root/scripts/build.sh" "$root/build-run" -DDOTS_BUILD_TESTS=OFF -DDOTS_BUILD_BENCHMARKS=OFF
exec "$root/build-run/src/app/dots-server" "$@"
