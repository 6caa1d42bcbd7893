"""设置: this node, its inspectors, and (when available) accounts, backups, audit trail, lock."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from qsdesk.services import inspectors as insp
from qsdesk.services.node import NODE_KINDS
from qsdesk.store.db import Store
from qsdesk.ui.dialog_guard import GuardedDialog, form_buttons
from qsdesk.ui.page import host_of

log = logging.getLogger(__name__)


class NodeInfo(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.form = QFormLayout(self)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.labels: dict[str, QLabel] = {}
        for key, label in (("name", "单位名称"), ("code", "单位代码"), ("kind", "单位类型"),
                           ("parent", "上级单位代码"), ("data_dir", "数据目录"), ("key", "签名公钥")):
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.labels[key] = value
            self.form.addRow(label, value)
        self.edit_button = QPushButton("修改本单位信息…")
        self.edit_button.setToolTip("单位名称、单位代码、上级单位代码（仅所长；记入操作记录）")
        self.edit_button.clicked.connect(self.edit)
        self.form.addRow("", self.edit_button)
        self.refresh()

    def edit(self) -> None:
        self.edit_dialog = StationDialog(self.store, self)
        self.edit_dialog.accepted.connect(self.refresh)
        self.edit_dialog.open()

    def refresh(self) -> None:
        from qsdesk.services.accounts import current_user

        node = self.store.self_node()
        lb = self.labels
        user = current_user(self.store)
        self.edit_button.setEnabled(node is not None and (user is None or user.is_chief))
        if user is not None and not user.is_chief:
            self.edit_button.setToolTip("只有所长可以修改本单位信息")
        if node is None:
            lb["name"].setText("未设置")
            return
        lb["name"].setText(node.name)
        lb["code"].setText(node.code)
        lb["kind"].setText(NODE_KINDS.get(node.kind, node.kind))
        lb["parent"].setText(node.parent_code or "—")
        lb["data_dir"].setText(str(self.store.data_dir.root) if self.store.data_dir else str(self.store.engine.url))
        lb["key"].setText(node.public_key or "—")


class StationDialog(GuardedDialog):
    """所长 changes this unit's name, code (only before any exchange) and parent code."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        from qsdesk.services.station import code_change_blocker

        super().__init__(parent)
        self.store = store
        self.setWindowTitle("修改本单位信息")
        node = store.self_node()
        assert node is not None
        self.name = QLineEdit(node.name)
        self.code = QLineEdit(node.code)
        self.parent_code = QLineEdit(node.parent_code or "")
        blocker = code_change_blocker(store)
        note = QLabel(blocker or "单位代码写在本单位每一条记录中，只能在与其他单位交换数据之前更正。")
        note.setWordWrap(True)
        note.setStyleSheet("color:#555")
        if blocker:
            self.code.setReadOnly(True)
            self.code.setToolTip(blocker)
        form = QFormLayout()
        form.addRow("单位名称：", self.name)
        form.addRow("单位代码：", self.code)
        form.addRow("", note)
        form.addRow("上级单位代码：", self.parent_code)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet("color:#c62828")
        self.error.setWordWrap(True)
        form_buttons(self, form, self.error, on_accept=self.save)

    def save(self) -> bool:
        from qsdesk.services.accounts import current_user
        from qsdesk.services.station import StationError, update_station

        try:
            update_station(self.store, current_user(self.store), name=self.name.text(), code=self.code.text(),
                           parent_code=self.parent_code.text())
        except StationError as exc:
            self.error.setText(str(exc))
            return False
        self.accept()
        return True


class InspectorsPanel(QWidget):
    """Add inspectors; deactivate one who left (records keep naming them)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["姓名", "电话", "执法证号", "状态", "负责企业"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection)

        self.name = QLineEdit()
        self.name.setPlaceholderText("姓名")
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("电话（可不填）")
        self.badge = QLineEdit()
        self.badge.setPlaceholderText("执法证号（可不填）")
        self.add_button = QPushButton("添加人员")
        self.add_button.clicked.connect(self.add)
        self.toggle_button = QPushButton("设为离岗")
        self.toggle_button.setEnabled(False)
        self.toggle_button.clicked.connect(self.toggle)
        add_row = QHBoxLayout()
        add_row.addWidget(self.name)
        add_row.addWidget(self.phone)
        add_row.addWidget(self.badge)
        add_row.addWidget(self.add_button)
        hint = QLabel("离岗人员不再出现在新记录的人员选择中；其负责的企业请在“企业档案”中重新指定责任人。")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        bottom = QHBoxLayout()
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.toggle_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(bottom)
        lay.addLayout(add_row)
        self._ids: list[str] = []
        self._active: list[bool] = []
        self.refresh()

    def refresh(self) -> None:
        rows = insp.list_inspectors(self.store)
        self._ids = [r.id for r in rows]
        self._active = [r.active for r in rows]
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for c, v in enumerate((r.name, r.phone or "", r.badge_no or "", "在岗" if r.active else "离岗",
                                   str(r.responsible_for))):
                item = QTableWidgetItem(v)
                if not r.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(i, c, item)
        self._selection()

    def _selection(self) -> None:
        row = self.table.currentRow()
        ok = 0 <= row < len(self._ids) and bool(self.table.selectedItems())
        self.toggle_button.setEnabled(ok)
        if ok:
            self.toggle_button.setText("设为离岗" if self._active[row] else "恢复在岗")

    def add(self) -> None:
        try:
            insp.add_inspector(self.store, self.name.text(), self.phone.text(), self.badge.text())
        except insp.InspectorError as exc:
            QMessageBox.warning(self, "添加人员", str(exc))
            return
        for w in (self.name, self.phone, self.badge):
            w.clear()
        self.refresh()

    def toggle(self) -> None:
        row = self.table.currentRow()
        if not (0 <= row < len(self._ids)):
            return
        insp.set_active(self.store, self._ids[row], not self._active[row])
        self.refresh()
        self.table.selectRow(row)


class SettingsPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.tabs = QTabWidget()
        self.node = NodeInfo(store)
        self.inspectors = InspectorsPanel(store)
        node_page = QWidget()
        nl = QVBoxLayout(node_page)
        nl.addWidget(self.node)
        nl.addStretch(1)
        self.tabs.addTab(node_page, "本单位")
        self.tabs.addTab(self.inspectors, "检查人员")
        self._add_admin_tabs()
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs)

    def _add_admin_tabs(self) -> None:
        """Accounts, backups, audit trail and the idle lock, from :mod:`qsdesk.ui.admin_panels`."""
        from qsdesk.ui import admin_panels

        self.tabs.addTab(admin_panels.AccountsPanel(self.store, self), "账户")
        self.tabs.addTab(admin_panels.BackupPanel(self.store, self), "备份与恢复")
        self.tabs.addTab(admin_panels.AuditPanel(self.store, self), "操作记录")

        def idle_changed(minutes: int) -> None:
            host = host_of(self)
            if host is not None:
                host.set_idle_minutes(minutes)

        page = QWidget()
        form = QFormLayout(page)
        form.addRow("无操作自动锁定", admin_panels.idle_setting_widget(self.store, idle_changed))
        self.tabs.addTab(page, "锁定")

    def refresh(self) -> None:
        self.node.refresh()
        self.inspectors.refresh()

    def open_record(self, record_id: str) -> None:
        self.tabs.setCurrentWidget(self.inspectors)
