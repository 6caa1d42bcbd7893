"""Issue 16 item 7: Enter opens the selected row, arrows move between an item's answers, and a
station's head is called 所长 wherever a person reads it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from qsdesk.domain import formspec
from qsdesk.services import inspections
from qsdesk.ui.forms import dialogs
from qsdesk.ui.forms.widget import FormWidget
from qsdesk.ui.pages.inspections import InspectionsPage
from tests.services.inspection_helpers import complete_values, make_enterprise

ROOT = Path(__file__).resolve().parents[2]


def test_enter_opens_the_selected_inspection(qtbot, store, monkeypatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    eid = make_enterprise(store)
    values, answers = complete_values(store, eid)
    iid = inspections.save_draft(store, form_id="annex4_producer", values=values, answers=answers,
                                 enterprise_id=eid)
    page = InspectionsPage(store)
    qtbot.addWidget(page)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    opened: list[str] = []
    monkeypatch.setattr(dialogs, "open_inspection",
                        lambda _s, _p, inspection_id=None, **k: opened.append(inspection_id))
    page.view.setFocus()
    page.view.selectRow(0)
    QTest.keyClick(page.view, Qt.Key.Key_Return)
    assert opened == [iid]
    QTest.keyClick(page.view, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert opened == [iid, iid]


def test_arrow_keys_move_between_answers(qtbot) -> None:
    form = FormWidget(formspec.load_form("annex4_producer"))
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    row = form.rows["1.1"]
    assert [b.text() for b in row.buttons] == ["发现问题", "未发现问题", "本条不适用"]
    row.buttons[0].setFocus()
    QTest.keyClick(row.buttons[0], Qt.Key.Key_Right)
    assert row.answer() == "未发现问题" and QApplication.focusWidget() is row.buttons[1]
    QTest.keyClick(row.buttons[1], Qt.Key.Key_Right)
    assert row.answer() == "本条不适用"
    QTest.keyClick(row.buttons[2], Qt.Key.Key_Left)
    assert row.answer() == "未发现问题"
    # Down: the next item, same position, its answer untouched.
    QTest.keyClick(row.buttons[1], Qt.Key.Key_Down)
    nxt = form.rows["1.2"]
    assert QApplication.focusWidget() is nxt.buttons[1] and nxt.answer() is None
    QTest.keyClick(nxt.buttons[1], Qt.Key.Key_Up)
    assert QApplication.focusWidget() is row.buttons[1]  # back onto the chosen answer
    # Across groups: the last item of group 1 goes down to the first of group 2 (two answers).
    last = form.rows["1.5"]
    last.buttons[2].setFocus()
    QTest.keyClick(last.buttons[2], Qt.Key.Key_Down)
    assert QApplication.focusWidget() is form.rows["2.1"].buttons[1]


def test_no_station_head_called_zhanzhang() -> None:
    """Stations say 所长 (market supervision 所); no text a person reads says 站长."""
    hits = [f"{p.relative_to(ROOT)}:{n}" for base in ("qsdesk", "forms")
            for p in (ROOT / base).rglob("*") if p.suffix in (".py", ".toml")
            for n, line in enumerate(p.read_text("utf-8").splitlines(), 1) if "站长" in line]
    assert hits == []
