"""Every record dialog on a real X display (Xvfb + openbox) with a 40 px taskbar reserving its strip:
the whole window, buttons included, inside the available area, at 1366×768 and at 1920×1080 with
150 % scaling. Runs tools/screenshot_dialogs.py (which also leaves the PNGs to look at)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("Xvfb", "openbox", "xprop")), reason="needs Xvfb, openbox and xprop")


@pytest.mark.parametrize(("size", "scale", "available"), [
    ("1366x768", None, (1366, 728)),
    ("1920x1080", "1.5", (1280, 693)),
], ids=["laptop-taskbar", "fullhd-150pct"])
def test_dialogs_fit_on_a_desktop_with_taskbar(tmp_path: Path, size: str, scale: str | None,
                                                available: tuple[int, int]) -> None:
    cmd = [sys.executable, str(ROOT / "tools" / "screenshot_dialogs.py"), str(tmp_path), "--size", size]
    if scale:
        cmd += ["--scale", scale]
    subprocess.run(cmd, check=True, timeout=240, capture_output=True)
    lines = (tmp_path / "geometry.txt").read_text("utf-8").splitlines()
    m = re.search(r"available \(0, 0, (\d+), (\d+)\)", lines[0])
    assert m and (int(m[1]), int(m[2])) == available  # the taskbar's strip is reserved
    names = {ln.split(":")[0] for ln in lines[1:]}
    assert {"annex4_inspection", "annex5_inspection", "annex3_census_new", "annex3_census_edit",
            "annex6_risk_report", "task_checklist", "main_window"} <= names
    for ln in lines[1:]:
        if "not opened" in ln:
            continue
        assert ln.endswith("fits=True"), ln
        assert (tmp_path / f"{ln.split(':')[0]}.png").stat().st_size > 10_000
