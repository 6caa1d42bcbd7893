"""Editors of choices and of structured values: single and multiple choice (with a 其他 text),
address parts, the inspectors on a record and captured signatures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from qsdesk.ui.forms.editors_base import (
    Editor,
    FlowRow,
    set_buttons_read_only,
)
from qsdesk.ui.forms.signature_pad import SignatureField


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
