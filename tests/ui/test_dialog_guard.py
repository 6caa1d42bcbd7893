"""Esc in a small input dialog asks before discarding what was typed (qsdesk.ui.dialog_guard)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from qsdesk.ui.pages.sampling_draw import ResultDialog
from tests.ui.form_helpers import type_text


def _patch_question(monkeypatch, reply: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def question(_parent, _title, text, *a, **k):
        asked.append(text)
        return reply

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def test_esc_with_typed_input_asks_and_no_keeps_it(qtbot, monkeypatch) -> None:
    asked = _patch_question(monkeypatch, QMessageBox.StandardButton.No)
    dlg = ResultDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    edit = dlg.result_box.lineEdit()
    type_text(qtbot, edit, "现场检查发现标签不全", clear=True)
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert asked == ["放弃已填写的内容？"]
    assert dlg.isVisible() and dlg.result_box.currentText() == "现场检查发现标签不全"
    # 是 discards and closes.
    _patch_question(monkeypatch, QMessageBox.StandardButton.Yes)
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert not dlg.isVisible()
    assert dlg.result() == ResultDialog.DialogCode.Rejected


def test_esc_with_nothing_typed_just_closes(qtbot, monkeypatch) -> None:
    asked = _patch_question(monkeypatch, QMessageBox.StandardButton.No)
    dlg = ResultDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.result_box.setFocus()
    qtbot.keyClick(dlg.result_box, Qt.Key.Key_Escape)
    assert asked == []
    assert not dlg.isVisible()
