"""The table editor (rows of typed cells, as in the products and licences of annex 3) and the cell
widgets of each column type.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QDoubleValidator, QIntValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain import fieldtypes
from qsdesk.ui.forms.editors_base import (
    EMPTY_DATE,
    Column,
    Editor,
)


def cell_editor(col: Column, parent: QWidget) -> tuple[QWidget, Callable[[], Any], Callable[[Any], None]]:
    """A compact editor for one table cell: (widget, getter, setter)."""
    if col.choices:
        cb = QComboBox(parent)
        cb.addItem("", None)
        for c in col.choices:
            cb.addItem(c, c)
        return (cb, lambda: cb.currentData(), lambda v: cb.setCurrentIndex(max(cb.findData(v), 0) if v else 0))
    if col.type in CELL_WIDGETS:
        return CELL_WIDGETS[col.type](col, parent)
    le = QLineEdit(parent)
    le.setPlaceholderText(col.label)
    _LINE_SETUP.get(col.type, lambda _le: None)(le)
    kind = fieldtypes.REGISTRY.get(col.type, fieldtypes.REGISTRY["text"])

    def get_t() -> Any:
        return kind.parse(le.text().strip())

    return le, get_t, lambda v: le.setText("" if v is None else str(v))


def _date_cell(col: Column, parent: QWidget) -> tuple[QWidget, Callable[[], Any], Callable[[Any], None]]:
    de = QDateEdit(parent)
    de.setCalendarPopup(True)
    de.setDisplayFormat("yyyy-MM-dd")
    de.setMinimumDate(EMPTY_DATE)
    de.setSpecialValueText(" ")
    de.setDate(EMPTY_DATE)

    def get_d() -> Any:
        d = de.date()
        return None if d == EMPTY_DATE else date(d.year(), d.month(), d.day()).isoformat()

    def set_d(v: Any) -> None:
        if v:
            d = date.fromisoformat(str(v)[:10])
            de.setDate(QDate(d.year, d.month, d.day))
        else:
            de.setDate(EMPTY_DATE)

    return de, get_d, set_d


#: Table cells of these types get a widget of their own; the others a line edit whose text the
#: field type parses (:mod:`qsdesk.domain.fieldtypes`), set up by :data:`_LINE_SETUP`.
CELL_WIDGETS: dict[str, Callable[[Column, QWidget], tuple[QWidget, Callable[[], Any], Callable[[Any], None]]]] = {
    "date": _date_cell,
}
_LINE_SETUP: dict[str, Callable[[QLineEdit], None]] = {
    "number": lambda le: le.setValidator(QDoubleValidator(0.0, 1e12, 4, le)),
    "integer": lambda le: le.setValidator(QIntValidator(le)),
    "uscc": lambda le: le.setMaxLength(24),
}


class TableEditor(Editor):
    """Repeating rows (products, history years): one line of cell editors per row, add/remove."""

    def __init__(self, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.columns = [Column.of(c) for c in (field.columns or ())] or [Column("value", field.label)]
        self.min_rows = int(getattr(field, "min_rows", 0) or 0)
        self._ro = False
        box = QWidget(parent)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(4)
        self.grid.setVerticalSpacing(3)
        for j, col in enumerate(self.columns):
            h = QLabel(("* " if col.required else "") + col.label, box)
            h.setStyleSheet("font-weight:bold")
            self.grid.addWidget(h, 0, j + 1)
            self.grid.setColumnStretch(j + 1, 1)
        outer = QVBoxLayout(box)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self.grid)
        self.add_btn = QPushButton("＋ 添加一行", box)
        self.add_btn.clicked.connect(self._add_clicked)
        btn_row = QHBoxLayout()
        btn_row.addWidget(self.add_btn)
        btn_row.addStretch(1)
        outer.addLayout(btn_row)
        self.widget = box
        self.rows: list[dict[str, Any]] = []
        for _ in range(max(self.min_rows, 1 if field.kind.offers_empty_row else 0)):
            self.add_row()

    def _add_clicked(self) -> None:
        row = self.add_row()
        row["cells"][0][0].setFocus()
        self.changed.emit()

    def add_row(self, values: dict[str, Any] | None = None) -> dict[str, Any]:
        r = len(self.rows) + 1
        num = QLabel(str(r), self.widget)
        num.setAlignment(Qt.AlignmentFlag.AlignCenter)
        num.setMinimumWidth(20)
        cells = []
        for j, col in enumerate(self.columns):
            w, get, set_ = cell_editor(col, self.widget)
            w.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            w.setMinimumWidth(80)
            w.setAccessibleName(f"{self.field.label} 第{r}行 {col.label}")
            if values and col.key in values:
                set_(values[col.key])
            self._connect(w)
            cells.append((w, get, set_))
            self.grid.addWidget(w, r, j + 1)
        rm = QPushButton("删除", self.widget)
        rm.setToolTip(f"删除第 {r} 行")
        rm.setAutoDefault(False)  # Enter in a cell must never delete a row
        row = {"num": num, "cells": cells, "remove": rm}
        rm.clicked.connect(lambda _c=False, rw=row: self._remove(rw))
        self.grid.addWidget(num, r, 0)
        self.grid.addWidget(rm, r, len(self.columns) + 1)
        rm.setEnabled(not self._ro)
        rm.setVisible(not self._ro)
        for w, _g, _s in cells:
            self._set_cell_ro(w, self._ro)
        self.rows.append(row)
        return row

    def _connect(self, w: QWidget) -> None:
        if isinstance(w, QLineEdit):
            w.textEdited.connect(lambda _t: self.changed.emit())
        elif isinstance(w, QComboBox):
            w.activated.connect(lambda _i: self.changed.emit())
        elif isinstance(w, QDateEdit):
            w.dateChanged.connect(lambda _d: self.changed.emit())

    def _remove(self, row: dict[str, Any]) -> None:
        vals = [r for r in self._row_values() if r is not row]
        keep = [self._one(r) for r in self.rows if r is not row]
        del vals
        self._rebuild(keep)
        if self.rows:
            self.rows[min(len(self.rows) - 1, 0)]["cells"][0][0].setFocus()
        else:
            self.add_btn.setFocus()
        self.changed.emit()

    def _row_values(self) -> list[dict[str, Any]]:
        return list(self.rows)

    def _one(self, row: dict[str, Any]) -> dict[str, Any]:
        return {col.key: get() for col, (_w, get, _s) in zip(self.columns, row["cells"], strict=True)}

    def _rebuild(self, values: list[dict[str, Any]]) -> None:
        for row in self.rows:
            for w in [row["num"], row["remove"], *(c[0] for c in row["cells"])]:
                self.grid.removeWidget(w)
                w.hide()  # deleted when the event loop next runs: not left on screen until then
                w.deleteLater()
        self.rows = []
        for v in values:
            self.add_row(v)
        while len(self.rows) < self.min_rows:
            self.add_row()

    def value(self) -> Any:
        out = []
        for row in self.rows:
            v = self._one(row)
            if any(x not in (None, "") for x in v.values()):
                out.append(v)
        return out

    def set_value(self, v: Any) -> None:
        rows = [r for r in (v or []) if isinstance(r, dict)]
        self._rebuild(rows)
        if not self.rows and self.field.kind.offers_empty_row and not self._ro:
            self.add_row()

    def focus_widget(self) -> QWidget:
        return self.rows[0]["cells"][0][0] if self.rows else self.add_btn

    def focus_chain(self) -> list[QWidget]:
        chain: list[QWidget] = []
        for row in self.rows:
            chain += [c[0] for c in row["cells"]]
            chain.append(row["remove"])
        chain.append(self.add_btn)
        return chain

    @staticmethod
    def _set_cell_ro(w: QWidget, ro: bool) -> None:
        if isinstance(w, QLineEdit):
            w.setReadOnly(ro)
        else:
            w.setEnabled(not ro)

    def set_read_only(self, ro: bool) -> None:
        self._ro = ro
        self.add_btn.setVisible(not ro)
        for row in self.rows:
            row["remove"].setVisible(not ro)
            for w, _g, _s in row["cells"]:
                self._set_cell_ro(w, ro)
