#!/usr/bin/env bash
# The Linux build for glibc 2.28+ (issue 18): everything happens inside a Debian 11 (bullseye)
# root made with debootstrap and cached between runs.
#
#   oldroot.sh dist        build root (cached) -> SQLite + CPython with zig cc -target
#                          x86_64-linux-gnu.2.28 (cached) -> venv from the pinned wheels (cached)
#                          -> PyInstaller + make_deb.py inside the root -> glibc scan.
#                          Output: build/dist/qsdesk/ and build/dist/qsdesk_<version>_amd64.deb
#   oldroot.sh suite       the test suite inside the build root, on the frozen build's Python and
#                          pinned packages (build/frozen-versions.txt)
#   oldroot.sh test-root   a fresh copy of the bare Debian 11 root for tests/test_dist_oldroot.py
#
# Why a root *and* zig: the root gives the old distribution's libraries (what PyInstaller bundles,
# and what dpkg -S maps Depends to); zig cc links against glibc 2.28's symbol versions, which
# Debian 11's own gcc cannot (it reaches 2.30: sem_clockwait, and libm's exp/log/pow at 2.29).
#
# Cache: $QSDESK_BUILD_CACHE (default /var/cache/qsdesk-build; build/cache is gitignored if you
# prefer it inside the tree). Needs root (debootstrap, chroot, mount).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
VERSIONS="$SRC/build/frozen-versions.txt"
CACHE=${QSDESK_BUILD_CACHE:-/var/cache/qsdesk-build}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PIP=${PIP:-"$SRC/.venv/bin/python -m pip"}  # make passes $(PY) -m pip

meta() { # meta <name> <field#>: a "#= name ..." line of frozen-versions.txt
  awk -v n="$1" -v f="$2" '$1 == "#=" && $2 == n { print $(f + 2) }' "$VERSIONS"
}
SUITE=$(meta debian 1)
PY_VERSION=$(meta python 1)
SQLITE_VERSION=$(meta sqlite 1)
FLOOR=$(meta glibc-floor 1)
BASE="$CACHE/$SUITE-base"
BUILD_ROOT="$CACHE/$SUITE-build"
DOWNLOADS="$CACHE/downloads"
WHEELS="$CACHE/wheels"
# Cache keys. The interpreter: its sources, SQLite, zig, the floor and the recipe. The venv (and
# the bare-window baseline): the interpreter plus every pin of the versions file.
PY_KEY=$( (grep -E '^#= (python|sqlite|glibc-floor) |^ziglang==' "$VERSIONS"; cat "$HERE/build_python.sh") \
  | sha256sum | cut -c1-16)
KEY=$( (echo "$PY_KEY"; cat "$VERSIONS") | sha256sum | cut -c1-16)

log() { echo "oldroot: $*" >&2; }

# Packages of the build root: compilers' helpers and the -dev packages CPython's modules link
# (OpenSSL 1.1.1w, zlib, bz2, xz, libffi, uuid), tcl to generate SQLite's amalgamation; the
# libraries Qt loads (so PyInstaller bundles the Debian 11 ones and make_deb maps Depends with
# this root's dpkg and dpkg-shlibdeps from dpkg-dev); xvfb/poppler/fonts for the test suite.
BUILD_PACKAGES="ca-certificates make binutils pkg-config file xz-utils unzip tcl dpkg-dev
  libssl-dev zlib1g-dev libbz2-dev liblzma-dev libffi-dev uuid-dev
  desktop-file-utils
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
  libxcb-render-util0 libxcb-image0 libx11-xcb1 libglib2.0-0 libcups2 libxrender1 libatomic1
  xvfb xauth poppler-utils fonts-noto-cjk"

# ------------------------------------------------------------------------ chroot helpers

mounted_under() { findmnt -rn -o TARGET | awk -v p="$1/" 'index($0 "/", p) == 1'; }

umount_root() {
  local r=$1 m
  for m in $(mounted_under "$r" | sort -r); do umount -l "$m" || true; done
}

remove_root() { # never rm -rf a tree that still has something mounted in it
  local r=$1
  umount_root "$r"
  if [ -n "$(mounted_under "$r")" ]; then
    log "refusing to delete $r: still mounted: $(mounted_under "$r")"; exit 1
  fi
  rm -rf --one-file-system "$r"
}

in_root() { # in_root <root> <command...>: run in the chroot with /proc and /dev/shm
  local r=$1; shift
  mountpoint -q "$r/proc" || mount -t proc proc "$r/proc"
  mountpoint -q "$r/dev/shm" || mount -t tmpfs -o mode=1777 shm "$r/dev/shm"
  cp -L /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
  local rc=0
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive chroot "$r" "$@" || rc=$?
  umount_root "$r"
  return $rc
}

# an interrupted run leaves no mount behind (a later rm -rf of the root must not reach the host)
trap 'umount_root "$BUILD_ROOT"; umount_root "$CACHE/$SUITE-test"' EXIT

# ------------------------------------------------------------------------ steps

ensure_base() {
  [ -f "$BASE/.complete" ] && return
  command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  log "debootstrap $SUITE -> $BASE"
  remove_root "$BASE.tmp"; rm -rf "$BASE.tmp"
  mkdir -p "$CACHE"
  debootstrap --variant=minbase "$SUITE" "$BASE.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { tail -20 "$CACHE/debootstrap.log"; exit 1; }
  touch "$BASE.tmp/.complete"
  mv "$BASE.tmp" "$BASE"
}

fetch() { # fetch <name>: download and verify a "#= name version url sha256" source
  local url sum file
  url=$(meta "$1" 2); sum=$(meta "$1" 3); file="$DOWNLOADS/$(basename "$url")"
  mkdir -p "$DOWNLOADS"
  if ! echo "$sum  $file" | sha256sum -c --status 2>/dev/null; then
    log "download $url"
    curl -fsSL -o "$file.tmp" "$url"
    echo "$sum  $file.tmp" | sha256sum -c --status || { log "checksum mismatch: $url"; exit 1; }
    mv "$file.tmp" "$file"
  fi
  echo "$file"
}

ensure_wheels() { # every pinned wheel for manylinux <= 2.28, Python 3.11, into the cache
  local stamp="$WHEELS/.complete-$(sha256sum "$VERSIONS" | cut -c1-16)"
  [ -f "$stamp" ] && return
  local plat="" t
  for t in manylinux_2_28 manylinux_2_27 manylinux_2_26 manylinux_2_24 manylinux_2_17 manylinux2014 \
           manylinux_2_12 manylinux2010 manylinux_2_5 manylinux1; do plat="$plat --platform ${t}_x86_64"; done
  log "pip download (manylinux <= 2.28, cp311) -> $WHEELS"
  mkdir -p "$WHEELS"
  # the requirement list is the constraints file itself: every line is an exact pin
  $PIP download -q --disable-pip-version-check -d "$WHEELS" --only-binary=:all: $plat \
    --python-version 3.11 --implementation cp --abi cp311 --no-deps -r "$VERSIONS"
  touch "$stamp"
}

ensure_build_root() {
  ensure_base
  if [ ! -f "$BUILD_ROOT/.packages" ] || [ "$(cat "$BUILD_ROOT/.packages")" != "$(echo $BUILD_PACKAGES)" ]; then
    # A root that exists keeps its compiled Python (20 min to rebuild): packages added to the list
    # are installed into it; a package dropped from the list stays until the cache is removed.
    if [ ! -f "$BUILD_ROOT/.packages" ]; then
      log "build root $BUILD_ROOT (copy of the base + build packages)"
      remove_root "$BUILD_ROOT"
      cp -a "$BASE" "$BUILD_ROOT"
    else
      log "build root $BUILD_ROOT: installing the packages added to the list"
    fi
    in_root "$BUILD_ROOT" sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $(echo $BUILD_PACKAGES) >/dev/null"
    echo $BUILD_PACKAGES >"$BUILD_ROOT/.packages"
  fi
}

ensure_python() { # SQLite + CPython built with zig inside the build root -> /opt/qsdesk-python
  ensure_build_root
  ensure_wheels
  [ -f "$BUILD_ROOT/opt/qsdesk-python/.built-$PY_KEY" ] && return
  local py sq zigwhl
  py=$(fetch python); sq=$(fetch sqlite)
  zigwhl=$(ls "$WHEELS"/ziglang-"$(grep -i '^ziglang==' "$VERSIONS" | cut -d= -f3)"-*.whl)
  mkdir -p "$BUILD_ROOT/build-src"
  cp "$py" "$sq" "$zigwhl" "$HERE/build_python.sh" "$BUILD_ROOT/build-src/"
  log "build SQLite $SQLITE_VERSION and CPython $PY_VERSION with zig cc (glibc $FLOOR) in the root"
  in_root "$BUILD_ROOT" env PY_VERSION="$PY_VERSION" SQLITE_VERSION="$SQLITE_VERSION" FLOOR="$FLOOR" \
    PY_TARBALL="/build-src/$(basename "$py")" SQLITE_TARBALL="/build-src/$(basename "$sq")" \
    ZIG_WHEEL="/build-src/$(basename "$zigwhl")" nice -n 10 bash /build-src/build_python.sh
  touch "$BUILD_ROOT/opt/qsdesk-python/.built-$PY_KEY"
}

ensure_venv() { # the pinned packages into /opt/qsdesk-venv (the frozen build's and the suite's)
  ensure_python
  [ -f "$BUILD_ROOT/opt/qsdesk-venv/.built-$KEY" ] && return
  rm -rf "$BUILD_ROOT/opt/qsdesk-venv" "$BUILD_ROOT/wheels"
  cp -a "$WHEELS" "$BUILD_ROOT/wheels"
  cp "$VERSIONS" "$BUILD_ROOT/wheels/frozen-versions.txt"
  log "venv with the pinned wheels"
  in_root "$BUILD_ROOT" sh -ec '
    /opt/qsdesk-python/bin/python3 -m venv /opt/qsdesk-venv
    grep -v -i "^ziglang" /wheels/frozen-versions.txt | grep "==" >/wheels/requirements.txt
    /opt/qsdesk-venv/bin/python -m pip install -q --no-index --find-links /wheels \
      -c /wheels/frozen-versions.txt -r /wheels/requirements.txt'
  rm -rf "$BUILD_ROOT/wheels"
  touch "$BUILD_ROOT/opt/qsdesk-venv/.built-$KEY"
}

copy_source() { # the tree (no venv, git, build output) into <root>/src
  local r=$1
  rm -rf "$r/src"; mkdir -p "$r/src"
  (cd "$SRC" && tar -cf - --exclude=./.venv --exclude=./.git --exclude=./build/dist --exclude=./build/work \
     --exclude=./build/cache --exclude='__pycache__' --exclude=./.pytest_cache --exclude=./.ruff_cache \
     --exclude=./bench/out .) | tar -xf - -C "$r/src"
}

cmd_dist() {
  local t0=$SECONDS
  ensure_venv
  copy_source "$BUILD_ROOT"
  local version
  version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$SRC/qsdesk/__init__.py")
  log "freeze + .deb inside the root"
  local t1=$SECONDS
  in_root "$BUILD_ROOT" sh -ec '
    cd /src
    nice -n 10 /opt/qsdesk-venv/bin/python -m PyInstaller --noconfirm --clean --log-level WARN \
      --distpath build/dist --workpath build/work build/pyinstaller.spec
    nice -n 10 /opt/qsdesk-venv/bin/python build/make_deb.py --dist build/dist --version '"$version"
  local t2=$SECONDS
  rm -rf "$SRC/build/dist/qsdesk"
  mkdir -p "$SRC/build/dist"
  cp -a "$BUILD_ROOT/src/build/dist/qsdesk" "$SRC/build/dist/qsdesk"
  cp "$BUILD_ROOT/src/build/dist/qsdesk_${version}_amd64.deb" "$SRC/build/dist/"
  rm -rf "$BUILD_ROOT/src"
  python3 "$SRC/build/glibc_scan.py" --floor "$FLOOR" "$SRC/build/dist/qsdesk"
  python3 "$SRC/build/glibc_scan.py" --floor "$FLOOR" --deb "$SRC/build/dist/qsdesk_${version}_amd64.deb"
  log "dist: root/Python/venv $((t1 - t0)) s, freeze + .deb $((t2 - t1)) s, total $((SECONDS - t0)) s"
}

# The test suite on the frozen build's Python and pins, inside the build root. The tests that need
# a service of the host (a PostgreSQL server, a CUPS scheduler, a window manager) run in `make test`
# on the host; the root has neither the servers nor the window manager.
cmd_suite() {
  ensure_venv
  copy_source "$BUILD_ROOT"
  log "test suite inside the root (Python $PY_VERSION, pins of build/frozen-versions.txt)"
  local rc=0
  in_root "$BUILD_ROOT" sh -ec '
    cd /src
    /opt/qsdesk-venv/bin/python -c "import sys, PySide6, sqlite3; print(\"suite on Python\", sys.version.split()[0], \"PySide6\", PySide6.__version__, \"SQLite\", sqlite3.sqlite_version)"
    QT_QPA_PLATFORM=offscreen PYTHONPATH=/src timeout 2400 nice -n 10 /opt/qsdesk-venv/bin/python -m pytest \
      -q -p no:cacheprovider -n 2 --dist loadfile --ignore=tests/test_dist.py --ignore=tests/test_dist_oldroot.py \
      --ignore=tests/ui/test_print_cups.py --ignore=tests/ui/test_screens_xvfb.py -k "not postgres" '"${*:-}" || rc=$?
  rm -rf "$BUILD_ROOT/src"
  return $rc
}

cmd_baseline() { # the bare-window program frozen the same way -> build/work/bare-window (start-time baseline)
  ensure_venv
  local out="$SRC/build/work/bare-window"
  [ -f "$out/.built-$KEY" ] && return
  rm -rf "$BUILD_ROOT/bare"; mkdir -p "$BUILD_ROOT/bare"
  cp "$HERE/bare_window.py" "$BUILD_ROOT/bare/"
  log "freeze the bare-window baseline inside the root"
  in_root "$BUILD_ROOT" sh -ec 'cd /bare && nice -n 10 /opt/qsdesk-venv/bin/python -m PyInstaller --noconfirm \
    --log-level WARN --onedir --windowed --distpath dist --workpath work --specpath work bare_window.py'
  rm -rf "$out"; mkdir -p "$SRC/build/work"
  cp -a "$BUILD_ROOT/bare/dist/bare_window" "$out"
  rm -rf "$BUILD_ROOT/bare"
  touch "$out/.built-$KEY"
}

cmd_test_root() { # print the path of a fresh bare Debian 11 root (a copy of the cached base)
  ensure_base
  local r="$CACHE/$SUITE-test"
  remove_root "$r"
  cp -a "$BASE" "$r"
  echo "$r"
}

case "${1:-}" in
  dist) cmd_dist ;;
  suite) shift; cmd_suite "$@" ;;
  test-root) cmd_test_root ;;
  baseline) cmd_baseline ;;
  python) ensure_python ;;
  venv) ensure_venv ;;
  remove-root) remove_root "$2" ;;
  *) echo "usage: $0 dist|suite [pytest args]|test-root|baseline|python|venv|remove-root DIR" >&2; exit 2 ;;
esac
