"""Check that every pinned package has a Windows wheel for the pinned Python (issue 18, item 3).

    python build/windows/check_wheels.py        (make windows-wheels)

Reads build/frozen-versions.txt (the pins and the ``#= python`` line), then asks pip to resolve
and download, for Windows x64 and that Python (``--platform win_amd64 --python-version 3.11
--implementation cp --abi cp311 --only-binary=:all:``), every pinned package *with* its
dependencies under the pins as constraints. So a pin without a win_amd64 (or pure-Python) wheel
fails, and so does a Windows-only dependency (e.g. PyInstaller's pefile and pywin32-ctypes)
without a wheel; Windows-only dependencies that are not pinned are listed (and fail with
``--strict``). Linux-only pins (ziglang) are skipped. Wheels are kept in
``$QSDESK_BUILD_CACHE/wheels-win`` (default /var/cache/qsdesk-build, else build/cache) so
a second run downloads nothing.

This proves that ``pip install`` of the frozen set can succeed on Windows 10/11 x64; it does not
run anything on Windows.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = ROOT / "build" / "frozen-versions.txt"
LINUX_ONLY = {"ziglang"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> tuple[dict[str, str], str]:
    """({canonical name: version}, python "major.minor") of the versions file."""
    pins: dict[str, str] = {}
    python = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#="):
            parts = line.split()
            if len(parts) >= 3 and parts[1] == "python":
                python = ".".join(parts[2].split(".")[:2])
            continue
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in line:
            name, version = (x.strip() for x in line.split("==", 1))
            pins[canonical(name)] = version
    if not python:
        raise SystemExit(f"check_wheels: no '#= python' line in {path}")
    return pins, python


def cache_dir() -> Path:
    base = Path(os.environ.get("QSDESK_BUILD_CACHE", "/var/cache/qsdesk-build"))
    try:
        base.mkdir(parents=True, exist_ok=True)
        if os.access(base, os.W_OK):
            return base / "wheels-win"
    except OSError:
        pass
    return ROOT / "build" / "cache" / "wheels-win"


def wheel_name_version(filename: str) -> tuple[str, str]:
    parts = filename.split("-")
    return canonical(parts[0]), parts[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--strict", action="store_true", help="also fail on unpinned Windows-only dependencies")
    args = ap.parse_args(argv)
    pins, python = read_pins(VERSIONS)
    dest = cache_dir()
    dest.mkdir(parents=True, exist_ok=True)
    wanted = [f"{n}=={v}" for n, v in sorted(pins.items()) if n not in LINUX_ONLY]
    abi = "cp" + python.replace(".", "")
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "-d", str(dest),
           "--only-binary=:all:", "--platform", "win_amd64", "--python-version", python,
           "--implementation", "cp", "--abi", abi, "-c", str(VERSIONS), *wanted]
    print(f"check_wheels: pip download {len(wanted)} pins for win_amd64, CPython {python} -> {dest}")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        errors = [ln for ln in r.stderr.splitlines() if ln.startswith("ERROR")]
        print("check_wheels: FAILED: a pinned package (or a dependency) has no Windows wheel:", file=sys.stderr)
        for ln in errors or r.stderr.splitlines()[-10:]:
            print(f"  {ln}", file=sys.stderr)
        return 1
    got: dict[str, tuple[str, str]] = {}
    for f in dest.glob("*.whl"):
        name, version = wheel_name_version(f.name)
        if name in pins and version != pins[name]:
            continue  # an older download of a previous pin
        got.setdefault(name, (version, f.name))
    missing = sorted(n for n in pins if n not in LINUX_ONLY and n not in got)
    extras = sorted(n for n in got if n not in pins)
    for name in sorted(got):
        if name in pins or name in extras:
            print(f"  {got[name][1]}")
    if missing:
        print(f"check_wheels: FAILED: no wheel downloaded for {', '.join(missing)}", file=sys.stderr)
        return 1
    if extras:
        print(f"check_wheels: Windows-only dependencies not pinned in {VERSIONS.name}: "
              + ", ".join(f"{n}=={got[n][0]}" for n in extras))
        if args.strict:
            return 1
    print(f"check_wheels: every pin has a Windows x64 wheel for CPython {python} ({len(got)} wheels)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
