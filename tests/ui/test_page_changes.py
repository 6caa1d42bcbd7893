"""One application signal after committed writes: the visible page showing the changed tables
refreshes at once, hidden ones when next shown; pages reach the window through PageHost."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, KeyProduct
from qsdesk.ui.main_window import MainWindow, settings_at
from qsdesk.ui.page import ChangeRelay, PageHost, host_of
from tests.registry_data import fill_registry


def _window(store: Store, qtbot, tmp_path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(store, settings=settings_at(tmp_path / "settings.ini"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.current_key() == "dashboard")
    return win


def _count_refreshes(page, monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    calls: list[int] = []
    original = page.refresh

    def counted() -> None:
        calls.append(1)
        original()

    monkeypatch.setattr(page, "refresh", counted)
    return calls


def _add_enterprise(store: Store, name: str) -> None:
    with store.transaction() as s:
        s.add(Enterprise(name=name, unit_types="retailer"))


def test_the_visible_page_refreshes_when_its_data_changes(store: Store, qtbot, tmp_path: Path,
                                                           monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fill_registry(store)
    win = _window(store, qtbot, tmp_path)
    page = win.show_page("registry")
    before = page.model.total()
    calls = _count_refreshes(page, monkeypatch)
    _add_enterprise(store, "济南新开一家商店")  # written elsewhere (another dialog, an import)
    qtbot.waitUntil(lambda: len(calls) == 1)
    assert page.model.total() == before + 1
    # a change of a table the page does not show leaves it alone
    with store.transaction() as s:
        s.add(KeyProduct(category="电器", name="电热水壶"))
    QApplication.processEvents()
    qtbot.wait(50)
    assert len(calls) == 1


def test_a_hidden_page_is_marked_stale_and_refreshed_when_shown(store: Store, qtbot, tmp_path: Path,
                                                                monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fill_registry(store)
    win = _window(store, qtbot, tmp_path)
    registry = win.show_page("registry")
    win.show_page("inspections")
    calls = _count_refreshes(registry, monkeypatch)
    win.show_page("registry")  # nothing it shows changed: showing it again does not re-read it
    assert calls == []
    win.show_page("risk")
    _add_enterprise(store, "济南又一家商店")
    qtbot.waitUntil(lambda: "registry" in win._stale)
    assert calls == []  # hidden: not read while nobody looks
    win.show_page("registry")
    assert calls == [1]
    assert "registry" not in win._stale


def test_many_commits_in_one_burst_refresh_once(store: Store, qtbot, tmp_path: Path,
                                                monkeypatch) -> None:  # type: ignore[no-untyped-def]
    win = _window(store, qtbot, tmp_path)
    page = win.show_page("registry")
    calls = _count_refreshes(page, monkeypatch)
    for i in range(5):
        _add_enterprise(store, f"批量商店{i}")
    qtbot.waitUntil(lambda: len(calls) >= 1)
    qtbot.wait(50)
    assert calls == [1]


def test_relay_merges_changes_from_worker_threads(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    relay = ChangeRelay()
    got: list[frozenset[str]] = []
    relay.changed.connect(lambda c: got.append(c.tables))
    remove = store.on_change(relay.notify)
    t = threading.Thread(target=_add_enterprise, args=(store, "线程里新增的商店"))
    t.start()
    t.join()
    qtbot.waitUntil(lambda: bool(got))
    assert "enterprise" in got[0]
    remove()


def test_pages_reach_the_window_through_its_contract(store: Store, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = fill_registry(store)
    win = _window(store, qtbot, tmp_path)
    assert isinstance(win, PageHost)
    registry = win.show_page("registry")
    assert host_of(registry) is win
    host_of(registry).open_record("enterprise", ids["济南泉城化肥有限公司"])  # type: ignore[union-attr]
    assert win.current_key() == "registry"
    assert registry.detail.enterprise_id == ids["济南泉城化肥有限公司"]
    minutes: list[int] = []

    class Lock:
        def set_minutes(self, m: int) -> None:
            minutes.append(m)

    win.idle_lock = Lock()  # type: ignore[assignment]
    win.set_idle_minutes(7)
    assert minutes == [7]


def test_a_page_on_its_own_has_no_host(store: Store, qtbot) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.ui.pages.inspections import InspectionsPage

    page = InspectionsPage(store)
    qtbot.addWidget(page)
    assert host_of(page) is None
