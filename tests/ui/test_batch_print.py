"""打印所选 for every record kind (issue 16 item 1): risk reports (annex 6), enterprises (annex 3),
task checklists and 督查清单 select several rows and print as one job off the GUI thread, with
progress and 取消, onto a PDF-file printer whose pages are rendered and checked."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QMessageBox

from qsdesk.domain import formspec
from qsdesk.services import task_checklists
from qsdesk.services.printing import render_enterprise, render_risk_report, render_task_checklist
from qsdesk.services.risk_reports import save_risk_report
from qsdesk.store.db import Store
from qsdesk.ui import print_preview, record_print
from tests.services.printing_helpers import make_enterprise, render_pages
from tests.ui.test_record_print import pdf_printer, prints

SHOTS = Path("/tmp/qsdesk-batch-print")  # pages kept for a person to look at


@pytest.fixture(autouse=True)
def no_boxes(monkeypatch):  # type: ignore[no-untyped-def]
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, t, m, *a, **k: said.append(f"{t}: {m}")))
    monkeypatch.setattr(QMessageBox, "information",
                        staticmethod(lambda _p, t, m, *a, **k: said.append(f"{t}: {m}")))
    return said


@pytest.fixture
def printer_file(monkeypatch, tmp_path: Path) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    """The system print dialog, answered by choosing a PDF file as the printer."""
    out = tmp_path / "printer.pdf"
    titles: list[str] = []

    class PrintDialog:
        def __init__(self, printer: QPrinter, _parent: object = None) -> None:
            self.printer = printer

        def setWindowTitle(self, t: str) -> None:  # noqa: N802
            titles.append(t)

        def exec(self) -> QDialog.DialogCode:
            self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            self.printer.setOutputFileName(str(out))
            self.printer.setResolution(100)
            return QDialog.DialogCode.Accepted

    monkeypatch.setattr(print_preview, "QPrintDialog", PrintDialog)
    return SimpleNamespace(path=out, titles=titles)


def _select_rows(view, rows: list[int]) -> None:  # type: ignore[no-untyped-def]
    sel = view.selectionModel()
    sel.clearSelection()
    for r in rows:
        sel.select(view.model().index(r, 0),
                   QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)


def _risk(store: Store, product: str) -> str:
    return save_risk_report(store, {"sources": ["日常监管"], "product_name": product,
                                    "description": f"{product}标识不全，无中文厂名厂址"},
                            reported_on=date(2026, 5, 6))


W, H = 496, 702  # an A4 page at 60 dpi


def _gray(png: Path) -> bytes:
    img = QImage(str(png)).scaled(W, H).convertToFormat(QImage.Format.Format_Grayscale8)
    raw = bytes(img.constBits())
    return b"".join(raw[y * img.bytesPerLine():y * img.bytesPerLine() + W] for y in range(H))


def _printed_in_order(printed: list[Path], records: list[Path], chosen: list[int]) -> None:
    """Each printed page looks most like the page of the record printed there. The printer gets
    rasters, so the records are told apart by their pictures: compared only where the records'
    own pages differ from each other (names, column widths), allowing the raster a 2-pixel shift."""
    refs = [_gray(r) for r in records]
    differ = [i for i in range(W * H) if max(r[i] for r in refs) - min(r[i] for r in refs) > 80]
    assert len(differ) > 20  # the records do differ on paper

    def dist(got: bytes, ref: bytes) -> int:
        best = None
        for dy in (-2, -1, 0, 1, 2):
            for dx in (-2, -1, 0, 1, 2):
                off = dy * W + dx
                d = sum(abs(got[i + off] - ref[i]) if 0 <= i + off < W * H else 255 for i in differ)
                best = d if best is None else min(best, d)
        return best or 0

    for page, want in zip(printed, chosen, strict=True):
        got = _gray(page)
        dists = [dist(got, r) for r in refs]
        assert dists.index(min(dists)) == want and min(dists) < 0.8 * sorted(dists)[1], dists


def _first_pages(store: Store, render, ids: list[str], folder: Path) -> list[Path]:  # type: ignore[no-untyped-def]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n, rid in enumerate(ids):
        pdf = render(store, rid, folder / f"r{n}.pdf")
        out.append(render_pages(pdf, folder, dpi=60, first=1, last=1)[0])
    return out


def _look(out: Path, name: str) -> list[Path]:
    folder = SHOTS / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    pages = render_pages(out, folder, dpi=60)
    for p in pages:  # ink on every page, not blank or black
        g = _gray(p)
        dark = sum(1 for v in g if v < 128)
        assert 50 < dark < len(g) / 2, p
    return pages


def test_risk_reports_batch(qtbot, store: Store, printer_file: SimpleNamespace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.ui.pages.risk import RiskPage

    ids = [_risk(store, p) for p in ("电动自行车充电器", "儿童玩具车", "电热水壶")]
    page = RiskPage(store)
    qtbot.addWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3)
    rows = [page.model.find_row(ids[0]), page.model.find_row(ids[2])]
    _select_rows(page.table, rows)
    assert sorted(record_print.selected_ids(page)) == sorted([ids[0], ids[2]])
    page.print_selected_action.trigger()
    assert printer_file.titles == ["打印 2 份风险信息采集表"]
    each = len(PdfReader(str(render_risk_report(store, ids[0], tmp_path / "one.pdf"))).pages)
    assert len(PdfReader(str(printer_file.path)).pages) == 2 * each
    pages = _look(printer_file.path, "risk")
    _printed_in_order(pages[::each], _first_pages(store, render_risk_report, ids, tmp_path / "own"),
                      sorted([0, 2], key=lambda i: rows[[0, 2].index(i)]))
    assert [prints(store, i) for i in ids] == [1, 0, 1]


def test_enterprises_batch(qtbot, store: Store, printer_file: SimpleNamespace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.ui.pages.registry import RegistryPage

    ids = [make_enterprise(store, name=n) for n in ("济南宏达机械制造有限公司", "济南华鲁电器有限公司")]
    page = RegistryPage(store)
    qtbot.addWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    _select_rows(page.view, [0, 1])
    assert record_print.print_selected(page, "enterprise") == 2
    each = len(PdfReader(str(render_enterprise(store, ids[0], tmp_path / "one.pdf"))).pages)
    assert len(PdfReader(str(printer_file.path)).pages) == 2 * each
    pages = _look(printer_file.path, "census")
    order = sorted([0, 1], key=lambda i: page.model.find_row(ids[i]))
    _printed_in_order(pages[::each], _first_pages(store, render_enterprise, ids, tmp_path / "own"), order)
    assert [prints(store, i) for i in ids] == [1, 1]


def _checklist(store: Store, name: str) -> str:
    eid = make_enterprise(store, name=name)
    with store.session() as s:
        values = task_checklists.prefill(s, eid, date(2026, 5, 6))
    values.update({"filler": "张伟", "tier": "乡", "grade": "D", "department": "王舍人市场监管所"})
    answers = {it.key: {"answer": "√", "note": ""} for it in formspec.load_form("task_producer").items()}
    return task_checklists.save_checklist(store, eid, "2026", values, answers)


def test_checklists_batch_and_cancel(qtbot, store: Store, printer_file: SimpleNamespace, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.ui.pages.checklists import ChecklistsPage

    ids = [_checklist(store, n) for n in ("甲厂", "济南乙电器厂", "济南丙五金制品有限责任公司第二分厂")]
    page = ChecklistsPage(store)
    qtbot.addWidget(page)
    page.period.setText("2026")
    page.refresh()
    assert page.done.rowCount() == 3
    _select_rows(page.done, [0, 2])
    page._print_selected()
    chosen = [page._infos[0].id, page._infos[2].id]
    each = len(PdfReader(str(render_task_checklist(store, ids[0], tmp_path / "one.pdf"))).pages)
    assert len(PdfReader(str(printer_file.path)).pages) == 2 * each
    pages = _look(printer_file.path, "checklists")
    _printed_in_order(pages[::each], _first_pages(store, render_task_checklist, chosen, tmp_path / "own"), [0, 1])
    assert [prints(store, i) for i in chosen] == [1, 1]
    assert prints(store, page._infos[1].id) == 0

    # 取消 after the first record: one is printed (and recorded), the rest are not.
    seen: list[tuple[int, int, str]] = []
    calls = {"n": 0}

    def cancel_after_first() -> bool:
        calls["n"] += 1
        return calls["n"] > 1

    out = tmp_path / "cancelled.pdf"
    done = print_preview.print_records_job(lambda d, t, s: seen.append((d, t, s)), cancel_after_first, store,
                                           "task_checklist", ids, pdf_printer(out))
    assert done == 1 and len(PdfReader(str(out)).pages) == each
    assert seen[0] == (0, 3, "正在打印第 1/3 份监管任务清单……") and seen[-1][:2] == (1, 3)
    assert [prints(store, i) for i in ids].count(2) == 1


def test_one_selected_opens_the_preview(qtbot, store: Store) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.ui.pages.risk import RiskPage

    rid = _risk(store, "电热毯")
    page = RiskPage(store)
    qtbot.addWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    page.table.selectRow(0)
    page.print_selected_action.trigger()
    pv = page.print_preview
    qtbot.addWidget(pv)
    assert "风险信息采集表" in pv.windowTitle() and pv.page_count() >= 1
    assert prints(store, rid) == 0  # opening the preview is not a print
