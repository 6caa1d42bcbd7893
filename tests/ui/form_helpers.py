"""Driving form widgets the way a user does: clicks, keystrokes, pen strokes."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLineEdit, QPlainTextEdit, QWidget

from qsdesk.ui.forms import editors as ed
from qsdesk.ui.forms.signature_pad import SignaturePad
from qsdesk.ui.forms.widget import FormWidget


def click(qtbot, w: QWidget) -> None:
    qtbot.mouseClick(w, Qt.MouseButton.LeftButton, pos=w.rect().center())


def type_text(qtbot, w: QWidget, text: str, *, clear: bool = False) -> None:
    """Focus ``w`` by clicking it and type ``text`` (optionally select-all + delete first)."""
    click(qtbot, w)
    w.setFocus()
    if clear:
        QTest.keyClick(w, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(w, Qt.Key.Key_Delete)
    key_in(w, text)


def key_in(w: QWidget, text: str) -> None:
    """Keystrokes: ASCII through QTest; other characters as the key events an input method
    delivers once a character is chosen (QTest's key tables only know ASCII)."""
    for ch in text:
        if ch.isascii():
            QTest.keyClick(w, ch)
        else:
            for t in (QKeyEvent.Type.KeyPress, QKeyEvent.Type.KeyRelease):
                QApplication.sendEvent(w, QKeyEvent(t, 0, Qt.KeyboardModifier.NoModifier, ch))


def editor(form: FormWidget, key: str) -> ed.Editor:
    return form.editors[key]


def line(form: FormWidget, key: str) -> QLineEdit:
    e = form.editors[key]
    w = e.focus_widget()
    assert isinstance(w, QLineEdit | QPlainTextEdit), (key, w)
    return w  # type: ignore[return-value]


def fill(qtbot, form: FormWidget, key: str, text: str, *, clear: bool = True) -> None:
    type_text(qtbot, line(form, key), text, clear=clear)


def choose(qtbot, form: FormWidget, key: str, choice: str) -> None:
    e = form.editors[key]
    buttons: list[QAbstractButton] = getattr(e, "buttons", None) or getattr(e, "boxes", [])
    b = next(b for b in buttons if b.text() == choice)
    if not b.isChecked() or isinstance(e, ed.ChoiceEditor):
        click(qtbot, b)
    assert b.isChecked()


def answer(qtbot, form: FormWidget, item_key: str, ans: str, note: str | None = None) -> None:
    row = form.rows[item_key]
    b = next(b for b in row.buttons if b.text() == ans)
    click(qtbot, b)
    assert b.isChecked()
    if note is not None:
        type_text(qtbot, row.note, note, clear=True)


def pick_by_keyboard(qtbot, combo: QComboBox, text: str) -> None:
    """Select ``text`` in a closed combo box with the Down key, like a keyboard user."""
    combo.setFocus()
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        QTest.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


def draw(qtbot, pad: SignaturePad, strokes: int = 2) -> None:
    """Sign with the mouse: press, drag through a few points, release."""
    w, h = pad.width(), pad.height()
    for k in range(strokes):
        y0 = h * (0.3 + 0.2 * k)
        pts = [QPointF(w * x, y0 + h * 0.1 * ((i % 2) * 2 - 1)) for i, x in enumerate((0.2, 0.35, 0.5, 0.65))]
        QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0].toPoint())
        for p in pts[1:]:
            ev = QMouseEvent(QMouseEvent.Type.MouseMove, p, pad.mapToGlobal(p), Qt.MouseButton.NoButton,
                             Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
            QApplication.sendEvent(pad, ev)
        QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           QPoint(int(pts[-1].x()), int(pts[-1].y())))
    assert not pad.is_empty()
