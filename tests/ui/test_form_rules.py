"""Issue 16 item 3 through the widgets: a self-contradictory record is listed in the validation
panel and cannot be sealed; the consistent one seals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qsdesk.store.models import Inspection
from qsdesk.ui.forms import dialogs
from tests.services.inspection_helpers import make_enterprise
from tests.ui.form_helpers import answer, choose, click, draw, fill, pick_by_keyboard, type_text
from tests.ui.test_form_inspection import answers_yes  # noqa: F401 - autouse fixture

RULE = "有检查项为“发现问题”，检查结果不能选“未发现问题”"


@pytest.mark.parametrize("producer", [True, False], ids=["annex4", "annex5"])
def test_contradiction_listed_and_not_sealed(qtbot, store, answers_yes, producer) -> None:  # noqa: F811
    _asked, warned = answers_yes
    eid = make_enterprise(store, producer=producer)
    dlg = dialogs.InspectionDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    form = dlg.form
    fill(qtbot, form, "inspected_products", "电热水壶")
    choose(qtbot, form, "opinion", "同意")
    insp = form.editors["inspectors"]
    pick_by_keyboard(qtbot, insp.combos[0], "张伟")
    pick_by_keyboard(qtbot, insp.combos[1], "李娜")
    first = next(iter(form.rows))
    answer(qtbot, form, first, "发现问题", "标识不全，已责令整改")
    click(qtbot, form.fill_btn)
    choose(qtbot, form, "result", "未发现问题")  # contradicts the item above
    sig = form.editors["enterprise_signature"]
    type_text(qtbot, sig.sigs[0].name_edit, "王建国")
    draw(qtbot, sig.sigs[0].pad)
    for s in form.editors["inspector_signatures"].sigs:
        draw(qtbot, s.pad)
    probs = form.refresh_problems()
    assert [(p.key, p.message[:len(RULE)]) for p in probs] == [("result", RULE)]
    listed = [form.problem_list.item(i).text() for i in range(form.problem_list.count())]
    assert len(listed) == 1 and listed[0].startswith("检查结果：有检查项为“发现问题”")
    assert form.labels["result"].styleSheet()  # the field's label turns red
    click(qtbot, dlg.seal_btn)
    assert "不能封存" in warned[-1] and "检查结果" in warned[-1]
    with store.session() as s:
        assert s.scalars(select(Inspection.status).where(Inspection.enterprise_id == eid)).one() == "draft"
    # The same 有异议 without its text is listed too (the field's required_when).
    choose(qtbot, form, "opinion", "有异议")
    assert {p.key for p in form.refresh_problems()} == {"result", "opinion_text"}
    choose(qtbot, form, "opinion", "同意")
    # Correct the result: the panel empties and the record seals.
    choose(qtbot, form, "result", "发现问题已现场整改")
    assert form.refresh_problems() == []
    click(qtbot, dlg.seal_btn)
    with store.session() as s:
        assert s.scalars(select(Inspection.status).where(Inspection.enterprise_id == eid)).one() == "sealed"


def test_unreachable_unit_seals_without_any_item(qtbot, store, answers_yes) -> None:  # noqa: F811
    """检查结果 无法联系: nobody was inspected, so no checklist item is listed as missing and the
    record seals; switching to 未发现问题 lists every unanswered item again."""
    eid = make_enterprise(store, producer=True)
    dlg = dialogs.InspectionDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    form = dlg.form
    fill(qtbot, form, "inspected_products", "电热水壶")
    insp = form.editors["inspectors"]
    pick_by_keyboard(qtbot, insp.combos[0], "张伟")
    pick_by_keyboard(qtbot, insp.combos[1], "李娜")
    fill(qtbot, form, "other_notes", "登记住所无人，电话无人接听")
    choose(qtbot, form, "result", "未发现问题")
    assert {p.message for p in form.refresh_problems()} >= {"检查结果未选择"}
    choose(qtbot, form, "result", "通过登记的住所（经营场所）无法联系")
    for s in form.editors["inspector_signatures"].sigs:
        draw(qtbot, s.pad)
    assert [p for p in form.refresh_problems() if p.message == "检查结果未选择"] == []
    click(qtbot, dlg.seal_btn)
    with store.session() as s:
        assert s.scalars(select(Inspection.status).where(Inspection.enterprise_id == eid)).one() == "sealed"
