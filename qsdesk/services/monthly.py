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

The period is :mod:`~qsdesk.services.monthly_period`; the records behind a figure, later
rectification, filing and sending are :mod:`~qsdesk.services.monthly_records`; the annex's xlsx
and PDF are :mod:`~qsdesk.services.monthly_export`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from qsdesk.domain.formcatalog import FormCatalog
from qsdesk.services.activities import unit_kind_of
from qsdesk.services.monthly_period import Period as Period  # re-exported: the period belongs to the table
from qsdesk.services.monthly_period import current_period as current_period
from qsdesk.services.monthly_period import due_date as due_date
from qsdesk.services.monthly_period import make_period as make_period
from qsdesk.services.monthly_period import month_range as month_range
from qsdesk.services.monthly_period import parse_month as parse_month
from qsdesk.services.monthly_period import period_of as period_of
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
