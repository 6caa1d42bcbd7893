"""What every field editor shares: the :class:`Editor` contract (``widget``, ``value()`` /
``set_value()`` in plain JSON, ``changed``, ``focus_widget()``, ``set_read_only()``, ``problems()``),
table columns and the read-only helpers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QHBoxLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

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
