"""build/glibc_scan.py (issue 18): the check that fails the Linux build above the glibc floor.

Scans a copy of this machine's own Python interpreter: whatever glibc version it needs, the scan
must pass with that version as the floor and fail (naming the file and a symbol) one step below.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("objdump") is None or sys.platform != "linux",
                                reason="needs objdump (binutils) on Linux")


def _scanner():
    spec = importlib.util.spec_from_file_location("glibc_scan", ROOT / "build" / "glibc_scan.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "frozen" / "_internal"
    d.mkdir(parents=True)
    shutil.copy(os.path.realpath(sys.executable), d / "python")
    (d / "data.txt").write_text("not an ELF file")
    return tmp_path / "frozen"


def test_floor_at_the_newest_needed_passes_and_below_fails(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scan = _scanner()
    problems, newest, count = scan.scan(folder, (99, 0))
    assert count == 1 and problems == []
    need = newest["GLIBC"]
    assert need >= (2, 2)
    assert scan.main(["--floor", ".".join(map(str, need)), str(folder)]) == 0
    below = (need[0], need[1] - 1) if need[1] > 0 else (need[0] - 1, 99)
    assert scan.main(["--floor", ".".join(map(str, below)), str(folder)]) == 1
    err = capsys.readouterr().err
    assert re.search(r"_internal/python: .*@GLIBC_" + re.escape(".".join(map(str, need))), err), err


def test_folder_without_elf_files_fails(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    assert _scanner().main(["--floor", "2.28", str(tmp_path)]) == 1
