"""Issue 16 through the widgets: a result without an inspection is listed until its note is
written and then seals; annex 6's 其他 source asks for its text and a credit code for its unit."""

from __future__ import annotations

from sqlalchemy import select

from qsdesk.store.models import Inspection, RiskReport
from qsdesk.ui.forms import dialogs
from tests.services.inspection_helpers import VALID_USCC, make_enterprise
from tests.ui.form_helpers import choose, click, draw, fill, pick_by_keyboard, type_text
from tests.ui.test_form_inspection import answers_yes  # noqa: F401 - autouse fixture

NOTE_RULE = "检查结果表明未实施检查（无法联系、不配合检查或未发现开展经营活动），请在“其它需要说明的情况”中写明经过"


def test_refusal_needs_the_note_before_sealing(qtbot, store, answers_yes) -> None:  # noqa: F811
    _asked, warned = answers_yes
    eid = make_enterprise(store, producer=False)
    dlg = dialogs.InspectionDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    form = dlg.form
    fill(qtbot, form, "inspected_products", "插线板")
    insp = form.editors["inspectors"]
    pick_by_keyboard(qtbot, insp.combos[0], "张伟")
    pick_by_keyboard(qtbot, insp.combos[1], "李娜")
    choose(qtbot, form, "result", "不配合检查情节严重")
    for s in form.editors["inspector_signatures"].sigs:
        draw(qtbot, s.pad)
    probs = form.refresh_problems()
    assert [(p.key, p.message) for p in probs] == [("other_notes", NOTE_RULE)]
    listed = [form.problem_list.item(i).text() for i in range(form.problem_list.count())]
    assert listed == [f"其它需要说明的情况：{NOTE_RULE}"]
    assert form.labels["other_notes"].styleSheet()  # the note's label turns red
    click(qtbot, dlg.seal_btn)
    assert "不能封存" in warned[-1] and "其它需要说明的情况" in warned[-1]
    with store.session() as s:
        assert s.scalars(select(Inspection.status).where(Inspection.enterprise_id == eid)).one() == "draft"
    type_text(qtbot, form.editors["other_notes"].focus_widget(), "店主拒绝出示进货台账，关闭店门")
    assert form.refresh_problems() == []
    click(qtbot, dlg.seal_btn)
    with store.session() as s:
        row = s.scalars(select(Inspection).where(Inspection.enterprise_id == eid)).one()
        assert row.status == "sealed" and row.values["other_notes"] == "店主拒绝出示进货台账，关闭店门"


def test_risk_other_source_and_code_need_their_text(qtbot, store) -> None:
    dlg = dialogs.RiskReportDialog(store)
    qtbot.addWidget(dlg)
    dlg.show()
    form = dlg.form
    choose(qtbot, form, "sources", "其他")
    src = form.editors["sources"]
    assert src.other_edit is not None and src.other_edit.isEnabled()
    fill(qtbot, form, "product_name", "电动自行车充电器")
    fill(qtbot, form, "seller_uscc", VALID_USCC)
    type_text(qtbot, form.editors["description"].focus_widget(), "充电器无3C标志")
    assert {(p.key, p.label) for p in form.refresh_problems()} == {("sources_other", "风险信息来源"),
                                                                   ("seller", "销售者")}
    assert not dlg.save()
    type_text(qtbot, src.other_edit, "人大代表建议")
    fill(qtbot, form, "seller", "历城区华联超市")
    assert form.refresh_problems() == []
    assert dlg.save()
    with store.session() as s:
        row = s.scalars(select(RiskReport)).one()
        assert row.values["sources_other"] == "人大代表建议" and row.values["seller"] == "历城区华联超市"
