"""打印 from every screen (issue 16 item 1): record dialogs, list pages, 空白表, batch printing.

Printing goes to a PDF-file ``QPrinter``; its pages are rendered with pdftoppm and checked (page
count, ink on the page, the QR code of the record on each copy's first page).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QMessageBox
from sqlalchemy import func, select

from qsdesk.services import inspections
from qsdesk.services.printing import parse_qr_payload
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry
from qsdesk.ui import print_preview, record_print
from qsdesk.ui.forms import dialogs
from qsdesk.ui.print_preview import PrintPreviewDialog
from tests.services.printing_helpers import (
    decode_qr,
    fill_inspection,
    make_enterprise,
    pdf_text,
    render_pages,
)


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch):  # type: ignore[no-untyped-def]
    """Message boxes answered without a click (and recorded)."""
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, t, m, *a, **k: said.append(f"{t}: {m}")))
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda _p, t, m, *a, **k: said.append(f"{t}: {m}")))
    return said


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(150)
    return printer


def sealed(store: Store, name: str = "济南宏达机械制造有限公司") -> str:
    eid = make_enterprise(store, name=name)
    iid, _v, _a = fill_inspection(store, eid, "annex4_producer")
    inspections.seal(store, iid)
    return iid


def prints(store: Store, record_id: str) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "print", AuditEntry.record_id == record_id)) or 0


def printed_pages(dlg: PrintPreviewDialog, tmp_path: Path, name: str) -> list[Path]:
    out = tmp_path / f"{name}.pdf"
    assert dlg.print_to(pdf_printer(out)) == dlg.page_count()
    assert len(PdfReader(str(out)).pages) == dlg.page_count()
    folder = tmp_path / name
    folder.mkdir()
    return render_pages(out, folder, dpi=100)


def test_print_in_the_inspection_dialog_opens_the_preview_prints_and_counts_reprints(
        qtbot, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    iid = sealed(store)
    dlg = dialogs.InspectionDialog(store, inspection_id=iid)
    qtbot.addWidget(dlg)
    assert dlg.print_btn.isVisibleTo(dlg) and dlg.print_btn.isEnabled()
    qtbot.mouseClick(dlg.print_btn, Qt.MouseButton.LeftButton)
    preview = dlg.print_preview
    assert isinstance(preview, PrintPreviewDialog)
    qtbot.addWidget(preview)
    assert preview.page_count() == 4  # both copies, two pages each
    assert prints(store, iid) == 0  # opening the preview is not a print
    pages = printed_pages(preview, tmp_path, "first")
    assert prints(store, iid) == 1
    qrs = [decode_qr(p) for p in pages]
    first_pages = [q for q in qrs if q]
    assert len(first_pages) == 2  # the first page of each copy
    assert all(parse_qr_payload(q[0])["id"] == iid for q in first_pages)
    preview.close()
    # printing again is a 补打, as with the CLI
    qtbot.mouseClick(dlg.print_btn, Qt.MouseButton.LeftButton)
    again = dlg.print_preview
    qtbot.addWidget(again)
    assert "补打（第1次）" in "".join(pdf_text(again.pdf_path)).replace(" ", "")
    saved = again.save_as(tmp_path / "copy.pdf")
    assert saved is not None and prints(store, iid) == 2  # 另存为PDF stays, and counts


def test_print_a_changed_draft_saves_it_first(qtbot, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    eid = make_enterprise(store)
    iid, _v, _a = fill_inspection(store, eid, "annex4_producer")
    dlg = dialogs.InspectionDialog(store, inspection_id=iid)
    qtbot.addWidget(dlg)
    dlg.form.set_values({"other_notes": "打印前刚改过的说明"})
    dlg._on_change()
    qtbot.mouseClick(dlg.print_btn, Qt.MouseButton.LeftButton)
    qtbot.addWidget(dlg.print_preview)
    assert "打印前刚改过的说明" in "".join(pdf_text(dlg.print_preview.pdf_path))
    assert "草稿" in "".join(pdf_text(dlg.print_preview.pdf_path))
    assert not dlg._dirty


def test_annex3_and_annex6_dialogs_print_and_name_missing_characters(
        qtbot, store: Store, tmp_path: Path, no_boxes) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.services.risk_reports import save_risk_report

    eid = make_enterprise(store, name="王叕五金加工厂")  # 叕: a rare character the font lacks
    census_dlg = dialogs.CensusDialog(store, enterprise_id=eid)
    qtbot.addWidget(census_dlg)
    assert census_dlg.print_btn.isVisibleTo(census_dlg)
    census_dlg.print_btn.click()
    pv = census_dlg.print_preview
    qtbot.addWidget(pv)
    assert pv.notice.isVisibleTo(pv) and "叕" in pv.notice.text()
    assert "企业信息摸底排查表" in "".join(pdf_text(pv.pdf_path))
    assert prints(store, eid) == 0
    assert len(printed_pages(pv, tmp_path, "annex3")) == pv.page_count() >= 1
    assert prints(store, eid) == 1  # in the enterprise's 操作记录

    from qsdesk.domain import formspec

    source = formspec.load_form("annex6_risk").field("sources").choices[0]
    rid = save_risk_report(store, {"sources": [source], "product_name": "电热水壶", "description": "外壳温度过高"},
                           reported_on=date(2026, 3, 2))
    risk_dlg = dialogs.RiskReportDialog(store, report_id=rid)
    qtbot.addWidget(risk_dlg)
    risk_dlg.print_btn.click()
    pv6 = risk_dlg.print_preview
    qtbot.addWidget(pv6)
    assert not pv6.notice.isVisibleTo(pv6)
    text = "".join(pdf_text(pv6.pdf_path))
    assert "产品质量安全风险信息采集表" in text and "电热水壶" in text
    pages = printed_pages(pv6, tmp_path, "annex6")
    assert len(pages) == pv6.page_count()


def test_blank_forms_menu_opens_each_blank_form(qtbot, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.ui.pages.inspections import InspectionsPage

    page = InspectionsPage(store)
    qtbot.addWidget(page)
    actions = {a.text(): a for a in page.blank_menu.actions()}
    assert set(actions) == {t for _f, t in record_print.BLANK_FORMS}
    actions["产品质量安全风险信息采集表"].trigger()
    pv = page.blank_preview
    qtbot.addWidget(pv)
    assert pv.page_count() == 1 and "空白表" in pv.windowTitle()
    pages = printed_pages(pv, tmp_path, "blank6")
    assert len(pages) == 1
    actions["监督检查记录表（生产者）"].trigger()
    pv4 = page.blank_preview
    qtbot.addWidget(pv4)
    text = "".join(pdf_text(pv4.pdf_path))
    assert "第一联" in text and "第二联" in text  # both copies on a blank record too


def test_list_page_prints_its_list_and_batches_selected_records(
        qtbot, store: Store, tmp_path: Path, monkeypatch, no_boxes) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.ui.pages.inspections import InspectionsPage

    ids = [sealed(store, name=f"测试企业{n}号有限公司") for n in range(2)] + [sealed(store, name="王叕五金加工厂")]
    page = InspectionsPage(store)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    page.print_list_action.trigger()
    pv = page.print_preview
    qtbot.addWidget(pv)
    text = "".join(pdf_text(pv.pdf_path))
    for n in range(2):
        assert f"测试企业{n}号有限公司" in text
    assert "共 3 条" in text
    assert "叕" in pv.notice.text() and pv.notice.isVisibleTo(pv)

    # the system print dialog is answered by choosing a PDF file as the printer
    out = tmp_path / "batch.pdf"

    class PrintDialog:
        def __init__(self, printer: QPrinter, _parent: object = None) -> None:
            self.printer = printer

        def setWindowTitle(self, _t: str) -> None:  # noqa: N802
            pass

        def exec(self) -> QDialog.DialogCode:
            self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            self.printer.setOutputFileName(str(out))
            self.printer.setResolution(100)
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(print_preview, "QPrintDialog", PrintDialog)
    view = page.view
    view.selectRow(page.model.find_row(ids[0]))
    view.selectionModel().select(page.model.index(page.model.find_row(ids[2]), 0),
                                 view.selectionModel().SelectionFlag.Select
                                 | view.selectionModel().SelectionFlag.Rows)
    chosen = record_print.selected_ids(page)
    assert sorted(chosen) == sorted([ids[0], ids[2]])
    no_boxes.clear()
    assert record_print.print_selected(page, "inspection") == 2
    assert any("叕" in m for m in no_boxes)  # the batch names what the font lacks
    assert len(PdfReader(str(out)).pages) == 2 * 4
    assert all(prints(store, i) == 1 for i in chosen)
    assert prints(store, next(i for i in ids if i not in chosen)) == 0


def test_monthly_table_prints_through_the_preview(qtbot, store: Store,
                                                                     tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.ui.pages.reports import ReportsPage
    from qsdesk.ui.pages.reports_monthly import MonthlyTab

    page = ReportsPage(store)
    qtbot.addWidget(page)
    (tab,) = page.findChildren(MonthlyTab)
    tab.print_btn.click()
    pv = tab.print_preview
    qtbot.addWidget(pv)
    assert pv.page_count() >= 1 and "统计表" in pv.windowTitle()
    assert len(printed_pages(pv, tmp_path, "monthly")) == pv.page_count()


def test_annual_list_prints_as_shown(qtbot, store: Store, tmp_path: Path, no_boxes) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QTableWidgetItem

    from qsdesk.ui.pages.reports import AnnualTab

    tab = AnnualTab(store)
    qtbot.addWidget(tab)
    tab.refresh()
    tab.table.setRowCount(0)
    tab.print_btn.click()
    assert no_boxes and "没有记录" in no_boxes[-1]  # nothing to print: said, no preview
    tab.table.setRowCount(2)
    for r, name in enumerate(["济南甲公司", "济南乙公司"]):
        tab.table.setItem(r, 0, QTableWidgetItem(name))
        tab.table.setItem(r, 4, QTableWidgetItem("监督抽查不合格"))
    tab.print_btn.click()
    pv = tab.print_preview
    qtbot.addWidget(pv)
    text = "".join(pdf_text(pv.pdf_path))
    assert "济南甲公司" in text and "济南乙公司" in text and "列入原因" in text and "共 2 条" in text
    assert tab.which.currentText() in text


def _checklist(store: Store) -> tuple[str, str]:
    from qsdesk.domain import formspec
    from qsdesk.services import task_checklists

    eid = make_enterprise(store)
    with store.session() as s:
        values = task_checklists.prefill(s, eid, date(2026, 5, 6))
    values.update({"filler": "张伟", "tier": "乡", "grade": "D", "department": "王舍人市场监管所"})
    answers = {it.key: {"answer": "√", "note": ""} for it in formspec.load_form("task_producer").items()}
    return eid, task_checklists.save_checklist(store, eid, "2026", values, answers)


def test_checklist_page_and_dialog_print_through_the_preview(qtbot, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.ui.pages.checklists import ChecklistDialog, ChecklistsPage

    eid, tid = _checklist(store)
    page = ChecklistsPage(store)
    qtbot.addWidget(page)
    page.period.setText("2026")
    page.refresh()
    page.done.setCurrentCell(0, 0)
    page._print_selected()
    pv = page.print_preview
    qtbot.addWidget(pv)
    assert "监管任务清单" in pv.windowTitle() and pv.page_count() >= 1
    assert len(printed_pages(pv, tmp_path, "task")) == pv.page_count()
    assert prints(store, tid) == 1
    dlg = ChecklistDialog(store, eid, "2026", checklist_id=tid)
    qtbot.addWidget(dlg)
    assert dlg.print_btn.isVisibleTo(dlg)
    dlg.print_btn.click()
    qtbot.addWidget(dlg.print_preview)
    assert dlg.print_preview.page_count() == pv.page_count()


def test_print_button_of_the_preview_goes_through_the_print_dialog(qtbot, store: Store, tmp_path: Path,
                                                                    monkeypatch) -> None:  # type: ignore[no-untyped-def]
    iid = sealed(store)
    out = tmp_path / "via-dialog.pdf"
    asked: list[tuple[int, int]] = []

    class PrintDialog:  # stands in for the system dialog: the user picks pages 3–4 and a PDF file
        def __init__(self, printer: QPrinter, _parent: object = None) -> None:
            self.printer = printer

        def setWindowTitle(self, _t: str) -> None:  # noqa: N802
            pass

        def setMinMax(self, lo: int, hi: int) -> None:  # noqa: N802
            asked.append((lo, hi))

        def exec(self) -> QDialog.DialogCode:
            self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            self.printer.setOutputFileName(str(out))
            self.printer.setResolution(100)
            self.printer.setPrintRange(QPrinter.PrintRange.PageRange)
            self.printer.setFromTo(3, 4)
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(print_preview, "QPrintDialog", PrintDialog)
    pv = record_print.preview_record(store, "inspection", iid)
    qtbot.addWidget(pv)
    qtbot.mouseClick(pv.print_button, Qt.MouseButton.LeftButton)
    assert asked == [(1, 4)]
    assert len(PdfReader(str(out)).pages) == 2  # the second copy only
    folder = tmp_path / "pages"
    folder.mkdir()
    codes = [decode_qr(p) for p in render_pages(out, folder, dpi=100)]
    assert bool(codes[0]) and not codes[1]  # page 3 is the second copy's first page, with its QR
    assert prints(store, iid) == 1
