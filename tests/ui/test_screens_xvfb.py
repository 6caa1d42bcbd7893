"""Every record dialog on a real X display (Xvfb + openbox) with a 40 px taskbar reserving its strip:
the whole window, buttons included, inside the available area, and no button or label text cut
off, at 1366×768 and at 1920×1080 with 150 % scaling — set the way an X11 desktop sets it
(``Xft.dpi: 144`` in the X resources, which Qt 6 turns into devicePixelRatio 1.5) and, as before,
with ``QT_SCALE_FACTOR``. Runs tools/screenshot_dialogs.py (which also leaves the PNGs to look at)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("Xvfb", "openbox", "xprop")), reason="needs Xvfb, openbox and xprop")


@pytest.mark.parametrize(("size", "scale", "available", "dpr"), [
    ("1366x768", None, (1366, 728), "1.0"),
    # A desktop at 150 %: its taskbar is scaled too (40 px logical = 60 px on the screen).
    ("1920x1080", ["--xft-dpi", "144"], (1280, 680), "1.5"),
    ("1920x1080", ["--scale", "1.5"], (1280, 693), "1.5"),
], ids=["laptop-taskbar", "fullhd-150pct-desktop", "fullhd-150pct-qt"])
def test_dialogs_fit_on_a_desktop_with_taskbar(tmp_path: Path, size: str, scale: list[str] | None,
                                                available: tuple[int, int], dpr: str) -> None:
    if scale and scale[0] == "--xft-dpi" and not shutil.which("xrdb"):
        pytest.skip("needs xrdb (x11-xserver-utils)")
    cmd = [sys.executable, str(ROOT / "tools" / "screenshot_dialogs.py"), str(tmp_path), "--size", size]
    cmd += scale or []
    subprocess.run(cmd, check=True, timeout=300, capture_output=True)
    lines = (tmp_path / "geometry.txt").read_text("utf-8").splitlines()
    m = re.search(r"available \(0, 0, (\d+), (\d+)\) dpr (\S+)", lines[0])
    assert m and (int(m[1]), int(m[2])) == available  # the taskbar's strip is reserved
    assert m[3] == dpr  # Qt saw the desktop's scaling
    names = {ln.split(":")[0] for ln in lines[1:]}
    assert {"annex4_inspection", "annex5_inspection", "annex3_census_new", "annex3_census_edit",
            "annex6_risk_report", "task_checklist", "main_window", "print_preview", "settings_page",
            "station_details"} <= names
    cut = json.loads((tmp_path / "cut_off.json").read_text("utf-8"))
    for ln in lines[1:]:
        if "not opened" in ln:
            continue
        name = ln.split(":")[0]
        assert ln.endswith("fits=True"), ln
        assert cut[name] == [], (name, cut[name])  # no button or label text cut off
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def test_cut_off_check_finds_a_squeezed_button(qapp) -> None:  # type: ignore[no-untyped-def]
    """The screenshot tool's text check is not blind: a squeezed button and label are named."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from screenshot_dialogs import _cut_off
    finally:
        sys.path.remove(str(ROOT / "tools"))
    from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

    w = QWidget()
    lay = QHBoxLayout(w)
    btn = QPushButton("打印空白表（现场手工填写）")
    btn.setFixedWidth(60)
    lab = QLabel("<b>统一社会信用代码</b>：")
    lab.setFixedWidth(40)
    ok = QPushButton("关闭")
    for x in (btn, lab, ok):
        lay.addWidget(x)
    w.show()
    found = _cut_off(w)
    assert len(found) == 2 and "打印空白表" in found[0] and "统一社会信用代码" in found[1]
    w.close()
