"""Screenshots of the record dialogs on a real X display with a taskbar, as a station sees them.

    python tools/screenshot_dialogs.py OUT_DIR [--size 1366x768] [--xft-dpi 144 | --scale 1.5] [--taskbar 40]

Starts a private Xvfb of the given size, the openbox window manager, and a 40 px "taskbar" (a dock
window at the bottom that reserves its strip with ``_NET_WM_STRUT_PARTIAL``, as a desktop panel
does), so the screen's *available* geometry is what a laptop with a taskbar offers. Then opens each
record dialog (and the main window) of a small fresh database with the program's own window
fitting, and saves the whole screen per dialog as PNG. Needs Xvfb, openbox and xprop.

Scaling: ``--xft-dpi 144`` is how an X11 desktop set to 150 % scales — the desktop publishes
``Xft.dpi: 144`` in the X resource database (``xrdb``; GNOME, KDE and Xfce do this), and Qt 6 on
xcb reads it and reports ``devicePixelRatio`` 1.5 for every program started afterwards, the
taskbar included (needs xrdb). ``--scale`` sets ``QT_SCALE_FACTOR`` for the program only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_display() -> int:
    for n in range(140, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


def panel_main(height: int) -> None:
    """The taskbar: a dock window across the bottom that reserves ``height`` pixels."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication([])
    geo = app.primaryScreen().geometry()
    dpr = app.primaryScreen().devicePixelRatio()  # a scaled desktop's taskbar is scaled too
    phys_w, strut = round(geo.width() * dpr), round(height * dpr)
    bar = QLabel("  任务栏（模拟）")
    bar.setStyleSheet("background:#1f2a36;color:#ddd")
    bar.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
    bar.setGeometry(0, geo.height() - height, geo.width(), height)
    bar.show()
    app.processEvents()
    wid = str(int(bar.winId()))
    subprocess.run(["xprop", "-id", wid, "-f", "_NET_WM_WINDOW_TYPE", "32a", "-set", "_NET_WM_WINDOW_TYPE",
                    "_NET_WM_WINDOW_TYPE_DOCK"], check=True)
    subprocess.run(["xprop", "-id", wid, "-f", "_NET_WM_STRUT_PARTIAL", "32c", "-set", "_NET_WM_STRUT_PARTIAL",
                    f"0,0,0,{strut},0,0,0,0,0,0,0,{phys_w - 1}"], check=True)
    subprocess.run(["xprop", "-id", wid, "-f", "_NET_WM_STRUT", "32c", "-set", "_NET_WM_STRUT",
                    f"0,0,0,{strut}"], check=True)
    QTimer.singleShot(600_000, app.quit)
    app.exec()


def _fixture_store(data_dir: Path):  # type: ignore[no-untyped-def]
    from datetime import date

    from qsdesk.services import inspections
    from qsdesk.services.node import InspectorSpec, init_node
    from qsdesk.store.db import open_store
    from qsdesk.store.models import Enterprise, Product

    store = open_store(data_dir)
    init_node(store, kind="station", code="370112001", name="历城区市场监管局王舍人市场监管所",
              parent_code="370112", inspectors=[InspectorSpec.parse("张伟:13805310001:37011200101"),
                                                InspectorSpec.parse("李娜:13805310002:37011200102")])
    ids = {}
    with store.transaction() as s:
        for key, name, domain, types in (("producer", "济南华鲁电器有限公司", "生产", "producer"),
                                          ("seller", "历城区顺发五金店", "流通", "retailer")):
            e = Enterprise(name=name, uscc="91370112MA3C7X1K48" if key == "producer" else None,
                           legal_rep="王建国", province="山东省", city="济南市", county="历城区",
                           town="王舍人街道", address="工业北路88号", contact="刘敏", phone="13906410001",
                           domain=domain, status="在产在营", unit_types=types, staff=120, revenue_wan=800)
            s.add(e)
            s.flush()
            s.add(Product(enterprise_id=e.id, name="电热水壶", category="家用电器", licence_type="CCC",
                          certificate_no="2021010719000001"))
            ids[key] = e.id
    _fid, values = inspections.new_values(store, ids["producer"], None, today=date.today())
    return store, ids, values


def child_main(out: Path) -> None:
    """Open each dialog, let the window manager place it, grab the screen."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from qsdesk.resources import install_qt_fonts
    from qsdesk.ui import window_fit

    app = QApplication([])
    family = install_qt_fonts()
    if family:
        f = app.font()
        f.setFamily(family)
        app.setFont(f)
    window_fit.install(app)
    from qsdesk.ui.app import _install_translations

    _install_translations(app)  # 确定/取消 as the program shows them
    tmp = Path(tempfile.mkdtemp(prefix="qsdesk-shots-"))
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    store, ids, _values = _fixture_store(tmp / "data")

    from qsdesk.ui.admin_panels import ChangePasswordDialog
    from qsdesk.ui.forms import dialogs
    from qsdesk.ui.main_window import MainWindow, settings_at
    from qsdesk.ui.pages.checklists import ChecklistDialog
    from qsdesk.ui.pages.inspections import PickEnterpriseDialog
    from qsdesk.ui.pages.settings import StationDialog

    makers: list[tuple[str, object]] = [
        ("main_window", lambda: _main(MainWindow, store, settings_at(tmp / "ui.ini"))),
        ("annex4_inspection", lambda: dialogs.InspectionDialog(store, enterprise_id=ids["producer"])),
        ("annex5_inspection", lambda: dialogs.InspectionDialog(store, enterprise_id=ids["seller"])),
        ("annex3_census_edit", lambda: dialogs.CensusDialog(store, enterprise_id=ids["producer"])),
        ("annex3_census_new", lambda: dialogs.CensusDialog(store)),
        ("annex6_risk_report", lambda: dialogs.RiskReportDialog(store, enterprise_id=ids["producer"])),
        ("task_checklist", lambda: ChecklistDialog(store, ids["producer"], "2026年上半年")),
        ("pick_enterprise", lambda: PickEnterpriseDialog(store)),
        ("change_password", lambda: ChangePasswordDialog(store, "zhangwei")),
        ("station_details", lambda: StationDialog(store)),
    ]
    makers += _page_dialogs(store, ids)
    makers += [("print_preview", lambda: _preview(tmp)),
               ("settings_page", lambda: _main_at(MainWindow, store, settings_at(tmp / "ui2.ini"), "settings")),
               ("registry_page", lambda: _main_at(MainWindow, store, settings_at(tmp / "ui3.ini"), "registry"))]
    screen = app.primaryScreen()
    report = [f"screen {screen.geometry().getRect()} available {screen.availableGeometry().getRect()} "
              f"dpr {screen.devicePixelRatio()}"]
    import json

    controls: dict[str, list[str]] = {}
    for name, make in makers:
        try:
            w = make()  # type: ignore[operator]
        except Exception as exc:  # a dialog that needs more context than this fixture gives
            report.append(f"{name}: not opened ({type(exc).__name__}: {exc})")
            continue
        assert isinstance(w, QWidget)
        w.show()
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)
        shot = screen.grabWindow(0)
        shot.save(str(out / f"{name}.png"))
        fg = w.frameGeometry()
        hidden = _cut_off(w)
        controls[name] = hidden
        report.append(f"{name}: frame {fg.getRect()} client {w.geometry().getRect()} "
                      f"cut={len(hidden)} fits={screen.availableGeometry().contains(fg)}")
        w.hide()
        w.deleteLater()
    (out / "geometry.txt").write_text("\n".join(report) + "\n", "utf-8")
    (out / "cut_off.json").write_text(json.dumps(controls, ensure_ascii=False, indent=1), "utf-8")
    QTimer.singleShot(0, app.quit)
    store.close()
    shutil.rmtree(tmp, ignore_errors=True)


def _page_dialogs(store, ids):  # type: ignore[no-untyped-def]
    """The pages' own dialogs (sampling, reports, risk, register, draw, master data, setup)."""
    from datetime import date

    from qsdesk.services import risk
    from qsdesk.ui.excel_import_wizard import ExcelImportWizard
    from qsdesk.ui.pages import master_data, registry, reports, sampling, sampling_draw
    from qsdesk.ui.pages import risk as risk_page
    from qsdesk.ui.setup_dialog import SetupDialog

    rid = risk.create_report(store, reported_on=date.today(), sources=["投诉、举报"], product_name="电热水壶",
                             description="外壳带电")
    return [
        ("sampling_result", lambda: sampling.SamplingDialog(store)),
        ("sampling_help", lambda: sampling.HelpDialog(store, ids["producer"], None)),
        ("sampling_step", lambda: sampling.StepDialog("登记后处理步骤")),
        ("sampling_draw", lambda: sampling_draw.DrawDialog(store)),
        ("report_activity", lambda: reports.ActivityDialog(store)),
        ("report_case", lambda: reports.CaseDialog(store)),
        ("risk_new", lambda: risk_page.NewRiskDialog(store)),
        ("risk_link", lambda: risk_page.LinkDialog(store, rid)),
        ("risk_status", lambda: risk_page.StatusDialog(store, rid, "verified")),
        ("registry_assign", lambda: registry.AssignDialog(store, "济南华鲁电器有限公司", None)),
        ("master_notice", lambda: master_data.NoticeDialog()),
        ("master_key_product", lambda: master_data.KeyProductDialog()),
        ("excel_import", lambda: ExcelImportWizard(store)),
        ("setup", lambda: SetupDialog(store)),
    ]


def _cut_off(w):  # type: ignore[no-untyped-def]
    """Buttons and labels whose text does not fit the width they were given (shown cut off or
    elided), and buttons lying outside the window (a scroll area's content may; the window's own
    buttons may not). Only widgets visible on screen count."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QLabel

    def scrolled(c) -> bool:  # type: ignore[no-untyped-def]
        p = c.parentWidget()
        while p is not None and p is not w:
            if isinstance(p, QAbstractScrollArea):
                return True
            p = p.parentWidget()
        return False

    out = []
    win = w.rect()
    for c in w.findChildren(QAbstractButton) + w.findChildren(QLabel):
        if not c.isVisibleTo(w) or not c.isVisible() or c.width() < 2:
            continue
        text = re.sub(r"<[^>]+>", "", c.text()).replace("&nbsp;", " ").replace("&", "")
        if not text or "\n" in text or (isinstance(c, QLabel) and c.wordWrap()):
            continue
        need = c.fontMetrics().horizontalAdvance(text)
        room = c.contentsRect().width()
        if isinstance(c, QAbstractButton):
            room -= 8  # the button's own frame and padding
            if not c.icon().isNull():
                room -= c.iconSize().width()
        top_left = c.mapTo(w, c.rect().topLeft())
        outside = (isinstance(c, QAbstractButton) and not scrolled(c)
                   and not win.contains(c.rect().translated(top_left)))
        if need > room + 1 or outside:
            out.append(f"{type(c).__name__} {text!r} needs {need} px, has {room}" + (" (outside)" if outside else ""))
    return out


def _preview(tmp):  # type: ignore[no-untyped-def]
    from qsdesk.services.printing import render_blank
    from qsdesk.ui.print_preview import PrintPreviewDialog

    return PrintPreviewDialog(render_blank("annex4", tmp / "blank.pdf"), "检查记录打印预览")


def _main_at(cls, store, settings, key):  # type: ignore[no-untyped-def]
    win = cls(store, settings=settings)
    win.show_page(key)
    return win


def _main(cls, store, settings):  # type: ignore[no-untyped-def]
    win = cls(store, settings=settings)
    return win


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("out", type=Path)
    p.add_argument("--size", default="1366x768")
    p.add_argument("--scale", default=None, help="QT_SCALE_FACTOR, e.g. 1.5")
    p.add_argument("--xft-dpi", type=int, default=None, help="the desktop's Xft.dpi (xrdb), e.g. 144 for 150 %%")
    p.add_argument("--taskbar", type=int, default=40)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--panel", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.panel:
        panel_main(a.taskbar)
        return 0
    if a.child:
        child_main(a.out)
        return 0
    for tool in ("Xvfb", "openbox", "xprop", *(("xrdb",) if a.xft_dpi else ())):
        if shutil.which(tool) is None:
            print(f"需要 {tool}", file=sys.stderr)
            return 2
    a.out.mkdir(parents=True, exist_ok=True)
    n = _free_display()
    env = {**os.environ, "DISPLAY": f":{n}", "QT_QPA_PLATFORM": "xcb", "PYTHONPATH": str(ROOT)}
    for var in ("QT_SCALE_FACTOR", "QT_SCREEN_SCALE_FACTORS", "QT_AUTO_SCREEN_SCALE_FACTOR", "QT_FONT_DPI"):
        env.pop(var, None)
    procs = [subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{a.size}x24", "-nolisten", "tcp", "-noreset"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                break
            time.sleep(0.05)
        procs.append(subprocess.Popen(["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.8)
        if a.xft_dpi:  # as the desktop session's display settings do, before the programs start
            # (after the window manager connected: an X server with no client left resets its resources)
            subprocess.run(["xrdb", "-merge"], input=f"Xft.dpi: {a.xft_dpi}\n", text=True, env=env, check=True)
        procs.append(subprocess.Popen([sys.executable, __file__, str(a.out), "--panel", "--taskbar", str(a.taskbar)],
                                      env=env))
        time.sleep(2.0)
        child_env = dict(env)
        if a.scale:
            child_env["QT_SCALE_FACTOR"] = a.scale
        return subprocess.run([sys.executable, __file__, str(a.out), "--child"], env=child_env).returncode
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
