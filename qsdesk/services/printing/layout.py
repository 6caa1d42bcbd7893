"""Form spec → reportlab flowables: the annexes' bordered tables, laid out from the spec alone.

Nothing here knows a label: titles, field labels, choices, checklist items and the annex notes
all come from :class:`qsdesk.domain.formspec.FormSpec`. The data to print arrives as a
:class:`Filled` (values by field key, answers by item key, signatures by role); a blank form is a
``Filled()`` with nothing in it, which prints empty boxes ☐, empty cells and lines for ink.

Layout rules (the annexes' look):

* a section is a 4-column grid ``label | value | label | value``; short fields pair up, long ones
  (addresses, choices with many options, multi-line text, signatures) take a whole row;
* table and history fields are their own bordered table with a header row;
* checklist sections are one table ``序号 | 检查项目 | 检查内容 | 检查结果 | note``, the group's
  number and title printed once per group with no rule between the group's rows (the look of the
  annex's merged cells, but splittable across pages); the header row repeats on every page and
  long notes wrap and split inside their row;
* a section holding a signature is kept on one page, so a signature never leaves its label.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from qsdesk.domain.formspec import ChecklistItem, Field, FormSpec, Section, answer_of, note_of
from qsdesk.services.printing.base import (
    CHECKED,
    UNCHECKED,
    CopyLabelSlot,
    QrFlowable,
    esc,
    frame_height,
    frame_width,
    para,
    styles,
)

GRID = 0.6
LINE = colors.black
SHADE = colors.Color(0.93, 0.93, 0.93)
PAD = 3

BLANK_TABLE_ROWS = 3
#: Longest text cell kept in one row; longer notes continue in rows below (so a row never has
#: to split across a page and the rest of the table keeps its rules).
MAX_CELL_HEIGHT = 120.0
SIGNATURE_HEIGHT = 15 * mm
#: Share of the frame width taken by a label column of the field grid.
LABEL_SHARE = 0.185
#: Text width of a grid label cell on A4 portrait (used to decide if a label fits one line).
LABEL_WIDTH = (595.2756 - 2 * 15 * mm) * LABEL_SHARE - 2 * 3


@dataclass
class SignatureImage:
    """A captured signature as printed: PNG bytes, the signer's name, or a recorded refusal."""

    png: bytes | None = None
    signer_name: str | None = None
    refused: bool = False


@dataclass
class Filled:
    """What to print into a form. Empty = a blank form for filling in by hand."""

    values: Mapping[str, Any] = field(default_factory=dict)
    answers: Mapping[str, Any] = field(default_factory=dict)
    signatures: Mapping[str, list[SignatureImage]] = field(default_factory=dict)
    inspector_names: Mapping[str, str] = field(default_factory=dict)
    #: Blank forms: the least height of a row of the field grid (room to write by hand) and the
    #: height of an empty multi-line box; :func:`blank_story` grows them until the page is full.
    row_height: float = 0.0
    text_height: float = 12 * mm

    @property
    def blank(self) -> bool:
        return not self.values and not self.answers and not self.signatures


class BlankLine(Flowable):
    """A rule to sign or write on by hand."""

    def __init__(self, width: float, height: float = SIGNATURE_HEIGHT) -> None:
        super().__init__()
        self.line_width = width
        self.height = height

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.line_width = min(self.line_width, aw)
        return self.line_width, self.height

    def draw(self) -> None:
        self.canv.setLineWidth(0.5)
        self.canv.line(0, 2, self.line_width, 2)


# --------------------------------------------------------------------------- value formatting


def box(checked: bool) -> str:
    return CHECKED if checked else UNCHECKED


def format_date(value: Any) -> str:
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, str) and value.strip():
        try:
            value = _dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return value
    if isinstance(value, _dt.date):
        return f"{value.year} 年 {value.month} 月 {value.day} 日"
    return "　　　　年　　月　　日"


def format_address(value: Any, placeholder: str | None) -> str:
    if isinstance(value, Mapping):
        parts = [str(value.get(k) or "") for k in ("province", "city", "county", "town")]
        head = "".join(p for p in parts if p)
        detail = str(value.get("detail") or "")
        text = " ".join(x for x in (head, detail) if x)
        if text:
            return text
    elif value:
        return str(value)
    if placeholder:
        # "山东省 市 区（市、县） 镇（街道）" → leave writing room before each unit.
        return placeholder.replace(" ", "＿＿＿＿＿")
    return "＿＿＿＿省＿＿＿＿市＿＿＿＿区（市、县）＿＿＿＿镇（街道）"


def format_choices(f: Field, value: Any, values: Mapping[str, Any], width: float | None = None) -> str:
    """All of a field's choices with ☑ on the chosen ones, like the annex's □ lists.

    Plain text; with ``width`` it is wrapped between options (lines joined by ``\n``)."""
    chosen: set[str]
    if isinstance(value, list | tuple | set | frozenset):
        chosen = {str(v) for v in value}
    elif value in (None, ""):
        chosen = set()
    else:
        chosen = {str(value)}
    parts = []
    for c in f.choices:
        text = f"{box(c in chosen)}{c}"
        if f.other_choice and c == f.other_choice:
            other = values.get(f.other_key) if c in chosen else None
            text += f"（{other}）" if other else "（　　　　）"
        parts.append(text)
    unknown = sorted(chosen - set(f.choices))
    parts += [f"{CHECKED}{u}" for u in unknown]  # a value from an older form version: still shown
    return pack_options(parts, width)


def pack_options(parts: Sequence[str], width: float | None, font_size: float = 9.5) -> str:
    """Options separated by spaces, wrapped only between options (never ☐ apart from its text)."""
    if width is None:
        return "　".join(parts)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    sep = "　"
    lines: list[str] = []
    cur = ""
    for p in parts:
        cand = f"{cur}{sep}{p}" if cur else p
        if cur and stringWidth(cand, "QsSong", font_size) > width - 1:
            lines.append(cur)
            cur = p
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return "\n".join(lines)


def format_text(f: Field, value: Any, filled: Filled, width: float | None = None) -> str:
    """Plain text of a value as printed, by its field type (:data:`RENDERERS`); choices wrapped
    between options to ``width``."""
    return RENDERERS[f.type](f, value, filled, width)


Renderer = Callable[[Field, Any, "Filled", "float | None"], str]


def _render_plain(f: Field, value: Any, filled: Filled, width: float | None) -> str:
    return f.kind.to_text(f, value)


def _render_str(f: Field, value: Any, filled: Filled, width: float | None) -> str:
    """``str(value)`` (whole floats without ``.0``): text-like values, and what a table or a
    signature holds should it reach a text cell."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _render_inspector(f: Field, value: Any, filled: Filled, width: float | None) -> str:
    vals = value if isinstance(value, list | tuple) else ([value] if value else [])
    return "、".join(filled.inspector_names.get(str(v), str(v)) for v in vals if v)


#: The printed text of a value, by field type name (every type of the registry has one).
RENDERERS: dict[str, Renderer] = {
    "text": _render_str, "multiline": _render_str, "phone": _render_str, "uscc": _render_str,
    "number": _render_str, "integer": _render_str, "table": _render_str, "history": _render_str,
    "signature": _render_str,
    "date": lambda f, v, filled, w: format_date(v),
    "choice": lambda f, v, filled, w: format_choices(f, v, filled.values, w),
    "multichoice": lambda f, v, filled, w: format_choices(f, v, filled.values, w),
    "address": lambda f, v, filled, w: format_address(v, f.placeholder),
    "attachment": _render_plain,
    "inspector": _render_inspector,
}


# --------------------------------------------------------------------------- building blocks


class TextLines(Flowable):
    """Lines of plain text that are known to fit: drawn directly, no paragraph wrapping.

    Most cells of a form (labels, short values, answer boxes) are one short line; laying them out
    as Paragraphs (CJK line breaking) was most of the rendering time.
    """

    def __init__(self, lines: Sequence[str], font_size: float, leading: float, align: int) -> None:
        super().__init__()
        self.lines = list(lines)
        self.font_size = font_size
        self.leading = leading
        self.align = align
        self.avail = 0.0

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.avail = aw
        return aw, self.leading * len(self.lines)

    def draw(self) -> None:
        c = self.canv
        c.setFont("QsSong", self.font_size)
        n = len(self.lines)
        for i, line in enumerate(self.lines):
            # same baseline as a Paragraph of this style: one font size below the line top
            y = (n - i - 1) * self.leading + (self.leading - self.font_size) + 0.2 * self.font_size
            if self.align == TA_CENTER:
                c.drawCentredString(self.avail / 2, y, line)
            else:
                c.drawString(0, y, line)


_cells = threading.local()


def text_cell(text: str, style: ParagraphStyle, width: float) -> Flowable:
    """A cell of plain text: :class:`TextLines` when every line fits ``width``, else a Paragraph.

    Cells are cached per thread by (text, style, width) and shared between tables: the same
    labels, checklist items and answer boxes recur in every record of a batch, and a flowable of
    fixed text and width lays out the same wherever it is drawn (rows are never split, so these
    cells are never split either). Per thread, because drawing sets attributes on the flowable.
    """
    cache: dict[tuple[str, str, float], Flowable] | None = getattr(_cells, "cache", None)
    if cache is None or len(cache) > 20000:
        cache = _cells.cache = {}
    key = (text, style.name, round(width, 2))
    hit = cache.get(key)
    if hit is None:
        hit = cache[key] = _make_text_cell(text, style, width)
    return hit


class SharedParagraph(Paragraph):
    """A Paragraph drawn in many places at one width: line breaking is done once, not per draw.

    Only for cached fixed-text cells, which are never split (table rows do not split).
    """

    _qs_wrapped: tuple[float, tuple[float, float]] | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        done = self._qs_wrapped
        if done is not None and done[0] == availWidth:
            return done[1]
        size = super().wrap(availWidth, availHeight)
        self._qs_wrapped = (availWidth, size)
        return size


def _make_text_cell(text: str, style: ParagraphStyle, width: float) -> Flowable:
    lines = text.split("\n") if text else [""]
    if all(stringWidth(line, "QsSong", style.fontSize) <= width - 4 for line in lines):  # keep off the rule
        return TextLines(lines, style.fontSize, style.leading, style.alignment)
    return SharedParagraph(esc(text), style)


def split_paragraph(p: Paragraph, width: float, max_height: float = MAX_CELL_HEIGHT) -> list[Paragraph]:
    """Cut a long paragraph into pieces no taller than ``max_height`` (whole lines each)."""
    out: list[Paragraph] = []
    while True:
        _w, h = p.wrap(width, 1e6)
        if h <= max_height:
            out.append(p)
            return out
        parts = p.split(width, max_height)
        if len(parts) < 2:
            out.append(p)
            return out
        out.append(parts[0])
        p = parts[1]


def _grid_style(extra: Sequence[tuple[Any, ...]] = ()) -> TableStyle:
    return TableStyle([
        ("FONT", (0, 0), (-1, -1), "QsSong", 9.5),
        ("GRID", (0, 0), (-1, -1), GRID, LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        *extra,
    ])


@dataclass
class SignatureSlot:
    """One person's place in a signature box: a captured signature, a refusal, or a line for ink."""

    name: str | None
    sig: SignatureImage | None = None


def signature_slots(f: Field, filled: Filled, people: Sequence[str]) -> list[SignatureSlot]:
    """Who signs in a signature field, each with their captured signature (if any).

    A single field (the enterprise's signer) is one slot named after the recorded signer. A
    multiple field (the inspectors) has one slot per inspector named on the record — at least
    ``min_slots`` (the annex's two inspectors) — each matched to the signature captured under
    their name, else the next unmatched one; an inspector who signs on paper gets a line.
    """
    sigs = signatures_for(f, filled)
    if not f.multiple:
        sig = sigs[0] if sigs else None
        return [SignatureSlot(sig.signer_name if sig else None, sig)]
    slots = [SignatureSlot(n) for n in people]
    rest: list[SignatureImage] = []
    for sg in sigs:
        hit = next((sl for sl in slots if sl.sig is None and sg.signer_name and sl.name == sg.signer_name), None)
        if hit is not None:
            hit.sig = sg
        else:
            rest.append(sg)
    for sg in rest:
        free = next((sl for sl in slots if sl.sig is None and sl.name is None), None)
        if free is None and not sg.signer_name:
            free = next((sl for sl in slots if sl.sig is None), None)
        if free is not None:
            free.sig = sg
            free.name = free.name or sg.signer_name
        else:
            slots.append(SignatureSlot(sg.signer_name, sg))
    while len(slots) < max(2, f.min_rows):
        slots.append(SignatureSlot(None))
    return slots


#: Blank space for a name written by hand under a line for ink.
NAME_BLANK = "＿" * 6


def _slot_flowables(slot: SignatureSlot, width: float, caption: str) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = []
    s = slot.sig
    if s is not None and s.refused:
        out.append(Spacer(1, SIGNATURE_HEIGHT - 12))
        out.append(para("（拒绝签字）", st.cell))
    elif s is not None and s.png and (img := _image(s.png, width - 4, SIGNATURE_HEIGHT)) is not None:
        out.append(img)
    else:
        out.append(BlankLine(width * 0.9))
    out.append(text_cell(f"{caption}：{slot.name or NAME_BLANK}", st.small, width))
    return out


def _signature_cell(f: Field, filled: Filled, width: float, people: Sequence[str]) -> Flowable:
    """The people of a signature field side by side, each over their printed name."""
    slots = signature_slots(f, filled, people)
    caption = "姓名" if f.multiple else "签字人"
    n = len(slots)
    col = width / n
    row = [_slot_flowables(sl, col - 8, caption) for sl in slots]
    t = Table([row], colWidths=[col] * n)
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "QsSong", 9.5), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 0),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    t.hAlign = "LEFT"
    return t


def _image(png: bytes, max_w: float, max_h: float) -> Image | None:
    from reportlab.lib.utils import ImageReader

    try:
        reader = ImageReader(io.BytesIO(png))
        iw, ih = reader.getSize()
    except Exception:  # a broken PNG must not stop the print; the line stays blank
        return None
    if iw <= 0 or ih <= 0:
        return None
    scale = min(max_w / iw, max_h / ih)
    img = Image(io.BytesIO(png), width=iw * scale, height=ih * scale)
    img.hAlign = "LEFT"
    return img


class _Grid:
    """Accumulates ``label | value | label | value`` rows of one section."""

    def __init__(self, width: float, row_height: float = 0.0) -> None:
        self.width = width
        self.row_height = row_height
        self.title_rows: set[int] = set()
        self.cols = [width * LABEL_SHARE, width * (0.5 - LABEL_SHARE), width * LABEL_SHARE,
                     width * (0.5 - LABEL_SHARE)]
        self.rows: list[list[Any]] = []
        self.spans: list[tuple[Any, ...]] = []
        self.pending: tuple[Any, Any] | None = None

    def add_pair(self, label: Any, value: Any) -> None:
        """A label/value pair; ``label=None`` lets the value take both cells of the pair."""
        if self.pending is None:
            self.pending = (label, value)
            return
        r = len(self.rows)
        first, self.pending = self.pending, None
        self.rows.append([first[0] if first[0] is not None else first[1], first[1] if first[0] is not None else "",
                          label if label is not None else value, value if label is not None else ""])
        if first[0] is None:
            self.spans.append(("SPAN", (0, r), (1, r)))
        if label is None:
            self.spans.append(("SPAN", (2, r), (3, r)))

    def flush_pending(self) -> None:
        if self.pending is not None:
            r = len(self.rows)
            label, value = self.pending
            if label is None:
                self.rows.append([value, "", "", ""])
                self.spans.append(("SPAN", (0, r), (3, r)))
            else:
                self.rows.append([label, value, "", ""])
                self.spans.append(("SPAN", (1, r), (3, r)))
            self.pending = None

    def add_wide(self, label: Any, value: Any) -> None:
        self.flush_pending()
        r = len(self.rows)
        if label is None:
            self.rows.append([value, "", "", ""])
            self.spans.append(("SPAN", (0, r), (3, r)))
        else:
            self.rows.append([label, value, "", ""])
            self.spans.append(("SPAN", (1, r), (3, r)))

    def add_title(self, title: str) -> None:
        self.flush_pending()
        r = len(self.rows)
        self.title_rows.add(r)
        self.rows.append([text_cell(_spaced(title), styles().section, self.width - 2 * PAD), "", "", ""])
        self.spans += [("SPAN", (0, r), (3, r)), ("BACKGROUND", (0, r), (3, r), SHADE)]

    def table(self) -> Table | None:
        self.flush_pending()
        if not self.rows:
            return None
        mins = ([0.0 if r in self.title_rows else self.row_height for r in range(len(self.rows))]
                if self.row_height else None)
        t = Table(self.rows, colWidths=self.cols, minRowHeights=mins)
        t.setStyle(_grid_style(self.spans))
        self.rows, self.spans, self.title_rows = [], [], set()
        return t


def _spaced(title: str) -> str:
    """Short section titles are letter-spaced like the annexes (基 本 情 况)."""
    return " ".join(title) if len(title) <= 4 else title


def _value_width(grid: _Grid, wide: bool) -> float:
    return (grid.width - grid.cols[0] if wide else grid.cols[1]) - 2 * PAD


def _field_flowable(f: Field, filled: Filled, width: float, people: Sequence[str] = ()) -> Any:
    st = styles()
    value = filled.values.get(f.key)
    if f.type in CELL_FLOWABLES:
        return CELL_FLOWABLES[f.type](f, filled, width, people)
    return text_cell(format_text(f, value, filled, width), st.cell, width)


def _multiline_cell(f: Field, filled: Filled, width: float, people: Sequence[str]) -> Any:
    st = styles()
    value = filled.values.get(f.key)
    text = "" if value is None else str(value)
    cell: list[Flowable] = []
    if text:
        cell.append(para(text, st.cell))
    else:
        cell.append(Spacer(1, filled.text_height))
    if f.help and f.label_printed is False:
        cell.append(para(f.help, st.small))
    return cell


#: Field types printed as a flowable of their own rather than a text cell.
CELL_FLOWABLES: dict[str, Callable[[Field, Filled, float, Sequence[str]], Any]] = {
    "signature": lambda f, filled, width, people: _signature_cell(f, filled, width, people),
    "multiline": _multiline_cell,
}


def signatures_for(f: Field, filled: Filled) -> list[SignatureImage]:
    """The signatures of a signature field: role = the key, or the key without ``_signature(s)``
    (``enterprise_signature`` → ``enterprise``), numbered for multiple fields (``inspector1``…)."""
    base = f.key.removesuffix("_signatures").removesuffix("_signature")
    pattern = re.compile(rf"^{re.escape(base)}\d+$")
    out: list[SignatureImage] = []
    for role in sorted(filled.signatures, key=lambda r: (len(r), r)):
        if role in (f.key, base) or (f.multiple and pattern.match(role)):
            out += filled.signatures[role]
    return out


def _label(f: Field, width: float = LABEL_WIDTH) -> Flowable:
    if f.help and f.help.startswith(("（", "(")):  # the annex's own remark, e.g. （可加附页）
        return Paragraph(f"{esc(f.label)}<br/><font size=8>{esc(f.help)}</font>", styles().label)
    return text_cell(f.label, styles().label, width)


def _is_wide(f: Field) -> bool:
    if f.kind.wide:
        return True
    if f.kind.has_choices:
        return sum(len(c) + 1 for c in f.choices) > 14
    return False


def _tabular(f: Field, filled: Filled, width: float) -> Table:
    """A table/history field: label over a header row and its data rows (or empty rows)."""
    st = styles()
    rows_in = filled.values.get(f.key) or []
    rows_in = [r for r in rows_in if isinstance(r, Mapping) and any(v not in (None, "") for v in r.values())]
    n_empty = 0
    if not rows_in:
        n_empty = max(f.min_rows, BLANK_TABLE_ROWS if filled.blank or f.kind.offers_empty_row else 1)
        if f.max_rows:
            n_empty = min(n_empty, f.max_rows)
    has_label = f.label_printed
    label_w = width * LABEL_SHARE if has_label else 0.0
    col_w = (width - label_w) / max(1, len(f.columns))
    lead: list[Any] = [""] if has_label else []
    header = (([text_cell(f.label, st.label, label_w - 2 * PAD)] if has_label else [])
              + [text_cell(c.label, st.label, col_w - 2 * PAD) for c in f.columns])
    data: list[list[Any]] = [header]
    empty_row = lead + [text_cell(format_text(c, None, filled, col_w - 2 * PAD), st.cell, col_w - 2 * PAD)
                        if c.kind.has_choices else "" for c in f.columns]
    for r in rows_in:
        data.append(lead + [text_cell(format_text(c, r.get(c.key), filled, col_w - 2 * PAD), st.cell_center,
                                      col_w - 2 * PAD)
                            for c in f.columns])
    style: list[tuple[Any, ...]] = []
    first = 1 if has_label else 0
    if not rows_in and not filled.blank:
        data.append(lead + [para("无", st.cell_center)] + [""] * (len(f.columns) - 1))
        style.append(("SPAN", (first, 1), (-1, 1)))
        n_empty = 0
    for _ in range(n_empty):
        data.append(list(empty_row))
    last = len(data) - 1
    if has_label:
        style += [("SPAN", (0, 0), (0, last)), ("VALIGN", (0, 0), (0, last), "MIDDLE")]
    heights = [None] + [max(7 * mm, filled.row_height)] * (len(data) - 1)
    widths = ([label_w] if has_label else []) + [col_w] * len(f.columns)
    t = Table(data, colWidths=widths, rowHeights=heights if n_empty and not any(
        c.kind.has_choices for c in f.columns) else None)
    t.setStyle(_grid_style(style))
    return t


#: Tables with more columns than this print as repeated label/value blocks (annex 3's products).
MAX_TABULAR_COLUMNS = 4


def _table_blocks(f: Field, filled: Filled, grid: _Grid) -> None:
    """One block of ``label | value`` pairs per row, numbered like annex 3 (产品名称 1 …)."""
    rows_in = [r for r in (filled.values.get(f.key) or [])
               if isinstance(r, Mapping) and any(v not in (None, "") for v in r.values())]
    n = len(rows_in) if rows_in else max(f.min_rows, BLANK_TABLE_ROWS)
    for i in range(n):
        row = rows_in[i] if rows_in else {}
        for ci, c in enumerate(f.columns):
            label = f"{c.label} {i + 1}" if ci == 0 else c.label
            if c.label_printed:
                grid.add_pair(para(label, styles().label),
                              text_cell(format_text(c, row.get(c.key), filled, grid.cols[1] - 2 * PAD),
                                        styles().cell, grid.cols[1] - 2 * PAD))
            else:
                w = grid.cols[0] + grid.cols[1] - 2 * PAD
                grid.add_pair(None, text_cell(format_text(c, row.get(c.key), filled, w), styles().cell, w))
        grid.flush_pending()


def section_flowables(section: Section, filled: Filled, width: float) -> list[Flowable]:
    """One field section as grid tables (split around table/history fields)."""
    out: list[Flowable] = []
    grid = _Grid(width, filled.row_height)
    if section.title_printed and section.title:
        grid.add_title(section.title)
    has_signature = False
    people = section_people(section, filled)
    for f in section.fields:
        if f.is_tabular and len(f.columns) > MAX_TABULAR_COLUMNS:
            _table_blocks(f, filled, grid)
            continue
        if f.is_tabular:
            t = grid.table()
            if t is not None:
                out.append(t)
            out.append(_tabular(f, filled, width))
            continue
        if f.type == "signature":
            has_signature = True
        if f.type == "attachment" and not f.label_printed and not filled.values.get(f.key):
            continue  # nothing attached and the annex prints no row for it
        wide = _is_wide(f)
        if f.type == "multiline" and filled.values.get(f.key):
            width_v = _value_width(grid, True)
            parts = split_paragraph(SharedParagraph(esc(filled.values[f.key]), styles().cell), width_v)
            for n, part in enumerate(parts):
                # every box is labelled, also those the annex leaves bare (异议内容)
                label = _label(f) if n == 0 else text_cell("（续）", styles().label, LABEL_WIDTH)
                grid.add_wide(label, part)
            continue
        if not f.label_printed and not wide:
            # e.g. the A/B/C/D grade printed right after 层级分类: takes a whole pair of cells
            grid.add_pair(None, _field_flowable(f, filled, grid.cols[0] + grid.cols[1] - 2 * PAD))
            continue
        value = _field_flowable(f, filled, _value_width(grid, wide), people)
        if not f.label_printed:
            # A box the annex leaves bare (异议内容 under 生产者意见, the inspectors' signatures
            # beside 检查人员) still carries the field's own label, so nobody writes in the wrong box.
            grid.add_wide(_label(f), value)
        elif wide:
            grid.add_wide(_label(f), value)
        else:
            grid.add_pair(_label(f), value)
    t = grid.table()
    if t is not None:
        out.append(t)
    if section.note:
        out.append(para(section.note, styles().small))
    if has_signature:
        return [KeepTogether(out)]
    return out


def section_people(section: Section, filled: Filled) -> list[str]:
    """The names of the section's inspectors (ids mapped to names), for their signature slots."""
    for f in section.fields:
        if f.type == "inspector":
            value = filled.values.get(f.key)
            vals = value if isinstance(value, list | tuple) else ([value] if value else [])
            return [filled.inspector_names.get(str(v), str(v)) for v in vals if v]
    return []


def checklist_headers(spec: FormSpec, section: Section) -> list[str]:
    """Column titles of a checklist table, as the annexes print them."""
    note = next((i.note_label for i in section.items if i.note_label), None)
    if spec.id == "duty_check":  # 国市监质监发〔2023〕38号 附件3 prints its own column titles
        return ["编号", "督查事项", "具体任务", "是否落实", note or "亮点成效"]
    if spec.kind == "checklist":
        return ["序号", "重点工作", "具体任务", "结果", note or "备注"]
    return ["序号", "检查项目", "检查内容", "检查结果", note or "检查发现问题及处置意见"]


def answer_text(item: ChecklistItem, chosen: str | None) -> str:
    """Every answer the item allows with ☑ on the chosen one (stacked unless they are short)."""
    marks = [f"{box(a == chosen)}{a}" for a in item.answers]
    if all(len(a) <= 2 for a in item.answers):
        return "　".join(marks)
    return "\n".join(marks)


class GroupTable(Table):
    """A checklist table whose group number and title print again where a group is split.

    The annexes show a group's number and title once in merged cells; across a page break the
    rows on the new page would otherwise stand without their group. ``groups`` maps a data row
    (by identity, as reportlab passes the row lists on to the split parts) to the cells to print
    at the top of a continued part.
    """

    def __init__(self, *args: Any, groups: dict[int, tuple[Flowable, Flowable]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups: dict[int, tuple[Flowable, Flowable]] = groups or {}

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        parts = super().split(availWidth, availHeight)
        for part in parts[1:]:
            if not isinstance(part, GroupTable):
                continue
            part.groups = self.groups
            rows = part._cellvalues
            first = part.repeatRows if isinstance(part.repeatRows, int) else len(part.repeatRows)
            if first < len(rows):
                row = rows[first]
                cont = self.groups.get(id(row))
                if cont is not None and row[0] == "" and row[1] == "":
                    new = [cont[0], cont[1], *row[2:]]
                    self.groups[id(new)] = cont
                    rows[first] = new
                    # the split part keeps the measured row heights: measure this row again,
                    # its group title may need more lines than the row had
                    heights = list(part._argH)
                    heights[first] = None
                    part._argH = part._rowHeights = heights
        return parts


def checklist_flowables(spec: FormSpec, section: Section, filled: Filled, width: float) -> list[Flowable]:
    st = styles()
    if spec.kind == "checklist":  # √/× answers are short: give the task text the room
        cols = [width * 0.06, width * 0.15, width * 0.45, width * 0.11, width * 0.23]
    else:
        cols = [width * 0.06, width * 0.14, width * 0.38, width * 0.16, width * 0.26]
    header = [text_cell(h, st.label, w - 2 * PAD) for h, w in zip(checklist_headers(spec, section), cols,
                                                                      strict=True)]
    data: list[list[Any]] = []
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), "QsSong", 9.5),
        ("BOX", (0, 0), (-1, -1), GRID, LINE),
        ("LINEAFTER", (0, 0), (-2, -1), GRID, LINE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    repeat = 1
    #: data row index -> (number cell, title cell) printed where a split leaves a group headless
    continued: dict[int, tuple[Flowable, Flowable]] = {}
    if section.title_printed and section.title:
        data.append([text_cell(_spaced(section.title), st.section, width - 2 * PAD), "", "", "", ""])
        style += [("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                  ("LINEBELOW", (0, 0), (-1, 0), GRID, LINE)]
        repeat = 2
    data.append(header)
    style.append(("LINEBELOW", (0, repeat - 1), (-1, repeat - 1), GRID, LINE))
    for _gkey, gnum, gtitle, items in section.groups():
        for i, item in enumerate(items):
            entry = filled.answers.get(item.key)
            chosen = answer_of(entry)
            if chosen is None and isinstance(entry, Mapping):  # task checklists: {"result": "√"}
                r = entry.get("result")
                chosen = r if isinstance(r, str) and r else None
            note = note_of(entry)
            content = item.content
            if spec.kind == "checklist" and item.number and not content.startswith(item.number):
                content = f"{item.number} {content}"
            notes = split_paragraph(SharedParagraph(esc(note), st.cell), cols[4] - 2 * PAD) if note else [""]
            first_row = len(data)
            data.append([
                text_cell(gnum, st.cell_center, cols[0] - 2 * PAD) if i == 0 else "",
                text_cell(gtitle, st.cell_center, cols[1] - 2 * PAD) if i == 0 else "",
                text_cell(content, st.cell, cols[2] - 2 * PAD),
                text_cell(answer_text(item, chosen), st.cell, cols[3] - 2 * PAD),
                notes[0],
            ])
            for more in notes[1:]:  # a long note goes on in rows below, without rules between
                data.append(["", "", "", "", more])
            r = len(data) - 1
            if gtitle or gnum:
                cont = (text_cell(gnum, st.cell_center, cols[0] - 2 * PAD),
                        text_cell(f"{gtitle}（续）", st.cell_center, cols[1] - 2 * PAD))
                for k in range(first_row if i else first_row + 1, r + 1):
                    continued[k] = cont
            last_of_group = i == len(items) - 1
            style.append(("LINEBELOW", (0 if last_of_group else 2, r), (-1, r), GRID, LINE))
    t = GroupTable(data, colWidths=cols, repeatRows=repeat)
    t.groups = {id(row): continued[k] for k, row in enumerate(t._cellvalues) if k in continued}
    t.setStyle(TableStyle(style))
    out: list[Flowable] = [t]
    if section.note:
        out.append(para(section.note, styles().small))
    return out


def title_block(spec: FormSpec, copy_slot: bool, qr_value: str | None, width: float,
                extra_lines: Sequence[str] = ()) -> list[Flowable]:
    st = styles()
    lines = [Paragraph(esc(spec.title), st.title)]
    if spec.subtitle:
        lines.append(Paragraph(esc(spec.subtitle), st.subtitle))
    if copy_slot:  # the canvas writes each copy's label here
        lines.append(CopyLabelSlot(st.subtitle))
    lines += [Paragraph(esc(x), st.subtitle) for x in extra_lines]
    if qr_value:
        qr = QrFlowable(qr_value)
        side = qr.size + 2
        t = Table([[Spacer(side, 1), lines, qr]], colWidths=[side, width - 2 * side, side])
        t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "QsSong", 10), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
        return [t, Spacer(1, 3 * mm)]
    return [*lines, Spacer(1, 4 * mm)]


def notes_flowables(spec: FormSpec) -> list[Flowable]:
    if not spec.notes:
        return []
    st = styles()
    head = spec.notes_title or "注"
    out: list[Flowable] = [Spacer(1, 2 * mm)]
    for i, n in enumerate(spec.notes):
        lead = head if head.endswith(("：", ":")) else f"{head}："
        prefix = lead if i == 0 else "　" * len(lead)
        out.append(Paragraph(esc(prefix + n), st.small))
    return out


def form_story(
    spec: FormSpec,
    filled: Filled,
    *,
    copy_slot: bool = False,
    qr_value: str | None = None,
    extra_title_lines: Sequence[str] = (),
    landscape_page: bool = False,
    after_sections: Callable[[], list[Flowable]] | None = None,
) -> list[Flowable]:
    """The flowables of one copy of a form."""
    width = frame_width(landscape_page)
    story = title_block(spec, copy_slot, qr_value, width, extra_title_lines)
    for section in spec.sections:
        if section.items:
            story += checklist_flowables(spec, section, filled, width)
        else:
            story += section_flowables(section, filled, width)
    if after_sections is not None:
        story += after_sections()
    story += notes_flowables(spec)
    return story


#: Blank forms: rows at least this tall to write in by hand (a printed grid row is ~5 mm; ruled
#: writing paper has 8 mm lines; 8 mm keeps blank annex 4 on two sheets per copy) ...
BLANK_ROW_MIN = 8 * mm
#: ... growing up to this while there is room; what is left goes to the multi-line boxes.
BLANK_ROW_MAX = 13 * mm
BLANK_TEXT_MIN = 15 * mm


def story_height(story: Sequence[Flowable], width: float, avail: float) -> float:
    """Height ``story`` takes in a frame (wrap heights plus space before/after)."""
    total = 0.0
    for fl in story:
        _w, h = fl.wrap(width, avail)
        total += h + fl.getSpaceBefore() + fl.getSpaceAfter()
    return total


def blank_story(spec: FormSpec, *, copy_slot: bool = False, landscape_page: bool = False) -> list[Flowable]:
    """A blank form for handwriting: rows tall enough to write in, and a one-page form filled.

    Forms with checklists run over several pages and keep the least sizes. A form that fits one
    page (annex 3, annex 6) grows its rows (up to :data:`BLANK_ROW_MAX`) and then its multi-line
    boxes until the page is full, so there is room to write instead of two-thirds empty paper.
    The growth per millimetre is measured (the story is laid out with each size one mm larger),
    so it needs no knowledge of which rows the form has.
    """
    width, avail = frame_width(landscape_page), frame_height(landscape_page)

    def build(row: float, text: float) -> list[Flowable]:
        return form_story(spec, Filled(row_height=row, text_height=text), copy_slot=copy_slot,
                          landscape_page=landscape_page)

    story = build(BLANK_ROW_MIN, BLANK_TEXT_MIN)
    if any(sec.items for sec in spec.sections):
        return story
    base = story_height(story, width, avail)
    extra = avail - base - 12  # keep a little slack for rounding in the real layout
    if extra <= 0:
        return story
    per_row = story_height(build(BLANK_ROW_MIN + mm, BLANK_TEXT_MIN), width, avail) - base
    per_text = story_height(build(BLANK_ROW_MIN, BLANK_TEXT_MIN + mm), width, avail) - base
    row_add = 0.0
    if per_row > 0:
        cap = (BLANK_ROW_MAX - BLANK_ROW_MIN) / mm if per_text > 0 else extra / per_row
        row_add = min(cap, extra / per_row)
        extra -= row_add * per_row
    text_add = extra / per_text if per_text > 0 else 0.0
    return build(BLANK_ROW_MIN + row_add * mm, BLANK_TEXT_MIN + text_add * mm)
