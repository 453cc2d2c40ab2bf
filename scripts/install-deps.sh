#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing Dots
# needs. Safe to run again: it only calls apt when something is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev   # Boost.Asio/Beast/JSON 1.81
  libcaf-dev                               # CAF 0.17.6
  libsqlite3-dev sqlite3 libsodium-dev
  libgtest-dev libbenchmark-dev libcurl4-openssl-dev curl
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
  # With recommends: Chromium's include the fonts and GL bits the browser
  # tests were checked with.
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q \
    "${missing[@]}"
fi
