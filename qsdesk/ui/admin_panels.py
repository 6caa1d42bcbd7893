"""Settings panels for administration: accounts, the audit trail, the idle lock; backups and
restore are :mod:`qsdesk.ui.backup_panel` (re-exported here)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import audit, audit_text
from qsdesk.services.accounts import (
    ROLES,
    AccountError,
    change_password,
    create_account,
    current_user,
    list_accounts,
    reset_password,
    set_active,
)
from qsdesk.store.db import Store
from qsdesk.ui.backup_panel import NEW_PC_HELP as NEW_PC_HELP
from qsdesk.ui.backup_panel import BackupPanel as BackupPanel
from qsdesk.ui.backup_panel import backup_unit_code as backup_unit_code
from qsdesk.ui.backup_panel import restore_chief_refusal as restore_chief_refusal
from qsdesk.ui.backup_panel import restore_on_new_pc as restore_on_new_pc
from qsdesk.ui.dialog_guard import form_buttons
from qsdesk.ui.lists import Column
from qsdesk.ui.query_model import QueryTableModel


class ChangePasswordDialog(QDialog):
    """Anyone logged in changes their own password: the old one, the new one twice."""

    def __init__(self, store: Store, username: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.username = username
        self.setWindowTitle("修改我的密码")
        form = QFormLayout()
        self.old = QLineEdit()
        self.new = QLineEdit()
        self.repeat = QLineEdit()
        for w, key in ((self.old, "old_password"), (self.new, "new_password"), (self.repeat, "repeat_password")):
            w.setEchoMode(QLineEdit.EchoMode.Password)
            w.setObjectName(key)
            w.setMinimumWidth(w.fontMetrics().horizontalAdvance("0") * 24)  # font-relative, not fixed
        form.addRow("账号：", QLabel(username))
        form.addRow("原密码：", self.old)
        form.addRow("新密码：", self.new)
        form.addRow("再输一次：", self.repeat)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet("color:#c62828")
        self.error.setWordWrap(True)
        form_buttons(self, form, self.error, on_accept=self._ok)

    def _ok(self) -> None:
        if self.new.text() != self.repeat.text():
            self.error.setText("两次输入的新密码不一致")
            return
        try:
            change_password(self.store, self.username, self.old.text(), self.new.text())
        except AccountError as exc:
            self.error.setText(str(exc))
            self.old.clear()
            return
        self.accept()


class AccountsPanel(QWidget):
    """Accounts of this PC; only a chief may add, reset or deactivate."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["用户名", "角色", "状态", "检查人员"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        lay.addWidget(self.table)
        form = QFormLayout()
        self.new_name = QLineEdit()
        self.new_name.setObjectName("new_username")
        self.new_role = QComboBox()
        for key, text in ROLES.items():
            self.new_role.addItem(text, key)
        self.new_role.setCurrentIndex(list(ROLES).index("inspector"))
        self.new_password = QLineEdit()
        self.new_password.setObjectName("new_password")
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("新账号用户名：", self.new_name)
        form.addRow("角色：", self.new_role)
        form.addRow("初始密码：", self.new_password)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.add_btn = QPushButton("添加账号")
        self.reset_btn = QPushButton("重置密码…")
        self.toggle_btn = QPushButton("停用/启用")
        self.link_btn = QPushButton("关联检查人员…")
        self.link_btn.setToolTip("账号属于哪名检查人员：新建检查时自动填为第一检查人员")
        self.own_password_btn = QPushButton("修改我的密码…")
        for b in (self.add_btn, self.reset_btn, self.toggle_btn, self.link_btn):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.own_password_btn)
        lay.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        self.add_btn.clicked.connect(self._add)
        self.reset_btn.clicked.connect(self._reset)
        self.toggle_btn.clicked.connect(self._toggle)
        self.link_btn.clicked.connect(self._link)
        self.own_password_btn.clicked.connect(self.change_own_password)
        self.refresh()

    def refresh(self) -> None:
        from qsdesk.services.account_links import inspector_names

        self.accounts = list_accounts(self.store)
        linked = inspector_names(self.store)
        self.table.setRowCount(len(self.accounts))
        for i, a in enumerate(self.accounts):
            self.table.setItem(i, 0, QTableWidgetItem(a.username))
            self.table.setItem(i, 1, QTableWidgetItem(ROLES.get(a.role, a.role)))
            self.table.setItem(i, 2, QTableWidgetItem("启用" if a.active else "停用"))
            self.table.setItem(i, 3, QTableWidgetItem(linked.get(a.username, "（未关联）")))
        user = current_user(self.store)
        chief = user is not None and user.is_chief
        for w in (self.add_btn, self.reset_btn, self.toggle_btn, self.link_btn, self.new_name,
                  self.new_password, self.new_role):
            w.setEnabled(chief)
        self.own_password_btn.setEnabled(user is not None)
        if not chief:
            self.message.setText("只有所长可以管理账号。" + ("可以修改自己的密码。" if user is not None else ""))

    def _link(self) -> None:
        from qsdesk.services import inspectors as insp

        name = self._selected()
        if name is None:
            self.message.setText("请先选择账号")
            return
        people = [(p.id, p.name) for p in insp.list_inspectors(self.store) if p.active]
        labels = ["（不关联）"] + [n for _i, n in people]
        choice, ok = QInputDialog.getItem(self, "关联检查人员", f"账号 {name} 属于哪名检查人员：", labels, 0, False)
        if ok:
            self.link(name, next((i for i, n in people if n == choice), None))

    def link(self, username: str, inspector_id: str | None) -> bool:
        from qsdesk.services.account_links import link_inspector

        try:
            link_inspector(self.store, current_user(self.store), username, inspector_id)
        except AccountError as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText(f"已更新账号 {username} 的检查人员")
        self.refresh()
        return True

    def change_own_password(self) -> None:
        user = current_user(self.store)
        if user is None:
            self.message.setText("请先登录")
            return
        self.password_dialog = ChangePasswordDialog(self.store, user.username, self)
        self.password_dialog.accepted.connect(lambda: self.message.setText("密码已修改，下次登录请使用新密码"))
        self.password_dialog.open()

    def _selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.accounts[rows[0].row()].username if rows else None

    def _add(self) -> None:
        try:
            user = create_account(self.store, self.new_name.text(), self.new_password.text(),
                                  self.new_role.currentData(), by=current_user(self.store))
        except AccountError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"已添加账号 {user.username}")
        self.new_name.clear()
        self.new_password.clear()
        self.refresh()

    def _reset(self) -> None:
        name = self._selected()
        if name is None:
            self.message.setText("请先选择账号")
            return
        pw, ok = QInputDialog.getText(self, "重置密码", f"{name} 的新密码：", QLineEdit.EchoMode.Password)
        if ok:
            self.reset(name, pw)

    def reset(self, name: str, password: str) -> None:
        by = current_user(self.store)
        try:
            if by is None:
                raise AccountError("请先登录")
            reset_password(self.store, by, name, password)
        except AccountError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"已重置 {name} 的密码")

    def _toggle(self) -> None:
        name = self._selected()
        by = current_user(self.store)
        if name is None or by is None:
            self.message.setText("请先选择账号")
            return
        acc = next(a for a in self.accounts if a.username == name)
        try:
            set_active(self.store, by, name, not acc.active)
        except AccountError as exc:
            self.message.setText(str(exc))
            return
        self.refresh()


class AuditPanel(QWidget):
    """The audit trail, searchable as you type, newest first, fetched lazily."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("audit_search")
        self.search.setPlaceholderText("按用户、记录编号或内容查找")
        self.action = QComboBox()
        self.action.addItem("全部操作", None)
        for key, text in audit.ACTION_TEXT.items():
            self.action.addItem(text, key)
        row.addWidget(self.search, 1)
        row.addWidget(self.action)
        lay.addLayout(row)
        self.model = QueryTableModel(store, [
            Column("at", "时间", "at", width=150),
            Column("actor", "用户", "actor", format=audit_text.actor_text, shared=True, width=90),
            Column("action", "操作", "action", format=lambda v: audit.ACTION_TEXT.get(v, v), shared=True,
                   width=90),
            Column("table_name", "对象", "table_name", format=_table_text, shared=True, width=90),
            Column("record_id", "记录", None, width=120),
            Column("detail", "内容", None, format=_detail_text),
        ], parent=self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSortingEnabled(False)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.view)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._timer.start)
        self.action.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.model.set_statement(audit.audit_list_statement(self.search.text() or None, self.action.currentData()))


def _table_text(value: object) -> str:
    return audit_text.table_text(value)


def _detail_text(value: object) -> str:
    return audit_text.detail_text(value)


class RecordHistoryDialog(QDialog):
    """Who did what to one record (or a record and the one it amends), oldest first."""

    def __init__(self, store: Store, record_ids: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("操作记录")
        lay = QVBoxLayout(self)
        with store.session() as s:
            entries = sorted((e for rid in record_ids for e in audit.entries_for(s, rid)), key=lambda e: e.at)
        self.table = QTableWidget(len(entries), 4)
        self.table.setHorizontalHeaderLabels(["时间", "用户", "操作", "内容"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        for i, e in enumerate(entries):
            at = e.at.astimezone() if e.at.tzinfo else e.at
            for col, text in enumerate((f"{at:%Y-%m-%d %H:%M:%S}", audit_text.actor_text(e.actor), audit.ACTION_TEXT.get(e.action, e.action),
                                        _detail_text(e.detail))):
                self.table.setItem(i, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        lay.addWidget(self.table)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        lay.addWidget(close)
        self.resize(720, 360)


def idle_setting_widget(store: Store, on_change: Callable[[int], None] | None = None) -> QWidget:
    """A spin box for the idle-lock minutes (saved at once)."""
    from qsdesk.ui.login import idle_minutes, set_idle_minutes

    box = QSpinBox()
    box.setRange(1, 240)
    box.setSuffix(" 分钟")
    box.setValue(idle_minutes(store))

    def changed(v: int) -> None:
        set_idle_minutes(store, v)
        if on_change:
            on_change(v)

    box.valueChanged.connect(changed)
    return box
