"""The monthly table as the annex lays it out (宝山区实施方案 附件5): the xlsx workbook with its
明细 sheet, reading a workbook back, and the printed PDF, for one station or a county.

Split from :mod:`qsdesk.services.monthly` (the figures themselves).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from qsdesk.services.monthly import (
    CELLS,
    TITLE,
    CellDef,
    MonthlyTable,
    compute_county,
    compute_monthly,
    make_period,
)
from qsdesk.services.monthly_records import source_rows

_GROUPS: list[tuple[str, list[CellDef]]] = []
for _c in CELLS:
    if not _GROUPS or _GROUPS[-1][0] != _c.group:
        _GROUPS.append((_c.group, []))
    _GROUPS[-1][1].append(_c)

CUMULATIVE_NOTE = ("注：“已排摸单位总数”“已配齐质量安全管理人员”“已建立责任体系和工作机制”为截至统计区间末日的累计数，"
                   "其余为统计区间内的数。")


def _plain(v: int | Decimal) -> str:
    if isinstance(v, Decimal):
        return format(v.quantize(Decimal("0.01")), "f")
    return str(v)


def _heading(t0: MonthlyTable, reporter: str, filled_on: date) -> tuple[str, str]:
    p = t0.period or make_period(t0.year, t0.month)
    return (f"填报单位：{reporter}　　　填报日期：{filled_on:%Y年%m月%d日}",
            f"统计月份：{p.label}　　统计区间：{p.covers}　　报送截止：{p.due:%Y年%m月%d日}")


def _detail_sheet(wb: Any, session: Session | None, tables: list[MonthlyTable]) -> None:
    """A 明细 sheet: for every figure of every unit, the records behind it (the drill-down)."""
    from openpyxl.styles import Font

    ws = wb.create_sheet("明细")
    head = ["填报单位", "类别", "统计项目", "数值", "来源", "日期", "企业", "记录内容"]
    ws.append(head)
    for i in range(1, len(head) + 1):
        ws.cell(1, i).font = Font(bold=True)
    if session is None:
        return
    for t in tables:
        if t.origin is None and len(tables) > 1:
            continue  # the 合计 row's records are the stations' records, listed above
        for c in CELLS:
            f = t.figures[c.key]
            rows = source_rows(session, f)
            if not rows:
                ws.append([t.unit, c.group, c.label, float(f.value) if isinstance(f.value, Decimal) else f.value,
                           "（无记录）", None, None, None])
            for r in rows:
                ws.append([t.unit, c.group, c.label, float(f.value) if isinstance(f.value, Decimal) else f.value,
                           r.kind, r.on, r.enterprise, r.description])
    for col, w in zip("ABCDEFGH", (18, 16, 30, 10, 22, 12, 28, 60), strict=True):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "A2"


def export_station(table: MonthlyTable, out: Path | str, *, reporter: str, filled_on: date,
                   session: Session | None = None) -> None:
    """One station's table in the layout of 附件5: 类别 | 项目 | 数值, one column of figures."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "统计表"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.cell(1, 1, TITLE).font = Font(bold=True, size=16)
    ws.cell(1, 1).alignment = center
    ws.merge_cells("A1:C1")
    line1, line2 = _heading(table, reporter, filled_on)
    ws.cell(2, 1, line1)
    ws.merge_cells("A2:C2")
    ws.cell(3, 1, line2)
    ws.merge_cells("A3:C3")
    for i, h in enumerate(("类别", "项目", "数值"), start=1):
        c = ws.cell(4, i, h)
        c.font = Font(bold=True)
        c.alignment = center
        c.border = border
    row = 5
    for group, cells in _GROUPS:
        ws.cell(row, 1, group)
        if len(cells) > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row + len(cells) - 1, end_column=1)
        for c in cells:
            v = table.figures[c.key].value
            ws.cell(row, 2, c.label)
            cell = ws.cell(row, 3, float(v) if isinstance(v, Decimal) else v)
            if c.key == "fines":
                cell.number_format = "#,##0.00"
            for col in (1, 2, 3):
                ws.cell(row, col).border = border
                ws.cell(row, col).alignment = center if col != 2 else Alignment(vertical="center", wrap_text=True)
            row += 1
    ws.cell(row + 1, 1, CUMULATIVE_NOTE)
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=3)
    ws.cell(row + 1, 1).alignment = Alignment(wrap_text=True)
    ws.row_dimensions[row + 1].height = 32
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 16
    _detail_sheet(wb, session, [table])
    _save(wb, out)


def _save(wb: Any, out: Path | str) -> None:
    """Atomic: a temporary name beside the target, fsync, rename."""
    import os
    import tempfile

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".monthly-", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_annex(tables: list[MonthlyTable], out: Path | str, *, reporter: str, filled_on: date,
                 session: Session | None = None) -> None:
    """The county's roll-up: the items of 附件5 as columns (two header rows: group, item), one row
    per station and the 合计 row last."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "统计表"
    ncols = 1 + len(CELLS)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)

    ws.cell(1, 1, TITLE + "（汇总）").font = Font(bold=True, size=16)
    ws.cell(1, 1).alignment = center
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    line1, line2 = _heading(tables[0], reporter, filled_on)
    ws.cell(2, 1, f"{line1}　　{line2}")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)

    ws.cell(3, 1, "单位")
    ws.merge_cells(start_row=3, start_column=1, end_row=4, end_column=1)
    col = 2
    for group, cells in _GROUPS:
        ws.cell(3, col, group)
        if len(cells) > 1:
            ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + len(cells) - 1)
        for c in cells:
            ws.cell(4, col, c.label)
            col += 1
    for r in range(3, 5):
        for cidx in range(1, ncols + 1):
            cell = ws.cell(r, cidx)
            cell.alignment = center
            cell.border = border
            cell.font = Font(bold=True)
    row = 5
    for t in tables:
        ws.cell(row, 1, t.unit).border = border
        for i, c in enumerate(CELLS, start=2):
            v = t.figures[c.key].value
            cell = ws.cell(row, i, float(v) if isinstance(v, Decimal) else v)
            cell.border = border
            cell.alignment = center
            if c.key == "fines":
                cell.number_format = "#,##0.00"
        row += 1
    ws.cell(row + 1, 1, CUMULATIVE_NOTE)
    ws.column_dimensions["A"].width = 22
    for i in range(2, ncols + 1):
        ws.column_dimensions[get_column_letter(i)].width = 11
    ws.row_dimensions[4].height = 72
    ws.freeze_panes = "B5"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _detail_sheet(wb, session, tables)
    _save(wb, out)


def read_annex_values(path: Path | str) -> list[tuple[str, dict[str, Any]]]:
    """Read a file written by :func:`export_annex` or :func:`export_station` back:
    (unit, {cell key: value}) per unit."""
    from openpyxl import load_workbook

    ws = load_workbook(path, data_only=True)["统计表"]
    if ws.cell(4, 1).value == "类别":  # a station's table: one column of figures
        unit = str(ws.cell(2, 1).value or "").split("　")[0].removeprefix("填报单位：")
        values = {c.key: ws.cell(5 + i, 3).value for i, c in enumerate(CELLS)}
        return [(unit, values)]
    out = []
    for r in range(5, ws.max_row + 1):
        unit = ws.cell(r, 1).value
        if unit is None or str(unit).startswith("注："):
            continue
        out.append((str(unit), {c.key: ws.cell(r, i).value for i, c in enumerate(CELLS, start=2)}))
    return out


def tables_for(store: Any, year: int, month: int, *, county: bool | None = None) -> tuple[list[MonthlyTable], str]:
    """The month's table(s) as filed by this node, and the reporting unit's name.

    A county node (or ``county=True``) gives one table per station plus the 合计 table last.
    """
    node = store.self_node()
    reporter = node.name if node is not None else ""
    if county is None:
        county = node is not None and node.kind == "county"
    with store.session() as s:
        if county:
            stations, total = compute_county(s, year, month)
            return [*stations, total], reporter
        return [compute_monthly(s, year, month, unit=reporter or "本单位")], reporter


def export_monthly(store: Any, year: int, month: int, out: Path | str, *, county: bool | None = None,
                   filled_on: date | None = None) -> list[MonthlyTable]:
    """Compute and write the month's table: ``.xlsx`` (layout + 明细 sheet) or ``.pdf``.

    A station's table has the layout of 附件5 (类别, 项目, one column of figures); the county's
    roll-up has one row per station plus the total. Exporting is not sending (see
    :func:`send_status`).
    """
    from qsdesk.services import audit

    node = store.self_node()
    roll_up = county if county is not None else (node is not None and node.kind == "county")
    tables, reporter = tables_for(store, year, month, county=roll_up)
    day = filled_on or date.today()
    with store.session() as s:
        if Path(out).suffix.lower() == ".pdf":
            if roll_up:
                print_annex(tables, out, reporter=reporter, filled_on=day)
            else:
                print_station(tables[0], out, reporter=reporter, filled_on=day)
            action = "print"
        else:
            if roll_up:
                export_annex(tables, out, reporter=reporter, filled_on=day, session=s)
            else:
                export_station(tables[0], out, reporter=reporter, filled_on=day, session=s)
            action = "export"
    with store.transaction() as s:
        audit.record(s, action, None, None, kind="月度统计表", month=f"{year}-{month:02d}", file=Path(out).name)
    return tables


def print_station(table: MonthlyTable, out: Path | str | None, *, reporter: str, filled_on: date) -> bytes:
    """A station's table as an A4 portrait PDF in the layout of 附件5 (类别 | 项目 | 数值)."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from qsdesk.services.printing.base import Decor, build_pdf, esc, frame_width, styles

    st = styles()
    width = frame_width()
    line1, line2 = _heading(table, reporter, filled_on)
    data: list[list[Any]] = [[Paragraph("类别", st.cell_center), Paragraph("项目", st.cell_center),
                              Paragraph("数值", st.cell_center)]]
    spans = []
    r = 1
    for group, cells in _GROUPS:
        spans.append(("SPAN", (0, r), (0, r + len(cells) - 1)))
        for i, c in enumerate(cells):
            data.append([Paragraph(esc(group), st.cell_center) if i == 0 else "",
                         Paragraph(esc(c.label), st.cell),
                         Paragraph(esc(_plain(table.figures[c.key].value)), st.cell_center)])
            r += 1
    t = Table(data, colWidths=[width * 0.22, width * 0.53, width * 0.25], repeatRows=1)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *spans,
    ]))
    story = [Paragraph(esc(TITLE), st.title), Spacer(1, 6), Paragraph(esc(line1), st.body),
             Paragraph(esc(line2), st.body), Spacer(1, 6), t, Spacer(1, 6), Paragraph(esc(CUMULATIVE_NOTE), st.small)]
    return build_pdf(out, story, Decor(), title=TITLE)


def print_annex(tables: list[MonthlyTable], out: Path | str | None, *, reporter: str, filled_on: date) -> bytes:
    """The county roll-up as an A4 landscape PDF: the items of 附件5 as columns, one row per station
    plus 合计 (a single table prints in the station layout, :func:`print_station`)."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from qsdesk.services.printing.base import Decor, build_pdf, esc, frame_width, styles

    st = styles()
    tiny = ParagraphStyle("qs-monthly", parent=st.cell_center, fontSize=7.5, leading=9.5)
    width = frame_width(landscape_page=True)
    unit_w = 96.0
    shares = [1.8 if c.key == "fines" else 1.0 for c in CELLS]  # money needs room for 8 digits
    unit_share = (width - unit_w) / sum(shares)
    head1: list[Any] = [Paragraph("单位", tiny)]
    head2: list[Any] = [""]
    spans = [("SPAN", (0, 0), (0, 1))]
    col = 1
    for group, cells in _GROUPS:
        head1.append(Paragraph(esc(group), tiny))
        head1.extend([""] * (len(cells) - 1))
        spans.append(("SPAN", (col, 0), (col + len(cells) - 1, 0)))
        head2.extend(Paragraph(esc(c.label), tiny) for c in cells)
        col += len(cells)
    body = [[Paragraph(esc(t.unit), tiny), *[Paragraph(esc(_plain(t.figures[c.key].value)), tiny) for c in CELLS]]
            for t in tables]
    table = Table([head1, head2, *body], colWidths=[unit_w] + [unit_share * x for x in shares], repeatRows=2)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
        *spans,
    ]))
    line1, line2 = _heading(tables[0], reporter, filled_on)
    story = [
        Paragraph(esc(TITLE + "（汇总）"), st.title),
        Spacer(1, 6),
        Paragraph(esc(f"{line1}　　{line2}"), st.body),
        Spacer(1, 6),
        table,
        Spacer(1, 6),
        Paragraph(esc(CUMULATIVE_NOTE), st.small),
    ]
    return build_pdf(out, story, Decor(), title=TITLE, landscape_page=True)
