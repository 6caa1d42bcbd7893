"""The parts of the printed forms' layout every block uses: the grid's measures, what a filled
form hands to the layout (:class:`Filled`), the text of a value by field type (:data:`RENDERERS`)
and the text cells that wrap and split inside a table row.

Split from :mod:`qsdesk.services.printing.layout` (which re-exports these names).
"""

from __future__ import annotations

import datetime as _dt
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
    Paragraph,
    TableStyle,
)

from qsdesk.domain.formspec import Field
from qsdesk.services.printing.base import (
    CHECKED,
    UNCHECKED,
    esc,
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


def _spaced(title: str) -> str:
    """Short section titles are letter-spaced like the annexes (基 本 情 况)."""
    return " ".join(title) if len(title) <= 4 else title
