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
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate

from qsdesk.resources import register_reportlab_fonts

# Binary (Flate only) content streams: ASCII85 on top costs time and a quarter more bytes.
rl_config.useA85 = 0

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

    # A fixed mask pattern: choosing the "best" of the eight (the library default) costs ~30 ms
    # per code in pure Python and buys nothing measurable for a printed, uniformly lit code.
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, mask_pattern=2)
    qr.add_data(value)
    qr.make(fit=True)
    return tuple(tuple(bool(c) for c in row) for row in qr.get_matrix())


@lru_cache(maxsize=64)
def qr_path_ops(matrix: tuple[tuple[bool, ...], ...]) -> str:
    """PDF operators filling the dark modules (runs per row) in module units, y up."""
    n = len(matrix)
    ops: list[str] = []
    for r, row in enumerate(matrix):
        y = n - r - 1
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                ops.append(f"{start} {y} {x - start} 1 re")
            else:
                x += 1
    ops.append("f")
    return "\n".join(ops)


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
        # The modules as one filled path in module units, scaled by a transform: the operator
        # string is made once per code (cached) instead of formatting every rectangle's numbers.
        c = self.canv
        c.saveState()
        c.setFillColor(colors.black)
        m = self.size / len(self.matrix)
        c.transform(m, 0, 0, m, 0, 0)
        c._code.append(qr_path_ops(self.matrix))  # raw PDF path operators (reportlab has no API)
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


class CopyLabelSlot(Flowable):
    """Room under the title for the copy label (第一联 …), filled in per copy by the canvas."""

    def __init__(self, style: ParagraphStyle) -> None:
        super().__init__()
        self.style = style
        self.width = 0.0

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, self.style.leading

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.canv._qs_slot = (x, y, self.width, self.style)


class DecorMarker(Flowable):
    """Zero-size flowable starting a new record in a multi-record document (its own decorations).

    ``on_draw`` is called when the record's first page is laid out (batch progress/cancel).
    """

    def __init__(self, decor: Decor, on_draw: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.decor = decor
        self.on_draw = on_draw

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        if self.on_draw is not None:
            self.on_draw()
        self.canv._qs_decor = self.decor


class DecoratedCanvas(Canvas):
    """Keeps every page until ``save``, then emits the laid-out pages once per copy.

    The copies of a record are identical but for their labels, so the story is laid out once and
    its pages are written ``len(copy_labels)`` times with each copy's label, page numbers and
    marks drawn on top. That is what lets a page say "第 x 页 共 y 页" within its copy, and
    halves the work of a two-copy record.
    """

    def __init__(self, *args: Any, decor: Decor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._qs_decor = decor
        self._qs_slot: tuple[float, float, float, ParagraphStyle] | None = None
        self._qs_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab API)
        self._qs_pages.append(dict(self.__dict__))
        self._qs_slot = None
        self._startPage()

    def save(self) -> None:
        # Consecutive pages sharing a Decor are one record (a batch holds many records).
        groups: list[list[dict[str, Any]]] = []
        for state in self._qs_pages:
            if groups and groups[-1][0]["_qs_decor"] is state["_qs_decor"]:
                groups[-1].append(state)
            else:
                groups.append([state])
        for pages in groups:
            decor = pages[0]["_qs_decor"]
            n = len(pages)
            for copy in range(max(1, len(decor.copy_labels))):
                for i, state in enumerate(pages, start=1):
                    # fresh lists per copy: the decorations append to the page's operator list
                    self.__dict__.update({k: list(v) if isinstance(v, list) else v for k, v in state.items()})
                    self._decorate(copy, i, n)
                    Canvas.showPage(self)
        self._qs_pages = []
        Canvas.save(self)

    def _decorate(self, copy: int, page: int, total: int) -> None:
        d = self._qs_decor
        w, h = d.pagesize
        top = h - MARGIN_TOP + 5 * mm
        self.saveState()
        self.setFillColor(colors.black)
        self.setFont(FONT, 9)
        label = d.copy_labels[copy] if copy < len(d.copy_labels) else None
        if label:
            self.drawString(MARGIN_X, top, label)
            if self._qs_slot is not None:
                x, y, width, style = self._qs_slot
                self.setFont(FONT, style.fontSize)
                self.drawCentredString(x + width / 2, y + (style.leading - style.fontSize) / 2 + 0.2 * style.fontSize,
                                       f"（{label}）")
                self.setFont(FONT, 9)
        if d.record_no:
            self.drawRightString(w - MARGIN_X, top, f"编号：{d.record_no}")
        self.setFont(FONT, 9)
        page_text = f"第 {page} 页 共 {total} 页"
        left_end = MARGIN_X + (self.stringWidth(d.footer_left, FONT, 7.5) if d.footer_left else 0)
        if left_end + 4 * mm < (w - self.stringWidth(page_text, FONT, 9)) / 2:
            self.drawCentredString(w / 2, MARGIN_BOTTOM - 8 * mm, page_text)
        else:  # a long form name and source would run into the centred number: number to the right
            self.drawRightString(w - MARGIN_X, MARGIN_BOTTOM - 8 * mm, page_text)
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
    story: list[Flowable],
    decor: Decor,
    *,
    title: str = "",
    landscape_page: bool = False,
) -> bytes:
    """Lay out ``story`` once and write it once per copy label (once if there are none).

    Returns the PDF bytes; writes them atomically to ``out_path`` when given.
    """
    return build_pdf_many(out_path, [(story, decor)], title=title, landscape_page=landscape_page)


def build_pdf_many(
    out_path: str | os.PathLike[str] | None,
    parts: Sequence[tuple[list[Flowable], Decor]],
    *,
    title: str = "",
    landscape_page: bool = False,
    on_part: Callable[[int], None] | None = None,
) -> bytes:
    """Several records in one PDF, each starting on a new page with its own copies and numbering.

    ``on_part(i)`` is called as record ``i`` starts being laid out; it may raise to abandon the
    document (nothing is written then).
    """
    register_reportlab_fonts()
    if not parts:
        raise PrintError("没有要打印的内容")
    pagesize = landscape(PAGE) if landscape_page else PAGE
    story: list[Flowable] = []
    for i, (part, decor) in enumerate(parts):
        decor.pagesize = pagesize
        if i:
            story.append(PageBreak())
        story.append(DecorMarker(decor, partial(on_part, i) if on_part is not None else None))
        story.extend(part)
    decor = parts[0][1]
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


def frame_height(landscape_page: bool = False) -> float:
    """Height of the text frame (SimpleDocTemplate's frame keeps 6 pt padding top and bottom)."""
    h = (landscape(PAGE) if landscape_page else PAGE)[1]
    return h - MARGIN_TOP - MARGIN_BOTTOM - 12
