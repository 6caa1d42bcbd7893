"""Main window: navigation, lazy pages, missing pages, remembered state, opening records,
and screenshots at the two common screen sizes."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QApplication

from qsdesk.store.db import Store
from qsdesk.ui import main_window as mw
from qsdesk.ui.main_window import NAVIGATION, MainWindow, NoticePage, settings_at
from tests.registry_data import fill_registry

TITLES = ["工作台", "企业档案", "监督检查", "风险信息", "监督抽查", "任务清单", "统计报表", "数据同步", "设置"]


def make(store: Store, qtbot, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(store, settings=settings_at(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_navigation_and_lazy_pages(store: Store, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = make(store, qtbot, tmp_path)
    assert [win.nav.item(i).text() for i in range(win.nav.count())] == TITLES
    qtbot.waitUntil(lambda: win.current_key() == "dashboard")
    assert win.loaded_pages() == ["dashboard"]  # the others are built when first shown
    win.nav.setCurrentRow(1)
    assert win.current_key() == "registry"
    assert win.stack.currentWidget() is win.page("registry")
    assert win.loaded_pages() == ["dashboard", "registry"]
    for i, e in enumerate(NAVIGATION):
        win.nav.setCurrentRow(i)
        page = win.stack.currentWidget()
        assert page is win.page(e.key)
        if isinstance(page, NoticePage):
            # a page not in this version is a plain notice, never a failure to build
            assert "尚未包含" in page.text, page.text
    assert "370112001" in win.windowTitle()


def test_missing_page_module_shows_notice(store: Store, qtbot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    win = make(store, qtbot, tmp_path)
    monkeypatch.setitem(win._entries, "sync", mw.NavEntry("sync", "数据同步", "no_such_page_module", "X"))
    page = win.page("sync")
    assert isinstance(page, NoticePage) and "尚未包含在此版本中" in page.text


def test_broken_page_shows_error_and_logs(store: Store, qtbot, tmp_path: Path, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    import qsdesk.ui.pages.settings as settings_mod

    class Broken(settings_mod.SettingsPage):
        def __init__(self, *a, **k) -> None:  # type: ignore[no-untyped-def]
            raise RuntimeError("boom")

    monkeypatch.setattr(settings_mod, "SettingsPage", Broken)
    win = make(store, qtbot, tmp_path)
    page = win.page("settings")
    assert isinstance(page, NoticePage) and "打开失败" in page.text
    assert "boom" in caplog.text


def test_window_state_remembered(store: Store, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    win = make(store, qtbot, tmp_path)
    win.resize(701, 502)  # within the offscreen screen (800×600): restoreGeometry keeps windows on screen
    win.show_page("settings")
    win.close()
    again = make(store, qtbot, tmp_path)
    qtbot.waitUntil(lambda: again.current_key() == "settings")
    assert (again.size().width(), again.size().height()) == (701, 502)
    assert again.loaded_pages() == ["settings"]


def test_open_record_goes_to_its_page(store: Store, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = fill_registry(store)
    win = make(store, qtbot, tmp_path)
    win.open_record("enterprise", ids["济南泉城化肥有限公司"])
    assert win.current_key() == "registry"
    assert win.page("registry").detail.title.text() == "济南泉城化肥有限公司"  # type: ignore[attr-defined]


def test_screenshots(store: Store, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Render every page at 1366×768 and 1920×1080. Set QSDESK_SCREENSHOTS=<dir> to keep the
    images for a person to look at."""
    from qsdesk.ui.app import install_font

    family = install_font(QApplication.instance())  # type: ignore[arg-type]
    assert family  # the bundled CJK font, not whatever the machine has
    fill_registry(store)
    out = Path(os.environ.get("QSDESK_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    win = make(store, qtbot, tmp_path)
    for w, h in ((1366, 768), (1920, 1080)):
        win.resize(w, h)
        for e in NAVIGATION:
            page = win.show_page(e.key)
            if e.key == "dashboard":
                page.refresh_now()  # type: ignore[attr-defined]
            qtbot.wait(20)
            img = win.grab()
            assert (img.width(), img.height()) == (w, h)
            path = out / f"main_{e.key}_{w}x{h}.png"
            assert img.save(str(path))
            assert path.stat().st_size > 10_000


def test_window_before_database(store: Store, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """run_gui shows the window first and attaches the database when it is open."""
    win = MainWindow(None, settings=settings_at(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    win.show()
    qtbot.wait(10)
    assert win.stack.currentWidget() is win.opening and win.loaded_pages() == []
    win.nav.setCurrentRow(1)  # clicked while opening: nothing is built without a database
    assert win.loaded_pages() == []
    win.set_store(store)
    qtbot.waitUntil(lambda: win.loaded_pages() == ["registry"])  # the page clicked wins
    assert win.stack.currentWidget() is win.page("registry")
    assert "370112001" in win.windowTitle()
