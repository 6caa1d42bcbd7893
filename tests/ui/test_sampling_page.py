"""SamplingPage: enter a failing sampling through the widgets, see warnings, walk its follow-up to closed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox

from qsdesk.services import classes
from qsdesk.services import followup as fu
from qsdesk.services import random_draw as rd
from qsdesk.services import sampling as svc
from qsdesk.store.models import Enterprise, HelpRecord, InspectionPlan, Sampling
from qsdesk.ui.pages import sampling as page_mod
from qsdesk.ui.pages import sampling_dialogs as dialogs_mod
from qsdesk.ui.pages.sampling_draw import DrawDialog
from tests.services.sampling_factories import add_enterprise, add_enterprises


def run_modal(action: Callable[[], object], fill: Callable[[QDialog], None]) -> None:
    """Run ``action`` (which opens a modal dialog) while ``fill`` drives the dialog."""
    seen: list[QDialog] = []

    def drive() -> None:
        dlg = QApplication.activeModalWidget()
        if dlg is None or dlg in seen:
            QTimer.singleShot(20, drive)
            return
        seen.append(dlg)
        fill(dlg)

    QTimer.singleShot(0, drive)
    action()
    assert seen, "the dialog never opened"


def test_enter_failing_sampling_and_walk_followup_to_closed(store, qtbot) -> None:
    ent = add_enterprise(store, "济南华光电器有限公司", uscc="91370112MA3C0000XL")
    earlier = svc.enter_sampling(store, svc.SamplingInput(
        product_name="转换器", producer_id=ent, sampled_on=date(2026, 6, 2), result="合格",
        organiser="历城区市场监督管理局", trademark="华光", model="GN-205", standard="GB/T 2099.7-2015"))
    svc.enter_sampling(store, svc.SamplingInput(
        product_name="转换器", producer_id=ent, sampled_on=date(2026, 8, 3), result="合格",
        organiser="历城区市场监督管理局", trademark="华光", model="GN-205", standard="GB/T 2099.7-2015"))
    page = page_mod.SamplingPage(store)
    qtbot.addWidget(page)
    tab = page.records
    assert tab.model.rowCount() == 2

    def fill_sampling(dlg: QDialog) -> None:
        assert isinstance(dlg, dialogs_mod.SamplingDialog)
        dlg.organiser.setText("历城区市场监督管理局")
        dlg.task_name.setText("2026年县级产品质量监督抽查")
        dlg.producer.set_enterprise(ent, "华光")
        dlg.product.setText("转换器")
        dlg.trademark.setText("华光")
        dlg.model.setText("GN-205")
        dlg.standard.setText("GB/T 2099.7-2015")
        dlg.sampled_on.setDate(QDate(2026, 10, 9))
        dlg.result_combo.setCurrentText("不合格")
        assert dlg.items.isEnabled()
        dlg.items.setPlainText("插套温升、标志")
        dlg.hazard.setChecked(True)
        dlg.has_received.setChecked(True)
        dlg.received_on.setDate(QDate(2026, 10, 12))
        save = dlg.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.click()  # first click shows the 6-month warning and does not save
        assert dlg.isVisible()
        assert "重复抽查" in dlg.warnings.text() and "2026-06-02" in dlg.warnings.text()
        assert save.text() == "仍然保存"
        save.click()

    run_modal(tab.new_button.click, fill_sampling)
    assert tab.model.rowCount() == 3
    assert "重复抽查" in tab.last_warnings.text()
    sid = tab.selected_id()
    assert sid and sid != earlier.sampling_id
    with store.session() as s:
        smp = s.get(Sampling, sid)
        assert smp.result == "不合格" and smp.major_hazard and smp.report_received_on == date(2026, 10, 12)
        n_steps = len(fu.steps(s, sid))
    panel = tab.followup
    assert panel.table.rowCount() == n_steps > 5
    assert panel.table.item(0, 0).text() == "送达检验报告" and "2026-10-12" in panel.table.item(0, 1).text()
    assert "默认期限" in panel.table.item(0, 1).text()
    assert panel.table.item(1, 0).text() == "异议处理" and panel.table.item(1, 1).text() == "待送达"
    assert "第十五条" in panel.table.item(1, 6).text()
    assert f"0/{n_steps}" in panel.title.text() and "报告待送达" in panel.title.text()
    assert panel.deliver_button.isEnabled()
    panel.record_delivery(date(2026, 10, 13))
    assert panel.table.item(1, 1).text() == "逾期（2026-10-28）"  # 10-13 + 15 days, past today
    assert "报告送达：2026-10-13" in panel.title.text() and panel.deliver_button.text() == "更正送达日期"
    assert panel.table.item(0, 2).text() == "2026-10-13"
    rows = {panel.table.item(r, 0).text() for r in range(panel.table.rowCount())}
    assert not any(c.isascii() and c.isalpha() for text in rows for c in text)  # no program keys

    # Closing too early is refused (a message box), nothing changes.
    def dismiss(dlg: QDialog) -> None:
        assert "未完成" in dlg.text()
        dlg.accept()

    run_modal(panel.close_button.click, dismiss)
    with store.session() as s:
        assert s.get(Sampling, sid).followup_closed_on is None

    # Walk every step through the step dialog.
    for row in range(n_steps):
        panel.select_step(row)
        label = panel.table.item(row, 0).text()
        conditional = bool(panel.table.item(row, 5).text())

        def fill_step(dlg: QDialog, conditional: bool = conditional, label: str = label) -> None:
            assert isinstance(dlg, dialogs_mod.StepDialog)
            dlg.done_on.setDate(QDate(2026, 10, 20))
            if conditional and "约谈" not in label:
                assert dlg.outcome.currentText() == fu.NOT_APPLICABLE
                dlg.note.setPlainText("不符合适用情形")
            dlg.accept()

        button = panel.skip_button if conditional and "约谈" not in label else panel.done_button
        run_modal(button.click, fill_step)
        assert panel.table.item(row, 2).text() == "2026-10-20"
    assert f"{n_steps}/{n_steps}" in panel.title.text()

    # Help ledger entry answering this non-conformity.
    def fill_help(dlg: QDialog) -> None:
        dlg.given_on.setDate(QDate(2026, 10, 22))
        dlg.provider.setText("山东省产品质量检验研究院")
        dlg.content.setPlainText("出具质量整改建议书")
        dlg.save()

    run_modal(panel.help_button.click, fill_help)
    panel.close_button.click()
    with store.session() as s:
        smp = s.get(Sampling, sid)
        assert smp.followup_closed_on is not None
        assert s.query(HelpRecord).filter_by(sampling_id=sid).count() == 1
    assert "已办结" in panel.title.text()
    assert not panel.close_button.isEnabled() and panel.reopen_button.isEnabled()
    tab.open_only.setChecked(True)
    assert tab.model.rowCount() == 0
    page.tabs.setCurrentWidget(page.ledger)
    assert page.ledger.table.rowCount() == 1
    assert page.ledger.table.item(0, 2).text() == "质量建议书"
    assert page.ledger.table.item(0, 6).text() == "插套温升、标志"


def test_third_failure_shows_escalation_and_special_class(store, qtbot) -> None:
    ent = add_enterprise(store, "济南鲁缆电缆有限公司")
    for i, on in enumerate((date(2026, 1, 5), date(2026, 4, 5))):
        svc.enter_sampling(store, svc.SamplingInput(
            product_name="电线电缆", producer_id=ent, sampled_on=on, result="不合格", nonconforming_items="导体电阻",
            major_hazard=True, model=f"M{i}", organiser="历城区市场监督管理局"))
    page = page_mod.SamplingPage(store)
    qtbot.addWidget(page)

    def fill(dlg: QDialog) -> None:
        dlg.producer.set_enterprise(ent, "鲁缆")
        dlg.product.setText("电线电缆")
        dlg.model.setText("M9")
        dlg.sampled_on.setDate(QDate(2026, 8, 5))
        dlg.result_combo.setCurrentText("不合格")
        dlg.items.setPlainText("绝缘厚度")
        dlg.hazard.setChecked(True)
        dlg.save()

    run_modal(page.records.new_button.click, fill)
    assert "特别监管" in page.records.last_warnings.text()
    with store.session() as s:
        assert classes.current(s, ent).key == "special"
    page.tabs.setCurrentWidget(page.tracking)
    page.tracking.year.setValue(2027)
    assert page.tracking.table.rowCount() == 1
    assert page.tracking.table.item(0, 0).text() == "济南鲁缆电缆有限公司"
    assert page.tracking.table.item(0, 1).text() == "3"


def test_random_draw_dialog_plan_view_and_publication(store, qtbot, tmp_path: Path) -> None:
    add_enterprises(store, 12, town="王舍人街道")
    page = page_mod.SamplingPage(store)
    qtbot.addWidget(page)
    view = page.plans

    def fill(dlg: QDialog) -> None:
        assert isinstance(dlg, DrawDialog)
        dlg.town.setCurrentIndex(dlg.town.findData("王舍人街道"))
        assert dlg.pool_label.text() == "12 户"
        dlg.count.setValue(4)
        dlg.seed.setText("gui-seed-1")
        dlg.run_draw()

    run_modal(view.draw_button.click, fill)
    assert view.items.rowCount() == 4
    assert "gui-seed-1" in view.info.text()
    pid = view.current_plan_id()
    with store.session() as s:
        assert rd.verify_plan(s, pid).ok
        plan = s.get(InspectionPlan, pid)
        again = rd.draw(plan.pool_ids, plan.inspector_ids, 4, "gui-seed-1")
        names = [s.get(Enterprise, x.enterprise_id).name for x in again]
    assert [view.items.item(r, 1).text() for r in range(4)] == names

    shown: list[str] = []

    def read_verdict(dlg: QDialog) -> None:
        shown.append(dlg.text())
        dlg.accept()

    run_modal(view.verify_button.click, read_verdict)
    assert "完全一致" in shown[0]
    view.items.selectRow(0)

    def fill_result(dlg: QDialog) -> None:
        dlg.result_box.setCurrentText("未发现问题")
        dlg.accept()

    run_modal(view.result_button.click, fill_result)
    assert view.items.item(0, 5).text() == "未发现问题"
    out = view.export(str(tmp_path / "gs.xlsx"))
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[4][1] == names[0] and rows[4][6] == "未发现问题"


def test_main_window_opens_a_followup_step_on_the_sampling_page(store, qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from qsdesk.ui.main_window import MainWindow

    ent = add_enterprise(store, "济南华光电器有限公司")
    for i in range(3):
        svc.enter_sampling(store, svc.SamplingInput(
            product_name=f"产品{i}", producer_id=ent, sampled_on=date(2026, 3, 1 + i), result="合格"))
    res = svc.enter_sampling(store, svc.SamplingInput(
        product_name="转换器", producer_id=ent, sampled_on=date(2026, 2, 1), result="不合格",
        nonconforming_items="插套温升"))
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    win = MainWindow(store, settings=settings)
    qtbot.addWidget(win)
    win.open_record("followup_step", res.step_ids[2])
    page = win.page("sampling")
    assert isinstance(page, page_mod.SamplingPage)
    assert page.records.selected_id() == res.sampling_id
    assert page.records.followup.selected_step() == res.step_ids[2]
    win.open_record("sampling", res.sampling_id)
    assert page.records.selected_id() == res.sampling_id


def test_plan_print_preview(store, qtbot) -> None:
    add_enterprises(store, 4, town="王舍人街道")
    rd.create_plan(store, title="预览", count=2, seed="pv")
    page = page_mod.SamplingPage(store)
    qtbot.addWidget(page)
    page.tabs.setCurrentWidget(page.plans)
    dlg = page.plans.print_plan()
    assert dlg is not None and len(dlg.pages) >= 1
    dlg.reject()


def test_pending_sampling_gets_its_conclusion_through_the_page(store, qtbot) -> None:
    ent = add_enterprise(store, "济南华光电器有限公司")
    pending = svc.enter_sampling(store, svc.SamplingInput(
        product_name="转换器", producer_id=ent, sampled_on=date(2026, 9, 1), result="待检"))
    page = page_mod.SamplingPage(store)
    qtbot.addWidget(page)
    tab = page.records
    tab.select(pending.sampling_id)
    assert tab.conclusion_button.isEnabled()
    assert "结论未出" in tab.followup.title.text()

    def fill(dlg: QDialog) -> None:
        assert isinstance(dlg, dialogs_mod.ConclusionDialog)
        dlg.result_combo.setCurrentText("不合格")
        dlg.items.setPlainText("插套温升")
        dlg.received_on.setDate(QDate(2026, 9, 20))
        dlg.save()

    run_modal(tab.conclusion_button.click, fill)
    assert tab.selected_id() == pending.sampling_id
    assert not tab.conclusion_button.isEnabled()
    assert tab.followup.table.rowCount() > 5
    assert "2026-09-20" in tab.followup.table.item(0, 1).text()
