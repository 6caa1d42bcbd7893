#!/usr/bin/env bash
# Runs INSIDE the Debian 11 build root (oldroot.sh python): SQLite and CPython built with
# `zig cc -target x86_64-linux-gnu.$FLOOR`, so every file of the interpreter needs glibc $FLOOR
# at most, into /opt/qsdesk-python. Fails when a stdlib module the program needs is missing
# (configure skips a module silently when its library check fails, e.g. _sqlite3 under zig with
# Debian's libsqlite3, which is why SQLite is built here with the same compiler).
#
# Inputs (environment): PY_VERSION SQLITE_VERSION FLOOR PY_TARBALL SQLITE_TARBALL ZIG_WHEEL
set -euo pipefail
: "${PY_VERSION:?}" "${SQLITE_VERSION:?}" "${FLOOR:?}" "${PY_TARBALL:?}" "${SQLITE_TARBALL:?}" "${ZIG_WHEEL:?}"
PREFIX=/opt/qsdesk-python
SQLITE_PREFIX=/opt/qsdesk-sqlite
WORK=/build-src/work
JOBS=$(nproc)

rm -rf "$WORK" "$PREFIX" "$SQLITE_PREFIX" /opt/zig /opt/qsdesk-ffi
mkdir -p "$WORK" /opt/zig

# zig from PyPI's ziglang wheel (a zip with the static zig binary and its libc headers).
cd /opt/zig
if command -v unzip >/dev/null; then unzip -q "$ZIG_WHEEL"; else echo "build_python: unzip missing" >&2; exit 1; fi
ZIG=$(find /opt/zig -name zig -type f -perm -u+x | head -1)
[ -x "$ZIG" ] || { echo "build_python: no zig in $ZIG_WHEEL" >&2; exit 1; }

# The compiler wrapper: zig cc for glibc $FLOOR, with its quirks worked around.
cat >/opt/zig/zcc <<EOF
#!/usr/bin/env bash
# zig cc for x86_64 glibc $FLOOR. zig ignores /usr/include with an explicit target (added back
# *after* its own glibc headers); it rejects -Wl,-h<soname> (rewritten to -soname); __DATE__
# and __TIME__ are errors by default; zig's UBSan-by-default is turned off (CPython is built
# like a release build, not a sanitizer build).
# A link whose only inputs are shared libraries (libpython3.so from libpython3.11.so) fails
# under zig ("version in target triple is invalid"): an empty C file is added to such links.
args=()
link=1 sources=0
for a in "\$@"; do
  case "\$a" in
    -Wl,-h,*) args+=("-Wl,-soname,\${a#-Wl,-h,}") ;;
    -Wl,-h*) args+=("-Wl,-soname,\${a#-Wl,-h}") ;;
    *) args+=("\$a") ;;
  esac
  case "\$a" in
    -c|-E|-S|-M|-MM|--version|-v|-dumpversion|-dumpmachine|-print-*) link=0 ;;
    *.c|*.o|*.a|*.s|*.S|*.cc|*.cpp|*.i|*.lo|-) sources=1 ;;
  esac
done
if [ \$link = 1 ] && [ \$sources = 0 ] && [ \$# -gt 0 ]; then args+=(/opt/zig/empty.c); fi
exec "$ZIG" cc -target x86_64-linux-gnu.$FLOOR -fno-sanitize=undefined -Wno-date-time \\
  -idirafter /usr/include/x86_64-linux-gnu -idirafter /usr/include "\${args[@]}"
EOF
chmod +x /opt/zig/zcc
: >/opt/zig/empty.c
cat >/opt/zig/zar <<EOF
#!/bin/sh
exec "$ZIG" ar "\$@"
EOF
chmod +x /opt/zig/zar
export CC=/opt/zig/zcc AR=/opt/zig/zar ZIG_GLOBAL_CACHE_DIR=/build-src/zig-cache ZIG_LOCAL_CACHE_DIR=/build-src/zig-cache

# ---- SQLite: the amalgamation (generated with tclsh), compiled with FTS5 into a static library
cd "$WORK"
tar -xf "$SQLITE_TARBALL"
cd sqlite3-"$SQLITE_VERSION"
./configure --disable-tcl --enable-fts5 >/dev/null
make -s sqlite3.c >/dev/null
mkdir -p "$SQLITE_PREFIX/lib" "$SQLITE_PREFIX/include"
$CC -O2 -fPIC -c sqlite3.c -o sqlite3.o \
  -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_RTREE \
  -DSQLITE_ENABLE_JSON1 -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_MATH_FUNCTIONS \
  -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_THREADSAFE=1 \
  -DSQLITE_DEFAULT_FOREIGN_KEYS=0 -DSQLITE_SECURE_DELETE
/opt/zig/zar rcs "$SQLITE_PREFIX/lib/libsqlite3.a" sqlite3.o
cp sqlite3.h sqlite3ext.h "$SQLITE_PREFIX/include/"

# ---- CPython
# setup.py looks for ffi.h only in its include dirs, and Debian's libffi.pc names none (ffi.h is
# in the multiarch dir, which must not go before zig's glibc headers): a folder with just the
# libffi headers. Without it _ctypes is built without -lffi and then dropped as unimportable.
mkdir -p /opt/qsdesk-ffi/include
ln -sf /usr/include/x86_64-linux-gnu/ffi.h /usr/include/x86_64-linux-gnu/ffitarget.h /opt/qsdesk-ffi/include/
cd "$WORK"
tar -xf "$PY_TARBALL"
cd Python-"$PY_VERSION"
./configure --prefix="$PREFIX" --enable-shared --with-ensurepip=install --without-static-libpython \
  CPPFLAGS="-I/opt/qsdesk-ffi/include" LDFLAGS="-L/usr/lib/x86_64-linux-gnu -Wl,-rpath,$PREFIX/lib" \
  LIBSQLITE3_CFLAGS="-I$SQLITE_PREFIX/include" \
  LIBSQLITE3_LIBS="-L$SQLITE_PREFIX/lib -lsqlite3 -lm -lpthread" >configure.out 2>&1 \
  || { tail -40 configure.out; tail -80 config.log; exit 1; }
make -s -j"$JOBS" >make.out 2>&1 || { tail -60 make.out; exit 1; }
make -s install >install.out 2>&1 || { tail -40 install.out; exit 1; }

# ---- the modules the program and its dependencies need must be there
"$PREFIX/bin/python3" - <<'EOF'
import importlib, sqlite3, ssl, sys
need = ["_ssl", "_hashlib", "_sqlite3", "_ctypes", "zlib", "_bz2", "_lzma", "_uuid", "_decimal",
        "_json", "pyexpat", "unicodedata", "_multiprocessing", "_posixshmem", "select", "_socket",
        "_struct", "array", "math", "_datetime", "_zoneinfo", "binascii", "_csv", "_queue",
        "_asyncio", "fcntl", "termios", "mmap", "_blake2", "_sha3", "grp"]
missing = []
for m in need:
    try:
        importlib.import_module(m)
    except ImportError as e:
        missing.append(f"{m} ({e})")
if missing:
    sys.exit("build_python: modules missing: " + ", ".join(missing))
con = sqlite3.connect(":memory:")
con.execute("create virtual table t using fts5(x, tokenize='trigram')")
print(f"build_python: Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version} (FTS5 trigram ok), "
      f"{ssl.OPENSSL_VERSION}")
EOF
rm -rf "$WORK"
