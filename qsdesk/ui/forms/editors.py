"""One editor per form field type. Each editor owns its widgets and speaks JSON values.

Every editor has ``widget`` (what goes into the form), ``value()`` / ``set_value()`` (plain JSON:
str, int/float, list, dict or None), ``changed`` (a signal emitted on every user change),
``focus_widget()`` (where a validation jump lands), ``set_read_only()`` and ``problems()`` (what
the editor itself knows is wrong while typing, e.g. a credit code with a wrong check digit).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, QRegularExpression, Qt, Signal
from PySide6.QtGui import QDoubleValidator, QIntValidator, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from qsdesk.domain import fieldtypes
from qsdesk.ui.forms.signature_pad import SignatureField

EMPTY_DATE = QDate(1900, 1, 1)


@dataclass(frozen=True)
class Column:
    """A table/history column, normalised from whatever the spec gives (Field, str or dict)."""

    key: str
    label: str
    type: str = "text"
    choices: tuple[str, ...] = ()
    required: bool = False

    @classmethod
    def of(cls, c: Any) -> Column:
        if isinstance(c, str):
            return cls(c, c)
        if isinstance(c, dict):
            return cls(str(c["key"]), str(c.get("label") or c["key"]), str(c.get("type") or "text"),
                       tuple(c.get("choices") or ()), bool(c.get("required")))
        return cls(c.key, getattr(c, "label", c.key) or c.key, getattr(c, "type", "text") or "text",
                   tuple(getattr(c, "choices", ()) or ()), bool(getattr(c, "required", False)))


class Editor(QObject):
    changed = Signal()

    def __init__(self, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.widget: QWidget = QWidget(parent)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, v: Any) -> None:
        raise NotImplementedError

    def focus_widget(self) -> QWidget:
        return self.widget

    def set_read_only(self, ro: bool) -> None:
        self.widget.setEnabled(not ro)

    def problems(self) -> list[str]:
        return []

    def extra_values(self) -> dict[str, Any]:
        """Values stored under other keys (e.g. the free text of 其他: ``<key>_other``)."""
        return {}

    def set_extra_values(self, values: dict[str, Any]) -> None:
        return None

    def focus_chain(self) -> list[QWidget]:
        """Widgets in the order Tab should visit them."""
        return [self.focus_widget()]


class _ReadOnlyFilter(QObject):
    """Swallows clicks and keys on check/radio buttons of a read-only form (Tab still moves on)."""

    BLOCKED = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
               QEvent.Type.KeyPress, QEvent.Type.KeyRelease}

    def eventFilter(self, obj: QObject, e: QEvent) -> bool:  # noqa: N802
        if e.type() not in self.BLOCKED:
            return False
        return not (isinstance(e, QKeyEvent) and e.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab))


READ_ONLY_FILTER = _ReadOnlyFilter()


def set_buttons_read_only(buttons: Sequence[QAbstractButton], ro: bool) -> None:
    for b in buttons:
        if ro:
            b.installEventFilter(READ_ONLY_FILTER)
        else:
            b.removeEventFilter(READ_ONLY_FILTER)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus if ro else Qt.FocusPolicy.StrongFocus)


def _placeholder(field: Any) -> str:
    return str(getattr(field, "placeholder", "") or "")


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


class _OtherText:
    """The free-text box beside the annex's 其他（ ）; its text is stored as ``<key>_other``."""

    def _init_other(self, field: Any, box: QWidget, lay: FlowRow, buttons: list[QAbstractButton],
                    changed: Callable[[], None]) -> None:
        self.other_edit: QLineEdit | None = None
        self.other_button: QAbstractButton | None = None
        other = getattr(field, "other_choice", None)
        if not other:
            return
        for b in buttons:
            if b.text() == other:
                self.other_button = b
        if self.other_button is None:
            return
        self.other_edit = QLineEdit(box)
        self.other_edit.setPlaceholderText("请注明")
        self.other_edit.setMinimumWidth(120)
        self.other_edit.setMaximumWidth(220)
        self.other_edit.setEnabled(False)
        self.other_edit.setAccessibleName(f"{field.label}（其他）")
        self.other_edit.textEdited.connect(lambda _t: changed())
        lay.add(self.other_edit)

    def _other_values(self, key: str) -> dict[str, Any]:
        if self.other_edit is None or self.other_button is None:
            return {}
        t = self.other_edit.text().strip() if self.other_button.isChecked() else ""
        return {f"{key}_other": t or None}

    def _set_other(self, key: str, values: dict[str, Any]) -> None:
        if self.other_edit is not None:
            self.other_edit.setText(str(values.get(f"{key}_other") or ""))
            self.other_edit.setEnabled(bool(self.other_button and self.other_button.isChecked()))


class ChoiceEditor(Editor, _OtherText):
    """Radio buttons (arrow keys move between them); 其他 gets a text box when the spec says so."""

    def __init__(self, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: list[QRadioButton] = []
        box = QWidget(parent)
        lay = FlowRow(box, per_row=4 if max((len(c) for c in field.choices or ("",)), default=0) > 8 else 6)
        for i, c in enumerate(field.choices or ()):
            b = QRadioButton(c, box)
            self.group.addButton(b, i)
            self.buttons.append(b)
            lay.add(b)
        self._init_other(field, box, lay, list(self.buttons), self.changed.emit)
        self.widget = box
        self.group.buttonToggled.connect(self._toggled)

    def _toggled(self, b: QAbstractButton, on: bool) -> None:
        if self.other_edit is not None and b is self.other_button:
            self.other_edit.setEnabled(on)
        if on:
            self.changed.emit()

    def value(self) -> Any:
        b = self.group.checkedButton()
        return b.text() if b is not None else None

    def set_value(self, v: Any) -> None:
        self.group.blockSignals(True)
        self.group.setExclusive(False)
        for b in self.buttons:
            b.setChecked(False)
            if v is not None and b.text() == str(v):
                b.setChecked(True)
        self.group.setExclusive(True)
        self.group.blockSignals(False)
        if self.other_edit is not None:
            self.other_edit.setEnabled(bool(self.other_button and self.other_button.isChecked()))

    def extra_values(self) -> dict[str, Any]:
        return self._other_values(self.field.key)

    def set_extra_values(self, values: dict[str, Any]) -> None:
        self._set_other(self.field.key, values)

    def focus_widget(self) -> QWidget:
        b = self.group.checkedButton()
        return b or (self.buttons[0] if self.buttons else self.widget)

    def focus_chain(self) -> list[QWidget]:
        chain: list[QWidget] = list(self.buttons)
        if self.other_edit is not None:
            chain.append(self.other_edit)
        return chain

    def set_read_only(self, ro: bool) -> None:
        set_buttons_read_only(self.buttons, ro)
        if self.other_edit is not None:
            self.other_edit.setReadOnly(ro)


class MultiChoiceEditor(Editor, _OtherText):
    def __init__(self, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        box = QWidget(parent)
        lay = FlowRow(box, per_row=5)
        self.boxes: list[QCheckBox] = []
        for c in field.choices or ():
            cb = QCheckBox(c, box)
            cb.toggled.connect(self._toggled)
            self.boxes.append(cb)
            lay.add(cb)
        self._init_other(field, box, lay, list(self.boxes), self.changed.emit)
        self.widget = box

    def _toggled(self, _on: bool) -> None:
        if self.other_edit is not None and self.other_button is not None:
            self.other_edit.setEnabled(self.other_button.isChecked())
        self.changed.emit()

    def value(self) -> Any:
        return [cb.text() for cb in self.boxes if cb.isChecked()]

    def set_value(self, v: Any) -> None:
        chosen = set(v or [])
        for cb in self.boxes:
            cb.blockSignals(True)
            cb.setChecked(cb.text() in chosen)
            cb.blockSignals(False)
        if self.other_edit is not None and self.other_button is not None:
            self.other_edit.setEnabled(self.other_button.isChecked())

    def extra_values(self) -> dict[str, Any]:
        return self._other_values(self.field.key)

    def set_extra_values(self, values: dict[str, Any]) -> None:
        self._set_other(self.field.key, values)

    def focus_widget(self) -> QWidget:
        return self.boxes[0] if self.boxes else self.widget

    def focus_chain(self) -> list[QWidget]:
        chain: list[QWidget] = list(self.boxes)
        if self.other_edit is not None:
            chain.append(self.other_edit)
        return chain

    def set_read_only(self, ro: bool) -> None:
        set_buttons_read_only(self.boxes, ro)
        if self.other_edit is not None:
            self.other_edit.setReadOnly(ro)


ADDRESS_PARTS = (("province", "省"), ("city", "市"), ("county", "区（市、县）"), ("town", "镇（街道）"))


class AddressEditor(Editor):
    """Province / city / county / town plus the detailed address."""

    def __init__(self, field: Any, parent: QWidget | None = None) -> None:
        super().__init__(field, parent)
        box = QWidget(parent)
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        self.parts: dict[str, QLineEdit] = {}
        for i, (key, suffix) in enumerate(ADDRESS_PARTS):
            e = QLineEdit(box)
            e.setPlaceholderText(suffix)
            e.setMinimumWidth(70)
            e.textEdited.connect(lambda _t: self.changed.emit())
            self.parts[key] = e
            grid.addWidget(e, 0, i)
        self.detail = QLineEdit(box)
        self.detail.setPlaceholderText("详细地址（村/路、门牌号）")
        self.detail.textEdited.connect(lambda _t: self.changed.emit())
        grid.addWidget(self.detail, 1, 0, 1, len(ADDRESS_PARTS))
        self.widget = box

    def value(self) -> Any:
        v = {k: e.text().strip() for k, e in self.parts.items()}
        v["detail"] = self.detail.text().strip()
        return v if any(v.values()) else None

    def set_value(self, v: Any) -> None:
        v = v if isinstance(v, dict) else ({"detail": str(v)} if v else {})
        for k, e in self.parts.items():
            e.setText(str(v.get(k) or ""))
        self.detail.setText(str(v.get("detail") or ""))

    def focus_widget(self) -> QWidget:
        return self.parts["province"]

    def focus_chain(self) -> list[QWidget]:
        return [*self.parts.values(), self.detail]

    def set_read_only(self, ro: bool) -> None:
        for e in [*self.parts.values(), self.detail]:
            e.setReadOnly(ro)


class InspectorEditor(Editor):
    """Pick the inspectors of the station (by name, as the annex prints them).

    With ``multiple`` the editor shows ``max(min_rows, 2)`` pickers (two inspectors on site).
    """

    picked = Signal(str)  # phone of the inspector just picked (may fill a phone field)

    def __init__(self, field: Any, parent: QWidget | None = None,
                 inspectors: Sequence[tuple[str, str, str | None]] = ()) -> None:
        super().__init__(field, parent)
        self.inspectors = list(inspectors)
        n = max(int(getattr(field, "min_rows", 0) or 0), 2) if getattr(field, "multiple", False) else 1
        box = QWidget(parent)
        lay = QHBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        self.combos: list[QComboBox] = []
        for i in range(n):
            cb = QComboBox(box)
            cb.addItem(f"（检查人员{i + 1}）", None)
            for _iid, name, _phone in self.inspectors:
                cb.addItem(name, name)
            cb.setMinimumWidth(150)
            cb.setAccessibleName(f"{field.label}{i + 1}")
            cb.activated.connect(lambda _i, c=cb: self._picked(c))
            self.combos.append(cb)
            lay.addWidget(cb)
        lay.addStretch(1)
        self.widget = box

    def _picked(self, cb: QComboBox) -> None:
        name = cb.currentData()
        phone = next((p for _i, n, p in self.inspectors if n == name), None)
        if phone and cb is self.combos[0]:
            self.picked.emit(phone)
        self.changed.emit()

    def value(self) -> Any:
        names = [cb.currentData() for cb in self.combos if cb.currentData()]
        if getattr(self.field, "multiple", False):
            return names
        return names[0] if names else None

    def set_value(self, v: Any) -> None:
        names = list(v) if isinstance(v, list | tuple) else ([v] if v else [])
        for cb, name in zip(self.combos, [*names, *([None] * len(self.combos))], strict=False):
            if name and cb.findData(name) < 0:
                cb.addItem(str(name), name)  # an inspector since deactivated still shows
            cb.setCurrentIndex(max(cb.findData(name), 0) if name else 0)

    def focus_widget(self) -> QWidget:
        return self.combos[0]

    def focus_chain(self) -> list[QWidget]:
        return list(self.combos)

    def set_read_only(self, ro: bool) -> None:
        for cb in self.combos:
            cb.setEnabled(not ro)

    def names(self) -> list[str]:
        return [cb.currentData() for cb in self.combos if cb.currentData()]


class SignatureEditor(Editor):
    """One pad, or with ``multiple`` one pad per inspector (value: a list of signatures)."""

    def __init__(self, field: Any, parent: QWidget | None = None, count: int = 2) -> None:
        super().__init__(field, parent)
        self.multiple = bool(getattr(field, "multiple", False))
        n = count if self.multiple else 1
        box = QWidget(parent)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        self.sigs: list[SignatureField] = []
        self.captions: list[QLabel] = []
        for i in range(n):
            if self.multiple:
                cap = QLabel(f"检查人员{i + 1}签字", box)
                self.captions.append(cap)
                lay.addWidget(cap)
            sf = SignatureField(box, allow_refusal=not self.multiple)
            sf.changed.connect(self.changed.emit)
            sf.name_edit.setAccessibleName(f"{field.label}{i + 1 if self.multiple else ''} 签字人")
            self.sigs.append(sf)
            lay.addWidget(sf)
        self.widget = box

    def set_captions(self, names: list[str]) -> None:
        for i, cap in enumerate(self.captions):
            name = names[i] if i < len(names) else ""
            cap.setText(f"检查人员{i + 1}签字" + (f"：{name}" if name else ""))

    def set_signer_names(self, names: list[str]) -> None:
        """Show which inspector signs on which pad, and fill the signer names."""
        for i, sf in enumerate(self.sigs):
            name = names[i] if i < len(names) else ""
            if self.captions:
                self.captions[i].setText(f"检查人员{i + 1}签字" + (f"：{name}" if name else ""))
            if name and not sf.name_edit.isReadOnly():
                sf.name_edit.setText(name)

    def value(self) -> Any:
        if self.multiple:
            vals = [sf.value() for sf in self.sigs]  # positions matter: pad i is inspector i
            return vals if any(vals) else None
        return self.sigs[0].value()

    def set_value(self, v: Any) -> None:
        vals = list(v) if isinstance(v, list) else [v]
        for i, sf in enumerate(self.sigs):
            sf.set_value(vals[i] if i < len(vals) else None)

    def focus_widget(self) -> QWidget:
        return self.sigs[0].name_edit

    def focus_chain(self) -> list[QWidget]:
        chain: list[QWidget] = []
        for sf in self.sigs:
            chain += [sf.name_edit, sf.clear_btn]
            if sf.refused_box.isVisibleTo(sf):
                chain.append(sf.refused_box)
        return chain

    def set_read_only(self, ro: bool) -> None:
        for sf in self.sigs:
            sf.set_read_only(ro)


class FlowRow(QHBoxLayout):
    """A horizontal row that wraps into several rows when it has many entries."""

    def __init__(self, parent: QWidget, per_row: int = 5) -> None:
        super().__init__()
        self.per_row = per_row
        self._outer = QVBoxLayout(parent)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.setSpacing(2)
        self._row: QHBoxLayout | None = None
        self._count = 0

    def add(self, w: QWidget) -> None:
        if self._row is None or self._count >= self.per_row:
            self._row = QHBoxLayout()
            self._row.setSpacing(14)
            self._outer.addLayout(self._row)
            self._row.addStretch(1)
            self._count = 0
        self._row.insertWidget(self._row.count() - 1, w)
        if not isinstance(w, QLineEdit):
            self._count += 1


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
