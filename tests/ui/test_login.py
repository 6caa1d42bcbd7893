"""Login, first chief account, throttling and the idle lock — through the widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit, QMainWindow, QTextEdit
from pytestqt.qtbot import QtBot

from qsdesk.services.accounts import create_account, has_accounts
from qsdesk.store.db import Store
from qsdesk.ui.login import FirstAccountDialog, IdleLock, LoginDialog


def _ok(dlg) -> None:  # type: ignore[no-untyped-def]
    box = dlg.findChild(QDialogButtonBox)
    box.button(QDialogButtonBox.StandardButton.Ok).click()


def _error(dlg) -> str:  # type: ignore[no-untyped-def]
    label = dlg.findChild(QLabel, "error")
    return label.text() if label.isVisible() else ""


def test_first_start_creates_chief(qtbot: QtBot, store: Store) -> None:
    dlg = FirstAccountDialog(store)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.keyClicks(dlg.findChild(QLineEdit, "username"), "zhangwei")
    qtbot.keyClicks(dlg.findChild(QLineEdit, "password"), "abc12345")
    qtbot.keyClicks(dlg.findChild(QLineEdit, "repeat"), "abc12346")
    _ok(dlg)
    assert "不一致" in _error(dlg) and not has_accounts(store)
    dlg.findChild(QLineEdit, "repeat").clear()
    qtbot.keyClicks(dlg.findChild(QLineEdit, "repeat"), "abc12345")
    _ok(dlg)
    assert dlg.result() == FirstAccountDialog.DialogCode.Accepted
    assert dlg.user is not None and dlg.user.is_chief and store.actor == "zhangwei" and store.role == "chief"


def test_login_wrong_passwords_slow_down(qtbot: QtBot, store: Store) -> None:
    create_account(store, "zhangwei", "abc12345", "chief")
    dlg = LoginDialog(store)
    qtbot.addWidget(dlg)
    dlg.show()
    pw = dlg.findChild(QLineEdit, "password")
    for _ in range(5):
        qtbot.keyClicks(pw, "wrong-pass")
        qtbot.keyClick(pw, Qt.Key.Key_Return)
        assert "用户名或密码错误" in _error(dlg)
        assert pw.text() == ""
    qtbot.keyClicks(pw, "abc12345")  # right password, but it must wait now
    qtbot.keyClick(pw, Qt.Key.Key_Return)
    assert "秒后再试" in _error(dlg)
    assert dlg.user is None and dlg.isVisible()


def test_idle_lock_hides_content_and_unlocks(qtbot: QtBot, store: Store) -> None:
    create_account(store, "zhangwei", "abc12345", "chief")
    win = QMainWindow()
    secret = QTextEdit("某企业的检查记录")
    win.setCentralWidget(secret)
    qtbot.addWidget(win)
    win.show()
    store.set_actor("zhangwei", "chief")
    lock = IdleLock(store, win, minutes=0.002)  # 120 ms
    with qtbot.waitSignal(lock.locked, timeout=3000):
        pass
    qtbot.waitUntil(lambda: getattr(lock, "dialog", None) is not None and lock.dialog.isVisible())
    assert not secret.isVisible()
    pw = lock.dialog.findChild(QLineEdit, "password")
    qtbot.keyClicks(pw, "bad-pass1")
    qtbot.keyClick(pw, Qt.Key.Key_Return)
    assert lock.is_locked and not secret.isVisible()
    qtbot.keyClicks(pw, "abc12345")
    with qtbot.waitSignal(lock.unlocked, timeout=3000) as blocker:
        qtbot.keyClick(pw, Qt.Key.Key_Return)
    assert blocker.args[0].username == "zhangwei"
    assert secret.isVisible() and not lock.is_locked
    lock.set_minutes(60)
