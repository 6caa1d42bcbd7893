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

The shared measures, :class:`Filled` and the value texts are :mod:`.layout_base`; checklist
tables :mod:`.layout_checklist`; signature boxes :mod:`.layout_signature`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from qsdesk.domain.formspec import Field, FormSpec, Section
from qsdesk.services.printing.base import (
    CopyLabelSlot,
    QrFlowable,
    esc,
    frame_height,
    frame_width,
    para,
    styles,
)
from qsdesk.services.printing.layout_base import BLANK_TABLE_ROWS as BLANK_TABLE_ROWS
from qsdesk.services.printing.layout_base import GRID as GRID
from qsdesk.services.printing.layout_base import LABEL_SHARE as LABEL_SHARE
from qsdesk.services.printing.layout_base import LABEL_WIDTH as LABEL_WIDTH
from qsdesk.services.printing.layout_base import LINE as LINE
from qsdesk.services.printing.layout_base import MAX_CELL_HEIGHT as MAX_CELL_HEIGHT
from qsdesk.services.printing.layout_base import PAD as PAD
from qsdesk.services.printing.layout_base import RENDERERS as RENDERERS
from qsdesk.services.printing.layout_base import SHADE as SHADE
from qsdesk.services.printing.layout_base import SIGNATURE_HEIGHT as SIGNATURE_HEIGHT
from qsdesk.services.printing.layout_base import BlankLine as BlankLine
from qsdesk.services.printing.layout_base import Filled as Filled
from qsdesk.services.printing.layout_base import SharedParagraph as SharedParagraph
from qsdesk.services.printing.layout_base import SignatureImage as SignatureImage
from qsdesk.services.printing.layout_base import _grid_style as _grid_style
from qsdesk.services.printing.layout_base import _spaced as _spaced
from qsdesk.services.printing.layout_base import box as box
from qsdesk.services.printing.layout_base import format_text as format_text
from qsdesk.services.printing.layout_base import split_paragraph as split_paragraph
from qsdesk.services.printing.layout_base import text_cell as text_cell
from qsdesk.services.printing.layout_checklist import checklist_flowables as checklist_flowables
from qsdesk.services.printing.layout_signature import SignatureSlot as SignatureSlot
from qsdesk.services.printing.layout_signature import _signature_cell
from qsdesk.services.printing.layout_signature import signature_slots as signature_slots
from qsdesk.services.printing.layout_signature import signatures_for as signatures_for


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
