"""The monthly statistics table 落实工业产品“两个规定”情况统计表 (002 annex 5), from the records.

Every figure is computed from rows in the database and keeps the ids of those rows
(:attr:`Figure.sources`), so a user can open the records behind any number. What each figure
counts (month = the calendar month chosen, by the record's own date):

* 开展宣贯指导情况: ``publicity`` activities in the month — staff turnouts (sum of
  ``staff_count``) and units reached (sum of ``quantity``, 家次).
* 生产/销售单位排摸情况 (the three 已… figures are cumulative to the month's end, as their names
  say): enterprises surveyed (distinct enterprises with a ``survey`` activity on or before the
  month's end), of which the latest survey found quality safety managers in place / the
  responsibility system in place; 自查整改问题隐患 is the month's ``self_fix`` quantities.
* 属地监管执法情况: sealed inspections of the month (an amendment is the same visit, so only
  originals count) — inspector turnouts (inspectors named on each record), producers (annex 4)
  and sellers (annex 5) inspected, problems found and fixed as recorded on them; cases of kind
  ``two_rules`` filed in the month; of those cases, warnings and fines (元) decided in the month.
* 组织抽查考核情况: ``assessment`` and ``assessment_followup`` quantities of the month, by unit.

A producer that also sells counts as a 生产单位. In county mode each station's table is computed
from the rows that station created (``origin``) and the county total is their sum.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from qsdesk.services.activities import unit_kind_of
from qsdesk.store.models import Activity, EnforcementCase, Enterprise, Inspection, Node

TITLE = "落实工业产品“两个规定”情况统计表"
PRODUCER_FORMS = ("annex4_producer",)
SELLER_FORMS = ("annex5_seller",)


@dataclass(frozen=True)
class CellDef:
    key: str
    group: str
    label: str
    cumulative: bool = False


CELLS: tuple[CellDef, ...] = (
    CellDef("publicity_staff", "开展宣贯指导情况", "出动监管人员（人次）"),
    CellDef("publicity_units", "开展宣贯指导情况", "宣贯生产和销售单位（家次）"),
    CellDef("producer_surveyed", "生产单位排摸情况", "已排摸单位总数（家）", True),
    CellDef("producer_managers", "生产单位排摸情况", "已配齐质量安全管理人员（家）", True),
    CellDef("producer_responsibility", "生产单位排摸情况", "已建立责任体系和工作机制（家）", True),
    CellDef("producer_self_fix", "生产单位排摸情况", "自查整改问题隐患（条）"),
    CellDef("seller_surveyed", "销售单位排摸情况", "已排摸单位总数（家）", True),
    CellDef("seller_managers", "销售单位排摸情况", "已配齐质量安全管理人员（家）", True),
    CellDef("seller_responsibility", "销售单位排摸情况", "已建立责任体系和工作机制（家）", True),
    CellDef("seller_self_fix", "销售单位排摸情况", "自查整改问题隐患（条）"),
    CellDef("enforcement_staff", "属地监管执法情况", "出动监管执法人员（人次）"),
    CellDef("inspected_producers", "属地监管执法情况", "检查生产单位（家次）"),
    CellDef("inspected_sellers", "属地监管执法情况", "检查销售单位（家次）"),
    CellDef("problems_found", "属地监管执法情况", "检发现问题隐患（条）"),
    CellDef("problems_fixed", "属地监管执法情况", "整改问题隐患（条）"),
    CellDef("cases", "属地监管执法情况", "立案查处违反“两个规定”案件（件）"),
    CellDef("warnings", "属地监管执法情况", "责令改正并给予警告（件）"),
    CellDef("fines", "属地监管执法情况", "罚没款金额（元）"),
    CellDef("producer_assessed", "组织抽查考核情况", "考核生产单位质量安全管理人员（人次）"),
    CellDef("producer_assessment_followup", "组织抽查考核情况", "督促考核不合格生产单位整改（家次）"),
    CellDef("seller_assessed", "组织抽查考核情况", "考核销售单位质量安全管理人员（人次）"),
    CellDef("seller_assessment_followup", "组织抽查考核情况", "督促考核不合格销售单位整改（家次）"),
)
CELL_BY_KEY = {c.key: c for c in CELLS}


@dataclass
class Figure:
    value: int | Decimal = 0
    sources: list[tuple[str, str]] = field(default_factory=list)  # (table, row id)

    def add(self, amount: int | Decimal, table: str, row_id: str) -> None:
        self.value += amount
        self.sources.append((table, row_id))


@dataclass
class MonthlyTable:
    year: int
    month: int
    unit: str  # 填报单位 (station name, or "合计")
    origin: str | None  # the station code, None for "all records" / the county total
    figures: dict[str, Figure]

    def value(self, key: str) -> int | Decimal:
        return self.figures[key].value

    def values(self) -> dict[str, int | Decimal]:
        return {k: f.value for k, f in self.figures.items()}


def month_range(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12:
        raise ValueError(f"月份应为 1–12：{month}")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse_month(text: str) -> tuple[int, int]:
    """``2026-10`` / ``2026-1`` / ``202610`` → (2026, 10); ValueError (Chinese) otherwise."""
    t = text.strip().replace("/", "-").replace("年", "-").removesuffix("月")
    try:
        if "-" in t:
            y, m = (int(p) for p in t.split("-", 1))
        else:
            y, m = int(t[:4]), int(t[4:])
    except ValueError:
        raise ValueError(f"月份格式应为 2026-10：{text}") from None
    month_range(y, m)
    return y, m


def due_date(today: date) -> date:
    """When the current table is due: the 23rd of this month, or of next month after the 23rd."""
    if today.day <= 23:
        return date(today.year, today.month, 23)
    y, m = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(y, m, 23)


def reminder(today: date, days_before: int = 7) -> str | None:
    """The dashboard's line about the monthly table, from ``days_before`` days before the 23rd."""
    due = due_date(today)
    left = (due - today).days
    if left > days_before:
        return None
    when = "今天" if left == 0 else f"还有 {left} 天"
    return f"本月《{TITLE}》应于 {due.month} 月 {due.day} 日前报送（{when}）"


def _new_figures() -> dict[str, Figure]:
    return {c.key: Figure(Decimal("0") if c.key == "fines" else 0) for c in CELLS}


def _origin_filter(stmt: Any, model: Any, origin: str | None) -> Any:
    return stmt if origin is None else stmt.where(model.origin == origin)


def compute_monthly(session: Session, year: int, month: int, *, origin: str | None = None,
                    unit: str = "") -> MonthlyTable:
    """The table for one month from every record (or only those a station ``origin`` created)."""
    start, end = month_range(year, month)
    figs = _new_figures()

    # activities of the month (publicity, self-fix, assessments)
    act_stmt = (
        select(Activity.id, Activity.kind, Activity.unit_kind, Activity.staff_count, Activity.quantity,
               Enterprise.unit_types)
        .outerjoin(Enterprise, Enterprise.id == Activity.enterprise_id)
        .where(Activity.deleted.is_(False), Activity.on_date >= start, Activity.on_date <= end,
               Activity.kind.in_(("publicity", "self_fix", "assessment", "assessment_followup")))
    )
    for aid, kind, ukind, staff, qty, utypes in session.execute(_origin_filter(act_stmt, Activity, origin)):
        uk = ukind or unit_kind_of(utypes)
        if kind == "publicity":
            figs["publicity_staff"].add(staff or 0, "activity", aid)
            figs["publicity_units"].add(qty or 0, "activity", aid)
        elif kind == "self_fix":
            figs[f"{uk}_self_fix"].add(qty or 0, "activity", aid)
        elif kind == "assessment":
            figs[f"{uk}_assessed"].add(qty or 0, "activity", aid)
        else:
            figs[f"{uk}_assessment_followup"].add(qty or 0, "activity", aid)

    # surveys, cumulative: the latest survey of each enterprise on or before the month's end
    survey_stmt = (
        select(Activity.id, Activity.enterprise_id, Activity.on_date, Activity.unit_kind,
               Activity.managers_in_place, Activity.responsibility_system, Enterprise.unit_types)
        .join(Enterprise, Enterprise.id == Activity.enterprise_id)
        .where(Activity.deleted.is_(False), Activity.kind == "survey", Activity.on_date <= end,
               Enterprise.deleted.is_(False))
        .order_by(Activity.enterprise_id, Activity.on_date, Activity.id)
    )
    latest: dict[str, Any] = {}
    for r in session.execute(_origin_filter(survey_stmt, Activity, origin)):
        latest[r.enterprise_id] = r  # ordered by date: the last one wins
    for r in latest.values():
        uk = r.unit_kind or unit_kind_of(r.unit_types)
        figs[f"{uk}_surveyed"].add(1, "activity", r.id)
        if r.managers_in_place:
            figs[f"{uk}_managers"].add(1, "activity", r.id)
        if r.responsibility_system:
            figs[f"{uk}_responsibility"].add(1, "activity", r.id)

    # inspections
    insp_stmt = (
        select(Inspection.id, Inspection.form_id, Inspection.inspector1_id, Inspection.inspector2_id,
               Inspection.problems_found, Inspection.problems_fixed)
        .where(Inspection.deleted.is_(False), Inspection.status == "sealed", Inspection.amends_id.is_(None),
               Inspection.inspected_on >= start, Inspection.inspected_on <= end,
               Inspection.form_id.in_(PRODUCER_FORMS + SELLER_FORMS))
    )
    for iid, form_id, i1, i2, found, fixed in session.execute(_origin_filter(insp_stmt, Inspection, origin)):
        figs["enforcement_staff"].add(int(i1 is not None) + int(i2 is not None), "inspection", iid)
        key = "inspected_producers" if form_id in PRODUCER_FORMS else "inspected_sellers"
        figs[key].add(1, "inspection", iid)
        if found:
            figs["problems_found"].add(found, "inspection", iid)
        if fixed:
            figs["problems_fixed"].add(fixed, "inspection", iid)

    # cases under the two rules
    decided = func.coalesce(EnforcementCase.decided_on, EnforcementCase.filed_on)
    case_stmt = (
        select(EnforcementCase.id, EnforcementCase.filed_on, decided.label("decided"), EnforcementCase.penalty,
               EnforcementCase.fine_yuan)
        .where(EnforcementCase.deleted.is_(False), EnforcementCase.kind == "two_rules",
               or_(EnforcementCase.filed_on.between(start, end), decided.between(start, end)))
    )
    for cid, filed_on, dec, penalty, fine in session.execute(_origin_filter(case_stmt, EnforcementCase, origin)):
        if start <= filed_on <= end:
            figs["cases"].add(1, "enforcement_case", cid)
        dec_date = dec if isinstance(dec, date) else date.fromisoformat(str(dec))
        if start <= dec_date <= end:
            if penalty == "warning":
                figs["warnings"].add(1, "enforcement_case", cid)
            if fine:
                figs["fines"].add(Decimal(fine), "enforcement_case", cid)
    return MonthlyTable(year, month, unit, origin, figs)


def station_origins(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every station whose records this database holds, by code."""
    names = {code: name for code, name in session.execute(select(Node.code, Node.name))}
    codes: set[str] = {c for c, k in session.execute(select(Node.code, Node.kind)) if k == "station"}
    for model in (Activity, Inspection, EnforcementCase):
        codes.update(o for (o,) in session.execute(select(model.origin).distinct()) if o)
    self_county = session.scalars(select(Node.code).where(Node.is_self.is_(True), Node.kind == "county")).first()
    codes.discard(self_county or "")
    return [(c, names.get(c, c)) for c in sorted(codes)]


def compute_county(session: Session, year: int, month: int) -> tuple[list[MonthlyTable], MonthlyTable]:
    """Each station's table (from the rows it created) and the county total (their sum)."""
    tables = [compute_monthly(session, year, month, origin=code, unit=name)
              for code, name in station_origins(session)]
    total = sum_tables(tables, year, month)
    return tables, total


def sum_tables(tables: Iterable[MonthlyTable], year: int, month: int, unit: str = "合计") -> MonthlyTable:
    figs = _new_figures()
    for t in tables:
        for k, f in t.figures.items():
            figs[k].value += f.value
            figs[k].sources.extend(f.sources)
    return MonthlyTable(year, month, unit, None, figs)


def records_behind(session: Session, figure: Figure) -> list[tuple[str, str, str]]:
    """(table, id, one-line description) of the rows behind a figure, for the drill-down."""
    from qsdesk.services.activities import describe

    models = {"activity": Activity, "inspection": Inspection, "enforcement_case": EnforcementCase}
    by_table: dict[str, list[str]] = defaultdict(list)
    for table, rid in figure.sources:
        by_table[table].append(rid)
    out: list[tuple[str, str, str]] = []
    for table, ids in by_table.items():
        model = models[table]
        rows = {r.id: r for r in session.scalars(select(model).where(model.id.in_(set(ids))))}
        names = dict(session.execute(select(Enterprise.id, Enterprise.name).where(
            Enterprise.id.in_({getattr(r, "enterprise_id", None) for r in rows.values()} - {None}))).all())
        for rid in dict.fromkeys(ids):
            r = rows.get(rid)
            if r is None:
                continue
            ent = names.get(getattr(r, "enterprise_id", None), "")
            if isinstance(r, Inspection):
                desc = f"{r.inspected_on} 监督检查 {r.record_no or ''} 发现问题 {r.problems_found} 条，整改 {r.problems_fixed} 条"
            else:
                desc = describe(r)
            out.append((table, rid, f"{ent} {desc}".strip()))
    return out


# --------------------------------------------------------------------------- annex layout export

_GROUPS: list[tuple[str, list[CellDef]]] = []
for _c in CELLS:
    if not _GROUPS or _GROUPS[-1][0] != _c.group:
        _GROUPS.append((_c.group, []))
    _GROUPS[-1][1].append(_c)


def export_annex(tables: list[MonthlyTable], out: Path | str, *, reporter: str, filled_on: date) -> None:
    """Write the table(s) in the annex layout: title, 填报单位/日期, two header rows, one row per
    unit (a county adds a 合计 row as its last table)."""
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

    ws.cell(1, 1, TITLE).font = Font(bold=True, size=16)
    ws.cell(1, 1).alignment = center
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    t0 = tables[0]
    ws.cell(2, 1, f"填报单位：{reporter}")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols // 2)
    ws.cell(2, ncols // 2 + 1, f"统计月份：{t0.year}年{t0.month}月    填报日期：{filled_on:%Y年%m月%d日}")
    ws.merge_cells(start_row=2, start_column=ncols // 2 + 1, end_row=2, end_column=ncols)

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
    ws.cell(row + 1, 1, "注：“已排摸单位总数”“已配齐质量安全管理人员”“已建立责任体系和工作机制”为截至当月月底累计数，其余为当月数。")
    ws.column_dimensions["A"].width = 22
    for i in range(2, ncols + 1):
        ws.column_dimensions[get_column_letter(i)].width = 11
    ws.row_dimensions[4].height = 72
    ws.freeze_panes = "B5"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


def read_annex_values(path: Path | str) -> list[tuple[str, dict[str, Any]]]:
    """Read a file written by :func:`export_annex` back: (unit, {cell key: value}) per row."""
    from openpyxl import load_workbook

    ws = load_workbook(path, data_only=True).active
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
    """Compute and write the month's table: ``.xlsx`` in the annex layout, ``.pdf`` printed."""
    from qsdesk.services import audit

    tables, reporter = tables_for(store, year, month, county=county)
    if Path(out).suffix.lower() == ".pdf":
        print_annex(tables, out, reporter=reporter, filled_on=filled_on or date.today())
        action = "print"
    else:
        export_annex(tables, out, reporter=reporter, filled_on=filled_on or date.today())
        action = "export"
    with store.transaction() as s:
        audit.record(s, action, None, None, kind="monthly", month=f"{year}-{month:02d}", file=Path(out).name)
    return tables


def print_annex(tables: list[MonthlyTable], out: Path | str | None, *, reporter: str, filled_on: date) -> bytes:
    """The table as an A4 landscape PDF laid out like the annex (two header rows, one row per unit)."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from qsdesk.services.printing.base import Decor, build_pdf, esc, frame_width, styles

    st = styles()
    tiny = ParagraphStyle("qs-monthly", parent=st.cell_center, fontSize=7.5, leading=9.5)
    t0 = tables[0]
    width = frame_width(landscape_page=True)
    unit_w = 70.0
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
    story = [
        Paragraph(esc(TITLE), st.title),
        Spacer(1, 6),
        Paragraph(esc(f"填报单位：{reporter}　　统计月份：{t0.year}年{t0.month}月　　填报日期：{filled_on:%Y年%m月%d日}"),
                  st.body),
        Spacer(1, 6),
        table,
        Spacer(1, 6),
        Paragraph(esc("注：“已排摸单位总数”“已配齐质量安全管理人员”“已建立责任体系和工作机制”为截至当月月底累计数，其余为当月数。"),
                  st.small),
    ]
    return build_pdf(out, story, Decor(), title=TITLE, landscape_page=True)


def _plain(v: int | Decimal) -> str:
    if isinstance(v, Decimal):
        return format(v.quantize(Decimal("0.01")), "f")
    return str(v)
