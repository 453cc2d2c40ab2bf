#!/usr/bin/env bash
# A local Dots cluster: PostgreSQL, N dots-server instances sharing it, and
# nginx in front (deploy/nginx-dots.conf), all on 127.0.0.1. Open the printed
# address in two browsers and watch one's boards appear in the other.
#
# Usage: scripts/cluster.sh [N] [--port P]
#   N          number of dots-server instances, 1 to 32 (default 3)
#   --port P   the port nginx serves on (default 8000)
#   --help     this text
#
# It installs what is missing and builds the server first, like
# scripts/run.sh (in the repository's build-run/, or in $DOTS_BUILD_DIR).
# Everything runs in a temporary folder, logs and data included.
#
# An instance that exits is reported (its exit status and the end of its log)
# and the others go on serving: nginx passes the work on to them. Only when
# nginx or PostgreSQL exits, or the last instance, does the cluster stop.
# Ctrl-C (or SIGTERM) stops nginx, the instances and PostgreSQL, and removes
# the temporary folder; the data is thrown away with it.
#
# Exit status: 0 after Ctrl-C or SIGTERM, 1 if the cluster could not start or
# broke down, 2 for a usage error.
set -euo pipefail

# Started in the background by a shell without job control (`cluster.sh &`
# in a script), we inherit SIGINT ignored, and bash cannot trap a signal that
# was ignored when it started: Ctrl-C would then do nothing. Start once more
# with SIGINT at its default (`env --default-signal` is in coreutils 8.31 and
# later; without it we go on as we are).
if [[ -z ${DOTS_CLUSTER_SIGINT:-} ]] && env --default-signal=INT true 2>/dev/null; then
  DOTS_CLUSTER_SIGINT=1 exec env --default-signal=INT "$BASH" "$0" "$@"
fi
unset DOTS_CLUSTER_SIGINT

root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$root/scripts/cluster.sh"
}

# A runtime failure: exit status 1.
die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

# A usage error: exit status 2.
usage_error() {
  echo "cluster.sh: $*" >&2
  echo "Usage: scripts/cluster.sh [N] [--port P]  (--help says more)" >&2
  exit 2
}

instances=3
instances_given=
port=8000
while (($# > 0)); do
  case $1 in
  -h | --help)
    usage
    exit 0
    ;;
  --port)
    (($# >= 2)) || usage_error "--port needs a value"
    port=$2
    shift 2
    ;;
  --port=*)
    port=${1#--port=}
    shift
    ;;
  -*)
    usage_error "unknown option '$1'"
    ;;
  *)
    [[ -z $instances_given ]] ||
      usage_error "one number of instances, please: not both '$instances' and '$1'"
    instances=$1
    instances_given=1
    shift
    ;;
  esac
done
# 10#: a leading zero does not make the number octal.
if ! [[ $instances =~ ^[0-9]{1,3}$ ]] || ((10#$instances < 1 || 10#$instances > 32)); then
  usage_error "N must be a number from 1 to 32, not '$instances'"
fi
instances=$((10#$instances))
if ! [[ $port =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
  usage_error "--port must be a port number from 1 to 65535, not '$port'"
fi
port=$((10#$port))

# Said before building for minutes: nginx could not serve there anyway.
if [[ -n $(ss -Hltn "( sport = :$port )" 2>/dev/null) ]]; then
  die "port $port is already in use; choose another with --port"
fi

# Ctrl-C, SIGTERM and a closed terminal stop the cluster cleanly (exit
# status 0): the EXIT trap below does the stopping.
stop_signal=
# shellcheck disable=SC2317 # the traps
on_signal() {
  stop_signal=$1
  exit 0
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

build=${DOTS_BUILD_DIR:-"$root/build-run"}
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

# Our own messages go to descriptor 3, a copy of stderr: while the cluster
# runs, stderr itself points to /dev/null (see `monitor`). The processes we
# start do not get it.
exec 3>&2

tmp=
server_pids=() # by instance number
alive=()       # the instance numbers still running, as keys
urls=()        # by instance number
nginx_pid=
pg_pid=
ticker_pid=

# Stops PID with SIGTERM, and with SIGKILL if it is still there after 20 s
# (an instance ends its streams and requests in flight first).
# shellcheck disable=SC2317 # called from the EXIT trap
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
  # 2>/dev/null: no "Killed" line from bash.
  wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
  local status=$?
  # Every step is tried, whatever fails (even writing to a closed terminal).
  set +e
  # A second Ctrl-C must not leave PostgreSQL or the folder behind.
  trap '' INT TERM HUP
  trap - EXIT
  exec 2>&3
  [[ -z $stop_signal ]] || status=0
  [[ -n $tmp ]] || exit "$status"
  echo "Stopping the cluster..."
  [[ -z $ticker_pid ]] || kill "$ticker_pid" 2>/dev/null || true
  # nginx first, so no client reaches an instance that is going away.
  if [[ -n $nginx_pid ]]; then
    stop_pid "$nginx_pid"
    # Its workers, if the master died without them (kill -9): they are in
    # its process group, and go on holding the port.
    kill -TERM -- "-$nginx_pid" 2>/dev/null || true
  fi
  local i
  for i in "${!alive[@]}"; do
    kill -TERM "${server_pids[i]}" 2>/dev/null || true
  done
  for i in "${!alive[@]}"; do
    stop_pid "${server_pids[i]}"
  done
  "$root/scripts/pg.sh" stop "$tmp/postgres" || status=1
  rm -rf -- "$tmp"
  echo "Cluster stopped."
  exit "$status"
}
trap cleanup EXIT

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dots-cluster.XXXXXX")
# Run as root, PostgreSQL runs as `postgres` and nginx's workers as `nobody`:
# they must be able to pass through this folder (mktemp makes it private) to
# their own files in it.
[[ $(id -u) -ne 0 ]] || chmod 711 "$tmp"

# Shows the end of a log (the folder goes away when the cluster stops).
show_log() {
  local log=$1 lines=${2:-40}
  echo "---- $log (last $lines lines) ----" >&3
  tail -n "$lines" "$log" >&3 2>&1 || true
  echo "---- end of log ----" >&3
}

echo "Starting PostgreSQL..."
pg_url=$("$root/scripts/pg.sh" start "$tmp/postgres" 3>&-) ||
  die "PostgreSQL did not start (see above)"
pg_pid=$(<"$tmp/postgres/pid")
echo "  $pg_url"

web_args=()
[[ -f $root/web/dist/index.html ]] && web_args=(--web-dir "$root/web/dist")

# Starts instance I in the background, its output in its own log. setsid (it
# does not fork here: we are not a process group leader, so the pid is the
# server's): Ctrl-C at the terminal reaches this script alone, which then
# stops nginx, the instances and PostgreSQL in that order.
start_instance() {
  local i=$1 log=$tmp/dots-$1.log
  # Made here, not by the child's redirection, so it exists before we read it.
  : >"$log"
  setsid "$server" --db "$pg_url" --listen 127.0.0.1:0 --trusted-proxies 127.0.0.1 \
    "${web_args[@]}" >"$log" 2>&1 3>&- </dev/null &
  server_pids[i]=$!
  alive[i]=1
}

# Waits until instance I prints its address, and records it.
await_instance() {
  local i=$1 line t
  for ((t = 0; t < 600; t++)); do
    line=$(grep -s -m1 -o 'Dots listening on http://[^ ]*' "$tmp/dots-$i.log" || true)
    if [[ -n $line ]]; then
      urls[i]=${line#Dots listening on }
      echo "  instance $i: ${urls[i]}"
      return 0
    fi
    if ! kill -0 "${server_pids[i]}" 2>/dev/null; then
      unset 'alive[i]'
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
# The configuration with its two placeholders filled in: the line holding
# @UPSTREAM_SERVERS@ becomes one `server` line per instance (indented alike),
# @LISTEN@ our address. Each must be there exactly once.
template=$root/deploy/nginx-dots.conf
conf=$tmp/nginx/nginx.conf
upstream_seen=0
listen_seen=0
while IFS= read -r line || [[ -n $line ]]; do
  if [[ $line == *@UPSTREAM_SERVERS@* ]]; then
    upstream_seen=$((upstream_seen + 1))
    indent=${line%%[![:space:]]*}
    for ((i = 1; i <= instances; i++)); do
      hostport=${urls[i]#http://}
      # Passive health checks: a refused connection or a connect timeout
      # leaves the instance out for 10 s; the request goes to the next one.
      printf '%sserver %s max_fails=1 fail_timeout=10s;\n' "$indent" "${hostport%/}"
    done
    continue
  fi
  if [[ $line == *@LISTEN@* ]]; then
    listen_seen=$((listen_seen + 1))
    line=${line//@LISTEN@/127.0.0.1:$port}
  fi
  printf '%s\n' "$line"
done <"$template" >"$conf"
((upstream_seen == 1 && listen_seen == 1)) ||
  die "$template must hold @UPSTREAM_SERVERS@ and @LISTEN@ once each (found $upstream_seen and $listen_seen)"

# -e: nginx writes to its compiled-in error log until it has read the
# configuration; point that at ours too.
nginx_args=(-p "$tmp/nginx/" -c "$conf" -e "$tmp/nginx/error.log")
if ! "$nginx_bin" "${nginx_args[@]}" -t >"$tmp/nginx/check.log" 2>&1; then
  show_log "$tmp/nginx/check.log"
  die "nginx refused the generated configuration"
fi
# Not as a daemon, so that its pid is ours to watch and stop; in its own
# session like the instances.
setsid "$nginx_bin" "${nginx_args[@]}" -g 'daemon off;' 3>&- </dev/null &
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
  echo "  instance $i: ${urls[i]}  (pid ${server_pids[i]}, log: $tmp/dots-$i.log)"
done
echo "  PostgreSQL: $pg_url  (pid $pg_pid)"
echo "  nginx logs: $tmp/nginx/"
echo "Press Ctrl-C to stop everything."

# "exit status 137 (killed by SIGKILL)" for the status of a wait.
describe_status() {
  local status=$1
  if ((status > 128)); then
    echo "exit status $status (killed by SIG$(kill -l $((status - 128)) 2>/dev/null || echo '?'))"
  else
    echo "exit status $status"
  fi
}

# Reports instance I, which has exited with STATUS.
report_instance() {
  local i=$1 status=$2
  echo >&3
  echo "cluster.sh: instance $i (${urls[i]}, pid ${server_pids[i]}) exited on its own:" \
    "$(describe_status "$status")" >&3
  show_log "$tmp/dots-$i.log" 20
  if ((${#alive[@]} > 0)); then
    echo "cluster.sh: ${#alive[@]} of $instances instances still serving (nginx passes" \
      "requests on to them); the cluster keeps running, Ctrl-C stops it." >&3
  fi
}

# Watches the cluster until a signal (the traps end the script), or until
# nginx, PostgreSQL or the last instance exits. Run with stderr on /dev/null:
# bash reports a background process that a signal killed ("line N: PID
# Killed ...") on stderr; our own messages go to descriptor 3.
monitor() {
  local i pid status
  local -a live
  while :; do
    live=()
    for i in "${!alive[@]}"; do
      live+=("${server_pids[i]}")
    done
    # PostgreSQL is no child of ours (pg_ctl detaches it): a ticker wakes us
    # every 2 s to look at it.
    sleep 2 3>&- &
    ticker_pid=$!
    wait -n "$nginx_pid" "$ticker_pid" "${live[@]}" || true
    kill "$ticker_pid" 2>/dev/null || true
    wait "$ticker_pid" || true
    ticker_pid=

    for i in "${!alive[@]}"; do
      pid=${server_pids[i]}
      kill -0 "$pid" 2>/dev/null && continue
      status=0
      wait "$pid" || status=$?
      unset 'alive[i]'
      report_instance "$i" "$status"
    done
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
      status=0
      wait "$nginx_pid" || status=$?
      echo "cluster.sh: nginx exited on its own: $(describe_status "$status");" \
        "stopping the cluster" >&3
      show_log "$tmp/nginx/error.log" 20
      exit 1
    fi
    if ! kill -0 "$pg_pid" 2>/dev/null; then
      echo "cluster.sh: PostgreSQL (pid $pg_pid) exited on its own; stopping the cluster" >&3
      "$root/scripts/pg.sh" status "$tmp/postgres" 2>&3 || true
      exit 1
    fi
    if ((${#alive[@]} == 0)); then
      echo "cluster.sh: no instance is left; stopping the cluster" >&3
      exit 1
    fi
  done
}
monitor 2>/dev/null
