#!/usr/bin/env bash
# Builds the Debian package of Dots (CPack): dots-server in /usr/bin, the
# browser app in /usr/share/dots/web, the systemd unit in
# /usr/lib/systemd/system (installed, not enabled). Prints the package's path.
#
# Usage: scripts/package.sh [--check]
#   --check  also unpack the package (dpkg-deb -x) into a temporary folder,
#            check its contents, and run the unpacked server from another
#            folder: it must serve the browser app at / and stop cleanly.
# Environment: DOTS_PACKAGE_BUILD, the build folder (default build-package).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DOTS_PACKAGE_BUILD:-"$root/build-package"}
check=0
case "${1:-}" in
--check) check=1 ;;
"") ;;
-h | --help) sed -n '2,11s/^# \{0,1\}//p' "$0"; exit 0 ;;
*) echo "unknown argument: $1" >&2; exit 2 ;;
esac

DOTS_SKIP_BROWSER=1 "$root/scripts/install-deps.sh"
# dpkg-shlibdeps, which finds the packages of the libraries the server uses.
if ! command -v dpkg-shlibdeps >/dev/null; then
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q dpkg-dev
fi
# The default build type, as build/ and build-run/ have, so that ccache
# serves the objects; CPack strips the binary.
"$root/scripts/build.sh" "$build" -DCMAKE_INSTALL_PREFIX=/usr \
  -DDOTS_BUILD_TESTS=OFF -DDOTS_BUILD_BENCHMARKS=OFF
rm -f "$build"/dots_*.deb
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls "$build"/dots_*.deb)
echo "$deb"
((check)) || exit 0

fail() { echo "package check: $*" >&2; exit 1; }
work=$(mktemp -d)
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill -KILL "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "== contents"
dpkg-deb -c "$deb" | awk '{print $NF}'
dpkg-deb -f "$deb" Package Version Depends
dpkg-deb -x "$deb" "$work/root"
for f in usr/bin/dots-server usr/share/dots/web/index.html \
  usr/share/dots/web/app.js usr/lib/systemd/system/dots.service; do
  [[ -s $work/root/$f ]] || fail "$f is missing"
done
grep -q '^ExecStart=/usr/bin/dots-server ' "$work/root/usr/lib/systemd/system/dots.service" ||
  fail "the unit does not start /usr/bin/dots-server"
[[ -n $(dpkg-deb -f "$deb" Depends) ]] || fail "no Depends: (dpkg-shlibdeps)"

echo "== the unpacked server, started from another folder"
mkdir "$work/elsewhere"
(cd "$work/elsewhere" &&
  exec "$work/root/usr/bin/dots-server" --listen 127.0.0.1:0 \
    --db "$work/dots.db" >"$work/out" 2>"$work/err") &
server_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n 's/^Dots listening on //p' "$work/out")
  [[ -n $url ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[[ -n $url ]] || { cat "$work/err" >&2; fail "the server did not start"; }
curl -fsS "$url" -o "$work/index.html" || fail "GET / failed"
cmp -s "$work/index.html" "$work/root/usr/share/dots/web/index.html" ||
  fail "GET / is not the packaged app's index.html"
curl -fsS "${url}app.js" -o /dev/null || fail "GET /app.js failed"
grep -q "browser app from $work/root/usr/share/dots/web" "$work/err" ||
  fail "the log does not name the packaged app: $(cat "$work/err")"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
((status == 0)) || fail "the server exited $status on SIGTERM"
echo "package check: ok ($url served the packaged app)"
