"""Start-up: the login dialog is up (from a sqlite3 first look) while the database opens behind it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from qsdesk.services.accounts import create_account, set_active
from qsdesk.services.accounts import login as service_login
from qsdesk.store.db import Store, open_store
from qsdesk.store.models import AuditEntry
from qsdesk.store.peek import peek
from qsdesk.ui import app as app_module
from qsdesk.ui import main_window as main_window_module
from qsdesk.ui.login import LoginDialog
from qsdesk.ui.main_window import MainWindow, settings_at
from qsdesk.ui.opening import OpeningStore


def _ok(dlg: LoginDialog) -> None:
    dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def _run_gui(root: Path, drive: Callable[[], None]) -> int:
    """``run_gui`` on ``root`` with ``drive`` polling from the event loop in place of a person;
    a start that gets stuck fails after 30 s instead of hanging."""
    qapp = QApplication.instance()
    stuck = QTimer()
    stuck.setSingleShot(True)
    stuck.timeout.connect(lambda: qapp.exit(3))
    stuck.start(30_000)
    QTimer.singleShot(0, drive)
    # Closing the last window would also post a quit event; if that arrives after exit() it
    # ends the next test's event loops at once (Qt keeps "quit now" set outside exec()).
    qapp.setQuitOnLastWindowClosed(False)
    try:
        return app_module.run_gui(root, None, [])
    finally:
        stuck.stop()
        qapp.setQuitOnLastWindowClosed(True)


def _error(dlg: LoginDialog) -> str:
    label = dlg.findChild(QLabel, "error")
    return label.text() if label.isVisible() else ""


def test_peek_reads_node_and_active_accounts(store: Store) -> None:
    create_account(store, "zhangwei", "abc12345", "chief")
    chief = service_login(store, "zhangwei", "abc12345")
    create_account(store, "lina", "abc12345", "inspector", by=chief)
    create_account(store, "wangqiang", "abc12345", "inspector", by=chief)
    set_active(store, chief, "wangqiang", False)
    assert store.data_dir is not None
    first = peek(store.data_dir.db_path)
    assert first is not None
    node = store.self_node()
    assert node is not None
    assert (first.node_code, first.node_name) == (node.code, node.name)
    assert first.usernames == ("zhangwei", "lina")  # chiefs first; inactive accounts left out


def test_peek_declines_what_it_cannot_vouch_for(tmp_path: Path, store: Store) -> None:
    missing = tmp_path / "nowhere" / "qsdesk.db"
    assert peek(missing) is None and not missing.exists()  # no empty file made on the way
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all")
    assert peek(junk) is None
    assert store.data_dir is not None
    db = store.data_dir.db_path
    older = tmp_path / "older.db"
    con = sqlite3.connect(db)
    con.execute(f"VACUUM INTO '{older}'")
    con.close()
    con = sqlite3.connect(older)
    con.execute("UPDATE alembic_version SET version_num = '0001'")  # needs migrating: full open only
    con.commit()
    con.close()
    assert peek(older) is None
    assert peek(db) is not None and peek(db).usernames == ()  # type: ignore[union-attr]


def test_login_dialog_waits_for_the_opening_store(qtbot: QtBot, store: Store) -> None:
    create_account(store, "zhangwei", "abc12345", "chief")
    assert store.data_dir is not None
    first = peek(store.data_dir.db_path)
    release = threading.Event()
    opening = OpeningStore(store.data_dir.root, prepare=lambda _s: release.wait(10)).start()
    dlg = LoginDialog(opening, first=first)
    qtbot.addWidget(dlg)
    dlg.show()
    assert first is not None and any(first.node_name in lb.text() for lb in dlg.findChildren(QLabel))
    assert dlg.username.currentText() == "zhangwei"
    assert not opening.is_done()  # the dialog is up and typing while the store still opens
    qtbot.keyClicks(dlg.password, "abc12345")
    seen: list[str] = []
    QTimer.singleShot(150, lambda: (seen.append(_error(dlg)), release.set()))
    _ok(dlg)  # waits (painting) until the store is open, then checks the password
    assert seen == ["正在打开数据，请稍候……"]
    assert dlg.result() == LoginDialog.DialogCode.Accepted and dlg.user is not None
    opened = opening.wait()
    assert opened.actor == "zhangwei"
    with opened.session() as s:
        assert "login" in s.scalars(select(AuditEntry.action).where(AuditEntry.actor == "zhangwei")).all()
    opened.close()


def test_login_dialog_gives_way_when_the_database_cannot_open(qtbot: QtBot, store: Store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    create_account(store, "zhangwei", "abc12345", "chief")
    assert store.data_dir is not None
    first = peek(store.data_dir.db_path)

    def broken(_s: Store) -> None:
        raise OSError("磁盘已满")

    opening = OpeningStore(store.data_dir.root, prepare=broken).start()
    dlg = LoginDialog(opening, first=first)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.password, "abc12345")
    _ok(dlg)
    assert dlg.result() == LoginDialog.DialogCode.Rejected and dlg.user is None
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: said.append(text))
    assert app_module.open_data(opening) is None
    assert len(said) == 1 and "无法打开数据目录" in said[0] and "磁盘已满" in said[0]


def test_run_gui_login_then_first_page(qtbot: QtBot, store: Store, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The whole start as a person sees it: window, login (before the store is open), first page."""
    create_account(store, "zhangwei", "abc12345", "chief")
    assert store.data_dir is not None
    root = store.data_dir.root
    store.close()
    monkeypatch.setattr(app_module, "setup_logging", lambda directory=None: tmp_path / "qsdesk.log")
    monkeypatch.setattr(main_window_module, "app_settings", lambda: settings_at(tmp_path / "settings.ini"))
    monkeypatch.setattr(app_module, "_daily_backup", lambda _s: None)
    qapp = QApplication.instance()
    seen: dict[str, object] = {}

    def drive() -> None:
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, LoginDialog) and "login" not in seen:
            seen["login"] = (dlg.username.currentText(), dlg.windowTitle())
            dlg.password.setText("abc12345")
            QTimer.singleShot(20, drive)
            _ok(dlg)
            return
        win = next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()), None)
        if "login" in seen and win is not None and win.loaded_pages():
            seen["pages"] = win.loaded_pages()
            seen["title"] = win.windowTitle()
            seen["actor"] = win.store.actor if win.store is not None else None
            win.close()
            qapp.exit(0)
            return
        QTimer.singleShot(20, drive)

    assert _run_gui(root, drive) == 0
    assert seen["login"] == ("zhangwei", "登录")
    assert seen["pages"] == ["dashboard"] and "370112001" in str(seen["title"])
    assert seen["actor"] == "zhangwei"
    reopened = open_store(root)
    with reopened.session() as s:
        assert "login" in s.scalars(select(AuditEntry.action)).all()
    reopened.close()


def test_run_gui_first_start(qtbot: QtBot, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A new data directory: nothing to peek at, so the set-up dialog follows the full open, then
    the chief's first account, then the first page."""
    from qsdesk.ui.login import FirstAccountDialog
    from qsdesk.ui.setup_dialog import SetupDialog

    root = tmp_path / "new"
    monkeypatch.setattr(app_module, "setup_logging", lambda directory=None: tmp_path / "qsdesk.log")
    monkeypatch.setattr(main_window_module, "app_settings", lambda: settings_at(tmp_path / "settings.ini"))
    qapp = QApplication.instance()
    seen: list[str] = []

    def drive() -> None:
        if any(step.startswith("page:") for step in seen):
            return
        dlg = QApplication.activeModalWidget()
        QTimer.singleShot(20, drive)
        if isinstance(dlg, SetupDialog) and "setup" not in seen:
            seen.append("setup")
            dlg.code.setText("370112002")
            dlg.name.setText("历城区市场监管局港沟市场监管所")
            dlg.parent_code.setText("370112")
            dlg.inspectors.setPlainText("王强：13805310003\n")
            dlg.accept()
        elif isinstance(dlg, FirstAccountDialog) and "account" not in seen:
            seen.append("account")
            dlg.username.setText("wangqiang")
            dlg.password.setText("abc12345")
            dlg.repeat.setText("abc12345")
            dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
        else:
            win = next((w for w in QApplication.topLevelWidgets()
                        if isinstance(w, MainWindow) and w.isVisible() and w.loaded_pages()), None)
            if win is not None and "account" in seen:
                seen.append("page:" + ",".join(win.loaded_pages()))
                win.close()
                qapp.exit(0)

    assert _run_gui(root, drive) == 0 and seen == ["setup", "account", "page:dashboard"]
    first = peek(root / "qsdesk.db")  # the next start can show its login at once
    assert first is not None and first.node_code == "370112002" and first.usernames == ("wangqiang",)


@pytest.fixture(autouse=True)
def _no_idle_lock_left(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """run_gui installs the idle lock and the draft-restore offer; neither matters here."""
    monkeypatch.setattr(app_module, "_after_show", lambda _store, _window: None)


def test_start_up_path_imports_no_sqlalchemy() -> None:
    """The window and the login dialog come up before SQLAlchemy is loaded (four times a bare
    window's start-up on a field laptop): the modules on that path must not import it."""
    code = ("import sys\n"
            "import qsdesk.ui.app, qsdesk.ui.main_window, qsdesk.ui.login, qsdesk.ui.opening, qsdesk.store.peek\n"
            "import qsdesk.ui.pages.dashboard\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sqlalchemy' or m == 'qsdesk.store.models'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}).stdout
    assert out.strip() == "[]"
