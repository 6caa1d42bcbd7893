"""设置 → 备份与恢复: backups listed, taken and restored, and restoring this unit's own backup on a
new PC (also offered by the first-start dialog).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import audit
from qsdesk.services.accounts import (
    AccountError,
    any_account,
    require_chief,
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
