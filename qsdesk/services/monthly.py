"""The monthly statistics table 落实工业产品“两个规定”情况统计表 (宝山区实施方案 附件5), from the records.

Every figure is computed from rows in the database and keeps the ids of those rows
(:attr:`Figure.sources`), so a user can open the records behind any number (GUI and the 明细
sheet of the workbook). What each figure counts, for the reporting period (:class:`Period`, by
default the calendar month; a county may set another cut-off day, see
:mod:`qsdesk.services.county_settings`):

* 开展宣贯指导情况: ``publicity`` work records of the period — staff turnouts and units reached.
  Only what no other record can know is typed as a work record (宣贯, and ``enforcement_turnout``:
  出动人次 for enforcement work that left no inspection record).
* 生产/销售单位排摸情况, cumulative to the period's end as their names say:
  已排摸单位总数 = enterprises surveyed — annex 3 census saved (the audit entry of the save with
  ``form_id`` annex3_census gives the day), entered with the 录入原因 摸底排查 (its first audit
  entry), or a ``survey`` work record naming it; 已配齐质量安全管理人员 / 已建立责任体系和工作机制 =
  of those, the ones whose latest task checklist (国市监质监发〔2023〕38号 附件2) on or before the
  end answers √ to "配备质量安全总监和质量安全员" / to both "制定《质量安全总监职责》《质量安全员守则》"
  and "建立日管控、周排查、月调度工作制度" — or, without a checklist, whose latest survey record says
  so. 自查整改问题隐患 = the period's ``self_fix`` records (what enterprises report fixing themselves).
* 属地监管执法情况: sealed inspections (annex 4 producer / annex 5 seller) of the period. An
  amendment replaces the record it corrects in every figure: each chain counts once, by its newest
  sealed version. Inspector turnouts (inspectors named on each record, plus ``enforcement_turnout``
  records), producers and sellers inspected, problems found; 整改问题隐患 = problems fixed on the
  spot on the period's inspections plus problems fixed later (``rectification`` records, dated the
  day they were fixed, naming the inspection); cases of kind ``two_rules`` filed in the period; of
  those decided in the period, warnings and fines (元).
* 组织抽查考核情况: ``assessment`` and ``assessment_followup`` quantities of the period, by unit.

A producer that also sells counts as a 生产单位. In county mode each station's table is computed
from the rows that station created (``origin``) and the county total is their sum.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from qsdesk.domain.formcatalog import FormCatalog
from qsdesk.services.activities import unit_kind_of
from qsdesk.store.db import forms_of
from qsdesk.store.models import (
    Activity,
    AuditEntry,
    EnforcementCase,
    Enterprise,
    Inspection,
    Node,
    TaskChecklist,
)

#: Result rows to unpack: SQLAlchemy 2.1 types a row of an untyped select as Row[*tuple[Any, ...]],
#: which mypy unpacks to ``object``; the rows are sequences of column values.
_Rows = Iterable[Sequence[Any]]

TITLE = "落实工业产品“两个规定”情况统计表"
PRODUCER_FORMS = ("annex4_producer",)
SELLER_FORMS = ("annex5_seller",)
CENSUS_FORM = "annex3_census"
SURVEY_REASON = "摸底排查"
#: Task checklist items (国市监质监发〔2023〕38号 附件2) that record the two survey findings, by content.
MANAGERS_ITEMS = ("配备质量安全总监和质量安全员",)
RESPONSIBILITY_ITEMS = ("制定《质量安全总监职责》", "建立日管控、周排查、月调度")
CHECKLIST_FORMS = ("task_producer", "task_seller")
_CHINA = timezone(timedelta(hours=8))


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
#: Figures a person may add to by hand (work records), and what to record: offered where shown.
MANUAL_KINDS: dict[str, tuple[str, ...]] = {
    "publicity_staff": ("publicity",), "publicity_units": ("publicity",),
    "producer_self_fix": ("self_fix",), "seller_self_fix": ("self_fix",),
    "enforcement_staff": ("enforcement_turnout",),
    "producer_assessed": ("assessment",), "seller_assessed": ("assessment",),
    "producer_assessment_followup": ("assessment_followup",),
    "seller_assessment_followup": ("assessment_followup",),
}


@dataclass
class Figure:
    value: int | Decimal = 0
    sources: list[tuple[str, str]] = field(default_factory=list)  # (table, row id)

    def add(self, amount: int | Decimal, table: str, row_id: str) -> None:
        self.value += amount
        self.sources.append((table, row_id))


@dataclass(frozen=True)
class Period:
    """The days one month's table covers and the day it is due.

    With the cut-off day 0 (default) the period is the calendar month; with a cut-off day E the
    table of month M covers the day after E of month M-1 through E of month M, so consecutive
    periods touch and nothing falls between two reports. Due: the first day numbered ``due_day``
    after the period's end (default the 23rd: 宝山区实施方案 四（三） "每月23日前报送").
    """

    year: int
    month: int
    start: date
    end: date
    due: date
    end_day_is_default: bool = True
    due_day_is_default: bool = True

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def covers(self) -> str:
        return f"{self.start:%Y年%m月%d日}至{self.end:%Y年%m月%d日}"

    def describe(self) -> str:
        """One line for people: the days covered, the due day, and whether defaults apply."""
        parts = [f"统计区间：{self.covers}", f"报送截止：{self.due:%Y年%m月%d日}"]
        if self.end_day_is_default and self.due_day_is_default:
            parts.append("（默认：自然月，次月23日前报送；县局可设置）")
        else:
            parts.append("（县局设置）")
        return "　".join(parts)


@dataclass
class MonthlyTable:
    year: int
    month: int
    unit: str  # 填报单位 (station name, or "合计")
    origin: str | None  # the station code, None for "all records" / the county total
    figures: dict[str, Figure]
    period: Period | None = None

    def value(self, key: str) -> int | Decimal:
        return self.figures[key].value

    def values(self) -> dict[str, int | Decimal]:
        return {k: f.value for k, f in self.figures.items()}


def month_range(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12:
        raise ValueError(f"月份应为 1–12：{month}")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _shift(year: int, month: int, n: int) -> tuple[int, int]:
    i = year * 12 + month - 1 + n
    return i // 12, i % 12 + 1


def make_period(year: int, month: int, end_day: int = 0, due_day: int = 23, *,
                end_default: bool = True, due_default: bool = True) -> Period:
    """The period of month ``year-month`` for a cut-off day (0 = month end) and a due day."""
    first, last = month_range(year, month)
    if end_day <= 0:
        start, end = first, last
    else:
        py, pm = _shift(year, month, -1)
        start = date(py, pm, end_day) + timedelta(days=1)
        end = date(year, month, end_day)
    due = date(end.year, end.month, due_day)
    if due <= end:
        ny, nm = _shift(end.year, end.month, 1)
        due = date(ny, nm, due_day)
    return Period(year, month, start, end, due, end_default, due_default)


def period_of(session: Session | None, year: int, month: int) -> Period:
    """The period of a month under the county's settings (defaults when none are set)."""
    if session is None:
        return make_period(year, month)
    from qsdesk.services import county_settings as cs

    e = cs.get(session, "monthly.period_end_day")
    d = cs.get(session, "monthly.due_day")
    return make_period(year, month, e.value, d.value, end_default=e.is_default, due_default=d.is_default)


def current_period(session: Session | None, today: date) -> Period:
    """The report to be filed next: the latest period that has ended before ``today``."""
    y, m = today.year, today.month
    p = period_of(session, y, m)
    while p.end >= today:
        y, m = _shift(y, m, -1)
        p = period_of(session, y, m)
    return p


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


def due_date(today: date, session: Session | None = None) -> date:
    """When the report to be filed next is due (see :func:`current_period`)."""
    return current_period(session, today).due


def reminder(today: date, days_before: int = 7, session: Session | None = None) -> str | None:
    """The dashboard's line about the monthly table, from ``days_before`` days before it is due."""
    p = current_period(session, today)
    left = (p.due - today).days
    if left > days_before:
        return None
    when = "今天截止" if left == 0 else (f"已超过 {-left} 天" if left < 0 else f"还有 {left} 天")
    return f"{p.label}《{TITLE}》应于 {p.due.month} 月 {p.due.day} 日前报送（{when}）"


def _new_figures() -> dict[str, Figure]:
    return {c.key: Figure(Decimal("0") if c.key == "fines" else 0) for c in CELLS}


def _local_day(at: datetime) -> date:
    """An audit time (UTC) as the day in China."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(_CHINA).date()


def _end_utc(end: date) -> datetime:
    """The first instant after ``end`` (China time), as an aware UTC time (PostgreSQL compares a
    timestamptz correctly; SQLite stores and compares the UTC wall time)."""
    return datetime(end.year, end.month, end.day, tzinfo=_CHINA).astimezone(UTC) + timedelta(days=1)


def _item_keys(forms: FormCatalog, form_id: str, needles: tuple[str, ...]) -> list[str]:
    spec = forms.spec(form_id)
    out: list[str] = []
    for needle in needles:
        out.extend(it.key for it in spec.items() if needle in it.content)
    return out


#: An origin scope: the station codes whose tables are computed together, or ``[None]`` for one
#: table of every record.
Origins = list[str | None]


def _scoped(stmt: Any, model: Any, origins: Origins) -> Any:
    """``stmt`` with the row's origin as its last column, limited to ``origins``."""
    stmt = stmt.add_columns(model.origin.label("origin_"))
    return stmt if origins == [None] else stmt.where(model.origin.in_(origins))


def _key(origins: Origins, origin: str | None) -> str | None:
    """Which table a row counts in: its origin, or None for one table of every record."""
    return None if origins == [None] else origin


def _effective_by_origin(session: Session, start: date, end: date, origins: Origins) -> dict[str | None, list[Any]]:
    """Sealed annex 4/5 inspections of the period per origin, each amendment chain by its newest
    sealed version, for several origins in one pass.

    Two plain queries (the period's records by date, then every sealed amendment's ``amends_id``:
    amendments are few) rather than one NOT EXISTS: SQLite's planner, without statistics, picks
    the unselective status index for the correlated form and the month takes minutes at a
    county's size.
    """
    stmt = (
        select(Inspection.id, Inspection.enterprise_id, Inspection.form_id, Inspection.inspector1_id,
               Inspection.inspector2_id, Inspection.problems_found, Inspection.problems_fixed,
               Inspection.inspected_on, Inspection.amends_id, Inspection.status)
        .where(Inspection.deleted.is_(False), Inspection.inspected_on >= start, Inspection.inspected_on <= end,
               Inspection.form_id.in_(PRODUCER_FORMS + SELLER_FORMS))
        .order_by(Inspection.inspected_on, Inspection.id)
    )
    rows = [r for r in session.execute(_scoped(stmt, Inspection, origins)) if r.status == "sealed"]
    replaced = set(session.scalars(select(Inspection.amends_id).where(
        Inspection.amends_id.is_not(None), Inspection.deleted.is_(False), Inspection.status == "sealed")))
    out: dict[str | None, list[Any]] = defaultdict(list)
    for r in rows:
        if r.id not in replaced:
            out[_key(origins, r.origin_)].append(r)
    return out


def surveyed_on(session: Session, end: date, origin: str | None = None) -> dict[str, tuple[date, str, str]]:
    """Enterprises surveyed on or before ``end``: id → (first day, source table, source id).

    Sources: the audit entry of an annex 3 census save; the first audit entry of an enterprise
    entered with the 录入原因 摸底排查; a ``survey`` work record. The station is the one that made
    that record (``origin``).
    """
    return _surveyed_by_origin(session, end, [origin])[0].get(origin, {})


def _surveyed_by_origin(
    session: Session, end: date, origins: Origins,
) -> tuple[dict[str | None, dict[str, tuple[date, str, str]]], dict[str, tuple[Any, Any]]]:
    """:func:`surveyed_on` for several origins in one pass (each source asked once, live
    enterprises joined on rather than looked up by id), and each surveyed enterprise's
    (unit types, domain)."""
    out: dict[str | None, dict[str, tuple[date, str, str]]] = defaultdict(dict)
    kinds: dict[str, tuple[Any, Any]] = {}

    def keep(origin: Any, eid: Any, day: Any, table: str, rid: Any, types: Any, dom: Any) -> None:
        mine = out[_key(origins, origin)]
        if day <= end and (eid not in mine or day < mine[eid][0]):
            mine[eid] = (day, table, rid)
            kinds[eid] = (types, dom)

    live = Enterprise.deleted.is_(False)
    census = (select(AuditEntry.record_id, AuditEntry.at, AuditEntry.id, Enterprise.unit_types, Enterprise.domain)
              .join(Enterprise, Enterprise.id == AuditEntry.record_id)
              .where(AuditEntry.table_name == "enterprise", AuditEntry.at < _end_utc(end), live,
                     AuditEntry.detail["form_id"].as_string() == CENSUS_FORM))
    for eid, at, aid, types, dom, origin in cast(_Rows, session.execute(_scoped(census, AuditEntry, origins))):
        keep(origin, eid, _local_day(at), "audit_entry", aid, types, dom)
    # an enterprise entered for the survey: its first audit entry (joined on: the reason is a
    # substring match, read once)
    firsts = (select(AuditEntry.record_id, func.min(AuditEntry.at).label("first_at"))
              .where(AuditEntry.table_name == "enterprise").group_by(AuditEntry.record_id).subquery("firsts"))
    reason = (select(Enterprise.id, Enterprise.updated_at, firsts.c.first_at, Enterprise.unit_types, Enterprise.domain)
              .outerjoin(firsts, firsts.c.record_id == Enterprise.id)
              .where(live, Enterprise.entry_reason.like(f"%{SURVEY_REASON}%")))
    for eid, updated, first_at, types, dom, origin in cast(_Rows, session.execute(_scoped(reason, Enterprise, origins))):
        keep(origin, eid, _local_day(first_at or updated), "enterprise", eid, types, dom)
    surveys = (select(Activity.enterprise_id, Activity.on_date, Activity.id, Enterprise.unit_types, Enterprise.domain)
               .join(Enterprise, Enterprise.id == Activity.enterprise_id)
               .where(Activity.deleted.is_(False), Activity.kind == "survey", Activity.on_date <= end, live))
    for eid, day, aid, types, dom, origin in cast(_Rows, session.execute(_scoped(surveys, Activity, origins))):
        keep(origin, eid, day, "activity", aid, types, dom)
    return out, kinds


#: above this many enterprises the findings are read for every enterprise in one pass (the
#: county: nearly all of them) rather than looked up 500 ids at a time
_FINDINGS_ALL = 2000


def _findings(session: Session, ids: list[str], end: date) -> dict[str, tuple[tuple[bool, str, str] | None,
                                                                              tuple[bool, str, str] | None]]:
    """Per enterprise: (managers in place, table, id) and (responsibility system, table, id) as of
    ``end``, from the latest task checklist, else the latest survey record naming the finding."""
    from qsdesk.domain.formspec import answer_of

    wanted = set(ids)
    out: dict[str, Any] = {}
    forms = forms_of(session)
    keys = {f: (_item_keys(forms, f, MANAGERS_ITEMS), _item_keys(forms, f, RESPONSIBILITY_ITEMS))
            for f in CHECKLIST_FORMS}
    scopes: list[list[str] | None] = (
        [None] if len(wanted) > _FINDINGS_ALL else [ids[i:i + 500] for i in range(0, len(ids), 500)])
    for chunk in scopes:
        lists = (
            select(TaskChecklist.enterprise_id, TaskChecklist.id, TaskChecklist.form_id, TaskChecklist.answers)
            .where(TaskChecklist.deleted.is_(False), TaskChecklist.filled_on <= end)
            .order_by(TaskChecklist.enterprise_id, TaskChecklist.filled_on, TaskChecklist.id))
        if chunk is not None:
            lists = lists.where(TaskChecklist.enterprise_id.in_(chunk))
        for eid, cid, form_id, answers in cast(_Rows, session.execute(lists)):  # ordered by date: the last one wins
            if eid not in wanted:
                continue
            mk, rk = keys.get(form_id, ([], []))
            ans = answers or {}
            m = bool(mk) and all(answer_of(ans.get(k)) == "√" for k in mk)
            r = bool(rk) and all(answer_of(ans.get(k)) == "√" for k in rk)
            out[eid] = ((m, "task_checklist", cid), (r, "task_checklist", cid))
        surveys = (
            select(Activity.enterprise_id, Activity.id, Activity.managers_in_place, Activity.responsibility_system)
            .where(Activity.deleted.is_(False), Activity.kind == "survey", Activity.on_date <= end,
                   Activity.enterprise_id.is_not(None))
            .order_by(Activity.enterprise_id, Activity.on_date, Activity.id))
        if chunk is not None:
            surveys = surveys.where(Activity.enterprise_id.in_(chunk))
        latest: dict[str, Any] = {}
        for row in session.execute(surveys):
            if row.enterprise_id in wanted:
                latest[row.enterprise_id] = row
        for eid, row in latest.items():
            if eid in out:
                continue  # a checklist says it more precisely
            mf = (bool(row.managers_in_place), "activity", row.id) if row.managers_in_place is not None else None
            rf = (bool(row.responsibility_system), "activity", row.id) if row.responsibility_system is not None else None
            out[eid] = (mf, rf)
    return out


def compute_monthly(session: Session, year: int, month: int, *, origin: str | None = None,
                    unit: str = "", period: Period | None = None) -> MonthlyTable:
    """The table for one month from every record (or only those a station ``origin`` created)."""
    p = period or period_of(session, year, month)
    return MonthlyTable(year, month, unit, origin, _figures_by_origin(session, p, [origin])[origin], p)


def _figures_by_origin(session: Session, p: Period, origins: Origins) -> dict[str | None, dict[str, Figure]]:
    """The figures of several stations' tables (or of one table of every record, ``[None]``),
    each query asked once for all of them: a county's roll-up costs about what one table costs."""
    start, end = p.start, p.end
    all_figs: dict[str | None, dict[str, Figure]] = {o: _new_figures() for o in origins}

    def figs_of(origin: str | None) -> dict[str, Figure]:
        return all_figs[_key(origins, origin)]

    # work records of the period (publicity, self-fix, assessments, turnouts without a record)
    act_stmt = (
        select(Activity.id, Activity.kind, Activity.unit_kind, Activity.staff_count, Activity.quantity,
               Enterprise.unit_types, Enterprise.domain)
        .outerjoin(Enterprise, Enterprise.id == Activity.enterprise_id)
        .where(Activity.deleted.is_(False), Activity.on_date >= start, Activity.on_date <= end,
               Activity.kind.in_(("publicity", "self_fix", "assessment", "assessment_followup",
                                  "enforcement_turnout", "rectification")))
        .order_by(Activity.on_date, Activity.id)
    )
    for aid, kind, ukind, staff, qty, utypes, udomain, origin in cast(_Rows, session.execute(_scoped(act_stmt, Activity, origins))):
        figs = figs_of(origin)
        uk = ukind or unit_kind_of(utypes, udomain)
        if kind == "publicity":
            figs["publicity_staff"].add(staff or 0, "activity", aid)
            figs["publicity_units"].add(qty or 0, "activity", aid)
        elif kind == "enforcement_turnout":
            figs["enforcement_staff"].add(staff or 0, "activity", aid)
        elif kind == "rectification":
            figs["problems_fixed"].add(qty or 0, "activity", aid)
        elif kind == "self_fix":
            figs[f"{uk}_self_fix"].add(qty or 0, "activity", aid)
        elif kind == "assessment":
            figs[f"{uk}_assessed"].add(qty or 0, "activity", aid)
        else:
            figs[f"{uk}_assessment_followup"].add(qty or 0, "activity", aid)

    # surveys, cumulative to the period's end
    surveyed_by, kinds = _surveyed_by_origin(session, end, origins)
    every = sorted({eid for surveyed in surveyed_by.values() for eid in surveyed})
    findings = _findings(session, every, end) if every else {}
    for origin, surveyed in surveyed_by.items():
        figs = all_figs[origin]
        for eid in sorted(surveyed, key=lambda k: (surveyed[k][0], k)):
            _day, table, rid = surveyed[eid]
            uk = unit_kind_of(*kinds.get(eid, (None, None)))
            figs[f"{uk}_surveyed"].add(1, table, rid)
            m, r = findings.get(eid, (None, None))
            if m and m[0]:
                figs[f"{uk}_managers"].add(1, m[1], m[2])
            if r and r[0]:
                figs[f"{uk}_responsibility"].add(1, r[1], r[2])

    # inspections: each amendment chain once, by its newest sealed version
    for origin, effective in _effective_by_origin(session, start, end, origins).items():
        figs = all_figs[origin]
        for r in effective:
            figs["enforcement_staff"].add(int(r.inspector1_id is not None) + int(r.inspector2_id is not None),
                                          "inspection", r.id)
            key = "inspected_producers" if r.form_id in PRODUCER_FORMS else "inspected_sellers"
            figs[key].add(1, "inspection", r.id)
            if r.problems_found:
                figs["problems_found"].add(r.problems_found, "inspection", r.id)
            if r.problems_fixed:
                figs["problems_fixed"].add(r.problems_fixed, "inspection", r.id)

    # cases under the two rules
    decided = func.coalesce(EnforcementCase.decided_on, EnforcementCase.filed_on)
    case_stmt = (
        select(EnforcementCase.id, EnforcementCase.filed_on, decided.label("decided"), EnforcementCase.penalty,
               EnforcementCase.fine_yuan)
        .where(EnforcementCase.deleted.is_(False), EnforcementCase.kind == "two_rules",
               or_(EnforcementCase.filed_on.between(start, end), decided.between(start, end)))
        .order_by(EnforcementCase.filed_on, EnforcementCase.id)
    )
    for cid, filed_on, dec, penalty, fine, origin in cast(_Rows, session.execute(_scoped(case_stmt, EnforcementCase, origins))):
        figs = figs_of(origin)
        if start <= filed_on <= end:
            figs["cases"].add(1, "enforcement_case", cid)
        dec_date = dec if isinstance(dec, date) else date.fromisoformat(str(dec))
        if start <= dec_date <= end:
            if penalty == "warning":
                figs["warnings"].add(1, "enforcement_case", cid)
            if fine:
                figs["fines"].add(Decimal(fine), "enforcement_case", cid)
    return all_figs


# --------------------------------------------------------------------------- rectification later


class MonthlyError(ValueError):
    """Input a user can fix; the message is Chinese."""


def _chain(session: Session, inspection_id: str) -> tuple[list[str], Inspection]:
    """All ids of an inspection's amendment chain and its newest sealed version."""
    row = session.get(Inspection, inspection_id)
    if row is None or row.deleted:
        raise MonthlyError("找不到该检查记录")
    while row.amends_id:
        prev = session.get(Inspection, row.amends_id)
        if prev is None:
            break
        row = prev
    ids = [row.id]
    newest = row if row.status == "sealed" else None
    cur = row.id
    while True:
        nxt = session.scalars(select(Inspection).where(Inspection.amends_id == cur, Inspection.deleted.is_(False))).first()
        if nxt is None:
            break
        ids.append(nxt.id)
        if nxt.status == "sealed":
            newest = nxt
        cur = nxt.id
    if newest is None:
        raise MonthlyError("该检查记录尚未封存")
    return ids, newest


def open_problems(session: Session, inspection_id: str) -> int:
    """Problems found on an inspection (its newest sealed version) not yet recorded as fixed."""
    ids, newest = _chain(session, inspection_id)
    later = session.scalar(select(func.coalesce(func.sum(Activity.quantity), 0)).where(
        Activity.deleted.is_(False), Activity.kind == "rectification", Activity.inspection_id.in_(ids)))
    return max(0, (newest.problems_found or 0) - (newest.problems_fixed or 0) - int(later or 0))


def record_rectification(store: Any, inspection_id: str, fixed_on: date, count: int, note: str | None = None) -> str:
    """Record that ``count`` problems found on an inspection were put right on ``fixed_on``.

    The 整改问题隐患 figure counts them in the period of ``fixed_on``, not of the inspection.
    """
    from qsdesk.services import audit

    if count <= 0:
        raise MonthlyError("整改条数应大于 0")
    if fixed_on > date.today():
        raise MonthlyError("整改日期不能晚于今天")
    with store.transaction() as s:
        _ids, newest = _chain(s, inspection_id)
        if fixed_on < newest.inspected_on:
            raise MonthlyError("整改日期不能早于检查日期")
        left = open_problems(s, inspection_id)
        if count > left:
            raise MonthlyError(f"该检查尚未整改的问题只有 {left} 条")
        ent = s.get(Enterprise, newest.enterprise_id)
        row = Activity(kind="rectification", on_date=fixed_on, enterprise_id=newest.enterprise_id,
                       unit_kind=unit_kind_of(ent.unit_types, ent.domain) if ent else unit_kind_of(None), quantity=count,
                       note=(note or "").strip() or None, inspection_id=newest.id)
        s.add(row)
        s.flush()
        audit.record(s, "create", "activity", row.id, kind="检查发现问题隐患整改", inspection=newest.record_no, count=count)
        return row.id


def _distinct_origins(session: Session, table_name: str) -> list[str]:
    """The distinct ``origin`` values of a table: one probe of its origin index per value (a
    loose index scan) instead of reading every row (a county holds hundreds of thousands)."""
    sql = text(
        f"WITH RECURSIVE o(v) AS (SELECT min(origin) FROM {table_name} UNION ALL "
        f"SELECT (SELECT min(origin) FROM {table_name} WHERE origin > o.v) FROM o WHERE o.v IS NOT NULL) "
        "SELECT v FROM o WHERE v IS NOT NULL")
    return list(session.scalars(sql))


def station_origins(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every station whose records this database holds, by code."""
    names = {code: name for code, name in session.execute(select(Node.code, Node.name))}
    codes: set[str] = {c for c, k in session.execute(select(Node.code, Node.kind)) if k == "station"}
    for model in (Activity, Inspection, EnforcementCase):
        codes.update(o for o in _distinct_origins(session, model.__tablename__) if o)
    self_county = session.scalars(select(Node.code).where(Node.is_self.is_(True), Node.kind == "county")).first()
    codes.discard(self_county or "")
    return [(c, names.get(c, c)) for c in sorted(codes)]


def compute_county(session: Session, year: int, month: int) -> tuple[list[MonthlyTable], MonthlyTable]:
    """Each station's table (from the rows it created) and the county total (their sum)."""
    p = period_of(session, year, month)
    stations = station_origins(session)
    figures = _figures_by_origin(session, p, [code for code, _name in stations]) if stations else {}
    tables = [MonthlyTable(year, month, name, code, figures[code], p) for code, name in stations]
    total = sum_tables(tables, year, month, period=p)
    return tables, total


def sum_tables(tables: Iterable[MonthlyTable], year: int, month: int, unit: str = "合计",
               period: Period | None = None) -> MonthlyTable:
    figs = _new_figures()
    for t in tables:
        period = period or t.period
        for k, f in t.figures.items():
            figs[k].value += f.value
            figs[k].sources.extend(f.sources)
    return MonthlyTable(year, month, unit, None, figs, period)


SOURCE_LABELS = {"activity": "工作记录", "inspection": "监督检查", "enforcement_case": "立案查处",
                 "audit_entry": "企业信息摸底排查表", "enterprise": "企业档案（录入原因：摸底排查）",
                 "task_checklist": "监管任务清单"}


@dataclass(frozen=True)
class SourceRow:
    table: str
    id: str
    on: date | None
    enterprise: str
    description: str

    @property
    def kind(self) -> str:
        return SOURCE_LABELS.get(self.table, "其他记录")


def source_rows(session: Session, figure: Figure) -> list[SourceRow]:
    """The rows behind a figure, for the drill-down (GUI and the 明细 sheet), in figure order."""
    from qsdesk.services.activities import describe

    models: dict[str, Any] = {"activity": Activity, "inspection": Inspection, "enforcement_case": EnforcementCase,
                              "audit_entry": AuditEntry, "enterprise": Enterprise, "task_checklist": TaskChecklist}
    by_table: dict[str, list[str]] = defaultdict(list)
    for table, rid in figure.sources:
        by_table[table].append(rid)
    found: dict[tuple[str, str], SourceRow] = {}
    for table, ids in by_table.items():
        model = models[table]
        rows: dict[str, Any] = {}
        uniq = list(dict.fromkeys(ids))
        for chunk in (uniq[i:i + 500] for i in range(0, len(uniq), 500)):
            chunk_rows: list[Any] = list(session.scalars(select(model).where(model.id.in_(chunk))))
            rows.update({r.id: r for r in chunk_rows})

        def ent_id(r: Any) -> str | None:
            if isinstance(r, Enterprise):
                return r.id
            if isinstance(r, AuditEntry):
                return r.record_id
            return getattr(r, "enterprise_id", None)

        eids = [e for e in {ent_id(r) for r in rows.values()} if e is not None]
        names: dict[str, str] = {}
        for chunk in (eids[i:i + 500] for i in range(0, len(eids), 500)):
            names.update(dict(session.execute(select(Enterprise.id, Enterprise.name)
                                              .where(Enterprise.id.in_(chunk))).all()))
        for rid, r in rows.items():
            ent = names.get(ent_id(r) or "", "")
            on: date | None
            if isinstance(r, Inspection):
                on = r.inspected_on
                version = "（更正记录）" if r.amends_id else ""
                desc = (f"监督检查{version} {r.record_no or ''} 发现问题 {r.problems_found} 条，"
                        f"现场整改 {r.problems_fixed} 条").replace("  ", " ")
            elif isinstance(r, AuditEntry):
                on = _local_day(r.at)
                desc = "保存企业信息摸底排查表（附件3）"
            elif isinstance(r, Enterprise):
                on = None
                desc = f"录入原因：{r.entry_reason or ''}"
            elif isinstance(r, TaskChecklist):
                on = r.filled_on
                desc = f"监管任务清单（{r.period}）"
            else:
                on = getattr(r, "on_date", None) or getattr(r, "filed_on", None)
                desc = describe(r)
                if isinstance(r, Activity) and r.note:
                    desc += f"（{r.note}）"
            found[(table, rid)] = SourceRow(table, rid, on, ent, desc)
    return [found[k] for k in dict.fromkeys(figure.sources) if k in found]


def records_behind(session: Session, figure: Figure) -> list[tuple[str, str, str]]:
    """(table, id, one-line description) of the rows behind a figure, for the drill-down."""
    return [(r.table, r.id, " ".join(x for x in (r.on.isoformat() if r.on else "", r.enterprise, r.description) if x))
            for r in source_rows(session, figure)]


# --------------------------------------------------------------------------- filing and sending


def _report_row(session: Session, key: str, origin: str | None = None) -> Any:
    from qsdesk.store.models import MonthlyReport

    stmt = select(MonthlyReport).where(MonthlyReport.period == key, MonthlyReport.deleted.is_(False))
    if origin is not None:
        stmt = stmt.where(MonthlyReport.origin == origin)
    return session.scalars(stmt.order_by(MonthlyReport.updated_at.desc())).first()


def _file_in(s: Session, node: Any, year: int, month: int, filed_on: date) -> tuple[Any, str]:
    from qsdesk.store.models import MonthlyReport

    p = period_of(s, year, month)
    t = compute_monthly(s, year, month, unit=node.name, period=p)
    figures = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in t.values().items()}
    row = _report_row(s, p.key, node.code)
    if row is None:
        row = MonthlyReport(period=p.key, period_start=p.start, period_end=p.end, figures=figures, filed_on=filed_on)
        s.add(row)
        action = "create"
    else:
        row.period_start, row.period_end, row.figures = p.start, p.end, figures
        row.filed_on = filed_on
        row.sent_on = None
        row.sent_note = None
        action = "update"
    s.flush()
    return row, action


def _station(store: Any) -> Any:
    node = store.self_node()
    if node is None or node.kind != "station":
        raise MonthlyError("只有市场所向县局报送月度统计表")
    return node


def file_report(store: Any, year: int, month: int, *, filed_on: date | None = None) -> str:
    """Keep this station's table of the month as filed (the figures at filing time); it travels to
    the county with the next bundle. Re-filing replaces the figures and clears a 已报送 mark."""
    from qsdesk.services import audit

    node = _station(store)
    with store.transaction() as s:
        row, action = _file_in(s, node, year, month, filed_on or date.today())
        audit.record(s, action, "monthly_report", row.id, month=row.period)
        return str(row.id)


def mark_sent(store: Any, year: int, month: int, sent_on: date, note: str | None = None) -> None:
    """Mark the month's table as sent to the county outside a bundle (paper, e-mail) on ``sent_on``;
    files it first (same transaction) when it was not filed yet."""
    from qsdesk.services import audit

    if sent_on > date.today():
        raise MonthlyError("报送日期不能晚于今天")
    node = _station(store)
    with store.transaction() as s:
        row = _report_row(s, f"{year}-{month:02d}", node.code)
        if row is None:
            row, _ = _file_in(s, node, year, month, sent_on)
        if sent_on < row.filed_on:
            raise MonthlyError("报送日期不能早于生成日期")
        row.sent_on = sent_on
        row.sent_note = (note or "").strip() or None
        audit.record(s, "update", "monthly_report", row.id, month=row.period, sent_on=sent_on.isoformat())


@dataclass(frozen=True)
class SendStatus:
    sent: bool
    text: str
    on: date | None = None


def send_status(session: Session, year: int, month: int, origin: str | None = None) -> SendStatus:
    """Has the month's table gone to the county? 已报送 only when it did: marked sent with a date,
    or (at a station) a bundle to the county was exported after the table was filed, or (at the
    county) the station's filed table has arrived. Exporting a file is not sending."""
    from qsdesk.store.models import BundleLog

    me = session.scalars(select(Node).where(Node.is_self.is_(True))).first()
    if origin is None and me is not None and me.kind == "station":
        origin = me.code
    row = _report_row(session, f"{year}-{month:02d}", origin)
    if row is None:
        return SendStatus(False, "未报送（尚未生成报送）")
    if row.sent_on is not None:
        return SendStatus(True, f"已报送（{row.sent_on:%Y-%m-%d} 标记报送）", row.sent_on)
    if me is not None and me.kind == "county":
        return SendStatus(True, f"已报送（{row.filed_on:%Y-%m-%d} 生成，已随同步包收到）", row.filed_on)
    county = me.parent_code if me is not None else None
    stmt = select(BundleLog).where(BundleLog.direction == "out", BundleLog.status == "ok",
                                   BundleLog.at >= row.updated_at)
    if county:
        stmt = stmt.where(BundleLog.peer_code == county)
    b = session.scalars(stmt.order_by(BundleLog.at)).first()
    if b is not None:
        day = _local_day(b.at)
        return SendStatus(True, f"已报送（{day:%Y-%m-%d} 随同步包 {b.file_name}）", day)
    return SendStatus(False, f"已生成（{row.filed_on:%Y-%m-%d}），待随同步包报送或标记报送")


# --------------------------------------------------------------------------- annex layout export

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
