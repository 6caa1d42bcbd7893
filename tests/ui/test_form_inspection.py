"""Annex 4 and 5 filled entirely through the widgets: seal, reopen read-only, amend."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog, QMessageBox
from sqlalchemy import select

from qsdesk.services import drafts, inspections
from qsdesk.store.models import Inspection
from qsdesk.ui.forms import dialogs
from qsdesk.ui.forms import editors as ed
from tests.services.inspection_helpers import add_sampling, make_enterprise
from tests.ui.form_helpers import answer, choose, click, draw, fill, key_in, pick_by_keyboard, type_text


@pytest.fixture(autouse=True)
def answers_yes(monkeypatch):
    """Answer every question box with Yes (autouse: set up before qtbot, so dialogs closed at
    teardown never wait for a modal box)."""
    asked: list[str] = []
    warned: list[str] = []

    def question(_parent, title, text, *a, **k):
        asked.append(f"{title}: {text}")
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, t, m, *a, **k: warned.append(f"{t}: {m}")))
    return asked, warned


def _fill_inspection(qtbot, dlg: dialogs.InspectionDialog) -> None:
    form = dlg.form
    fill(qtbot, form, "inspected_products", "电热水壶（型号 HL-1715）")
    choose(qtbot, form, "result", "发现问题已现场整改")
    choose(qtbot, form, "opinion", "同意")
    insp = form.editors["inspectors"]
    assert isinstance(insp, ed.InspectorEditor)
    pick_by_keyboard(qtbot, insp.combos[0], "张伟")
    pick_by_keyboard(qtbot, insp.combos[1], "李娜")
    # Picking the first inspector filled the phone.
    assert form.editors["inspector_phone"].value() == "13805310001"
    first = next(iter(form.rows))
    answer(qtbot, form, first, "发现问题")
    assert form.rows[first].note.property("required") is True
    click(qtbot, form.fill_btn)  # every other item: 未发现问题
    problems = {p.key for p in form.refresh_problems()}
    assert first in problems  # a 发现问题 without its note is not complete
    type_text(qtbot, form.rows[first].note, "许可证书地址与实际不符，责令当场办理变更")
    sig = form.editors["enterprise_signature"]
    assert isinstance(sig, ed.SignatureEditor)
    type_text(qtbot, sig.sigs[0].name_edit, "王建国")
    draw(qtbot, sig.sigs[0].pad)
    isig = form.editors["inspector_signatures"]
    assert isinstance(isig, ed.SignatureEditor)
    assert [s.name_edit.text() for s in isig.sigs] == ["张伟", "李娜"]
    for s in isig.sigs:
        draw(qtbot, s.pad)


@pytest.mark.parametrize(("producer", "form_id"), [(True, "annex4_producer"), (False, "annex5_seller")])
def test_fill_seal_reopen_amend(qtbot, store, answers_yes, producer, form_id) -> None:
    asked, warned = answers_yes
    store.set_actor("zhangwei")
    eid = make_enterprise(store, producer=producer,
                          name="济南华鲁电器有限公司" if producer else "历城区顺发五金店")
    add_sampling(store, eid, date(date.today().year - 1, 5, 6), "不合格", "标志和说明")
    dlg = dialogs.InspectionDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    form = dlg.form
    assert form.spec.id == form_id
    # Pre-filled from the database: the enterprise block and the history.
    assert form.editors["name"].value() == ("济南华鲁电器有限公司" if producer else "历城区顺发五金店")
    assert form.editors["address"].value()["town"] == "王舍人街道"
    hist = form.editors["sampling_history"].value()
    assert hist and hist[0]["result"] == "不合格1批次（标志和说明）"
    # Nothing can be sealed yet: the panel lists what is missing.
    assert not dlg.seal()
    assert warned and "不能封存" in warned[-1]
    assert form.problem_list.count() > 5
    _fill_inspection(qtbot, dlg)
    assert form.refresh_problems() == []
    click(qtbot, dlg.seal_btn)
    with store.session() as s:
        row = s.scalars(select(Inspection).where(Inspection.enterprise_id == eid)).one()
        assert row.status == "sealed" and row.sealed_by == "zhangwei"
        assert row.values["inspected_products"] == "电热水壶（型号 HL-1715）"
        assert row.answers[next(iter(form.rows))]["note"].startswith("许可证书地址")
        assert sorted(sg.role for sg in row.signatures) == ["enterprise", "inspector1", "inspector2"]
        assert all(sg.png and sg.png[:4] == b"\x89PNG" and sg.strokes for sg in row.signatures)
        iid = row.id
    assert inspections.verify(store, iid)
    assert drafts.list_drafts(store) == []  # saved: no draft left behind
    assert form.is_read_only() and not dlg.save_btn.isVisible() and dlg.amend_btn.isVisible()
    dlg.close()

    # Reopen: read-only, typing changes nothing.
    again = dialogs.InspectionDialog(store, inspection_id=iid)
    qtbot.addWidget(again)
    again.show()
    assert again.form.is_read_only()
    name = again.form.editors["name"].focus_widget()
    key_in(name, "改")
    assert again.form.editors["name"].value() == form.editors["name"].value()
    row0 = next(iter(again.form.rows.values()))
    click(qtbot, row0.buttons[1])
    assert row0.answer() == "发现问题"
    assert "已封存" in again.form.banner.text()

    # Amend: a new draft linked to the sealed record, signed and sealed again.
    from unittest.mock import patch

    with patch.object(QInputDialog, "getText", return_value=("检查产品型号写错", True)):
        click(qtbot, again.amend_btn)
    new_id = again.record_id
    assert new_id != iid and not again.form.is_read_only()
    fill(qtbot, again.form, "inspected_products", "电热水壶（型号 HL-1717）")
    for key in ("enterprise_signature", "inspector_signatures"):
        for s in again.form.editors[key].sigs:
            assert s.pad.is_empty()  # a correction is signed again
            draw(qtbot, s.pad)
    type_text(qtbot, again.form.editors["enterprise_signature"].sigs[0].name_edit, "王建国")
    click(qtbot, again.seal_btn)
    with store.session() as s:
        new = s.get(Inspection, new_id)
        assert new.status == "sealed" and new.amends_id == iid
        assert new.values["inspected_products"] == "电热水壶（型号 HL-1717）"
        assert s.get(Inspection, iid).values["inspected_products"] == "电热水壶（型号 HL-1715）"
    assert inspections.verify(store, iid) and inspections.verify(store, new_id)
    assert any("确认封存" in a for a in asked)


def test_refusal_to_sign_through_widgets(qtbot, store, answers_yes) -> None:
    eid = make_enterprise(store)
    dlg = dialogs.InspectionDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    _fill_inspection(qtbot, dlg)
    form = dlg.form
    choose(qtbot, form, "opinion", "有异议")
    assert "opinion_text" in {p.key for p in form.refresh_problems()}
    type_text(qtbot, form.editors["opinion_text"].focus_widget(), "认为第1项不属实")
    sig = form.editors["enterprise_signature"].sigs[0]
    click(qtbot, sig.clear_btn)
    assert sig.pad.is_empty()
    click(qtbot, sig.refused_box)
    assert sig.status.text() == "已记录：拒绝签字"
    click(qtbot, dlg.seal_btn)
    with store.session() as s:
        row = s.scalars(select(Inspection)).one()
        assert row.status == "sealed" and row.opinion == "有异议"
        ent = next(sg for sg in row.signatures if sg.role == "enterprise")
        assert ent.refused and not ent.strokes


def test_validation_panel_jumps_to_field(qtbot, store) -> None:
    eid = make_enterprise(store)
    dlg = dialogs.InspectionDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    form = dlg.form
    fill(qtbot, form, "uscc", "91370112MA3C7X1K4B")
    uscc_editor = form.editors["uscc"]
    assert isinstance(uscc_editor, ed.UsccEditor)
    assert not uscc_editor.hint.isHidden() and "校验码" in uscc_editor.hint.text()  # said as typed
    probs = form.refresh_problems()
    keys = [p.key for p in probs]
    assert "uscc" in keys and "inspected_products" in keys
    for i in range(form.problem_list.count()):
        item = form.problem_list.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == "inspected_products":
            form.problem_list.setCurrentItem(item)
            form.problem_list.setFocus()
            QTest.keyClick(form.problem_list, Qt.Key.Key_Return)
            break
    assert dlg.focusWidget() is form.editors["inspected_products"].focus_widget()
    item_key = next(k for k in keys if k in form.rows)
    assert form.jump_to(item_key)
    assert dlg.focusWidget() in form.rows[item_key].buttons
    fill(qtbot, form, "uscc", "91370112MA3C7X1K48")
    assert uscc_editor.hint.isHidden()
    assert "uscc" not in {p.key for p in form.refresh_problems()}
