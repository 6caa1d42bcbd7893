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
DEB_PACKAGES := python3-venv xvfb xauth poppler-utils libegl1 libgl1 libxkbcommon0 \
  libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 \
  libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 \
  libxcb-image0 libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libasound2 libcups2 \
  cups printer-driver-cups-pdf
# PostgreSQL (a county hub): the tests start a throwaway server from these binaries
# (tests/pg_server.py); installing the package starts no server of its own here (no systemd).
DEB_PACKAGES += postgresql

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Installers (see the `dist` target below); defined here because `test` depends on $(DEB).
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' qsdesk/__init__.py)
DIST_DIR := build/dist
DEB := $(DIST_DIR)/qsdesk_$(VERSION)_amd64.deb
DIST_STAMP := $(VENV)/.dist-installed
# objdump/objcopy for PyInstaller and make_deb.py; desktop-file-validate checks the menu entry.
DIST_DEB_PACKAGES := binutils desktop-file-utils
DIST_SOURCES := $(shell find qsdesk forms resources build/deb -type f -not -path '*/__pycache__/*' 2>/dev/null) \
  build/pyinstaller.spec build/qsdesk_entry.py build/make_deb.py pyproject.toml

.PHONY: run test lint bench deps debs dist dist-test clean

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

test: deps $(DEB)
	$(PY) -m ruff check qsdesk tests bench
	QT_QPA_PLATFORM=offscreen timeout 2400 $(PY) -m pytest -q -n 2 --dist loadfile

lint: deps
	$(PY) -m ruff check qsdesk tests bench

bench: deps
	$(PY) bench/run.py $(ARGS)  # bench_ui chooses its Qt platform (Xvfb when installed)

# ---------------------------------------------------------------- installers (issue 9)
# `make dist` freezes the program with PyInstaller (build/pyinstaller.spec) into
# build/dist/qsdesk/ and packs build/dist/qsdesk_<version>_amd64.deb (build/make_deb.py).
# `make test` builds them when a source changed (CI: always) and tests/test_dist.py runs the
# frozen program, installs the .deb, runs the installed program and removes it again.
$(DIST_STAMP): $(STAMP)
	@missing=$$(for p in $(DIST_DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	ver=$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
	libdir=$$($(PY) -c 'import sysconfig as s; print(s.get_config_var("LIBDIR") or "")'); \
	if [ ! -e "$$libdir/libpython$$ver.so.1.0" ] && ! ldconfig -p | grep -q "libpython$$ver.so.1.0"; then \
	  missing="$$missing libpython$$ver"; \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages for make dist: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	$(PY) -m pip install -q -e '.[test,dist]'
	@touch $@

$(DEB): $(DIST_STAMP) $(DIST_SOURCES)
	@start=$$(date +%s); \
	$(PY) -m PyInstaller --noconfirm --clean --log-level WARN --distpath $(DIST_DIR) \
	  --workpath build/work build/pyinstaller.spec && \
	frozen=$$(date +%s) && \
	$(PY) build/make_deb.py --dist $(DIST_DIR) --version $(VERSION) && \
	end=$$(date +%s) && \
	echo "make dist: PyInstaller $$((frozen - start)) s, .deb $$((end - frozen)) s, total $$((end - start)) s"

dist: $(DEB)

dist-test: deps $(DEB)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q tests/test_dist.py

clean:
	rm -rf $(VENV) build/dist build/work .pytest_cache
