"""RiskPage: create through the short dialog, filter by status, verify and close through the widgets."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog

from qsdesk.services import risk
from qsdesk.store.models import RiskReport
from qsdesk.ui.pages import risk as risk_page
from tests.services.sampling_factories import add_enterprise


def _run_modal(action, fill) -> None:
    """Start ``action`` (which opens a modal dialog) and let ``fill`` drive the dialog."""
    def drive() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None:
            QTimer.singleShot(20, drive)
            return
        fill(dlg)
    QTimer.singleShot(0, drive)
    action()


def test_risk_page_walks_a_report_to_closed(store, qtbot, monkeypatch) -> None:
    monkeypatch.setattr(risk_page, "find_annex6_dialog", lambda: None)
    ent = add_enterprise(store, "济南华光电器有限公司")
    page = risk_page.RiskPage(store)
    qtbot.addWidget(page)
    assert page.model.rowCount() == 0

    def fill_new(dlg: QDialog) -> None:
        assert isinstance(dlg, risk_page.NewRiskDialog)
        dlg.source_boxes["投诉、举报"].setChecked(True)
        dlg.product.setText("电动自行车充电器")
        dlg.producer.set_enterprise(ent, "华光")
        dlg.description.setPlainText("充电时外壳发烫")
        dlg._save()

    _run_modal(page.new_button.click, fill_new)
    assert page.model.rowCount() == 1
    rid = page.selected_id()
    assert rid is not None
    assert "济南华光电器有限公司" in page.detail.toPlainText()
    assert page.verify_button.isEnabled() and not page.reopen_button.isEnabled()

    def fill_verify(dlg: QDialog) -> None:
        dlg.investigation.setPlainText("现场核查，库存已封存")
        dlg._apply()

    _run_modal(page.verify_button.click, fill_verify)

    def fill_close(dlg: QDialog) -> None:
        dlg.note.setText("企业已召回")
        dlg._apply()

    _run_modal(page.close_button.click, fill_close)
    with store.session() as s:
        rep = s.get(RiskReport, rid)
        assert rep.status == "closed" and rep.investigation == "现场核查，库存已封存"
    assert page.reopen_button.isEnabled() and not page.close_button.isEnabled()
    seller = add_enterprise(store, "王舍人百货商店")

    def fill_link(dlg: QDialog) -> None:
        assert isinstance(dlg, risk_page.LinkDialog)
        dlg.picker.set_enterprise(seller, "百货")
        dlg.role.setCurrentIndex(dlg.role.findData("seller"))
        dlg._apply()

    _run_modal(page.link_button.click, fill_link)
    assert "销售者：王舍人百货商店" in page.detail.toPlainText()
    assert "已办结 1 条" in page.counts_label.text()
    # Status filter narrows the list.
    page.status_filter.setCurrentIndex(page.status_filter.findData("collected"))
    assert page.model.rowCount() == 0
    page.status_filter.setCurrentIndex(page.status_filter.findData("closed"))
    assert page.model.rowCount() == 1
    risk.create_report(store, reported_on=date(2026, 1, 1), sources=["日常监管"], product_name="插座",
                       description="标识不全")
    page.status_filter.setCurrentIndex(0)
    assert page.model.rowCount() == 2


def test_new_report_uses_the_annex6_form_dialog(store, qtbot) -> None:
    fn = risk_page.find_annex6_dialog()
    assert fn is not None, "the annex 6 form dialog should be found"
    ent = add_enterprise(store, "济南华光电器有限公司", uscc="91370112MA3C0000XL")
    page = risk_page.RiskPage(store)
    qtbot.addWidget(page)
    page.new_button.click()
    dlg = page.form_dialog
    assert dlg is not None and dlg.isVisible()
    dlg.form.set_values({"sources": ["日常监管"], "product_name": "插座", "description": "标识不全",
                         "producer": "济南华光电器有限公司", "producer_uscc": "91370112MA3C0000XL"})
    assert dlg.save()
    assert page.model.rowCount() == 1
    rid = page.selected_id()
    assert rid
    with store.session() as s:
        assert [x.enterprise_id for x in risk.linked_enterprises(s, rid)] == [ent]
    # Status changes survive re-saving the form (history is in the audit trail).
    risk.set_status(store, rid, "verified", investigation="已到现场核实")
    page.table.selectRow(0)
    page.open_selected()
    dlg2 = page.form_dialog
    assert dlg2.save()
    with store.session() as s:
        assert s.get(RiskReport, rid).status == "verified"
        assert [h["to"] for h in risk.status_history(s, rid)] == ["verified"]
    dlg.close()
    dlg2.close()
