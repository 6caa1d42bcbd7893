"""A census form opened, then the enterprise saved at another workstation, then the form saved:
refused with who changed it, the newer version offered, nothing typed lost (pytest-qt)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from qsdesk.services import census, drafts
from qsdesk.store.db import open_store
from qsdesk.ui.forms import dialogs
from qsdesk.ui.forms import editors as ed
from tests.services.inspection_helpers import VALID_USCC
from tests.ui.form_helpers import type_text

VALUES = {
    "name": "济南华鲁电器有限公司", "uscc": VALID_USCC, "legal_representative": "王建国",
    "premises": {"province": "山东省", "city": "济南市", "county": "历城区", "town": "王舍人街道",
                 "detail": "工业北路88号"},
    "domain": "生产", "status": "在产在营", "products": [{"name": "电热水壶", "licence_type": "CCC"}],
}


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The refusal box: its text is recorded and 载入最新内容 is pressed."""
    shown: list[str] = []

    def exec_(box: QMessageBox) -> int:
        shown.append(box.text())
        shown.append(box.informativeText())
        [load] = [b for b in box.buttons() if b.text() == "载入最新内容"]
        load.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: shown.append(str(a[2]))))
    return shown


def test_census_form_saved_after_another_workstation_is_refused_then_reloaded(qtbot, store, answered) -> None:
    eid = census.save_census(store, VALUES, unit_types=["producer"], entry_reason="现场检查")
    dlg = dialogs.CensusDialog(store, enterprise_id=eid)
    qtbot.addWidget(dlg)
    dlg.show()
    addr = dlg.form.editors["premises"]
    assert isinstance(addr, ed.AddressEditor)
    addr.detail.clear()
    type_text(qtbot, addr.detail, "工业北路99号（本表填写）")
    other = open_store(store.data_dir.root)  # type: ignore[union-attr]  # the second workstation
    other.set_actor("王科长")
    census.save_census(other, {**VALUES, "premises": {**VALUES["premises"], "detail": "县局核实的地址"}}, eid)
    other.close()

    assert dlg.save() is False
    text = answered[0]
    assert "王科长" in text and "修改" in text and "未保存" in text and "\n" not in text, answered
    with store.session() as s:  # theirs kept
        from qsdesk.store.models import Enterprise

        assert s.get(Enterprise, eid).address == "县局核实的地址"  # type: ignore[union-attr]
    # the form now shows the newer version; what was typed is listed above it and kept as a draft
    assert addr.detail.text() == "县局核实的地址"
    assert "工业北路99号（本表填写）" in dlg.form.banner.text()
    d = drafts.find_draft(store, "annex3_census", eid)
    assert d is not None and d.content["values"]["premises"]["detail"] == "工业北路99号（本表填写）"
    # saved again from the newer version: accepted
    addr.detail.clear()
    type_text(qtbot, addr.detail, "工业北路99号")
    assert dlg.save() is True
    with store.session() as s:
        assert s.get(Enterprise, eid).address == "工业北路99号"  # type: ignore[union-attr]
    dlg.close()


def test_followup_step_changed_while_its_dialog_was_open_is_refused(qtbot, store, answered) -> None:
    from datetime import date

    from PySide6.QtCore import QDate

    from qsdesk.services import followup as fu
    from qsdesk.services import sampling as svc
    from qsdesk.store.models import FollowUpStep
    from qsdesk.ui.pages import sampling as page_mod
    from tests.services.sampling_factories import add_enterprise
    from tests.ui.test_sampling_page import run_modal

    ent = add_enterprise(store, "济南华光电器有限公司")
    sid = svc.enter_sampling(store, svc.SamplingInput(
        product_name="转换器", producer_id=ent, sampled_on=date(2026, 9, 28), result="不合格",
        nonconforming_items="插套温升", report_received_on=date(2026, 9, 30),
        organiser="历城区市场监督管理局")).sampling_id
    page = page_mod.SamplingPage(store)
    qtbot.addWidget(page)
    panel = page.records.followup
    panel.show_sampling(sid)
    panel.select_step(0)
    step_id = panel.selected_step()
    assert step_id

    def meanwhile(dlg) -> None:  # type: ignore[no-untyped-def]
        other = open_store(store.data_dir.root)  # type: ignore[union-attr]
        other.set_actor("王科长")
        fu.update_step(other, step_id, note="另一台工作站写的备注")
        other.close()
        dlg.done_on.setDate(QDate(2026, 10, 9))
        dlg.note.setPlainText("本机填写的备注")
        dlg.accept()

    run_modal(panel.done_button.click, meanwhile)
    assert answered, "no refusal shown"
    msg = answered[-1]
    assert "王科长" in msg and "未保存" in msg and "本机填写的备注" in msg and "\n" not in msg, msg
    with store.session() as s:
        step = s.get(FollowUpStep, step_id)
        assert step is not None and step.note == "另一台工作站写的备注" and step.done_on is None
