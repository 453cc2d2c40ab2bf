#!/usr/bin/env bash
# A private, throw-away PostgreSQL 15 cluster on loopback for tests and
# scripts/cluster.sh. It never touches the system's clusters.
#
# Usage: scripts/pg.sh COMMAND DIR
#   start DIR        create a cluster in DIR and start it on 127.0.0.1 on a free
#                    port; writes DIR/url, DIR/port and DIR/pid (the server's
#                    process) and prints the URL
#                    (postgresql://dots@127.0.0.1:PORT/postgres). A cluster this
#                    script left running in DIR (an aborted run) is stopped and
#                    replaced first.
#   stop DIR         stop the cluster (fast shutdown) and remove DIR; fine if it
#                    is not running or DIR does not exist
#   status DIR       exit status 0 if the cluster in DIR runs; else 1, with the
#                    end of its log
#   restart DIR      stop it cleanly and start it again on the same port (a
#                    database restart: every connection is cut)
#   kill DIR         stop it as a crash would: immediate shutdown, no checkpoint,
#                    connections cut; `start-again` then runs crash recovery
#   start-again DIR  start a cluster stopped by `kill` on the same port
#
# The role is `dots` (trust authentication on loopback only), the database
# `postgres`: give the URL to dots-server as is (`--db URL`). Run as root, the
# server runs as the `postgres` system user, because initdb and postgres
# refuse to run as root.
set -euo pipefail

pg_bin=/usr/lib/postgresql/15/bin
self=$(realpath -- "$0")
# Marks DIR as ours: `start` and `stop` delete only folders that carry it.
marker=.dots-pg

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$self"
}

die() {
  echo "pg.sh: $*" >&2
  exit 1
}

if [[ $# -ge 1 && ($1 == --help || $1 == -h) ]]; then
  usage
  exit 0
fi
[[ $# -eq 2 ]] || {
  usage >&2
  exit 2
}
command=$1
# Absolute, so that nothing below depends on the caller's cwd (ctest runs us
# from the build tree).
dir=$(realpath -m -- "$2")
[[ $dir != / ]] || die "refusing to use / as the cluster folder"

[[ -x $pg_bin/pg_ctl ]] ||
  die "PostgreSQL 15 is not installed ($pg_bin/pg_ctl missing): run scripts/install-deps.sh"

# The server's programs run as `postgres` when we are root, else as us.
as_server=()
if [[ $(id -u) -eq 0 ]]; then
  id postgres >/dev/null 2>&1 ||
    die "running as root needs the 'postgres' system user (package postgresql-15)"
  as_server=(runuser -u postgres --)
fi
run() { "${as_server[@]}" "$@"; }

# The postgres user may not be able to enter the caller's cwd; its programs
# complain about that, so work from a folder everyone can enter.
cd /

# The server's folder: DIR itself, unless the postgres user cannot reach DIR
# (e.g. under a private home folder), then a temporary folder named in
# DIR/pghome. It holds the data (data/), the log (log) and the socket.
pg_home() {
  if [[ -f $dir/pghome ]]; then
    cat "$dir/pghome"
  else
    echo "$dir"
  fi
}

print_log() {
  local log=$1
  if [[ -f $log ]]; then
    echo "---- PostgreSQL log ($log) ----" >&2
    tail -n 50 "$log" >&2
    echo "---- end of log ----" >&2
  fi
}

is_running() {
  local data=$1
  [[ -f $data/postmaster.pid ]] && run "$pg_bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

# Stops the cluster in DIR (if any) and removes DIR, but only a DIR this script
# made: a typo must never delete someone's folder.
remove_cluster() {
  [[ -e $dir ]] || return 0
  if [[ ! -e $dir/$marker ]]; then
    [[ -d $dir && -z $(ls -A "$dir") ]] ||
      die "$dir exists and was not made by pg.sh; not touching it"
    rmdir "$dir"
    return 0
  fi
  local home data
  home=$(pg_home)
  data=$home/data
  if is_running "$data"; then
    local out
    if ! out=$(run "$pg_bin/pg_ctl" -D "$data" -m fast -w -t 60 stop 2>&1); then
      echo "$out" >&2
      print_log "$home/log"
      die "could not stop the cluster in $dir"
    fi
  fi
  # The fallback folder lives outside DIR.
  [[ $home == "$dir" ]] || rm -rf -- "$home"
  rm -rf -- "$dir"
}

# A port outside the kernel's ephemeral range (32768-60999 on Linux): other
# programs' `--listen ...:0` and outgoing connections take ports from that
# range, and one could grab ours while the cluster is down for a `restart`.
candidate_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 12000))
    # Any socket on it, listening or not (TIME_WAIT included), rules it out.
    if [[ -z $(ss -Htan "( sport = :$p )" 2>/dev/null) ]]; then
      echo "$p"
      return 0
    fi
  done
  die "found no free port in 20000-31999"
}

# Starts the server of folder HOME on PORT; returns non-zero (with pg_ctl's
# output in $start_output) if it did not come up.
start_server() {
  local home=$1 port=$2
  # -w waits until it accepts connections; -t bounds that wait.
  start_output=$(run "$pg_bin/pg_ctl" -D "$home/data" -l "$home/log" -w -t 60 \
    -o "-p $port" start 2>&1) || return
  write_pid "$home"
}

# Records the server's process id in DIR/pid: pg_ctl detaches the server, so
# a caller that watches it (scripts/cluster.sh) cannot wait for it.
write_pid() {
  head -n 1 "$1/data/postmaster.pid" >"$dir/pid"
}

cmd_start() {
  remove_cluster
  mkdir -p "$dir"
  touch "$dir/$marker"

  local home=$dir
  if ((${#as_server[@]} > 0)); then
    chown postgres: "$dir"
    if ! run test -w "$dir" -a -x "$dir"; then
      home=$(mktemp -d "${TMPDIR:-/tmp}/dots-pg.XXXXXX")
      echo "$home" >"$dir/pghome"
      chown postgres: "$home"
      run test -w "$home" -a -x "$home" ||
        die "the postgres user can reach neither $dir nor $home"
    fi
  fi
  local data=$home/data
  # The log is written by the server, so it must belong to the server's user.
  : >"$home/log"
  ((${#as_server[@]} == 0)) || chown postgres: "$home/log"

  local out
  # --no-sync only skips flushing the fresh files once; the running server
  # keeps fsync on, so crash tests see real durability. C locale: fast and
  # the same on every machine.
  if ! out=$(run "$pg_bin/initdb" -D "$data" -A trust -U dots -E UTF8 \
    --locale=C --no-sync 2>&1); then
    echo "$out" >&2
    die "initdb failed in $data"
  fi

  # A socket path longer than 107 bytes cannot be bound; clients here use
  # TCP anyway, so then the cluster has no socket at all.
  local socket_dir=$home
  ((${#socket_dir} + 20 < 107)) || socket_dir=
  # Settings live in the configuration, so restart and start-again keep them;
  # only the port is given on each start.
  cat >>"$data/postgresql.conf" <<EOF

# pg.sh: a private cluster on loopback
listen_addresses = '127.0.0.1'
unix_socket_directories = '$socket_dir'
# Tests and several dots-server instances open many connections at once.
max_connections = 300
shared_buffers = 64MB
EOF

  local port attempt
  for attempt in 1 2 3 4 5; do
    port=$(candidate_port)
    if start_server "$home" "$port"; then
      echo "$port" >"$dir/port"
      echo "postgresql://dots@127.0.0.1:$port/postgres" >"$dir/url"
      cat "$dir/url"
      return 0
    fi
    # Someone took the port between our check and the bind: try another.
    grep -q "Address already in use" "$home/log" || break
    echo "pg.sh: port $port was taken, trying another (attempt $attempt)" >&2
    : >"$home/log"
  done
  echo "$start_output" >&2
  print_log "$home/log"
  die "could not start PostgreSQL in $dir"
}

# DIR must hold a cluster made by `start`.
require_cluster() {
  [[ -e $dir/$marker && -f $dir/port ]] || die "no cluster made by pg.sh in $dir"
}

cmd_restart() {
  require_cluster
  local home data out
  home=$(pg_home)
  data=$home/data
  if ! out=$(run "$pg_bin/pg_ctl" -D "$data" -l "$home/log" -m fast -w -t 60 \
    -o "-p $(cat "$dir/port")" restart 2>&1); then
    echo "$out" >&2
    print_log "$home/log"
    die "could not restart PostgreSQL in $dir"
  fi
  write_pid "$home"
}

cmd_kill() {
  require_cluster
  local home data out
  home=$(pg_home)
  data=$home/data
  is_running "$data" || return 0
  # Immediate mode: every process quits at once without a checkpoint, as in
  # a crash; the next start replays the WAL.
  if ! out=$(run "$pg_bin/pg_ctl" -D "$data" -m immediate -w -t 60 stop 2>&1); then
    echo "$out" >&2
    die "could not stop PostgreSQL in $dir"
  fi
}

cmd_start_again() {
  require_cluster
  local home data
  home=$(pg_home)
  data=$home/data
  is_running "$data" && return 0
  if ! start_server "$home" "$(cat "$dir/port")"; then
    echo "$start_output" >&2
    print_log "$home/log"
    die "could not start PostgreSQL again in $dir"
  fi
}

cmd_status() {
  require_cluster
  local home
  home=$(pg_home)
  is_running "$home/data" && return 0
  echo "pg.sh: PostgreSQL in $dir is not running" >&2
  print_log "$home/log"
  return 1
}

case $command in
start) cmd_start ;;
stop) remove_cluster ;;
status) cmd_status ;;
restart) cmd_restart ;;
kill) cmd_kill ;;
start-again) cmd_start_again ;;
*)
  usage >&2
  exit 2
  ;;
esac
