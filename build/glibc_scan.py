"""Fail when any ELF file of the frozen program needs a newer glibc than the floor (issue 18).

    python3 build/glibc_scan.py --floor 2.28 build/dist/qsdesk
    python3 build/glibc_scan.py --floor 2.28 --deb build/dist/qsdesk_0.1.0_amd64.deb

Reads the dynamic symbol table of every ELF file (``objdump -T``): each imported symbol carries
the version of the library that defines it, e.g. ``memcpy (GLIBC_2.14)``; a system with an older
glibc refuses to load the file. Also refused: ``GLIBC_PRIVATE`` (glibc-internal, changes between
builds of the same release). Prints the newest GLIBC, GLIBCXX and CXXABI versions found and each
offending file with its too-new symbols; exit 1 when there is any.

With ``--deb`` the package's files are unpacked (``dpkg-deb -x``) and scanned, so the check is on
what ships, not on a folder that could differ.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

VERSION_RE = re.compile(r"\(?(GLIBC|GLIBCXX|CXXABI)_([0-9][0-9.]*|PRIVATE)\)?\s+(\S+)\s*$")


def parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split("."))


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink() and is_elf(p)]


def needed_versions(path: Path) -> dict[str, set[tuple[str, str]]]:
    """{"GLIBC": {(version, symbol), ...}, ...} of the symbols ``path`` imports (UND)."""
    out = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"glibc_scan: objdump -T {path} failed: {out.stderr.strip()}")
    found: dict[str, set[tuple[str, str]]] = {}
    for line in out.stdout.splitlines():
        if "*UND*" not in line:
            continue
        m = VERSION_RE.search(line)
        if m:
            found.setdefault(m.group(1), set()).add((m.group(2), m.group(3)))
    return found


def scan(folder: Path, floor: tuple[int, ...]) -> tuple[list[str], dict[str, tuple[int, ...]], int]:
    """(problems, newest version per family, number of ELF files)."""
    problems: list[str] = []
    newest: dict[str, tuple[int, ...]] = {}
    files = elf_files(folder)
    for f in files:
        too_new: list[str] = []
        for family, items in needed_versions(f).items():
            for version, symbol in items:
                if version == "PRIVATE":
                    too_new.append(f"{symbol}@{family}_PRIVATE")
                    continue
                v = parse_version(version)
                newest[family] = max(newest.get(family, ()), v)
                if family == "GLIBC" and v > floor:
                    too_new.append(f"{symbol}@GLIBC_{version}")
        if too_new:
            problems.append(f"{f.relative_to(folder)}: {', '.join(sorted(too_new))}")
    return problems, newest, len(files)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", type=Path, help="frozen folder, or the .deb with --deb")
    ap.add_argument("--floor", default="2.28", help="newest glibc allowed (default 2.28)")
    ap.add_argument("--deb", action="store_true", help="path is a .deb: scan its unpacked files")
    args = ap.parse_args(argv)
    floor = parse_version(args.floor)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.path
        if args.deb:
            subprocess.run(["dpkg-deb", "-x", str(args.path), tmp], check=True)
            folder = Path(tmp)
        problems, newest, count = scan(folder, floor)
    summary = ", ".join(f"{k}_{'.'.join(map(str, v))}" for k, v in sorted(newest.items()))
    print(f"glibc_scan: {args.path}: {count} ELF files, newest needed: {summary or 'none'}")
    if count == 0:
        print("glibc_scan: no ELF file found: wrong folder?", file=sys.stderr)
        return 1
    if problems:
        print(f"glibc_scan: {len(problems)} files need more than glibc {args.floor}:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"glibc_scan: every file runs on glibc {args.floor}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
