"""Settings panels for administration: backups and restore, accounts, the audit trail."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
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
    any_account,
    change_password,
    create_account,
    current_user,
    list_accounts,
    require_chief,
    reset_password,
    set_active,
)
from qsdesk.store.backup import (
    BackupError,
    backup_data_dir,
    backup_identity,
    check_backup,
    list_backups,
    restore,
)
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import form_buttons
from qsdesk.ui.query_model import Column, QueryTableModel
from qsdesk.ui.worker import run_in_background

#: Shown where a station restores its own backup on a new PC (settings and the first-start dialog).
NEW_PC_HELP = ("换新电脑（原电脑丢失、损坏或重装系统）：先用本所原来的单位代码完成设置，再选择本所的备份文件"
               "（数据库备份 .db）。备份中的记录全部恢复到本机，本机新生成的密钥取代旧密钥。恢复后请导出本所"
               "登记文件交县级局，由县级局电话核对新指纹后替换原登记，并把本所的全部记录发回本所。"
               "只能恢复本所自己的备份；别的单位的备份、损坏的文件、更新版本程序的备份都会被拒绝，"
               "本机数据不会改动。")


def restore_chief_refusal(store: Store) -> str | None:
    """Restoring discards every change made since the backup: 所长 only (the role as the store
    knows it). None when allowed. An installation without any account (a new PC before its first
    login) is being set up and may restore, as on the command line."""
    if not any_account(store):
        return None
    try:
        require_chief(store, "只有所长可以恢复数据库")
    except AccountError as exc:
        return str(exc)
    return None


def restore_on_new_pc(parent: QWidget | None, store: Store, path: Path) -> Path:
    """``qsdesk restore --new-pc`` from the window: this unit's own backup onto this installation,
    which must already be set up with the same unit code; its keys replace the backup's. The same
    checks and messages as the command line (:func:`qsdesk.store.backup.check_backup`, run before
    anything is touched). The copy runs off the GUI thread with every connection closed; the
    database is migrated afterwards when the backup is older. Raises BackupError, nothing changed."""
    dd = store.data_dir
    if dd is None or store.engine.dialect.name != "sqlite":
        raise BackupError("县级局的 PostgreSQL 数据库不用此方法恢复（见使用说明“县级局”一节）")
    refusal = restore_chief_refusal(store)
    if refusal:
        raise BackupError(refusal)
    check_backup(dd, path, new_pc=True)
    actor = store.actor
    store.engine.dispose()  # no connection may stay on the database that is being replaced

    def work(progress: Callable[[int, int, str], None], cancelled: Callable[[], bool]) -> Path:
        progress(0, 0, "正在恢复本单位的备份……")
        return restore(dd, path, new_pc=True)

    try:
        safety: Path = run_in_background(parent, "换新电脑：恢复本单位的备份", work)
    finally:
        store.engine.dispose()
    store.upgrade_schema()
    with store.transaction() as s:
        audit.record(s, "restore", None, None, actor=actor or None, file=path.name, safety_backup=safety.name)
    return safety


def backup_unit_code(path: Path) -> str | None:
    """The unit code a backup file belongs to (None: not a qsdesk backup)."""
    try:
        ident = backup_identity(path)
    except Exception:  # not a database at all  # noqa: BLE001
        return None
    return ident[0] if ident else None


class BackupPanel(QWidget):
    """List of backups; back up now, save a copy elsewhere, restore.

    Restoring replaces the open database, so the panel hands the work to ``reopen``: a callable
    that closes the store, runs the given function, and opens the data directory again (the main
    window provides it). Without one, restore is done and the user is asked to restart.
    """

    def __init__(self, store: Store, parent: QWidget | None = None,
                 reopen: Callable[[Callable[[], None]], None] | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.reopen = reopen
        lay = QVBoxLayout(self)
        note = QLabel("程序每天首次启动、升级表结构前和导入同步包前会自动备份数据库，保留最近 10 份。"
                      "备份文件保存在数据目录的 backups 文件夹；建议定期另存到U盘或其他电脑。")
        note.setWordWrap(True)
        lay.addWidget(note)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["备份时间", "原因", "大小"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        lay.addWidget(self.table)
        row = QHBoxLayout()
        self.backup_btn = QPushButton("立即备份")
        self.copy_btn = QPushButton("另存选中备份…")
        self.restore_btn = QPushButton("从文件恢复…")
        self.restore_sel_btn = QPushButton("恢复选中备份")
        for b in (self.backup_btn, self.copy_btn, self.restore_sel_btn, self.restore_btn):
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        self.new_pc_btn = QPushButton("换新电脑：恢复本所的备份…")
        self.new_pc_btn.setToolTip(NEW_PC_HELP)
        new_pc_row = QHBoxLayout()
        new_pc_row.addWidget(self.new_pc_btn)
        new_pc_note = QLabel("原电脑丢失或重装后，在新电脑上恢复本所的备份（仅所长）。把鼠标停在按钮上可看步骤。")
        new_pc_note.setWordWrap(True)
        new_pc_row.addWidget(new_pc_note, 1)
        lay.addLayout(new_pc_row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.backup_btn.clicked.connect(self.backup_now)
        self.copy_btn.clicked.connect(self._copy_selected)
        self.restore_btn.clicked.connect(self._restore_from_file)
        self.restore_sel_btn.clicked.connect(self._restore_selected)
        self.new_pc_btn.clicked.connect(self._restore_new_pc)
        self.refresh()

    def refresh(self) -> None:
        dd = self.store.data_dir
        self.backups = list_backups(dd.backups) if dd else []
        self.table.setRowCount(len(self.backups))
        for i, b in enumerate(self.backups):
            self.table.setItem(i, 0, QTableWidgetItem(f"{b.taken_at:%Y-%m-%d %H:%M:%S}"))
            self.table.setItem(i, 1, QTableWidgetItem(b.reason_text))
            self.table.setItem(i, 2, QTableWidgetItem(f"{b.size / 1e6:.1f} MB"))
        enabled = dd is not None
        for btn in (self.backup_btn, self.restore_btn):
            btn.setEnabled(enabled)
        node = self.store.self_node() if enabled else None
        self.new_pc_btn.setEnabled(node is not None and node.kind == "station"
                                   and self.store.engine.dialect.name == "sqlite")

    def backup_now(self) -> Path | None:
        if self.store.data_dir is None:
            return None
        try:
            made = backup_data_dir(self.store.data_dir, "manual")
        except BackupError as exc:
            QMessageBox.warning(self, "备份", str(exc))
            return None
        with self.store.transaction() as s:
            audit.record(s, "backup", None, None, file=made.name)
        self.refresh()
        self.status.setText(f"已备份：{made}")
        return made

    def _selected(self) -> Path | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()].path if rows else None

    def _copy_selected(self) -> None:
        src = self._selected()
        if src is None:
            QMessageBox.information(self, "另存备份", "请先在列表中选择一份备份")
            return
        target, _ = QFileDialog.getSaveFileName(self, "另存备份", src.name, "数据库备份 (*.db)")
        if target:
            shutil.copyfile(src, target)

    def _restore_from_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择备份文件", "", "数据库备份 (*.db)")
        if path:
            self.restore_file(Path(path))

    def _restore_selected(self) -> None:
        src = self._selected()
        if src is not None:
            self.restore_file(src)

    def _restore_new_pc(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择本所的备份文件", "", "数据库备份 (*.db)")
        if path and QMessageBox.question(
                self, "换新电脑", f"用本所的备份 {Path(path).name} 替换本机的数据库？\n\n{NEW_PC_HELP}"
        ) == QMessageBox.StandardButton.Yes:
            self.restore_new_pc(Path(path))

    def restore_new_pc(self, path: Path) -> bool:
        """See :func:`restore_on_new_pc`; the outcome is shown in the panel's status line."""
        try:
            restore_on_new_pc(self, self.store, path)
        except BackupError as exc:
            self.status.setText(f"未恢复：{exc}")
            return False
        self.refresh()
        self.status.setText(f"已从 {path.name} 恢复本所的记录；本机的新密钥已取代旧密钥。请在“数据同步”页导出本所"
                            "登记文件交县级局替换原登记，并请县级局把本所的全部记录发回。"
                            "请关闭并重新打开程序，使各页面显示恢复后的数据。")
        return True

    def restore_file(self, path: Path, confirm: bool = True) -> bool:
        refusal = restore_chief_refusal(self.store)
        if refusal:
            QMessageBox.warning(self, "恢复数据", refusal)
            return False
        if confirm and QMessageBox.question(
                self, "恢复数据", f"用 {path.name} 替换当前数据库？\n当前数据库会先自动备份，可随时恢复回来。"
        ) != QMessageBox.StandardButton.Yes:
            return False
        dd = self.store.data_dir
        assert dd is not None
        outcome: dict[str, object] = {}

        def work() -> None:
            try:
                outcome["safety"] = restore(dd, path)
            except BackupError as exc:
                outcome["error"] = exc

        if self.reopen is not None:
            self.reopen(work)
        else:
            self.store.close()
            work()
        if "error" in outcome:
            QMessageBox.warning(self, "恢复数据", str(outcome["error"]))
            return False
        with self.store.transaction() as s:
            audit.record(s, "restore", None, None, file=path.name)
        self.refresh()
        restart = "" if self.reopen is not None else "请关闭并重新打开程序，使各页面显示恢复后的数据。"
        self.status.setText(f"已从 {path.name} 恢复；恢复前的数据库已自动备份。{restart}")
        return True


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
