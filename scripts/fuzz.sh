#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (ASan + UBSan, in their own
# build folder, tests off) and runs each, one after another, over a copy of
# its seed corpus (fuzz/corpus/<target>/); the repository is never written.
#
# Usage: scripts/fuzz.sh [--ci] [--runs N | --seconds S] [TARGET...]
#   --ci         the bounded pass CI runs: 60 s per target
#   --runs N     stop each target after N inputs (libFuzzer -runs=N)
#   --seconds S  stop each target after S seconds (-max_total_time=S);
#                the default is 60
#   TARGET       http_request, board_path_json, sse_frame (default: all)
# Environment: DOTS_FUZZ_BUILD, the build folder (default build-fuzz);
# DOTS_FUZZ_JOBS, build jobs (default 2). A crash leaves its input in
# <build>/artifacts/ and makes the script fail; reproduce it with
# `<build>/fuzz/<target> <input>`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DOTS_FUZZ_BUILD:-"$root/build-fuzz"}

limit=(-max_total_time=60)
targets=()
while (($# > 0)); do
  case "$1" in
  --ci) limit=(-max_total_time=60) ;;
  --runs) limit=("-runs=$2"); shift ;;
  --seconds) limit=("-max_total_time=$2"); shift ;;
  -h | --help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
  -*) echo "unknown option: $1" >&2; exit 2 ;;
  *) targets+=("$1") ;;
  esac
  shift
done
((${#targets[@]} > 0)) || targets=(http_request board_path_json sse_frame)

# The largest input each target is given: past what the server reads
# (8 KiB of headers: 431) for requests; bodies and frame scripts of a few
# KiB reach every rule and every escape.
declare -A max_len=([http_request]=20000 [board_path_json]=8192
                    [sse_frame]=4096)
for t in "${targets[@]}"; do
  [[ -n ${max_len[$t]:-} ]] || { echo "unknown target: $t" >&2; exit 2; }
done

"$root/scripts/install-deps.sh"
# libFuzzer and the sanitizer runtimes come with clang's compiler-rt.
if ! command -v clang++ >/dev/null ||
  ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null |
  grep -q "ok installed"; then
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q \
    clang-14 clang libclang-rt-14-dev
fi

# The chosen targets only: the server itself is not fuzzed as a binary.
DOTS_JOBS=${DOTS_FUZZ_JOBS:-2} DOTS_BUILD_TARGETS="${targets[*]}" \
  "$root/scripts/build.sh" "$build" \
  -DCMAKE_CXX_COMPILER=clang++ -DDOTS_FUZZ=ON -DDOTS_BUILD_TESTS=OFF \
  -DDOTS_BUILD_BENCHMARKS=OFF -DDOTS_BUILD_WEB=OFF

mkdir -p "$build/artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  cp "$root/fuzz/corpus/$t/"* "$work/$t/"
  args=("${limit[@]}" "-max_len=${max_len[$t]}" -timeout=10
        -print_final_stats=1 "-artifact_prefix=$build/artifacts/$t-")
  [[ -f "$root/fuzz/$t.dict" ]] && args+=("-dict=$root/fuzz/$t.dict")
  echo "== $t: $build/fuzz/$t ${args[*]} <corpus>"
  if "$build/fuzz/$t" "${args[@]}" "$work/$t" >"$work/$t.log" 2>&1; then
    grep -E '^Done [0-9]+ runs|average_exec_per_sec' "$work/$t.log"
  else
    tail -n 60 "$work/$t.log"
    failed+=("$t")
  fi
done
if ((${#failed[@]} > 0)); then
  echo "fuzzing found a problem in: ${failed[*]} (inputs in $build/artifacts)" >&2
  exit 1
fi
