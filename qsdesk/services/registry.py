"""The enterprise registry as the GUI and the CLI see it: list queries with search and filters,
one enterprise's detail and timeline, and the responsible-supervisor assignment (001 二（一）).

List functions return SQLAlchemy statements (run lazily by the caller, e.g. the GUI's
``QueryTableModel``); everything else returns plain dataclasses, never live ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Select, func, select
from sqlalchemy.orm import Session

from qsdesk.domain.citations import readable
from qsdesk.domain.grading import UNIT_TYPE_WORDS, grade_with_reason, stored_unit_types
from qsdesk.domain.supervision import (
    VisitStatus,
    check_reassignment,
    half_year_visit_status,
)
from qsdesk.services import audit, classes
from qsdesk.services.accounts import acting_without_chief_rights
from qsdesk.services.master_data import holiday_schedules
from qsdesk.store.db import Store
from qsdesk.store.models import (
    EnforcementCase,
    Enterprise,
    EnterpriseClass,
    FollowUpStep,
    Inspection,
    Inspector,
    Node,
    Product,
    RiskReport,
    Sampling,
    SupervisorAssignment,
)
from qsdesk.store.search import (
    enterprise_text,
    has_index,
    index_source,
    like_clause,
    pg_walk,
    pg_walk_source,
    shape,
    source_params,
)

#: value of ``RegistryFilter.inspector_id`` selecting enterprises without a responsible supervisor
NO_SUPERVISOR = "__none__"
#: value of ``RegistryFilter.grade`` selecting enterprises not graded
UNGRADED = "-"


class AssignmentError(ValueError):
    """An assignment a user can correct; the message is Chinese."""


def class_label(code: str | None) -> str:
    return classes.class_label(code)


def unit_types_label(value: str | None) -> str:
    return "、".join(UNIT_TYPE_WORDS.get(t, t) for t in stored_unit_types(value))


# --------------------------------------------------------------------------- list


@dataclass
class RegistryFilter:
    """What the registry list shows. ``None`` means "any"."""

    text: str = ""
    grade: str | None = None
    supervision_class: str | None = None
    status: str | None = None
    domain: str | None = None
    unit_type: str | None = None
    inspector_id: str | None = None
    town: str | None = None
    station: str | None = None  # county mode: the station (node code) the record came from


_query_cache: dict[tuple[Any, ...], Select[Any]] = {}


def list_query(bind: Engine | Connection, flt: RegistryFilter | None = None) -> tuple[Select[Any], dict[str, Any]]:
    """Like :func:`list_statement`, as a statement and its search values. The statement is
    built once per set of filters and shape of search and reused while the user types (only the
    values change), which saves building a SQLAlchemy construct on every keystroke. ``bind``: a
    connection that will run the statement runs the PostgreSQL sample probe too."""
    flt = flt or RegistryFilter()
    engine = bind.engine if isinstance(bind, Connection) else bind
    src_shape = shape(flt.text, engine.dialect.name) if has_index(engine) else None
    if src_shape is None:
        # no search, or the LIKE fallback: nothing to reuse
        return list_statement(engine, flt, use_index=False), {}
    # PostgreSQL: common terms are read in name order, a statement of their own
    walk = pg_walk(bind, flt.text)
    key = (id(engine), src_shape, walk, flt.grade, flt.supervision_class, flt.status, flt.domain, flt.unit_type,
           flt.inspector_id, flt.town, flt.station)
    stmt = _query_cache.get(key)
    if stmt is None:
        if len(_query_cache) > 256:
            _query_cache.clear()
        stmt = _query_cache[key] = list_statement(engine, flt, use_index=not walk)
    return stmt, source_params(flt.text, engine.dialect.name)


def list_statement(engine: Engine, flt: RegistryFilter | None = None, *,
                   use_index: bool | None = None) -> Select[Any]:
    """Enterprises matching ``flt``; columns named for the list view.

    Without search text the list is ordered by name. With search text on SQLite the query is
    driven by the search index (results in index order, first page at once, see
    :mod:`qsdesk.store.search`); on PostgreSQL by the index over each enterprise's text,
    ordered by name, unless the terms are common (:func:`~qsdesk.store.search.pg_walk`);
    elsewhere, and for common terms, it is a LIKE filter ordered by name. ``use_index``: the
    caller already sampled (None: sample here).
    """
    flt = flt or RegistryFilter()
    if use_index is None:
        use_index = not pg_walk(engine, flt.text)
    cols = (
        Enterprise.id,
        Enterprise.name,
        Enterprise.uscc,
        Enterprise.legal_rep,
        Enterprise.town,
        Enterprise.domain,
        Enterprise.unit_types,
        Enterprise.grade,
        classes.class_column().label("supervision_class"),
        Enterprise.status,
        Inspector.name.label("responsible"),
        Enterprise.responsible_since,
        Enterprise.address,
    )
    src = index_source(flt.text, engine) if use_index and flt.text.strip() else None
    if src is not None and engine.dialect.name != "sqlite":
        # PostgreSQL: the enterprise texts as a semi-join (each enterprise once, no DISTINCT
        # over every column) and a stable order for pages
        matches = select(src.enterprise_id).select_from(src.from_).where(src.where)
        stmt = (
            select(*cols)
            .outerjoin(Inspector, Inspector.id == Enterprise.responsible_inspector_id)
            .outerjoin(EnterpriseClass, EnterpriseClass.enterprise_id == Enterprise.id)
            .where(Enterprise.id.in_(matches), Enterprise.deleted.is_(False))
            .order_by(Enterprise.name, Enterprise.id)
        )
    elif src is not None:
        stmt = (
            select(*cols)
            .select_from(src.from_)
            .join(Enterprise, Enterprise.id == src.enterprise_id)
            .outerjoin(Inspector, Inspector.id == Enterprise.responsible_inspector_id)
            .outerjoin(EnterpriseClass, EnterpriseClass.enterprise_id == Enterprise.id)
            .where(src.where, Enterprise.deleted.is_(False))
            .distinct()
        )
    else:
        stmt = (
            select(*cols)
            .outerjoin(Inspector, Inspector.id == Enterprise.responsible_inspector_id)
            .outerjoin(EnterpriseClass, EnterpriseClass.enterprise_id == Enterprise.id)
            .where(Enterprise.deleted.is_(False))
            .order_by(Enterprise.name, Enterprise.id)
        )
        walk = pg_walk_source(flt.text, engine)
        if walk is not None:
            # common terms on PostgreSQL: the enterprise texts in name order (their own index),
            # each checked as it comes; the page is full after a few thousand rows
            stmt = (stmt.join(walk.from_, walk.enterprise_id == Enterprise.id).where(walk.where)
                    .order_by(None).order_by(enterprise_text.c.name, Enterprise.id))
        elif flt.text.strip():
            stmt = stmt.where(like_clause(flt.text))
    if flt.grade == UNGRADED:
        stmt = stmt.where(Enterprise.grade.is_(None))
    elif flt.grade:
        stmt = stmt.where(Enterprise.grade == flt.grade)
    if flt.supervision_class:
        stmt = stmt.where(classes.class_column() == flt.supervision_class)
    if flt.status:
        stmt = stmt.where(Enterprise.status == flt.status)
    if flt.domain:
        stmt = stmt.where(Enterprise.domain == flt.domain)
    if flt.unit_type:
        # unit_types is a comma list of distinct words; none is a substring of another
        stmt = stmt.where(Enterprise.unit_types.like(f"%{flt.unit_type}%"))
    if flt.inspector_id == NO_SUPERVISOR:
        stmt = stmt.where(Enterprise.responsible_inspector_id.is_(None))
    elif flt.inspector_id:
        stmt = stmt.where(Enterprise.responsible_inspector_id == flt.inspector_id)
    if flt.town:
        stmt = stmt.where(Enterprise.town == flt.town)
    if flt.station:
        stmt = stmt.where(Enterprise.origin == flt.station)
    return stmt


@dataclass
class FilterOptions:
    towns: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    inspectors: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    stations: list[tuple[str, str]] = field(default_factory=list)  # county mode: (code, name)


def filter_options(store: Store) -> FilterOptions:
    """The values the filter boxes offer (distinct values present in the registry)."""

    def values(s: Session, col: Any) -> list[str]:
        rows: Iterable[Any] = s.scalars(select(col).distinct().where(Enterprise.deleted.is_(False), col.is_not(None)))
        return sorted(v for v in rows if v)

    with store.session() as s:
        return FilterOptions(
            towns=values(s, Enterprise.town),
            statuses=values(s, Enterprise.status),
            domains=values(s, Enterprise.domain),
            classes=["routine", "key", "special"],
            inspectors=[(i.id, i.name) for i in s.scalars(
                select(Inspector).where(Inspector.deleted.is_(False)).order_by(Inspector.active.desc(),
                                                                               Inspector.name))],
            stations=_stations(s),
        )


def _stations(s: Session) -> list[tuple[str, str]]:
    """At a county node: its enrolled stations (code, name); elsewhere nothing (no such filter)."""
    me = s.scalars(select(Node).where(Node.is_self.is_(True))).first()
    if me is None or me.kind != "county":
        return []
    rows = s.scalars(select(Node).where(Node.is_self.is_(False), Node.kind == "station").order_by(Node.code))
    return [(n.code, n.name) for n in rows]


# --------------------------------------------------------------------------- detail


@dataclass
class ProductInfo:
    id: str
    name: str
    category: str | None
    standard: str | None
    licence_type: str | None
    certificate_no: str | None
    nominal_producer: str | None


@dataclass
class EnterpriseDetail:
    id: str
    name: str
    uscc: str | None
    legal_rep: str | None
    address: str | None
    town: str | None
    phone: str | None
    contact: str | None
    domain: str | None
    status: str | None
    unit_types: str
    staff: int | None
    revenue_wan: Any
    grade: str | None
    grade_reason: str
    supervision_class: str
    class_reason: str
    class_key: str
    class_decision: str | None  # the recorded decision (who, when, why), when one is in force
    credit_risk: str | None  # effective (raised by sampling failures where 晋市监发〔2023〕212号 七 says so)
    interview: str | None  # 约谈 due (沪市监产质〔2022〕251号 三 三)
    listings: list[str]  # 列异 / 列严 with dates
    responsible_id: str | None
    responsible: str | None
    responsible_since: date | None
    entry_reason: str | None
    abnormal_status: str | None
    products: list[ProductInfo]
    visit: str | None = None  # the half-year visit status with its reason (国市监质监发〔2023〕38号 二（一）)
    responsible_since_assumed: bool = False  # the start is the import date


def visit_status(s: Session, e: Enterprise, today: date | None = None) -> VisitStatus:
    """One enterprise's half-year visit status: the same rule the dashboard counts with."""
    today = today or date.today()
    last = s.scalar(select(func.max(Inspection.inspected_on)).where(
        Inspection.enterprise_id == e.id, Inspection.deleted.is_(False), Inspection.status == "sealed",
        Inspection.inspected_on <= today))
    first = e.visits_since or e.responsible_since
    if e.responsible_inspector_id is None:
        first = None
    return half_year_visit_status(today, last, first, e.responsible_since,
                                  since_assumed=bool(e.responsible_since_assumed))


def detail(store: Store, enterprise_id: str) -> EnterpriseDetail | None:
    with store.session() as s:
        e = s.get(Enterprise, enterprise_id)
        if e is None or e.deleted:
            return None
        try:
            g, why = grade_with_reason(e.unit_types or "", e.staff, e.revenue_wan, e.individual_business)
            computed = g.value if g is not None else None
            if computed != e.grade:
                why += f"（档案中记录为 {e.grade or '未分级'}，请核对后更新档案）"
        except ValueError as exc:
            why = f"无法按现有数据分级：{exc}"
        cur = classes.current(s, e.id)
        dec = cur.decision
        decision = (f"{dec.decided_on.isoformat()} {dec.decided_by} 决定列为{dec.label}：{dec.reason}"
                    if dec is not None else None)
        listed = [f"{x.kind}（{x.listed_on.isoformat()}"
                  + (f"，{x.removed_on.isoformat()} 移出）" if x.removed_on else "）") for x in cur.listings]
        products = [
            ProductInfo(p.id, p.name, p.category, p.standard, p.licence_type, p.certificate_no, p.nominal_producer)
            for p in s.scalars(select(Product).where(Product.enterprise_id == e.id, Product.deleted.is_(False))
                               .order_by(Product.name))
        ]
        return EnterpriseDetail(
            id=e.id, name=e.name, uscc=e.uscc, legal_rep=e.legal_rep, address=e.address, town=e.town,
            phone=e.phone, contact=e.contact, domain=e.domain, status=e.status,
            unit_types=unit_types_label(e.unit_types), staff=e.staff, revenue_wan=e.revenue_wan,
            grade=e.grade, grade_reason=readable(why), supervision_class=cur.label, class_reason="\n".join(cur.reasons),
            class_key=cur.key, class_decision=decision, credit_risk=cur.credit_risk, interview=cur.interview,
            listings=listed,
            responsible_id=e.responsible_inspector_id,
            responsible=e.responsible.name if e.responsible is not None else None,
            responsible_since=e.responsible_since, entry_reason=e.entry_reason,
            abnormal_status=e.abnormal_status, products=products,
            visit=_visit_line(visit_status(s, e)) if e.responsible_inspector_id else None,
            responsible_since_assumed=bool(e.responsible_since_assumed),
        )


def _visit_line(st: VisitStatus) -> str:
    return f"半年检查：{st.state.value}。{st.reason}"


@dataclass(frozen=True)
class TimelineEvent:
    on: date | None
    kind: str  # Chinese: 监督检查 / 监督抽查 / 风险信息 / 后处理 / 责任人 / 案件
    text: str
    table: str
    record_id: str


def timeline(store: Store, enterprise_id: str) -> list[TimelineEvent]:
    """Everything recorded about an enterprise, newest first."""
    from qsdesk.domain.sampling import step_label

    ev: list[TimelineEvent] = []
    with store.session() as s:
        for i in s.scalars(select(Inspection).where(Inspection.enterprise_id == enterprise_id,
                                                    Inspection.deleted.is_(False))):
            state = "已封存" if i.status == "sealed" else "草稿"
            bits = [i.record_no or "", i.result or "", f"发现问题 {i.problems_found} 个" if i.problems_found else "", state]
            ev.append(TimelineEvent(i.inspected_on, "监督检查", "，".join(b for b in bits if b), "inspection", i.id))
        samplings = list(s.scalars(select(Sampling).where(Sampling.enterprise_id == enterprise_id,
                                                          Sampling.deleted.is_(False))))
        for sp in samplings:
            text = f"{sp.product_name}：{sp.result}"
            if sp.nonconforming_items:
                text += f"（{sp.nonconforming_items}）"
            if sp.task_name:
                text += f"，{sp.task_name}"
            ev.append(TimelineEvent(sp.sampled_on, "监督抽查", text, "sampling", sp.id))
        ids = [sp.id for sp in samplings]
        if ids:
            for st in s.scalars(select(FollowUpStep).where(FollowUpStep.sampling_id.in_(ids),
                                                           FollowUpStep.deleted.is_(False))):
                label = step_label(st.step)  # the step's Chinese name, never its program key
                if st.done_on:
                    text = f"{label}：已完成" + (f"（{st.outcome}）" if st.outcome else "")
                else:
                    text = f"{label}：未完成" + (f"，期限 {st.due_on.isoformat()}" if st.due_on else "")
                ev.append(TimelineEvent(st.done_on or st.due_on, "后处理", text, "sampling", st.sampling_id))
        for r in s.scalars(select(RiskReport).where(RiskReport.enterprise_id == enterprise_id,
                                                    RiskReport.deleted.is_(False))):
            text = "，".join(b for b in (r.product_name or "", (r.description or "")[:40]) if b)
            ev.append(TimelineEvent(r.reported_on, "风险信息", text or "风险信息采集", "risk_report", r.id))
        for c in s.scalars(select(EnforcementCase).where(EnforcementCase.enterprise_id == enterprise_id,
                                                         EnforcementCase.deleted.is_(False))):
            ev.append(TimelineEvent(c.filed_on, "案件", f"{c.case_no or ''} {c.cause or ''}".strip(),
                                    "enforcement_case", c.id))
        for a, name in s.execute(
            select(SupervisorAssignment, Inspector.name)
            .join(Inspector, Inspector.id == SupervisorAssignment.inspector_id)
            .where(SupervisorAssignment.enterprise_id == enterprise_id, SupervisorAssignment.deleted.is_(False))
        ):
            text = f"责任监管人员：{name}（{a.recorded_on.isoformat()} 录入）"
            if a.reason:
                text += f"，{a.reason}"
            ev.append(TimelineEvent(a.assigned_on, "责任人", text, "supervisor_assignment", a.id))
    ev.sort(key=lambda e: (e.on or date.min, e.kind), reverse=True)
    return ev


# --------------------------------------------------------------------------- assignment


@dataclass(frozen=True)
class AssignmentResult:
    assignment_id: str
    deadline: date  # last day the change could be recorded in time
    late: bool | None  # None: counted Monday–Friday for a year with no holiday schedule
    note: str | None = None  # the calendar warning, when there is one
    check_text: str = ""

    @property
    def message(self) -> str:
        if self.late:
            return f"已记录。注意：{self.check_text}，已在审计记录中注明。"
        if self.note:
            return f"已记录责任监管人员。{self.check_text}"
        return "已记录责任监管人员。"


def assign_supervisor(
    store: Store,
    enterprise_id: str,
    inspector_id: str,
    *,
    assigned_on: date | None = None,
    reason: str | None = None,
    today: date | None = None,
) -> AssignmentResult:
    """Name ``inspector_id`` the responsible supervisor of an enterprise from ``assigned_on``.

    Records a :class:`SupervisorAssignment` and an audit entry in one transaction. A change
    entered more than five working days after it took effect is still recorded (the register must
    show who is responsible) but flagged late, in the result and in the audit detail.
    """
    today = today or date.today()
    assigned_on = assigned_on or today
    if acting_without_chief_rights(store):
        raise AssignmentError("只有所长可以指定或变更责任监管人员")
    if assigned_on > today:
        raise AssignmentError("变动日期不能晚于今天")
    with store.transaction() as s:
        ent = s.get(Enterprise, enterprise_id)
        if ent is None or ent.deleted:
            raise AssignmentError("企业档案不存在或已删除")
        insp = s.get(Inspector, inspector_id)
        if insp is None or insp.deleted or not insp.active:
            raise AssignmentError("所选检查人员不存在或已停用，请在“设置”中核对人员名单")
        if ent.responsible_inspector_id == inspector_id:
            raise AssignmentError(f"{insp.name} 已是该企业的责任监管人员")
        previous = ent.responsible_inspector_id
        check = check_reassignment(assigned_on, today, holiday_schedules(s)) if previous is not None else None
        late = check.late if check is not None else False
        a = SupervisorAssignment(enterprise_id=enterprise_id, inspector_id=inspector_id,
                                 assigned_on=assigned_on, recorded_on=today, reason=reason or None)
        s.add(a)
        if ent.visits_since is None:
            # the half-year visits are owed from the first supervisor on; a change keeps that date
            ent.visits_since = ent.responsible_since if previous is not None and ent.responsible_since else assigned_on
        ent.responsible_inspector_id = inspector_id
        ent.responsible_since = assigned_on
        ent.responsible_since_assumed = False
        s.flush()
        audit.record(s, "assign", "enterprise", enterprise_id, inspector_id=inspector_id,
                     previous_inspector_id=previous, assigned_on=assigned_on.isoformat(),
                     recorded_on=today.isoformat(), late=late or None, assignment_id=a.id,
                     note=check.text if check is not None and (late or check.note) else None)
        if check is None:
            return AssignmentResult(a.id, assigned_on, False)
        return AssignmentResult(a.id, check.deadline, late, check.note, check.text)
