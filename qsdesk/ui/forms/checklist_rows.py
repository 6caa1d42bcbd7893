"""A checklist item on screen: its content, the answers the annex allows as radio buttons and
the problem/disposition note (:class:`ChecklistRow`), and the arrow keys that move between the
answers like a pen on the paper form (:class:`AnswerKeys`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSizePolicy,
    QWidget,
)

from qsdesk.domain import formspec
from qsdesk.domain.formspec import ChecklistItem
from qsdesk.ui.forms import editors as ed

if TYPE_CHECKING:
    from qsdesk.ui.forms.widget import FormWidget


class ChecklistRow:
    """One checklist item: content, its allowed answers (radio buttons), the note."""

    def __init__(self, item: ChecklistItem, parent: QWidget, on_change: Any) -> None:
        self.item = item
        self.content = QLabel(item.content, parent)
        self.content.setWordWrap(True)
        self.content.setMinimumWidth(260)
        self.content.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.group = QButtonGroup(parent)
        self.buttons: list[QRadioButton] = []
        self.answers_box = QWidget(parent)
        lay = QHBoxLayout(self.answers_box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        for i, a in enumerate(item.answers):
            b = QRadioButton(a, self.answers_box)
            b.setAccessibleName(f"{item.number} {a}")
            self.group.addButton(b, i)
            self.buttons.append(b)
            lay.addWidget(b)
        lay.addStretch(1)
        self.note = QLineEdit(parent)
        self.note.setPlaceholderText(item.note_label or "说明")
        self.note.setAccessibleName(f"{item.number} {item.note_label or '说明'}")
        self.note.setMinimumWidth(160)
        self._on_change = on_change
        self.group.buttonToggled.connect(self._toggled)
        self.note.textEdited.connect(lambda _t: on_change())

    def _toggled(self, _b: QAbstractButton, on: bool) -> None:
        if on:
            self._mark_note()
            self._on_change()

    def _mark_note(self) -> None:
        need = self.answer() in self.item.note_required_on
        self.note.setProperty("required", need)
        self.note.setPlaceholderText(
            f"必填：{self.item.note_label or '说明'}" if need else (self.item.note_label or "说明"))
        self.note.setStyleSheet("QLineEdit{border:1px solid #c62828}" if need and not self.note.text().strip()
                                else "")

    def answer(self) -> str | None:
        b = self.group.checkedButton()
        return b.text() if b else None

    def value(self) -> dict[str, Any] | None:
        a, n = self.answer(), self.note.text().strip()
        if a is None and not n:
            return None
        return {"answer": a, "note": n}

    def set_value(self, v: Any) -> None:
        a = formspec.answer_of(v)
        n = formspec.note_of(v)
        self.group.blockSignals(True)
        self.group.setExclusive(False)
        for b in self.buttons:
            b.setChecked(a is not None and b.text() == a)
        self.group.setExclusive(True)
        self.group.blockSignals(False)
        self.note.setText(n)
        self._mark_note()

    def choose(self, answer: str) -> bool:
        for b in self.buttons:
            if b.text() == answer:
                b.setChecked(True)
                return True
        return False

    def focus_widget(self) -> QWidget:
        if self.answer() in self.item.note_required_on and not self.note.text().strip():
            return self.note
        return self.group.checkedButton() or self.buttons[0]

    def focus_chain(self) -> list[QWidget]:
        return [*self.buttons, self.note]

    def set_read_only(self, ro: bool) -> None:
        ed.set_buttons_read_only(self.buttons, ro)
        self.note.setReadOnly(ro)


class AnswerKeys(QObject):
    """Arrow keys on a checklist's answer buttons, as on the paper from left to right, top down.

    Left/Right move to the neighbouring answer of the same item and choose it (as a radio group
    does); Up/Down move to the previous/next item, onto its chosen answer (or the answer in the
    same position), without changing any answer. Read-only forms move but never choose.
    """

    def __init__(self, form: FormWidget) -> None:
        super().__init__(form)
        self.form = form
        self._where: dict[QAbstractButton, tuple[int, int]] = {}

    def attach(self, rows: Sequence[ChecklistRow]) -> None:
        for r, row in enumerate(rows):
            for c, b in enumerate(row.buttons):
                self._where[b] = (r, c)
                b.installEventFilter(self)
        self._rows = list(rows)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.KeyPress or obj not in self._where or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        r, c = self._where[obj]
        row = self._rows[r]
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            c2 = c + (1 if key == Qt.Key.Key_Right else -1)
            if 0 <= c2 < len(row.buttons):
                b: QAbstractButton = row.buttons[c2]
                b.setFocus(Qt.FocusReason.TabFocusReason)
                if not self.form.is_read_only():
                    b.setChecked(True)
            return True
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            r2 = r + (1 if key == Qt.Key.Key_Down else -1)
            if 0 <= r2 < len(self._rows):
                target = self._rows[r2]
                b = target.group.checkedButton() or target.buttons[min(c, len(target.buttons) - 1)]
                b.setFocus(Qt.FocusReason.TabFocusReason)
                self.form.scroll_area.ensureWidgetVisible(b, 50, 80)
            return True
        return False
