"""The page frame every qsdesk PDF shares: A4, the CJK font, header, footer, copies, marks.

A document is built from one story per copy (the copies are laid out identically, so every copy
has the same page count). Page decorations are drawn by :class:`DecoratedCanvas` after the whole
document is laid out, which is what lets a page say "第 x 页 共 y 页" counted within its own
copy in a single layout pass:

* top left: the copy label (第一联 被检查单位留存 …), top right: the record number;
* bottom centre: the page number within the copy;
* across the page: a 草稿 watermark for drafts;
* beside the header: a boxed 补打 mark when a sealed record is printed again.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate

from qsdesk.resources import register_reportlab_fonts

FONT = "QsSong"
PAGE = A4
MARGIN_X = 15 * mm
MARGIN_TOP = 18 * mm
MARGIN_BOTTOM = 16 * mm

#: Copy labels of a record printed 一式2份 (annex 4/5 note 3).
TWO_COPIES: tuple[str, ...] = ("第一联 被检查单位留存", "第二联 市场监管部门留存")

CHECKED = "\u2611"  # ☑
UNCHECKED = "\u2610"  # ☐


class PrintError(ValueError):
    """A print request that cannot be served (unknown record or form); message in Chinese."""


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    cell_center: ParagraphStyle
    label: ParagraphStyle
    small: ParagraphStyle
    section: ParagraphStyle


_styles: Styles | None = None


def styles() -> Styles:
    """Paragraph styles in the CJK font (CJK word wrap on: break between any two characters)."""
    global _styles
    if _styles is None:
        register_reportlab_fonts()
        base = ParagraphStyle("qs", fontName=FONT, fontSize=10, leading=13.5, wordWrap="CJK")
        _styles = Styles(
            title=ParagraphStyle("qs-title", parent=base, fontSize=16, leading=21, alignment=TA_CENTER),
            subtitle=ParagraphStyle("qs-sub", parent=base, fontSize=10.5, leading=14, alignment=TA_CENTER),
            body=base,
            cell=ParagraphStyle("qs-cell", parent=base, fontSize=9.5, leading=12.5, alignment=TA_LEFT),
            cell_center=ParagraphStyle("qs-cellc", parent=base, fontSize=9.5, leading=12.5,
                                       alignment=TA_CENTER),
            label=ParagraphStyle("qs-label", parent=base, fontSize=9.5, leading=12.5, alignment=TA_CENTER),
            small=ParagraphStyle("qs-small", parent=base, fontSize=8.5, leading=11.5),
            section=ParagraphStyle("qs-section", parent=base, fontSize=11, leading=14, alignment=TA_CENTER),
        )
    return _styles


def esc(text: Any) -> str:
    """Text for a Paragraph: XML-escaped, line breaks kept."""
    if text is None:
        return ""
    return escape(str(text)).replace("\r\n", "\n").replace("\n", "<br/>")


def para(text: Any, style: ParagraphStyle | None = None) -> Paragraph:
    return Paragraph(esc(text), style or styles().cell)


# --------------------------------------------------------------------------- QR code


#: Record kinds in the QR payload (one letter keeps the code small).
QR_KINDS = {"inspection": "I", "enterprise": "E", "risk": "R", "checklist": "C"}


def qr_payload(kind: str, record_id: str, form_version: int | str | None, content_hash: str | None,
               status: str) -> str:
    """What the QR code on a printed record says: ``QS:<kind>:<ID>:V<version>:<S|D>:<SHA-256>``.

    Upper case throughout, so the code uses the QR alphanumeric mode: ~110 characters fit a
    version-5 symbol that still scans from a 60 dpi rendering. ``S`` = sealed (the hash is the
    sealed content hash), ``D`` = draft (hash of the content as printed). The id and hash let a
    paper copy be checked against the database (compare case-insensitively).
    """
    code = QR_KINDS.get(kind, kind[:1].upper())
    return ":".join(["QS", code, record_id.upper(), f"V{form_version or ''}", status.upper(),
                     (content_hash or "").upper()])


def parse_qr_payload(text: str) -> dict[str, str]:
    """Inverse of :func:`qr_payload` (id and hash in lower case); ``ValueError`` on anything else."""
    parts = text.strip().split(":")
    if len(parts) != 6 or parts[0] != "QS":
        raise ValueError("不是 qsdesk 打印件的二维码")
    kinds = {v: k for k, v in QR_KINDS.items()}
    return {"kind": kinds.get(parts[1], parts[1]), "id": parts[2].lower(), "version": parts[3].removeprefix("V"),
            "status": "sealed" if parts[4] == "S" else "draft", "hash": parts[5].lower()}


@lru_cache(maxsize=64)
def qr_matrix(value: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules of ``value`` (error correction M, 2-module quiet zone), cached."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2)
    qr.add_data(value)
    qr.make(fit=True)
    return tuple(tuple(bool(c) for c in row) for row in qr.get_matrix())


class QrFlowable(Flowable):
    """A QR code of ``size`` points square, drawn as filled runs of dark modules."""

    def __init__(self, value: str, size: float = 27 * mm) -> None:
        super().__init__()
        self.value = value
        self.size = size
        self.matrix = qr_matrix(value)

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        n = len(self.matrix)
        m = self.size / n
        c = self.canv
        c.saveState()
        c.setFillColor(colors.black)
        path = c.beginPath()
        for r, row in enumerate(self.matrix):
            y = self.size - (r + 1) * m
            x = 0
            while x < n:
                if row[x]:
                    start = x
                    while x < n and row[x]:
                        x += 1
                    path.rect(start * m, y, (x - start) * m, m)
                else:
                    x += 1
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()


# --------------------------------------------------------------------------- page decorations


@dataclass
class Decor:
    """What :class:`DecoratedCanvas` draws on every page."""

    record_no: str = ""
    copy_labels: Sequence[str] = ()
    watermark: str | None = None  # "草稿"
    reprint: str | None = None  # "补打（第 1 次）"
    footer_left: str = ""
    pagesize: tuple[float, float] = PAGE
    copy_starts: list[int] = field(default_factory=list)


class CopyMarker(Flowable):
    """Zero-size flowable that tells the canvas a new copy starts on the current page."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._qs_copy = self.index  # type: ignore[attr-defined]


class DecoratedCanvas(Canvas):
    """Keeps every page until ``save`` so the decorations know the page count of each copy."""

    def __init__(self, *args: Any, decor: Decor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._qs_decor = decor
        self._qs_copy = 0
        self._qs_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab API)
        self._qs_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        copies = [p.get("_qs_copy", 0) for p in self._qs_pages]
        totals: dict[int, int] = {}
        for c in copies:
            totals[c] = totals.get(c, 0) + 1
        seen: dict[int, int] = {}
        for state, c in zip(self._qs_pages, copies, strict=True):
            self.__dict__.update(state)
            seen[c] = seen.get(c, 0) + 1
            self._decorate(c, seen[c], totals[c])
            Canvas.showPage(self)
        Canvas.save(self)

    def _decorate(self, copy: int, page: int, total: int) -> None:
        d = self._qs_decor
        w, h = d.pagesize
        top = h - MARGIN_TOP + 5 * mm
        self.saveState()
        self.setFillColor(colors.black)
        self.setFont(FONT, 9)
        if d.copy_labels and copy < len(d.copy_labels):
            self.drawString(MARGIN_X, top, d.copy_labels[copy])
        if d.record_no:
            self.drawRightString(w - MARGIN_X, top, f"编号：{d.record_no}")
        self.setFont(FONT, 9)
        self.drawCentredString(w / 2, MARGIN_BOTTOM - 8 * mm, f"第 {page} 页 共 {total} 页")
        if d.footer_left:
            self.setFont(FONT, 7.5)
            self.setFillColor(colors.grey)
            self.drawString(MARGIN_X, MARGIN_BOTTOM - 8 * mm, d.footer_left)
        if d.reprint:
            self.setFillColor(colors.HexColor("#b00000"))
            self.setStrokeColor(colors.HexColor("#b00000"))
            self.setFont(FONT, 11)
            tw = self.stringWidth(d.reprint, FONT, 11)
            x = w / 2 - tw / 2
            self.rect(x - 3, top - 3.5, tw + 6, 15, stroke=1, fill=0)
            self.drawString(x, top, d.reprint)
        if d.watermark:
            self.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.22))
            self.setFont(FONT, 130)
            self.translate(w / 2, h / 2)
            self.rotate(40)
            self.drawCentredString(0, -45, d.watermark)
        self.restoreState()


def build_pdf(
    out_path: str | os.PathLike[str] | None,
    make_story: Callable[[int], list[Flowable]],
    decor: Decor,
    *,
    title: str = "",
    landscape_page: bool = False,
) -> bytes:
    """Lay out one story per copy (``make_story(copy_index)``) and write the PDF.

    Returns the PDF bytes; writes them atomically to ``out_path`` when given.
    """
    register_reportlab_fonts()
    pagesize = landscape(PAGE) if landscape_page else PAGE
    decor.pagesize = pagesize
    n = max(1, len(decor.copy_labels))
    story: list[Flowable] = []
    for i in range(n):
        if i:
            story.append(PageBreak())
        story.append(CopyMarker(i))
        story.extend(make_story(i))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=pagesize,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author="qsdesk",
        creator="qsdesk",
        initialFontName=FONT,  # no unused Helvetica in the page resources
    )
    doc.build(story, canvasmaker=partial(DecoratedCanvas, decor=decor))
    data = buf.getvalue()
    if out_path is not None:
        write_atomic(Path(out_path), data)
    return data


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, so a failed print leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".qsdesk-", suffix=".pdf", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def frame_width(landscape_page: bool = False) -> float:
    w = (landscape(PAGE) if landscape_page else PAGE)[0]
    return w - 2 * MARGIN_X
