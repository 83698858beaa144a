#!/usr/bin/env bash
# Builds the Debian packages place-server, place-tui and place-sdl into BUILD_DIR/deb/
# (default build-deb/deb/): a build of its own, installed into /usr, with Debian's hardening
# flags (dpkg-buildflags), then CPack's DEB generator (packaging/CMakeLists.txt). A second run
# rebuilds only what changed.
#   packaging/make-deb.sh [BUILD_DIR]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build-deb}
jobs=${JOBS:-$(nproc)}

export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cflags="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)
cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DPLACE_PACKAGE=ON "-DCMAKE_C_FLAGS=$cflags" "-DCMAKE_EXE_LINKER_FLAGS=$ldflags" >/dev/null
cmake --build "$out" -j "$jobs"
rm -f "$out"/deb/*.deb
(cd "$out" && cpack -G DEB >/dev/null)
ls "$out"/deb/*.deb
