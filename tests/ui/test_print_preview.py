"""Print preview dialog, printing onto a QPrinter, batch printing off the GUI thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import select

from qsdesk.services import inspections
from qsdesk.services.printing import render_blank
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry
from qsdesk.ui import print_preview
from qsdesk.ui.print_preview import PdfPages, PrintPreviewDialog, print_inspections, print_inspections_job
from tests.services.printing_helpers import decode_qr, fill_inspection, make_enterprise, render_pages


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(150)
    return printer


def dark_fraction(img: QImage) -> float:
    small = img.scaled(120, 170)
    dark = sum(1 for y in range(small.height()) for x in range(small.width())
               if QImage.pixelColor(small, x, y).lightness() < 128)
    return dark / (small.width() * small.height())


def sealed(store: Store) -> str:
    eid = make_enterprise(store)
    iid, _v, _a = fill_inspection(store, eid, "annex4_producer")
    inspections.seal(store, iid)
    return iid


def test_preview_shows_every_page_and_saves_a_copy(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = render_blank("annex4", tmp_path / "blank.pdf")
    saved: list[str] = []
    dlg = PrintPreviewDialog(pdf, on_printed=lambda: saved.append("x"))
    qtbot.addWidget(dlg)
    n = len(PdfReader(str(pdf)).pages)
    assert dlg.page_count() == n and len(dlg.page_labels) == n
    pix = dlg.page_labels[0].pixmap()
    assert pix.width() > 400 and pix.height() > pix.width()  # A4 portrait
    frac = dark_fraction(pix.toImage())
    assert 0.01 < frac < 0.5  # printed lines and text, not an empty or black page
    assert f"共 {n} 页" in dlg.info.text()
    dlg.zoom_in_button.click()
    assert dlg.page_labels[0].pixmap().width() > pix.width()
    target = dlg.save_as(tmp_path / "copy")
    assert target == tmp_path / "copy.pdf" and target.read_bytes() == pdf.read_bytes()
    assert saved == ["x"]
    dlg.reject()


def test_save_button_uses_the_file_dialog(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    pdf = render_blank("annex6", tmp_path / "blank.pdf")
    dlg = PrintPreviewDialog(pdf)
    qtbot.addWidget(dlg)
    monkeypatch.setattr(print_preview.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "chosen.pdf"), "PDF 文件 (*.pdf)"))
    dlg.save_button.click()
    assert (tmp_path / "chosen.pdf").read_bytes() == pdf.read_bytes()


def test_print_to_printer_puts_every_page_on_paper(qtbot, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    iid = sealed(store)
    dlg = print_preview.preview_inspection(store, iid)
    qtbot.addWidget(dlg)
    out = tmp_path / "printed.pdf"
    assert dlg.print_to(pdf_printer(out)) == dlg.page_count()
    assert len(PdfReader(str(out)).pages) == dlg.page_count()
    # what went to the printer is the record: its QR code still reads from the printed page
    png = render_pages(out, tmp_path, dpi=100, first=1, last=1)[0]
    assert any(iid.upper() in t for t in decode_qr(png))
    with store.session() as s:
        prints = s.scalars(select(AuditEntry).where(AuditEntry.action == "print", AuditEntry.record_id == iid)).all()
        assert len(prints) == 1  # the preview itself is not a print; printing it is
    tmp = dlg.temp_dir
    assert tmp is not None and tmp.exists()
    dlg.reject()
    assert not tmp.exists()


def test_batch_print_off_thread_with_progress_and_cancel(qtbot, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = [sealed(store) for _ in range(3)]
    out = tmp_path / "batch.pdf"
    assert print_inspections(None, store, ids, printer=pdf_printer(out)) == 3
    pages_each = len(PdfPages(render_blank("annex4", tmp_path / "b.pdf")))
    assert len(PdfReader(str(out)).pages) >= 3 * 2  # two copies each, at least a page per copy
    assert pages_each >= 2
    with store.session() as s:
        for iid in ids:
            assert s.scalars(select(AuditEntry).where(AuditEntry.action == "print",
                                                      AuditEntry.record_id == iid)).first() is not None

    seen: list[tuple[int, int, str]] = []
    calls = {"n": 0}

    def cancel_after_first() -> bool:
        calls["n"] += 1
        return calls["n"] > 1

    out2 = tmp_path / "cancelled.pdf"
    done = print_inspections_job(lambda d, t, s: seen.append((d, t, s)), cancel_after_first, store, ids,
                                 pdf_printer(out2))
    assert done == 1
    assert seen[0][:2] == (0, 3) and seen[-1][:2] == (1, 3)


def test_long_documents_render_pages_as_they_scroll_into_view(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qsdesk.services.printing import render_list

    rows = [[str(i), f"企业{i}号有限公司", "王舍人街道"] for i in range(900)]
    pdf = render_list("今日检查计划", ["序号", "企业名称", "地址"], rows, tmp_path / "long.pdf")
    dlg = PrintPreviewDialog(pdf)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    n = dlg.page_count()
    assert n >= 15 and len(dlg.page_labels) == n
    assert 0 in dlg._rendered and n - 1 not in dlg._rendered
    bar = dlg.scroll_area.verticalScrollBar()
    bar.setValue(bar.maximum())
    assert n - 1 in dlg._rendered and not dlg.page_labels[n - 1].pixmap().isNull()
    assert len(dlg._rendered) < n
    dlg.reject()
