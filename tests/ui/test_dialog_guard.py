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


def test_form_buttons_lays_out_the_parts_and_wires_ok_and_cancel(qtbot, monkeypatch) -> None:
    from PySide6.QtWidgets import QDialogButtonBox, QFormLayout, QLabel, QLineEdit

    from qsdesk.ui.dialog_guard import GuardedDialog, form_buttons

    saved: list[str] = []

    class Dlg(GuardedDialog):
        def __init__(self) -> None:
            super().__init__()
            form = QFormLayout()
            self.name = QLineEdit(self)
            form.addRow("名称", self.name)
            self.note = QLabel("说明", self)
            self.box = form_buttons(self, form, self.note, on_accept=self.save, save=True, ok_text="保存",
                                    cancel_text="取消", stretch=self.note)

        def save(self) -> None:
            saved.append(self.name.text())
            self.accept()

    dlg = Dlg()
    qtbot.addWidget(dlg)
    dlg.show()
    lay = dlg.layout()
    assert [lay.itemAt(i).layout() or lay.itemAt(i).widget() for i in range(lay.count())][1:] == [dlg.note, dlg.box]
    assert lay.stretch(1) == 1 and lay.stretch(0) == 0
    save = dlg.box.button(QDialogButtonBox.StandardButton.Save)
    assert save.text() == "保存"
    assert dlg.box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
    type_text(qtbot, dlg.name, "电热水壶")
    asked = _patch_question(monkeypatch, QMessageBox.StandardButton.No)
    dlg.box.button(QDialogButtonBox.StandardButton.Cancel).click()  # guarded: typed input
    assert asked == ["放弃已填写的内容？"] and dlg.isVisible()
    save.click()
    assert saved == ["电热水壶"] and dlg.result() == Dlg.DialogCode.Accepted
