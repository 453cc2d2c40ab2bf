#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing Dots
# needs. Safe to run again: it only calls apt when something is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev   # Boost.Asio/Beast/JSON 1.81
  libboost-url1.81-dev libboost-program-options1.81-dev
  libcaf-dev                               # CAF 0.17.6
  libsqlite3-dev sqlite3 libsodium-dev
  libgtest-dev libbenchmark-dev libcurl4-openssl-dev curl
  # The PostgreSQL backend: libpq to build, the server for the tests and
  # scripts/cluster.sh, which run private clusters (scripts/pg.sh) and never
  # the system's own.
  postgresql-15 libpq-dev
  # The reverse proxy of scripts/cluster.sh, run with its own configuration.
  nginx-light
)
# The browser tests drive Debian's Chromium; the front end builds with npm.
if [[ "${DOTS_SKIP_BROWSER:-0}" != 1 ]]; then
  packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]} > 0)); then
  echo "Installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  # Installing nginx and PostgreSQL would start their system services (nginx
  # on port 80, a PostgreSQL cluster on 5432): Dots uses neither, and a taken
  # port 80 would fail the install. A policy-rc.d that answers 101 is Debian's
  # way to say "start no service now"; one already in place is left alone.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# Written by Dots scripts/install-deps.sh while it runs apt.\nexit 101\n' |
      "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod 755 "$policy"
    trap '"${sudo_cmd[@]}" rm -f "$policy"' EXIT
  fi
  # With recommends: Chromium's include the fonts and GL bits the browser
  # tests were checked with.
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q \
    "${missing[@]}"
fi
