"""Every form at 1366×768: screenshots, no clipped labels, no missing glyphs, keyboard order.

Screenshots go to ``$QSDESK_SCREENSHOT_DIR`` when set (to look at them), else to tmp_path.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMessageBox, QWidget

from qsdesk.domain import formspec
from qsdesk.ui.forms import dialogs
from qsdesk.ui.forms.widget import FormWidget
from tests.services.inspection_helpers import make_enterprise

FORMS = ("annex3_census", "annex4_producer", "annex5_seller", "annex6_risk")
W, H = 1366, 768


@pytest.fixture(autouse=True)
def fonts_and_no_modal(monkeypatch):
    from qsdesk.resources import install_qt_fonts

    install_qt_fonts()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))


def _open(store, form_id: str) -> dialogs.RecordDialog:
    if form_id == "annex3_census":
        return dialogs.CensusDialog(store)
    if form_id == "annex6_risk":
        return dialogs.RiskReportDialog(store)
    eid = make_enterprise(store, producer=form_id == "annex4_producer")
    return dialogs.InspectionDialog(store, enterprise_id=eid)


def _visible_labels(root: QWidget) -> list[QLabel]:
    return [lb for lb in root.findChildren(QLabel) if lb.isVisibleTo(root) and lb.text().strip()]


def _plain(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", text)


@pytest.mark.parametrize("form_id", FORMS)
def test_screens_labels_glyphs(qtbot, store, tmp_path, form_id) -> None:
    out = Path(os.environ.get("QSDESK_SCREENSHOT_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    dlg = _open(store, form_id)
    qtbot.addWidget(dlg)
    dlg.resize(W, H)
    dlg.show()
    QApplication.processEvents()
    form = dlg.form
    bar = form.scroll_area.verticalScrollBar()
    shots = []
    page = 0
    while True:
        QApplication.processEvents()
        path = out / f"{form_id}_{page}.png"
        assert dlg.grab().save(str(path))
        shots.append(path)
        if bar.value() >= bar.maximum() or page > 12:
            break
        bar.setValue(bar.value() + form.scroll_area.viewport().height() - 40)
        page += 1
    assert all(p.stat().st_size > 10_000 for p in shots)
    # No clipped labels: each label gets at least the room its text needs.
    for lb in _visible_labels(form.body):
        text = _plain(lb.text())
        if lb.wordWrap():
            assert lb.height() >= lb.heightForWidth(lb.width()) - 2, text
        else:
            assert lb.width() >= QFontMetrics(lb.font()).horizontalAdvance(text) - 1, text
    for b in form.body.findChildren(QAbstractButton):
        if b.isVisibleTo(form.body) and b.text():
            assert b.width() >= b.sizeHint().width() - 2, b.text()
    # No tofu: the font in use has a glyph for every character shown.
    chars = set()
    for lb in _visible_labels(dlg):
        chars |= set(_plain(lb.text()))
    for b in dlg.findChildren(QAbstractButton):
        chars |= set(b.text().replace("&", ""))
    fm = QFontMetrics(form.font())
    missing = sorted(c for c in chars if not c.isspace() and not fm.inFontUcs4(ord(c)))
    assert missing == []


@pytest.mark.parametrize("form_id", FORMS)
def test_tab_order_follows_the_paper(qtbot, store, form_id) -> None:
    """Starting at the first field, Tab reaches every field in the order of the annex."""
    dlg = _open(store, form_id)
    qtbot.addWidget(dlg)
    dlg.resize(W, H)
    dlg.show()
    qtbot.waitExposed(dlg)
    form: FormWidget = dlg.form
    spec = form.spec
    targets: list[tuple[str, QWidget]] = []
    for section in spec.sections:  # the paper's order: each section's fields, then its items
        targets += [(f.key, form.editors[f.key].focus_chain()[0]) for f in section.fields]
        targets += [(it.key, form.rows[it.key].buttons[0]) for it in section.items]
    order = [k for k, _w in targets]
    first = targets[0][1]
    first.setFocus()
    dlg.activateWindow()
    seen: list[str] = [targets[0][0]]
    lookup = {id(w): k for k, w in targets}
    for _ in range(600):
        current = dlg.focusWidget()
        assert current is not None
        QTest.keyClick(current, Qt.Key.Key_Tab)
        w = dlg.focusWidget()
        k = lookup.get(id(w))
        if k is not None and k not in seen:
            seen.append(k)
        if len(seen) == len(order):
            break
    assert seen == order


def test_specs_have_screens() -> None:
    assert set(FORMS) <= set(formspec.load_forms())


def test_checklist_and_choices_by_keyboard(qtbot, store) -> None:
    """Arrows move within an item, Space picks, Tab goes on to the note and the next item."""
    dlg = FormWidget(formspec.load_form("annex4_producer"), store=store)
    qtbot.addWidget(dlg)
    dlg.resize(W, H)
    dlg.show()
    dlg.activateWindow()
    qtbot.waitActive(dlg)
    form = dlg
    row = next(iter(form.rows.values()))
    row.buttons[0].setFocus()
    QApplication.processEvents()
    QTest.keyClick(row.buttons[0], Qt.Key.Key_Right)
    focused = QApplication.focusWidget()
    assert focused is row.buttons[1]
    QTest.keyClick(focused, Qt.Key.Key_Space)
    assert row.answer() == row.buttons[1].text() == "未发现问题"
    QTest.keyClick(focused, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is row.note
    QTest.keyClick(row.note, Qt.Key.Key_Tab)
    nxt = list(form.rows.values())[1]
    assert QApplication.focusWidget() in nxt.buttons
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert nxt.answer() is not None
    # F8 jumps to the first problem.
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_F8)
    assert QApplication.focusWidget() is form.widget_for(form.problems()[0].key)
