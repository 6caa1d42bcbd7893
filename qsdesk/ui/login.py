"""Login, the chief's first account, and the idle lock.

A found laptop must not open the records: the main window is shown only after a login, and
after :data:`DEFAULT_IDLE_MINUTES` without keyboard or mouse input the window hides its content
behind a lock dialog that asks the same user's password again (or another user may log in,
which replaces the session).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from qsdesk.ui.dialog_guard import button_box
from qsdesk.ui.opening import OpeningStore

if TYPE_CHECKING:  # the login dialog is shown before the database layer is loaded (ui/opening)
    from qsdesk.services.accounts import User
    from qsdesk.store.db import Store
    from qsdesk.store.peek import Peek

DEFAULT_IDLE_MINUTES = 10
IDLE_SETTING = "idle_lock_minutes"


def idle_minutes(store: Store) -> int:
    from qsdesk.services import records

    value = records.local_setting(store, IDLE_SETTING)
    try:
        return max(1, int(value)) if value is not None else DEFAULT_IDLE_MINUTES
    except ValueError:
        return DEFAULT_IDLE_MINUTES


def set_idle_minutes(store: Store, minutes: int) -> None:
    from qsdesk.services import records

    records.set_local_setting(store, IDLE_SETTING, str(max(1, minutes)))


class _ErrorLabel(QLabel):
    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setStyleSheet("color: #b00020;")
        self.setObjectName("error")
        self.hide()

    def say(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))


class FirstAccountDialog(QDialog):
    """First start: the station chief makes the first account (role chief)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        from qsdesk.services import records

        super().__init__(parent)
        self.store = store
        self.user: User | None = None
        self.setWindowTitle("创建所长账号")
        lay = QVBoxLayout(self)
        intro = QLabel("首次使用：请为所长创建登录账号。所长可以添加其他检查人员的账号、"
                       "指定责任监管人员、处理同步冲突。")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.inspector = QComboBox()
        self.inspector.addItem("（不关联）", None)
        with store.session() as s:
            for iid, name in records.all_inspectors(s):
                self.inspector.addItem(name, iid)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("用户名：", self.username)
        form.addRow("对应检查人员：", self.inspector)
        form.addRow("密码（至少8位，含字母和数字）：", self.password)
        form.addRow("再次输入密码：", self.repeat)
        lay.addLayout(form)
        self.error = _ErrorLabel()
        lay.addWidget(self.error)
        lay.addWidget(button_box(self, on_accept=self._create, ok_text="创建并登录"))
        self.setMinimumWidth(460)

    def _create(self) -> None:
        from qsdesk.services.accounts import AccountError, create_account, login

        if self.password.text() != self.repeat.text():
            self.error.say("两次输入的密码不一致")
            return
        try:
            create_account(self.store, self.username.text(), self.password.text(), "chief",
                           inspector_id=self.inspector.currentData())
            self.user = login(self.store, self.username.text(), self.password.text())
        except AccountError as exc:
            self.error.say(str(exc))
            return
        self.accept()


class LoginDialog(QDialog):
    """Username and password; wrong tries are counted and slowed down by the service.

    At start-up ``store`` is still opening (:class:`~qsdesk.ui.opening.OpeningStore`) and
    ``first`` names the node and the accounts, read without SQLAlchemy; the password is checked
    once the store is ready, usually long before the person has typed it.
    """

    def __init__(self, store: Store | OpeningStore, parent: QWidget | None = None, *,
                 username: str | None = None, title: str = "登录", first: Peek | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.user: User | None = None
        self.setWindowTitle(title)
        lay = QVBoxLayout(self)
        if first is not None:
            node_name: str | None = first.node_name
            usernames = list(first.usernames)
        else:
            from qsdesk.services.accounts import list_accounts

            if isinstance(self._store, OpeningStore):
                self._store = self._store.wait()
            store = self._store
            node = store.self_node()
            node_name = node.name if node else None
            usernames = [acc.username for acc in list_accounts(store) if acc.active]
        head = QLabel(f"<b>{node_name or '质量安全监管工作台'}</b>")
        lay.addWidget(head)
        form = QFormLayout()
        self.username = QComboBox()
        self.username.setObjectName("username")
        self.username.setEditable(True)
        self.username.addItems(usernames)
        if username:
            self.username.setCurrentText(username)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("用户名：", self.username)
        form.addRow("密码：", self.password)
        lay.addLayout(form)
        self.error = _ErrorLabel()
        lay.addWidget(self.error)
        buttons = button_box(self, on_accept=self._login, ok_text="登录", cancel_text="退出")
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        lay.addWidget(buttons)
        self.password.setFocus()
        self.setMinimumWidth(380)

    @property
    def store(self) -> Store:
        """The store, waiting for it if it is still opening (the window keeps painting)."""
        if isinstance(self._store, OpeningStore):
            if not self._store.is_done():
                self.error.say("正在打开数据，请稍候……")
                self.ok_button.setEnabled(False)
                try:
                    self._store.wait()
                finally:
                    self.ok_button.setEnabled(True)
                    self.error.say("")
            self._store = self._store.wait()
        return self._store

    def _login(self) -> None:
        from qsdesk.services.accounts import AccountError, login

        try:
            store = self.store
        except Exception:  # the database did not open: start-up reports why (ui.app.open_data)
            self.reject()
            return
        try:
            self.user = login(store, self.username.currentText(), self.password.text())
        except AccountError as exc:
            self.password.clear()
            self.error.say(str(exc))
            return
        self.accept()


def ensure_login(store: Store, parent: QWidget | None = None) -> User | None:
    """First account (chief) on a fresh installation, otherwise the login dialog."""
    from qsdesk.services.accounts import has_accounts

    dlg: FirstAccountDialog | LoginDialog
    dlg = LoginDialog(store, parent) if has_accounts(store) else FirstAccountDialog(store, parent)
    return dlg.user if dlg.exec() and dlg.user is not None else None


class IdleLock(QObject):
    """Watches input application-wide; after ``minutes`` idle, hides ``window``'s content and asks
    for a password. Emits ``unlocked(User)`` after a successful unlock (possibly another user)."""

    locked = Signal()
    unlocked = Signal(object)
    _INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
              QEvent.Type.TouchBegin, QEvent.Type.TabletPress}

    def __init__(self, store: Store, window: QWidget, minutes: int | None = None) -> None:
        super().__init__(window)
        self.store = store
        self.window = window
        self.is_locked = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.lock)
        self.set_minutes(minutes if minutes is not None else idle_minutes(store))
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)

    def set_minutes(self, minutes: float) -> None:
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if not self.is_locked and event.type() in self._INPUT:
            self.timer.start()
        return False

    def lock(self) -> None:
        if self.is_locked:
            return
        self.is_locked = True
        content = getattr(self.window, "centralWidget", lambda: None)()
        if content is not None:
            content.setVisible(False)  # nothing readable behind the lock dialog
        self._hide_other_windows()
        self.locked.emit()
        QTimer.singleShot(0, self._ask)

    def _hide_other_windows(self) -> None:
        """Every other window of the program (open records, previews, lists) goes out of sight.

        A window shown modally (its own event loop running) cannot be hidden without ending that
        loop, so its contents are hidden instead; the others are hidden and shown again on unlock.
        """
        popup = QApplication.activePopupWidget()
        if popup is not None:
            popup.close()
        self._hidden_windows: list[QWidget] = []
        self._hidden_contents: list[QWidget] = []
        for w in QApplication.topLevelWidgets():
            if w is self.window or not w.isVisible() or not w.isWindow():
                continue
            if w.windowType() in (Qt.WindowType.ToolTip, Qt.WindowType.Popup):
                continue
            if w.isModal():
                for child in w.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
                    if child.isVisible() and not child.isWindow():
                        child.setVisible(False)
                        self._hidden_contents.append(child)
            else:
                w.hide()
                self._hidden_windows.append(w)

    def _restore_other_windows(self) -> None:
        for child in getattr(self, "_hidden_contents", []):
            with contextlib.suppress(RuntimeError):  # deleted meanwhile
                child.setVisible(True)
        for w in getattr(self, "_hidden_windows", []):
            with contextlib.suppress(RuntimeError):
                w.show()
        self._hidden_windows, self._hidden_contents = [], []

    def _ask(self) -> None:
        dlg = LoginDialog(self.store, self.window, username=self.store.actor, title="已锁定：请输入密码解锁")
        dlg.setWindowModality(Qt.WindowModality.ApplicationModal)
        dlg.rejected.connect(QApplication.quit)  # 退出 closes the program
        dlg.accepted.connect(lambda: self._unlock(dlg.user))
        self.dialog = dlg
        dlg.open()

    def _unlock(self, user: User | None) -> None:
        self.is_locked = False
        content = getattr(self.window, "centralWidget", lambda: None)()
        if content is not None:
            content.setVisible(True)
        self._restore_other_windows()
        self.timer.start()
        self.unlocked.emit(user)
