"""Checklist sections on paper: one bordered table 序号 | 检查项目 | 检查内容 | 检查结果 | note per
section, each group's number and title once per group (repeated when a group continues on the next
page), the header row on every page.

Split from :mod:`qsdesk.services.printing.layout` (which re-exports these names).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import (
    Flowable,
    Table,
    TableStyle,
)

from qsdesk.domain.formspec import ChecklistItem, FormSpec, Section, answer_of, note_of
from qsdesk.services.printing.base import (
    esc,
    para,
    styles,
)
from qsdesk.services.printing.layout_base import (
    GRID,
    LINE,
    PAD,
    SHADE,
    Filled,
    SharedParagraph,
    _spaced,
    box,
    split_paragraph,
    text_cell,
)


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
