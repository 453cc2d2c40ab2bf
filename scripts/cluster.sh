#!/usr/bin/env bash
# A local Dots cluster: PostgreSQL, N dots-server instances sharing it, and
# nginx in front (deploy/nginx-dots.conf), all on 127.0.0.1. Open the printed
# address in two browsers and watch one's boards appear in the other.
#
# Usage: scripts/cluster.sh [N] [--port P]
#   N          number of dots-server instances (default 3)
#   --port P   the port nginx serves on (default 8000)
#   --help     this text
#
# It installs what is missing and builds the server first, like
# scripts/run.sh (in the repository's build/, or in $DOTS_BUILD_DIR). Everything runs in a
# temporary folder that Ctrl-C (or SIGTERM) removes after stopping nginx, the
# instances and PostgreSQL; the data is thrown away with it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$root/scripts/cluster.sh"
}

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

instances=3
port=8000
while (($# > 0)); do
  case $1 in
  -h | --help)
    usage
    exit 0
    ;;
  --port)
    (($# >= 2)) || die "--port needs a value"
    port=$2
    shift 2
    ;;
  --port=*)
    port=${1#--port=}
    shift
    ;;
  [0-9]*)
    instances=$1
    shift
    ;;
  *)
    usage >&2
    exit 2
    ;;
  esac
done
if ! [[ $instances =~ ^[0-9]+$ ]] || ((instances < 1 || instances > 32)); then
  die "N must be a number from 1 to 32, not '$instances'"
fi
if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  die "--port must be a port number, not '$port'"
fi

# Said before building for minutes: nginx could not serve there anyway.
if [[ -n $(ss -Hltn "( sport = :$port )" 2>/dev/null) ]]; then
  die "port $port is already in use; choose another with --port"
fi

build=${DOTS_BUILD_DIR:-"$root/build"}
DOTS_SKIP_BROWSER=1 "$root/scripts/install-deps.sh" ||
  die "installing the packages failed (see above)"
"$root/scripts/build.sh" "$build" -DDOTS_BUILD_TESTS=OFF -DDOTS_BUILD_BENCHMARKS=OFF ||
  die "the build failed (see above)"
server=$build/src/app/dots-server
[[ -x $server ]] || die "the build made no $server"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx_bin ]] || die "nginx is not installed (scripts/install-deps.sh installs nginx-light)"

# Each stream holds a descriptor in an instance and two in nginx; the soft
# limit may be raised to the hard one without privileges.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dots-cluster.XXXXXX")
# Run as root, PostgreSQL runs as `postgres` and nginx's workers as `nobody`:
# they must be able to pass through this folder (mktemp makes it private) to
# their own files in it.
[[ $(id -u) -ne 0 ]] || chmod 711 "$tmp"
server_pids=()
nginx_pid=

# Stops PID with SIGTERM, and with SIGKILL if it is still there after 20 s
# (an instance ends its streams and requests in flight first).
# shellcheck disable=SC2317 # called from the traps
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "cluster.sh: process $pid ignored SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  echo "Stopping the cluster..." >&2
  # nginx first, so no client reaches an instance that is going away.
  [[ -z $nginx_pid ]] || stop_pid "$nginx_pid"
  local pid
  for pid in "${server_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${server_pids[@]}"; do
    stop_pid "$pid"
  done
  "$root/scripts/pg.sh" stop "$tmp/postgres" || status=1
  rm -rf -- "$tmp"
  exit "$status"
}
trap cleanup EXIT
# exit runs the EXIT trap; the status tells a caller how we ended.
trap 'exit 130' INT
trap 'exit 143' TERM

# Shows the end of a log after a failure, before the folder is removed.
show_log() {
  echo "---- $1 ----" >&2
  tail -n 40 "$1" >&2 || true
  echo "---- end of log ----" >&2
}

echo "Starting PostgreSQL..."
pg_url=$("$root/scripts/pg.sh" start "$tmp/postgres") ||
  die "PostgreSQL did not start (see above)"
echo "  $pg_url"

web_args=()
[[ -f $root/web/dist/index.html ]] && web_args=(--web-dir "$root/web/dist")

# Starts instance I in the background, its output in its own log.
start_instance() {
  local i=$1
  "$server" --db "$pg_url" --listen 127.0.0.1:0 --trusted-proxies 127.0.0.1 \
    "${web_args[@]}" >"$tmp/dots-$i.log" 2>&1 &
  server_pids[i]=$!
}

# Waits until instance I prints its address, and records it.
urls=()
await_instance() {
  local i=$1 line t
  for ((t = 0; t < 600; t++)); do
    line=$(grep -m1 -o 'Dots listening on http://[^ ]*' "$tmp/dots-$i.log" || true)
    if [[ -n $line ]]; then
      urls[i]=${line#Dots listening on }
      echo "  instance $i: ${urls[i]}"
      return 0
    fi
    if ! kill -0 "${server_pids[i]}" 2>/dev/null; then
      show_log "$tmp/dots-$i.log"
      die "dots-server instance $i exited while starting (its log is above)"
    fi
    sleep 0.1
  done
  show_log "$tmp/dots-$i.log"
  die "dots-server instance $i did not start serving within 60 s"
}

echo "Starting $instances dots-server instances..."
# The first one alone, so that a database or build that does not work shows
# in one log, not in N at once; the rest start together.
start_instance 1
await_instance 1
for ((i = 2; i <= instances; i++)); do
  start_instance "$i"
done
for ((i = 2; i <= instances; i++)); do
  await_instance "$i"
done

echo "Starting nginx..."
mkdir -p "$tmp/nginx/tmp"
upstreams=$tmp/nginx/upstreams
: >"$upstreams"
for ((i = 1; i <= instances; i++)); do
  hostport=${urls[i]#http://}
  printf '        server %s;\n' "${hostport%/}" >>"$upstreams"
done
# The placeholder lines (not the mentions in comments) become the server
# lines and the address.
sed -e "/^@UPSTREAM_SERVERS@\$/{r $upstreams" -e 'd}' \
  -e "/^ *listen @LISTEN@;/s/@LISTEN@/127.0.0.1:$port/" \
  "$root/deploy/nginx-dots.conf" >"$tmp/nginx/nginx.conf"
# -e: nginx writes to its compiled-in error log until it has read the
# configuration; point that at ours too.
nginx_args=(-p "$tmp/nginx/" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log")
if ! "$nginx_bin" "${nginx_args[@]}" -t >"$tmp/nginx/check.log" 2>&1; then
  show_log "$tmp/nginx/check.log"
  die "nginx refused the generated configuration"
fi
# In the foreground (of this script), so that its pid is ours to stop.
"$nginx_bin" "${nginx_args[@]}" -g 'daemon off;' &
nginx_pid=$!

# Serving through nginx means nginx listens and reaches an instance.
for ((t = 0; ; t++)); do
  if curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; then
    break
  fi
  if ! kill -0 "$nginx_pid" 2>/dev/null || ((t >= 100)); then
    show_log "$tmp/nginx/error.log"
    die "nginx did not serve on 127.0.0.1:$port"
  fi
  sleep 0.1
done

echo
echo "Dots cluster ($instances instances) listening on http://127.0.0.1:$port/"
for ((i = 1; i <= instances; i++)); do
  echo "  instance $i: ${urls[i]}  (log: $tmp/dots-$i.log)"
done
echo "  PostgreSQL: $pg_url"
echo "  nginx logs: $tmp/nginx/"
echo "Press Ctrl-C to stop everything."

# Until a signal, or until a part of the cluster dies on its own.
set +e
wait -n "$nginx_pid" "${server_pids[@]}"
set -e
echo "cluster.sh: a process of the cluster exited on its own; stopping the rest" >&2
for ((i = 1; i <= instances; i++)); do
  kill -0 "${server_pids[i]}" 2>/dev/null || show_log "$tmp/dots-$i.log"
done
kill -0 "$nginx_pid" 2>/dev/null || show_log "$tmp/nginx/error.log"
exit 1
