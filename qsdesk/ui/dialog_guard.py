"""Esc and 取消 in a small input dialog ask before throwing away what was typed.

:class:`GuardedDialog` is a ``QDialog`` whose ``reject`` (Esc, 取消/关闭, the window's close
button — ``QDialog.closeEvent`` goes through ``reject`` too) asks "放弃已填写的内容？" when any
editable child differs from how it was when the dialog was first shown; with nothing changed it
just closes. The record forms have their own, richer guard (``qsdesk.ui.forms.dialogs``).

:func:`form_buttons` is the one layout of the small OK/Cancel forms: the given parts top to
bottom, then the button box wired to ``on_accept`` (default ``accept``) and ``reject``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

__all__ = ["GuardedDialog", "button_box", "form_buttons", "input_state"]

_Std = QDialogButtonBox.StandardButton


def button_box(dialog: QDialog, *, on_accept: Callable[[], Any] | None = None, save: bool = False,
               ok_text: str | None = None, cancel_text: str | None = None) -> QDialogButtonBox:
    """An OK/Cancel (``save``: Save/Cancel) button box on ``dialog``: OK runs ``on_accept``
    (default: ``dialog.accept``), Cancel ``dialog.reject``; for a dialog with its own layout."""
    box = QDialogButtonBox((_Std.Save if save else _Std.Ok) | _Std.Cancel, dialog)
    if ok_text is not None:
        box.button(_Std.Save if save else _Std.Ok).setText(ok_text)
    if cancel_text is not None:
        box.button(_Std.Cancel).setText(cancel_text)
    box.accepted.connect(on_accept if on_accept is not None else dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def form_buttons(dialog: QDialog, *parts: QLayout | QWidget, on_accept: Callable[[], Any] | None = None,
                 save: bool = False, ok_text: str | None = None, cancel_text: str | None = None,
                 stretch: QLayout | QWidget | None = None) -> QDialogButtonBox:
    """Lay ``dialog`` out as ``parts`` (layouts or widgets) top to bottom above the
    :func:`button_box`. ``stretch``: the part that takes the spare height. Returns the box."""
    box = button_box(dialog, on_accept=on_accept, save=save, ok_text=ok_text, cancel_text=cancel_text)
    lay = QVBoxLayout(dialog)
    for part in parts:
        if isinstance(part, QLayout):
            lay.addLayout(part, 1 if part is stretch else 0)
        else:
            lay.addWidget(part, 1 if part is stretch else 0)
    lay.addWidget(box)
    return box


def input_state(root: QWidget) -> tuple[Any, ...]:
    """What the user can have typed or chosen in ``root``'s editable children, comparable."""
    out: list[Any] = []
    for w in root.findChildren(QWidget):
        if isinstance(w, QLineEdit):
            out.append(w.text())
        elif isinstance(w, QPlainTextEdit | QTextEdit):
            out.append(w.toPlainText())
        elif isinstance(w, QComboBox):
            out.append((w.currentIndex(), w.currentText()))
        elif isinstance(w, QAbstractSpinBox):
            out.append(w.text())
        elif isinstance(w, QAbstractButton) and w.isCheckable():
            out.append(w.isChecked())
    return tuple(out)


class GuardedDialog(QDialog):
    """A QDialog that asks before discarding typed input on Esc / 取消 / close."""

    _guard_state: tuple[Any, ...] | None = None

    def showEvent(self, e: Any) -> None:  # noqa: N802
        if self._guard_state is None:
            self._guard_state = input_state(self)
        super().showEvent(e)

    def has_changes(self) -> bool:
        return self._guard_state is not None and input_state(self) != self._guard_state

    def reject(self) -> None:
        if self.has_changes():
            answer = QMessageBox.question(
                self, "放弃已填写的内容", "放弃已填写的内容？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()
