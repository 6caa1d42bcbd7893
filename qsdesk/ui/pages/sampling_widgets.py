"""Small widgets shared by the sampling and risk pages: an enterprise picker and date helpers."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QLineEdit, QWidget

from qsdesk.services import records
from qsdesk.store.db import Store

PICKER_LIMIT = 50
#: How many pages a lazy list may pull to find a record before the caller narrows the list instead.
FIND_PAGES = 50


def find_loaded_row(model: Any, record_id: str) -> int:
    """Row of ``record_id`` in a lazy :class:`QueryTableModel`, fetching a bounded number of pages."""
    row = model.find_row(record_id)
    pages = 0
    while row < 0 and model.canFetchMore() and pages < FIND_PAGES:
        model.fetchMore()
        pages += 1
        row = model.find_row(record_id)
    return row


def to_qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def from_qdate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def date_edit(value: date | None = None, parent: QWidget | None = None) -> QDateEdit:
    w = QDateEdit(parent)
    w.setCalendarPopup(True)
    w.setDisplayFormat("yyyy-MM-dd")
    w.setDate(to_qdate(value or date.today()))
    return w


class EnterprisePicker(QWidget):
    """Type part of a name or credit code; choose among at most 50 matches (never the whole table)."""

    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None, *, allow_empty: bool = False) -> None:
        super().__init__(parent)
        self._store = store
        self._allow_empty = allow_empty
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("输入企业名称或统一社会信用代码搜索")
        self.search.setMinimumWidth(160)
        self.combo = QComboBox(self)
        self.combo.setMinimumWidth(260)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.search, 1)
        lay.addWidget(self.combo, 2)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.reload()

    def reload(self) -> None:
        text = self.search.text().strip()
        with self._store.session() as s:
            rows = records.find_enterprises(s, text, PICKER_LIMIT)
        keep = self.enterprise_id()
        self.combo.blockSignals(True)
        self.combo.clear()
        if self._allow_empty:
            self.combo.addItem("（无）", None)
        for eid, name, uscc in rows:
            self.combo.addItem(f"{name}（{uscc}）" if uscc else name, eid)
        idx = self.combo.findData(keep) if keep else -1
        if idx >= 0:
            self.combo.setCurrentIndex(idx)
        self.combo.blockSignals(False)
        self.changed.emit()

    def enterprise_id(self) -> str | None:
        data = self.combo.currentData()
        return str(data) if data else None

    def set_enterprise(self, enterprise_id: str, name: str | None = None) -> None:
        """Select an enterprise by id (searching for it by name first, if given)."""
        if name:
            self._timer.stop()
            self.search.blockSignals(True)
            self.search.setText(name)
            self.search.blockSignals(False)
            self.reload()
        idx = self.combo.findData(enterprise_id)
        if idx >= 0:
            self.combo.setCurrentIndex(idx)
