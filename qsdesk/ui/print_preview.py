"""Print preview, printing through the system printer, and printing many records in the background.

* :class:`PrintPreviewDialog` shows a PDF made by :mod:`qsdesk.services.printing` page by page,
  with 打印 (the system print dialog, then the pages onto the ``QPrinter``) and 另存为PDF.
* :func:`print_pdf` puts a PDF's pages onto any ``QPrinter`` (also a PDF-file printer in tests).
* :func:`print_records` (:func:`print_inspections`) prints many records of one kind in one print job off the GUI thread, with a
  progress dialog and 取消 (:func:`qsdesk.ui.worker.run_in_background`).

Pages are rasterised for the printer: with QtPdf (PySide6-Addons) when the installation has it,
otherwise with pdfium (``pypdfium2``). The raster is made at the printer's resolution (capped at
300 dpi), which keeps CJK strokes and the QR code sharp on paper.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

MAX_PRINT_DPI = 300
PREVIEW_DPI = 96


class PdfPages:
    """A PDF file whose pages can be rendered to ``QImage`` (QtPdf if present, else pdfium)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._qt_doc: Any = None
        self._pdfium: Any = None
        try:
            from PySide6.QtPdf import QPdfDocument  # type: ignore[import-not-found]

            doc = QPdfDocument()
            doc.load(str(self.path))
            if doc.pageCount() > 0:
                self._qt_doc = doc
        except ImportError:
            pass
        if self._qt_doc is None:
            try:
                import pypdfium2 as pdfium
            except ImportError as exc:  # pragma: no cover - depends on the installation
                raise RuntimeError("无法显示 PDF：缺少 QtPdf 或 pypdfium2 组件，请重新安装程序") from exc
            self._pdfium = pdfium.PdfDocument(str(self.path))

    def __len__(self) -> int:
        if self._qt_doc is not None:
            return int(self._qt_doc.pageCount())
        return len(self._pdfium)

    def page_size_pt(self, index: int) -> tuple[float, float]:
        if self._qt_doc is not None:
            s = self._qt_doc.pagePointSize(index)
            return float(s.width()), float(s.height())
        w, h = self._pdfium[index].get_size()
        return float(w), float(h)

    def render(self, index: int, dpi: float) -> QImage:
        """Page ``index`` as an RGB image at ``dpi`` on white."""
        w_pt, h_pt = self.page_size_pt(index)
        w, h = max(1, round(w_pt * dpi / 72)), max(1, round(h_pt * dpi / 72))
        if self._qt_doc is not None:
            img = self._qt_doc.render(index, QSize(w, h))
            out = QImage(img.size(), QImage.Format.Format_RGB32)
            out.fill(Qt.GlobalColor.white)
            p = QPainter(out)
            p.drawImage(0, 0, img)
            p.end()
            return out
        page = self._pdfium[index]
        bitmap = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255))
        pil = bitmap.to_pil().convert("RGB")
        data = pil.tobytes("raw", "RGB")
        img = QImage(data, pil.width, pil.height, pil.width * 3, QImage.Format.Format_RGB888)
        return img.copy()  # own the pixels (``data`` goes away)

    def close(self) -> None:
        if self._pdfium is not None:
            self._pdfium.close()
            self._pdfium = None
        if self._qt_doc is not None:
            self._qt_doc.close()
            self._qt_doc = None


def _print_pages(pages: PdfPages, printer: QPrinter, painter: QPainter, indices: Sequence[int],
                 first: bool, cancelled: Callable[[], bool] | None = None) -> int:
    """Draw ``indices`` of ``pages`` onto the printer (``newPage`` before all but the very first)."""
    dpi = min(MAX_PRINT_DPI, max(72, printer.resolution()))
    done = 0
    for i in indices:
        if cancelled is not None and cancelled():
            break
        if not first and not printer.newPage():
            raise RuntimeError("打印机无法开始新的一页")
        first = False
        img = pages.render(i, dpi)
        target = printer.pageRect(QPrinter.Unit.DevicePixel)
        paper = printer.paperRect(QPrinter.Unit.DevicePixel)
        # The PDF page is the whole sheet: place it on the paper, not inside the margins.
        rect = QRectF(paper.x() - target.x(), paper.y() - target.y(), paper.width(), paper.height())
        painter.drawImage(rect, img)
        done += 1
    return done


def print_pdf(path: str | Path, printer: QPrinter, pages: Sequence[int] | None = None) -> int:
    """Print a PDF file onto ``printer``; returns the number of pages printed."""
    doc = PdfPages(path)
    try:
        indices = list(pages) if pages is not None else _printer_range(printer, len(doc))
        if not indices:
            return 0
        printer.setFullPage(True)
        painter = QPainter()
        if not painter.begin(printer):
            raise RuntimeError("无法连接打印机，请检查打印机是否开启")
        try:
            return _print_pages(doc, printer, painter, indices, first=True)
        finally:
            painter.end()
    finally:
        doc.close()


def _printer_range(printer: QPrinter, count: int) -> list[int]:
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        lo = max(1, printer.fromPage())
        hi = min(count, printer.toPage() or count)
        return list(range(lo - 1, hi))
    return list(range(count))


class PrintPreviewDialog(QDialog):
    """Preview of one PDF with 打印 and 另存为PDF.

    ``on_printed`` is called after the pages went to a printer or a copy was saved (the caller
    records the print in the audit trail, e.g. :func:`qsdesk.services.printing.mark_printed`).
    """

    def __init__(self, pdf_path: str | Path, title: str = "打印预览", parent: QWidget | None = None,
                 on_printed: Callable[[], None] | None = None, suggested_name: str | None = None,
                 temp_dir: str | Path | None = None, missing_chars: str = "") -> None:
        super().__init__(parent)
        self.temp_dir = Path(temp_dir) if temp_dir else None  # removed when the dialog closes
        self.setWindowTitle(title)
        self.pdf_path = Path(pdf_path)
        self.on_printed = on_printed
        self.suggested_name = suggested_name or self.pdf_path.name
        self.pages = PdfPages(self.pdf_path)
        self.zoom = 1.0
        self.page_labels: list[QLabel] = []

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        holder = QWidget()
        holder.setStyleSheet("background: #808080;")
        self.pages_layout = QVBoxLayout(holder)
        self.pages_layout.setSpacing(12)
        self.pages_layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll_area.setWidget(holder)
        self.scroll_area.verticalScrollBar().valueChanged.connect(self.render_visible)

        self.info = QLabel()
        #: Characters the font lacks print as empty boxes: say so where the user looks.
        self.missing_chars = missing_chars
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background:#fff3cd; color:#664d03; padding:6px; border:1px solid #ffe69c;")
        self.notice.setVisible(bool(missing_chars))
        if missing_chars:
            self.notice.setText(
                f"注意：打印字体中没有以下字符，打印出来将是空白方框，请打印后手写补上：{missing_chars}")
        self.print_button = QPushButton("打印…")
        self.save_button = QPushButton("另存为PDF…")
        self.zoom_in_button = QPushButton("放大")
        self.zoom_out_button = QPushButton("缩小")
        self.close_button = QPushButton("关闭")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.print_dialog)
        self.save_button.clicked.connect(lambda: self.save_as())
        self.zoom_in_button.clicked.connect(lambda: self.set_zoom(self.zoom * 1.25))
        self.zoom_out_button.clicked.connect(lambda: self.set_zoom(self.zoom / 1.25))
        self.close_button.clicked.connect(self.reject)

        bar = QHBoxLayout()
        bar.addWidget(self.info)
        bar.addStretch(1)
        for b in (self.zoom_out_button, self.zoom_in_button, self.save_button, self.print_button,
                  self.close_button):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(bar)
        # A4 at 96 dpi is ~800 x 1120: as tall as the screen allows (a taskbar included).
        screen = self.screen()
        avail = screen.availableGeometry() if screen is not None else None
        w, h = 840, 1000
        if avail is not None:
            w, h = min(w, avail.width() - 40), min(h, avail.height() - 60)
        self.resize(max(400, w), max(300, h))
        self._rendered: set[int] = set()
        self._render_pages()

    # ------------------------------------------------------------------ preview

    def page_count(self) -> int:
        return len(self.pages)

    def set_zoom(self, zoom: float) -> None:
        self.zoom = min(3.0, max(0.4, zoom))
        self._render_pages()

    def _render_pages(self) -> None:
        """One label per page, sized at once; pixels are made when a page scrolls into view."""
        for label in self.page_labels:
            label.hide()  # deleted when the event loop next runs: not left on screen until then
            label.deleteLater()
        self.page_labels = []
        self._rendered = set()
        for i in range(len(self.pages)):
            w_pt, h_pt = self.pages.page_size_pt(i)
            label = QLabel()
            label.setFixedSize(round(w_pt * PREVIEW_DPI * self.zoom / 72), round(h_pt * PREVIEW_DPI * self.zoom / 72))
            label.setStyleSheet("background: white;")
            label.setToolTip(f"第 {i + 1} 页")
            self.pages_layout.addWidget(label)
            self.page_labels.append(label)
        self.info.setText(f"共 {len(self.pages)} 页　{round(self.zoom * 100)}%")
        self.render_visible()

    def render_visible(self, *_args: object) -> None:
        """Render the pages in (or next to) the visible part of the scroll area."""
        top = self.scroll_area.verticalScrollBar().value()
        bottom = top + max(self.scroll_area.viewport().height(), 1)
        dpr = self.devicePixelRatioF()
        dpi = PREVIEW_DPI * self.zoom * dpr
        y = self.pages_layout.contentsMargins().top()
        for i, label in enumerate(self.page_labels):
            h = label.height()
            near = y + h >= top - h and y <= bottom + h
            if near and i not in self._rendered:
                pix = QPixmap.fromImage(self.pages.render(i, dpi))
                pix.setDevicePixelRatio(dpr)
                label.setPixmap(pix)
                self._rendered.add(i)
            y += h + self.pages_layout.spacing()

    # ------------------------------------------------------------------ actions

    def print_to(self, printer: QPrinter) -> int:
        """Print onto an already configured printer (what 打印 does after the dialog)."""
        n = print_pdf(self.pdf_path, printer)
        if n and self.on_printed is not None:
            self.on_printed()
        return n

    def print_dialog(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.suggested_name)
        dlg = QPrintDialog(printer, self)
        dlg.setWindowTitle("打印")
        dlg.setMinMax(1, len(self.pages))
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.print_to(printer)
        except RuntimeError as exc:
            QMessageBox.warning(self, "打印失败", str(exc))

    def save_as(self, path: str | Path | None = None) -> Path | None:
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "另存为PDF", self.suggested_name, "PDF 文件 (*.pdf)")
            if not chosen:
                return None
            path = chosen
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_suffix(".pdf")
        try:
            shutil.copyfile(self.pdf_path, target)
        except OSError as exc:
            QMessageBox.warning(self, "保存失败", f"无法保存到 {target}：{exc.strerror or exc}")
            return None
        if self.on_printed is not None:
            self.on_printed()
        return target

    def done(self, result: int) -> None:
        self.pages.close()
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            self.temp_dir = None
        super().done(result)


def preview_inspection(store: Any, inspection_id: str, parent: QWidget | None = None) -> PrintPreviewDialog:
    """A preview dialog for an inspection record; printing or saving it is recorded as a print."""
    from qsdesk.services import printing

    tmp = Path(tempfile.mkdtemp(prefix="qsdesk-print-"))
    path = printing.render_inspection(store, inspection_id, tmp / "检查记录.pdf", record_print=False)

    def recorded() -> None:
        with store.session() as s:
            from qsdesk.services import records

            insp = records.inspection(s, inspection_id)
            status, no = (insp.status, insp.record_no) if insp else (None, None)
        printing.mark_printed(store, "inspection", inspection_id, status=status, record_no=no, copies=2)

    name = f"检查记录_{inspection_id[:8]}.pdf"
    return PrintPreviewDialog(path, "检查记录打印预览", parent, on_printed=recorded, suggested_name=name,
                              temp_dir=tmp)


#: Record kinds that print in a batch: table → (what one is called, how many are counted).
BATCH_KINDS: dict[str, tuple[str, str]] = {
    "inspection": ("检查记录", "份"),
    "enterprise": ("企业信息摸底排查表", "份"),
    "risk_report": ("风险信息采集表", "份"),
    "task_checklist": ("监管任务清单", "份"),
    "duty_check": ("督查清单", "份"),
}


def _render_for_batch(store: Any, table: str, record_id: str, out: Path) -> Path:
    """One record's PDF for a batch. An inspection records its print while rendering (its 补打
    count); the other kinds are recorded by :func:`print_records_job` once printed."""
    from qsdesk.services import printing

    if table == "inspection":
        return printing.render_inspection(store, record_id, out)
    render = {"enterprise": printing.render_enterprise, "risk_report": printing.render_risk_report,
              "task_checklist": printing.render_task_checklist, "duty_check": printing.render_duty_check}[table]
    return render(store, record_id, out)


def print_records_job(progress: Callable[[int, int, str], None], cancelled: Callable[[], bool], store: Any,
                      table: str, record_ids: Sequence[str], printer: QPrinter) -> int:
    """Render and print many records of one kind as one print job; returns records printed.

    Runs on a worker thread (``QPainter`` on a ``QPrinter`` is allowed off the GUI thread).
    Every record printed is recorded in the audit trail — a sealed inspection printed here again
    carries its 补打 mark like any other reprint; 取消 stops before the next record.
    """
    from qsdesk.services import printing

    if table not in BATCH_KINDS:
        raise ValueError(f"no batch printing for {table!r}")
    what = BATCH_KINDS[table][0]
    total = len(record_ids)
    printed = 0
    printer.setFullPage(True)
    painter = QPainter()
    started = False
    with tempfile.TemporaryDirectory(prefix="qsdesk-batch-") as tmp:
        try:
            for n, rid in enumerate(record_ids):
                if cancelled():
                    break
                progress(n, total, f"正在打印第 {n + 1}/{total} 份{what}……")
                path = _render_for_batch(store, table, rid, Path(tmp) / f"{n}.pdf")
                doc = PdfPages(path)
                try:
                    if not started:
                        if not painter.begin(printer):
                            raise RuntimeError("无法连接打印机，请检查打印机是否开启")
                        started = True
                        _print_pages(doc, printer, painter, range(len(doc)), first=True)
                    else:
                        _print_pages(doc, printer, painter, range(len(doc)), first=False)
                finally:
                    doc.close()
                if table != "inspection":
                    printing.mark_printed(store, table, rid)
                printed += 1
            progress(printed, total, f"已打印 {printed} 份{what}")
        finally:
            if started:
                painter.end()
    return printed


def print_inspections_job(progress: Callable[[int, int, str], None], cancelled: Callable[[], bool], store: Any,
                          inspection_ids: Sequence[str], printer: QPrinter) -> int:
    """Render and print many inspection records as one print job (:func:`print_records_job`)."""
    return print_records_job(progress, cancelled, store, "inspection", inspection_ids, printer)


def print_records(parent: QWidget | None, store: Any, table: str, record_ids: Sequence[str],
                  printer: QPrinter | None = None) -> int:
    """Ask for a printer (unless given) and print the records off the GUI thread with progress."""
    from qsdesk.ui.worker import run_in_background

    if not record_ids:
        return 0
    what = BATCH_KINDS[table][0]
    if printer is None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dlg = QPrintDialog(printer, parent)
        dlg.setWindowTitle(f"打印 {len(record_ids)} 份{what}")
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return 0
    n, missing = run_in_background(parent, f"批量打印{what}", _batch_job, store, table, list(record_ids), printer)
    if missing:
        QMessageBox.information(parent, "请手写补字",
                                f"打印字体中没有以下字符，打印出来是空白方框，请在纸上手写补上：{missing}")
    return int(n)


def print_inspections(parent: QWidget | None, store: Any, inspection_ids: Sequence[str],
                      printer: QPrinter | None = None) -> int:
    """Ask for a printer (unless given) and print the inspection records (:func:`print_records`)."""
    return print_records(parent, store, "inspection", inspection_ids, printer)


def _batch_job(progress: Callable[[int, int, str], None], cancelled: Callable[[], bool], store: Any,
               table: str, record_ids: Sequence[str], printer: QPrinter) -> tuple[int, str]:
    """:func:`print_records_job` plus the characters the font lacked (collected per thread)."""
    from qsdesk.services import printing

    printing.take_missing()
    n = print_records_job(progress, cancelled, store, table, record_ids, printer)
    return n, printing.take_missing()
