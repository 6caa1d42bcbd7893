# qsdesk: every target installs what it needs first, on a fresh Debian machine too.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEBS_STAMP := $(VENV)/.debs

# Debian packages: Qt's runtime libraries, a virtual X server for screenshots and `make run`
# without a display, poppler for rendering PDFs in tests, zbar for QR decoding, CUPS with a PDF
# printer for the printing tests through a real print queue (tests/ui/cups_queue.py).
# openbox, xprop (x11-utils) and xrdb (x11-xserver-utils): the desktop of tests/ui/test_screens_xvfb.py
DEB_PACKAGES := python3-venv xvfb xauth poppler-utils libegl1 libgl1 libxkbcommon0 \
  libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 \
  libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 \
  libxcb-image0 libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libasound2 libcups2 \
  cups printer-driver-cups-pdf openbox x11-utils x11-xserver-utils
# PostgreSQL (a county hub): the tests start a throwaway server from these binaries
# (tests/pg_server.py); installing the package starts no server of its own here (no systemd).
DEB_PACKAGES += postgresql

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Installers (see the `dist` target below); defined here because `test` depends on $(DEB).
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' qsdesk/__init__.py)
DIST_DIR := build/dist
DEB := $(DIST_DIR)/qsdesk_$(VERSION)_amd64.deb
DIST_STAMP := $(VENV)/.dist-installed
# debootstrap makes the Debian 11 build root; objdump (binutils) for the glibc scan, dpkg-deb for
# the package checks, desktop-file-validate for the menu entry. Everything else is in the root.
DIST_DEB_PACKAGES := binutils desktop-file-utils debootstrap curl
DIST_SOURCES := $(shell find qsdesk forms resources build/deb build/oldroot -type f -not -path '*/__pycache__/*' 2>/dev/null) \
  build/pyinstaller.spec build/qsdesk_entry.py build/make_deb.py build/glibc_scan.py \
  build/frozen-versions.txt pyproject.toml
# The bare frozen PySide6 window: the start-time baseline of tests/test_dist_oldroot.py.
BASELINE := build/work/bare-window/bare_window
OLDROOT := PIP="$(PY) -m pip" nice -n 10 build/oldroot/oldroot.sh

.PHONY: run test test-frozen lint bench deps debs dist dist-test windows-wheels clean

$(DEBS_STAMP): Makefile
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@mkdir -p $(VENV) && touch $@

$(STAMP): pyproject.toml $(DEBS_STAMP)
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

deps: $(STAMP)

run: deps
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ -z "$$QT_QPA_PLATFORM" ]; then \
	  echo "没有图形显示 (no display): start qsdesk under a virtual screen with"; \
	  echo "  xvfb-run -a -s '-screen 0 1366x768x24' make run"; \
	  echo "or on a desktop session run 'make run' from a terminal there."; \
	  exit 2; \
	fi
	$(PY) -m qsdesk $(ARGS)

# Gates (issue 19): ruff; mypy (config in pyproject.toml: strict on qsdesk/domain and
# qsdesk/store, default on the rest; cache in .mypy_cache); dead code (tools/dead_code.py: vulture
# with the reviewed tools/vulture_whitelist.py); the suite under branch coverage, then no package
# below its floor in tests/coverage_floor.json (tools/coverage_gate.py; floors only go up).
test: deps $(DEB) $(BASELINE)
	$(PY) -m ruff check qsdesk tests bench
	$(PY) -m mypy
	$(PY) tools/dead_code.py
	rm -f .coverage .coverage.*
	QT_QPA_PLATFORM=offscreen timeout 2400 $(PY) -m pytest -q -n 2 --dist loadfile --cov=qsdesk --cov-branch --cov-report=
	$(PY) tools/coverage_gate.py

lint: deps
	$(PY) -m ruff check qsdesk tests bench
	$(PY) -m mypy
	$(PY) tools/dead_code.py

bench: deps
	$(PY) bench/run.py $(ARGS)  # bench_ui chooses its Qt platform (Xvfb when installed)

# ---------------------------------------------------------------- installers (issues 9, 18)
# `make dist` builds the Linux installer for glibc 2.28+ inside a Debian 11 root (debootstrap,
# cached in /var/cache/qsdesk-build): CPython and SQLite compiled with zig cc for glibc 2.28,
# the pinned packages of build/frozen-versions.txt, PyInstaller (build/pyinstaller.spec) and
# build/make_deb.py run in the root; build/glibc_scan.py fails the build when any file of the
# folder or the .deb needs a glibc newer than 2.28. Output: build/dist/qsdesk/ and
# build/dist/qsdesk_<version>_amd64.deb (build/oldroot/oldroot.sh).
# `make test` builds them when a source changed; tests/test_dist.py runs the frozen program and
# installs the .deb on this machine, tests/test_dist_oldroot.py installs it with apt in a fresh
# Debian 11 root and runs it there. `make test-frozen` runs the suite on the frozen build's
# Python and pins inside the root. `make dist-test` = both.
$(DIST_STAMP): $(STAMP)
	@missing=$$(for p in $(DIST_DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages for make dist: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@touch $@

$(DEB): $(DIST_STAMP) $(DIST_SOURCES)
	$(SUDO) $(OLDROOT) dist

$(BASELINE): $(DIST_STAMP) build/oldroot/bare_window.py build/oldroot/oldroot.sh build/oldroot/build_python.sh build/frozen-versions.txt
	$(SUDO) $(OLDROOT) baseline

dist: $(DEB)

test-frozen: $(DIST_STAMP)
	$(SUDO) $(OLDROOT) suite

dist-test: deps $(DEB) $(BASELINE) test-frozen
	QT_QPA_PLATFORM=offscreen $(SUDO) $(PY) -m pytest -q -p no:cacheprovider tests/test_dist.py tests/test_dist_oldroot.py

# Every pinned package has a Windows wheel for the pinned Python (pip download --platform win_amd64).
windows-wheels: deps
	$(PY) build/windows/check_wheels.py

clean:
	rm -rf $(VENV) build/dist build/work .pytest_cache .mypy_cache .coverage .coverage.*
