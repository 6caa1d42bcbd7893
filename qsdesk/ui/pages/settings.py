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
        self.refresh()

    def refresh(self) -> None:
        node = self.store.self_node()
        lb = self.labels
        if node is None:
            lb["name"].setText("未设置")
            return
        lb["name"].setText(node.name)
        lb["code"].setText(node.code)
        lb["kind"].setText(NODE_KINDS.get(node.kind, node.kind))
        lb["parent"].setText(node.parent_code or "—")
        lb["data_dir"].setText(str(self.store.data_dir.root) if self.store.data_dir else str(self.store.engine.url))
        lb["key"].setText(node.public_key or "—")


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
            lock = getattr(self.window(), "_idle_lock", None)
            if lock is not None:
                lock.set_minutes(minutes)

        page = QWidget()
        form = QFormLayout(page)
        form.addRow("无操作自动锁定", admin_panels.idle_setting_widget(self.store, idle_changed))
        self.tabs.addTab(page, "锁定")

    def refresh(self) -> None:
        self.node.refresh()
        self.inspectors.refresh()

    def open_record(self, record_id: str) -> None:
        self.tabs.setCurrentWidget(self.inspectors)
