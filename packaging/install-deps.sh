#!/usr/bin/env bash
# Installs every Debian package Place needs to build, run and test, and the npm packages the
# JavaScript tests use. Idempotent: a second run installs nothing and takes about a second.
#   packaging/install-deps.sh            build + run + test dependencies
#   packaging/install-deps.sh --runtime  only what building and running Place needs
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs=(
  build-essential cmake pkg-config
  libwebsockets-dev libwebsockets-evlib-uv libuv1-dev
  libcjson-dev libsqlite3-dev sqlite3 libsodium-dev zlib1g-dev libcurl4-openssl-dev libpng-dev
  libncurses-dev ncurses-term libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core
  libhiredis-dev librdkafka-dev libpq-dev uthash-dev libgif-dev
)
test_pkgs=(
  nodejs npm tmux xvfb xauth chromium
  redis-server postgresql nginx-light
  default-jre-headless maven
  valgrind curl procps iproute2 imagemagick
  wrk linux-perf
  dpkg-dev lintian desktop-file-utils appstream man-db systemd openssh-server openssh-client
)

pkgs=("${build_pkgs[@]}")
if [[ "${1:-}" != "--runtime" ]]; then
  pkgs+=("${test_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  # nodejs/npm/java/maven may come from elsewhere on a developer machine; accept a working command
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
    default-jre-headless) command -v java >/dev/null && continue ;;
    maven) command -v mvn >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  # Debian starts these services on install; the tests start their own on loopback.
  for svc in redis-server postgresql nginx; do
    $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
  done
fi

if [[ "${1:-}" != "--runtime" && -f "$here/tests/package.json" ]]; then
  if [[ ! -d "$here/tests/node_modules" || "$here/tests/package.json" -nt "$here/tests/node_modules/.stamp" ]]; then
    echo "install-deps: npm packages for tests/"
    (cd "$here/tests" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.stamp)
  fi
fi
echo "install-deps: all dependencies present"
