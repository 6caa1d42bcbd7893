"""One editor per form field type. Each editor owns its widgets and speaks JSON values.

Every editor has ``widget`` (what goes into the form), ``value()`` / ``set_value()`` (plain JSON:
str, int/float, list, dict or None), ``changed`` (a signal emitted on every user change),
``focus_widget()`` (where a validation jump lands), ``set_read_only()`` and ``problems()`` (what
the editor itself knows is wrong while typing, e.g. a credit code with a wrong check digit).

This module holds the text, date and number editors and names every editor; the contract is
:mod:`.editors_base`, choices, addresses, inspectors and signatures :mod:`.editors_choice`, tables
:mod:`.editors_table`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QRegularExpression, Qt
from PySide6.QtGui import QDoubleValidator, QIntValidator, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qsdesk.ui.forms.editors_base import EMPTY_DATE as EMPTY_DATE
from qsdesk.ui.forms.editors_base import READ_ONLY_FILTER as READ_ONLY_FILTER
from qsdesk.ui.forms.editors_base import Column as Column
from qsdesk.ui.forms.editors_base import Editor as Editor
from qsdesk.ui.forms.editors_base import _placeholder
from qsdesk.ui.forms.editors_base import set_buttons_read_only as set_buttons_read_only
from qsdesk.ui.forms.editors_choice import AddressEditor as AddressEditor
from qsdesk.ui.forms.editors_choice import ChoiceEditor as ChoiceEditor
from qsdesk.ui.forms.editors_choice import InspectorEditor as InspectorEditor
from qsdesk.ui.forms.editors_choice import MultiChoiceEditor as MultiChoiceEditor
from qsdesk.ui.forms.editors_choice import SignatureEditor as SignatureEditor
from qsdesk.ui.forms.editors_table import TableEditor as TableEditor


class TextEditor(Editor):
    def __init__(self, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QLineEdit(parent)
        self.edit.setPlaceholderText(_placeholder(field))
        self.widget = self.edit
        self.edit.textEdited.connect(lambda _t: self.changed.emit())

    def value(self) -> Any:
        t = self.edit.text().strip()
        return t or None

    def set_value(self, v: Any) -> None:
        self.edit.setText("" if v is None else str(v))

    def set_read_only(self, ro: bool) -> None:
        self.edit.setReadOnly(ro)


class PhoneEditor(TextEditor):
    def __init__(self, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9+\-() 、，,/转]{0,40}"),
                                                           self.edit))
        if not _placeholder(field):
            self.edit.setPlaceholderText("手机或座机，如 13805310001 / 0531-88888888")
        self.edit.setMaxLength(40)

    def problems(self) -> list[str]:
        t = self.edit.text().strip()
        digits = sum(ch.isdigit() for ch in t)
        if t and digits < 7:
            return ["电话号码位数不足"]
        return []


class UsccEditor(TextEditor):
    """Credit code: upper-cased and checked (GB 32100 check digit) while typing."""

    def __init__(self, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit.setMaxLength(24)  # room for spaces/full-width characters that normalise away
        if not _placeholder(field):
            self.edit.setPlaceholderText("18 位统一社会信用代码")
        self.hint = QLabel(parent)
        self.hint.setStyleSheet("color:#b00020")
        self.hint.setWordWrap(True)
        box = QWidget(parent)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.edit)
        lay.addWidget(self.hint)
        self.hint.hide()
        self.widget = box
        self.edit.textEdited.connect(self._check)

    def _message(self) -> str | None:
        from qsdesk.domain import uscc

        t = self.edit.text().strip()
        if not t:
            return None
        try:
            uscc.validate(t)
        except uscc.InvalidCreditCode as e:
            return str(e)
        return None

    def _check(self, _t: str = "") -> None:
        t = self.edit.text()
        up = t.upper()
        if up != t:
            pos = self.edit.cursorPosition()
            self.edit.setText(up)
            self.edit.setCursorPosition(pos)
        msg = self._message()
        # While the code is still being typed, only flag wrong characters, not the length.
        typing = len(self.edit.text().strip()) < 18
        show = msg if msg and not (typing and ("位" in msg or "长度" in msg)) else None
        self.hint.setText(show or "")
        self.hint.setVisible(bool(show))

    def value(self) -> Any:
        from qsdesk.domain import uscc

        t = self.edit.text().strip()
        if not t:
            return None
        return uscc.normalize(t)

    def set_value(self, v: Any) -> None:
        super().set_value(v)
        self._check()

    def focus_widget(self) -> QWidget:
        return self.edit

    def problems(self) -> list[str]:
        msg = self._message()
        return [msg] if msg else []


class MultilineEditor(Editor):
    def __init__(self, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QPlainTextEdit(parent)
        self.edit.setTabChangesFocus(True)  # Tab moves on; typing a tab in a form is never wanted
        self.edit.setPlaceholderText(_placeholder(field))
        self.edit.setFixedHeight(72)
        self.widget = self.edit
        self.edit.textChanged.connect(self.changed.emit)

    def value(self) -> Any:
        t = self.edit.toPlainText().strip()
        return t or None

    def set_value(self, v: Any) -> None:
        self.edit.blockSignals(True)
        self.edit.setPlainText("" if v is None else str(v))
        self.edit.blockSignals(False)

    def set_read_only(self, ro: bool) -> None:
        self.edit.setReadOnly(ro)


class DateEditor(Editor):
    """A date picker (calendar popup); empty shows as blank, Delete clears it."""

    def __init__(self, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.edit = QDateEdit(parent)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setMinimumDate(EMPTY_DATE)
        self.edit.setMaximumDate(QDate(2100, 12, 31))
        self.edit.setSpecialValueText(" ")  # the minimum date means "not filled in"
        self.edit.setDate(EMPTY_DATE)
        self.edit.setMaximumWidth(160)
        self.today_btn = QPushButton("今天", parent)
        self.today_btn.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.today_btn.clicked.connect(self._today)
        box = QWidget(parent)
        lay = QHBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.edit)
        lay.addWidget(self.today_btn)
        lay.addStretch(1)
        self.widget = box
        self.edit.dateChanged.connect(lambda _d: self.changed.emit())

    def _today(self) -> None:
        if self.edit.date() == EMPTY_DATE or not self.edit.isReadOnly():
            self.edit.setDate(QDate.currentDate())

    def value(self) -> Any:
        d = self.edit.date()
        if d == EMPTY_DATE or not d.isValid():
            return None
        return date(d.year(), d.month(), d.day()).isoformat()

    def set_value(self, v: Any) -> None:
        self.edit.blockSignals(True)
        if v:
            d = date.fromisoformat(str(v)[:10])
            self.edit.setDate(QDate(d.year, d.month, d.day))
        else:
            self.edit.setDate(EMPTY_DATE)
        self.edit.blockSignals(False)

    def focus_widget(self) -> QWidget:
        return self.edit

    def focus_chain(self) -> list[QWidget]:
        return [self.edit, self.today_btn]

    def set_read_only(self, ro: bool) -> None:
        self.edit.setReadOnly(ro)
        self.edit.setCalendarPopup(not ro)
        self.today_btn.setVisible(not ro)


class NumberEditor(TextEditor):
    def __init__(self, field: Any, parent: QWidget | None = None, integer: bool = False) -> None:
        super().__init__(field, parent)
        self.integer = integer
        if integer:
            self.edit.setValidator(QIntValidator(0, 2_000_000_000, self.edit))
        else:
            v = QDoubleValidator(0.0, 1e12, 4, self.edit)
            v.setNotation(QDoubleValidator.Notation.StandardNotation)
            self.edit.setValidator(v)
        self.edit.setMaximumWidth(180)
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight)

    def value(self) -> Any:
        t = self.edit.text().strip()
        if not t:
            return None
        try:
            return int(t) if self.integer else (int(float(t)) if float(t).is_integer() else float(t))
        except ValueError:
            return t

    def problems(self) -> list[str]:
        v = self.value()
        return ["请输入数字"] if isinstance(v, str) else []
