"""Issue 16 items 5 and 6: windows fit the available screen, sizes are remembered, Esc asks like
关闭, and the idle lock hides every window of the program."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QLineEdit, QMainWindow, QMessageBox, QTextEdit, QWidget
from pytestqt.qtbot import QtBot

from qsdesk.services import drafts
from qsdesk.services.accounts import create_account
from qsdesk.store.db import Store
from qsdesk.ui import window_fit
from qsdesk.ui.forms import dialogs
from qsdesk.ui.login import IdleLock
from tests.services.inspection_helpers import make_enterprise
from tests.ui.form_helpers import fill

#: A station laptop: 1366×768 with a 40 px taskbar at the bottom.
LAPTOP = QRect(0, 0, 1366, 728)
#: 1920×1080 at 150 % scaling, 40 physical px taskbar: 1280×693 logical pixels available.
SCALED = QRect(0, 0, 1280, 693)


@pytest.fixture
def screen_area(monkeypatch: pytest.MonkeyPatch):
    """Set the available geometry the windows see (a reduced available geometry)."""
    area = {"rect": LAPTOP}
    monkeypatch.setattr(window_fit, "available_geometry", lambda _w=None: area["rect"])
    return area


def _dialogs(store: Store) -> list[dialogs.RecordDialog]:
    eid = make_enterprise(store)
    return [dialogs.InspectionDialog(store, enterprise_id=eid), dialogs.CensusDialog(store, enterprise_id=eid),
            dialogs.RiskReportDialog(store, enterprise_id=eid)]


def _bottom(w: QWidget, dlg: QWidget) -> int:
    return w.mapTo(dlg, QPoint(0, w.height())).y()


@pytest.mark.parametrize("area", [LAPTOP, SCALED], ids=["1366x768-taskbar", "1920x1080-150pct"])
def test_record_dialogs_fit_with_buttons_on_screen(qtbot: QtBot, store: Store, screen_area, area: QRect) -> None:
    screen_area["rect"] = area
    for dlg in _dialogs(store):
        qtbot.addWidget(dlg)
        dlg.show()
        frame = window_fit.FRAME_ALLOWANCE
        assert dlg.width() + frame.width() <= area.width(), type(dlg).__name__
        assert dlg.height() + frame.height() <= area.height(), type(dlg).__name__
        assert dlg.minimumSizeHint().height() + frame.height() <= area.height()
        assert dlg.x() >= area.x() and dlg.y() >= area.y()
        # The button row (保存/封存/打印/关闭) is inside the window, not cut off.
        assert _bottom(dlg.close_btn, dlg) <= dlg.height()
        assert dlg.close_btn.mapTo(dlg, QPoint(dlg.close_btn.width(), 0)).x() <= dlg.width()
        # Large enough to work in: most of the screen, not a postage stamp.
        assert dlg.width() >= area.width() * 0.8 and dlg.height() >= area.height() * 0.8
        dlg.hide()


def test_size_is_remembered_per_dialog_and_clamped(qtbot: QtBot, store: Store, screen_area) -> None:
    screen_area["rect"] = QRect(0, 0, 1920, 1040)
    eid = make_enterprise(store)
    dlg = dialogs.CensusDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.resize(1000, 700)
    dlg.close()
    again = dialogs.CensusDialog(store, enterprise_id=eid)
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (1000, 700)
    # Another form keeps its own size.
    insp = dialogs.InspectionDialog(store, enterprise_id=eid)
    qtbot.addWidget(insp)
    assert (insp.width(), insp.height()) != (1000, 700)
    # On a smaller screen the remembered size is clamped to what fits.
    screen_area["rect"] = QRect(0, 0, 900, 600)
    small = dialogs.CensusDialog(store, enterprise_id=eid)
    qtbot.addWidget(small)
    assert small.width() <= 900 - window_fit.FRAME_ALLOWANCE.width()
    assert small.height() <= 600 - window_fit.FRAME_ALLOWANCE.height()


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch):
    asked: list[str] = []
    reply = {"button": QMessageBox.StandardButton.Cancel}

    def question(_parent, title, text, *a, **k):
        asked.append(title)
        return reply["button"]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: None))
    return asked, reply


def test_escape_asks_like_close(qtbot: QtBot, store: Store, answers) -> None:
    asked, reply = answers
    eid = make_enterprise(store)
    dlg = dialogs.InspectionDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    fill(qtbot, dlg.form, "inspected_products", "电热水壶")
    # Esc with unsaved typing: the question comes; 取消 keeps the dialog and the text.
    qtbot.keyClick(dlg.form.editors["inspected_products"].focus_widget(), Qt.Key.Key_Escape)
    assert asked == ["尚未保存"] and dlg.isVisible()
    assert dlg.form.editors["inspected_products"].value() == "电热水壶"
    # Esc again, 保存: the draft is saved, the dialog closes.
    reply["button"] = QMessageBox.StandardButton.Save
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert asked == ["尚未保存", "尚未保存"] and not dlg.isVisible()
    assert dlg.record_id is not None
    from qsdesk.services import inspections

    _row, values = inspections.load(store, dlg.record_id)
    assert values["inspected_products"] == "电热水壶"


def test_escape_without_changes_closes_at_once(qtbot: QtBot, store: Store, answers) -> None:
    asked, _reply = answers
    eid = make_enterprise(store)
    dlg = dialogs.CensusDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert asked == [] and not dlg.isVisible()


def test_escape_discard_drops_the_autosaved_draft(qtbot: QtBot, store: Store, answers) -> None:
    _asked, reply = answers
    eid = make_enterprise(store)
    dlg = dialogs.InspectionDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    fill(qtbot, dlg.form, "inspected_products", "电热水壶")
    dlg.autosaver.flush()
    assert drafts.list_drafts(store)
    reply["button"] = QMessageBox.StandardButton.Discard
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert not dlg.isVisible() and drafts.list_drafts(store) == []


def test_idle_lock_hides_open_record_dialogs(qtbot: QtBot, store: Store, answers) -> None:
    create_account(store, "zhangwei", "abc12345", "chief")
    store.set_actor("zhangwei", "chief")
    win = QMainWindow()
    win.setCentralWidget(QTextEdit("企业列表"))
    qtbot.addWidget(win)
    win.show()
    eid = make_enterprise(store)
    record = dialogs.InspectionDialog(store, win, enterprise_id=eid)
    qtbot.addWidget(record)
    record.show()
    other = dialogs.CensusDialog(store, None, enterprise_id=eid)  # a window without parent
    qtbot.addWidget(other)
    other.show()
    lock = IdleLock(store, win, minutes=0.002)
    with qtbot.waitSignal(lock.locked, timeout=3000):
        pass
    qtbot.waitUntil(lambda: getattr(lock, "dialog", None) is not None and lock.dialog.isVisible())
    assert not record.isVisible() and not other.isVisible()
    assert not win.centralWidget().isVisible()
    pw = lock.dialog.findChild(QLineEdit, "password")
    qtbot.keyClicks(pw, "abc12345")
    with qtbot.waitSignal(lock.unlocked, timeout=3000):
        qtbot.keyClick(pw, Qt.Key.Key_Return)
    assert record.isVisible() and other.isVisible() and win.centralWidget().isVisible()
    lock.set_minutes(60)


def test_any_program_dialog_is_clamped_and_remembered(qtbot, store: Store, screen_area) -> None:
    """Dialogs that size themselves (e.g. 820×900) are fitted by the application-wide fitter."""
    window_fit.install()  # the user settings file (redirected to a temp dir by conftest)
    qtbot_cleanup = window_fit.uninstall
    screen_area["rect"] = LAPTOP
    try:
        _check_clamped_and_remembered(qtbot, store)
    finally:
        qtbot_cleanup()


def _check_clamped_and_remembered(qtbot, store: Store) -> None:
    from PySide6.QtWidgets import QDialog

    from qsdesk.ui.pages.settings import StationDialog

    tall = StationDialog(store)
    tall.resize(820, 900)  # asks for more height than the laptop has
    qtbot.addWidget(tall)
    tall.show()
    assert tall.height() < 900 and tall.height() + window_fit.frame_allowance(tall).height() <= LAPTOP.height()
    assert tall.width() == 820
    tall.resize(700, 500)
    tall.close()
    again = StationDialog(store)
    qtbot.addWidget(again)
    again.show()
    assert (again.width(), again.height()) == (700, 500)
    # Qt's own boxes are left alone.
    plain = QDialog()
    qtbot.addWidget(plain)
    plain.resize(300, 2000)
    plain.show()
    assert plain.height() == 2000


def test_idle_lock_hides_a_modal_dialogs_contents(qtbot: QtBot, store: Store, answers) -> None:
    """A window in its own modal loop cannot be hidden without ending that loop: its contents go."""
    create_account(store, "zhangwei", "abc12345", "chief")
    store.set_actor("zhangwei", "chief")
    win = QMainWindow()
    win.setCentralWidget(QTextEdit("企业列表"))
    qtbot.addWidget(win)
    win.show()
    modal = dialogs.CensusDialog(store, win, enterprise_id=make_enterprise(store))
    qtbot.addWidget(modal)
    modal.setWindowModality(Qt.WindowModality.ApplicationModal)
    modal.show()
    lock = IdleLock(store, win, minutes=0.002)
    with qtbot.waitSignal(lock.locked, timeout=3000):
        pass
    qtbot.waitUntil(lambda: getattr(lock, "dialog", None) is not None and lock.dialog.isVisible())
    assert modal.isVisible() and not modal.form.isVisible() and not modal.close_btn.isVisible()
    pw = lock.dialog.findChild(QLineEdit, "password")
    qtbot.keyClicks(pw, "abc12345")
    with qtbot.waitSignal(lock.unlocked, timeout=3000):
        qtbot.keyClick(pw, Qt.Key.Key_Return)
    assert modal.form.isVisible() and modal.close_btn.isVisible()
    lock.set_minutes(60)
