"""The one source of an enterprise's supervision class (日常/触发式, 重点, 特别) and its reasons.

The class is :func:`qsdesk.domain.supervision.classify` of the enterprise's records, stored in
the local table ``enterprise_class`` and read from there by the registry, its detail pane, the
dashboard, the 双随机 filter, the annual lists and the Excel export. It is kept current

* in the same transaction as every change of an input: services call :func:`refresh` with the
  enterprises whose records they changed (a decided case, a risk report verified or closed, a
  sampling result, a 列异/列严 listing, a class decision, the credit risk, an amendment, an
  import, a sync bundle);
* when a time window runs out (a punishment older than 1 year no longer counts): every stored
  class carries the first day it can change with no new record (``valid_until``,
  :func:`qsdesk.domain.supervision.next_change`); :func:`ensure_current`, called when the program
  shows the registry or the dashboard and before exports, recalculates those whose day has come.
  ``bench/bench_classes.py`` measures why the class is stored rather than computed on every read.

Inputs taken from the records (the documents' own words):

* punishments: decided cases of kind 产品质量 / 生产许可 / 强制性认证 (宝山区实施方案 三（四）) whose
  penalty is not 不予处罚 / 首违不罚 (a decision not to punish is no punishment); ``heavier`` = 从重处罚;
* risks: risk reports verified, or closed unless closed as 不属实 (``values["founded"] is False``);
  ``values["major"]`` marks a 重大 risk (国市监质监发〔2023〕38号 三);
* samplings in which the enterprise is the producer (晋市监发〔2023〕212号 七, 鲁市监质监字〔2022〕233号 二（五））;
* the entered credit risk, raised while the sampling history calls for it (晋市监发〔2023〕212号 七);
* 列异 / 列严 listings (沪市监产质〔2022〕251号 三 四) and an ``abnormal_status`` naming the abnormal
  operations list; recorded class decisions (:func:`qsdesk.services.class_decisions.decide`).

A person's decisions (credit risk, raising to 重点) are :mod:`qsdesk.services.class_decisions`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, case, delete, func, or_, select
from sqlalchemy.orm import Session

from qsdesk.domain.sampling import SamplingResult
from qsdesk.domain.supervision import (
    CLASS_KEY_LABELS,
    ClassOverride,
    ClassResult,
    Listing,
    Punishment,
    RiskFinding,
    SamplingOutcome,
    SupervisionClass,
    class_of_key,
    classify,
    consecutive_year_failures,
    interview_reason,
    next_change,
    sampling_credit_risk,
)
from qsdesk.services import audit
from qsdesk.store.db import Store, lock_change_counter
from qsdesk.store.idsets import among, chunked
from qsdesk.store.models import (
    ClassDecision,
    EnforcementCase,
    Enterprise,
    EnterpriseClass,
    EnterpriseListing,
    RiskReport,
    RiskReportLink,
    Sampling,
    Setting,
)
from qsdesk.store.upsert import upsert_rows, upsert_statement

#: Result rows to unpack: SQLAlchemy 2.1 types a row of an untyped select as Row[*tuple[Any, ...]],
#: which mypy unpacks to ``object``; the rows are sequences of column values.
_Rows = Iterable[Sequence[Any]]

PUNISHABLE_KINDS = ("quality", "licence", "ccc")
#: Penalties that are decisions *not* to punish (行政处罚法 第三十三条): never a punishment.
NOT_PUNISHED = ("not_punished", "first_offence", "不予处罚", "首违不罚")
AS_OF_SETTING = "classes.as_of"
LISTING_LABELS = {"abnormal": "列入经营异常名录", "serious": "列入严重违法失信名单"}


class ClassError(ValueError):
    """A request a user can correct; the message is Chinese."""


def class_label(key: str | None) -> str:
    """The Chinese label of a stored class key (never show the key itself)."""
    return CLASS_KEY_LABELS.get(key or "routine", "日常监管")


# --------------------------------------------------------------------------- inputs


@dataclass
class Inputs:
    """Everything :func:`classify` needs for one enterprise."""

    credit_risk: str | None = None
    abnormal_status: str | None = None
    punishments: list[Punishment] = field(default_factory=list)
    risks: list[RiskFinding] = field(default_factory=list)
    samplings: list[SamplingOutcome] = field(default_factory=list)
    high_level_failures: list[tuple[date, str]] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)
    override: ClassOverride | None = None


def _is_abnormal(status: str | None) -> bool:
    return bool(status) and "异常" in str(status)


def gather(session: Session, enterprise_ids: Collection[str] | None = None) -> dict[str, Inputs]:
    """The inputs of the given enterprises (all live enterprises when None), by id."""
    out: dict[str, Inputs] = {}
    scopes: list[list[str] | None] = (
        [None] if enterprise_ids is None else list(chunked(session, sorted(set(enterprise_ids)))))
    for scope in scopes:
        _gather_into(session, scope, out)
    return out


def _gather_into(session: Session, scope: list[str] | None, out: dict[str, Inputs]) -> None:
    def within(col: Any) -> Any:
        return among(session, col, scope) if scope is not None else True

    for eid, credit, abnormal in session.execute(
        select(Enterprise.id, Enterprise.credit_risk, Enterprise.abnormal_status)
        .where(Enterprise.deleted.is_(False), within(Enterprise.id))
    ):
        out[eid] = Inputs(credit, abnormal)
    for eid, decided, heavier, kind, cause in session.execute(
        select(EnforcementCase.enterprise_id, EnforcementCase.decided_on, EnforcementCase.heavier,
               EnforcementCase.kind, EnforcementCase.cause)
        .where(EnforcementCase.deleted.is_(False), within(EnforcementCase.enterprise_id),
               EnforcementCase.kind.in_(PUNISHABLE_KINDS), EnforcementCase.decided_on.is_not(None),
               or_(EnforcementCase.penalty.is_(None), EnforcementCase.penalty.not_in(NOT_PUNISHED)))
    ):
        if eid in out and decided is not None:  # the query keeps only decided cases
            out[eid].punishments.append(Punishment(decided, bool(heavier), cause or kind))
    # A report concerns the enterprise it was filed for and every enterprise linked to it.
    risk_cols = (RiskReport.reported_on, RiskReport.values, RiskReport.description, RiskReport.status)
    seen: set[tuple[str, str]] = set()
    for stmt in (
        select(RiskReport.enterprise_id, RiskReport.id, *risk_cols)
        .where(RiskReport.enterprise_id.is_not(None), within(RiskReport.enterprise_id)),
        select(RiskReportLink.enterprise_id, RiskReport.id, *risk_cols)
        .join(RiskReport, RiskReport.id == RiskReportLink.risk_report_id)
        .where(RiskReportLink.deleted.is_(False), within(RiskReportLink.enterprise_id)),
    ):
        stmt = stmt.where(RiskReport.deleted.is_(False), RiskReport.status.in_(("verified", "closed")))
        for eid, rid, on, values, desc, status in cast(_Rows, session.execute(stmt)):
            if eid not in out or (eid, rid) in seen or not risk_found(status, values):
                continue
            seen.add((eid, rid))
            out[eid].risks.append(RiskFinding(on, bool((values or {}).get("major")), desc or ""))
    for eid, on, result, hazard, level in session.execute(
        select(Sampling.enterprise_id, Sampling.sampled_on, Sampling.result, Sampling.major_hazard, Sampling.level)
        .where(Sampling.deleted.is_(False), within(Sampling.enterprise_id),
               or_(Sampling.seller_id.is_(None), Sampling.seller_id != Sampling.enterprise_id),
               Sampling.result.in_([r.value for r in SamplingResult]))
        .order_by(Sampling.sampled_on, Sampling.id)
    ):
        if eid in out:
            out[eid].samplings.append(SamplingOutcome(on, result, bool(hazard)))
            if result == SamplingResult.FAIL:
                out[eid].high_level_failures.append((on, level))
    for eid, kind, listed, removed in session.execute(
        select(EnterpriseListing.enterprise_id, EnterpriseListing.kind, EnterpriseListing.listed_on,
               EnterpriseListing.removed_on)
        .where(EnterpriseListing.deleted.is_(False), within(EnterpriseListing.enterprise_id))
    ):
        if eid in out:
            out[eid].listings.append(Listing(kind, listed, removed))
    for eid, cls, reason, by, on in session.execute(
        select(ClassDecision.enterprise_id, ClassDecision.cls, ClassDecision.reason, ClassDecision.decided_by,
               ClassDecision.decided_on)
        .where(ClassDecision.deleted.is_(False), ClassDecision.revoked_on.is_(None),
               within(ClassDecision.enterprise_id))
        .order_by(ClassDecision.decided_on)
    ):
        if eid in out:
            out[eid].override = ClassOverride(class_of_key(cls), reason, by, on)


#: Synced tables whose rows are inputs of the class, and the columns naming the enterprise.
_INPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "enterprise": ("id",), "enforcement_case": ("enterprise_id",), "risk_report": ("enterprise_id",),
    "risk_report_link": ("enterprise_id",), "sampling": ("enterprise_id", "seller_id"),
    "enterprise_listing": ("enterprise_id",), "class_decision": ("enterprise_id",),
}


def enterprises_of(session: Session, table_name: str, rows: Iterable[dict[str, Any]]) -> set[str]:
    """The enterprises whose class the given rows (dicts of a synced table) can change; a risk
    report also counts for the enterprises linked to it."""
    rows = list(rows)
    out = {str(r[c]) for c in _INPUT_COLUMNS.get(table_name, ()) for r in rows if r.get(c)}
    if table_name == "risk_report" and rows:
        ids = [str(r["id"]) for r in rows]
        for chunk in chunked(session, ids):
            out.update(session.scalars(select(RiskReportLink.enterprise_id)
                                       .where(among(session, RiskReportLink.risk_report_id, chunk))))
    return out


def risk_found(status: str | None, values: dict[str, Any] | None) -> bool:
    """Is a risk report a risk found? Verified, or closed unless closed as 不属实 (unfounded)."""
    if status == "verified":
        return True
    return status == "closed" and (values or {}).get("founded") is not False


# --------------------------------------------------------------------------- computing


@dataclass(frozen=True)
class Computed:
    result: ClassResult
    credit_risk: str | None
    interview: str | None
    valid_until: date | None


def compute(inp: Inputs, as_of: date) -> Computed:
    """The class of one enterprise's inputs as of ``as_of`` (pure; no database)."""
    if not (inp.punishments or inp.risks or inp.samplings or inp.listings or inp.override):
        # most enterprises: only the entered credit risk and status matter (same answer for all)
        return _plain(inp.credit_risk, _is_abnormal(inp.abnormal_status), as_of)
    return _compute(inp, as_of)


@lru_cache(maxsize=64)
def _plain(credit_risk: str | None, abnormal: bool, as_of: date) -> Computed:
    return _compute(Inputs(credit_risk, "异常" if abnormal else None), as_of)


def _compute(inp: Inputs, as_of: date) -> Computed:
    credit: str | None = inp.credit_risk
    try:
        effective, _ = sampling_credit_risk(credit, inp.samplings, as_of)
    except ValueError:  # an unknown credit risk text (imported): judged without it
        credit, effective = None, sampling_credit_risk(None, inp.samplings, as_of)[0]
    res = classify(as_of, inp.punishments, inp.risks, credit, inp.samplings, _is_abnormal(inp.abnormal_status),
                   listings=inp.listings, override=inp.override)
    years = consecutive_year_failures(inp.high_level_failures, as_of)
    until = next_change(as_of, inp.punishments, inp.risks, inp.samplings, inp.listings, inp.override)
    if years:
        new_year = date(years[-1] + 2, 1, 1)  # the run no longer reaches "this year or the last"
        until = min(until, new_year) if until else new_year
    return Computed(res, effective.value if effective else None, interview_reason(years) if years else None, until)


def _row_values(c: Computed, as_of: date) -> dict[str, Any]:
    return {"cls": c.result.key, "reasons": "\n".join(c.result.reasons), "credit_risk": c.credit_risk,
            "interview": c.interview, "overridden": c.result.overridden, "as_of": as_of,
            "valid_until": c.valid_until}


def refresh(session: Session, enterprise_ids: Iterable[str | None], *, as_of: date | None = None,
            audit_changes: bool = True, arrived: Collection[str] = ()) -> int:
    """Recalculate and store the classes of ``enterprise_ids`` inside the caller's transaction.

    Call it after changing any input of theirs; returns how many classes changed. A change of
    class is recorded in the audit trail with the old and new class (Chinese labels), except
    the first class of an enterprise in ``arrived`` (new to this node in this transaction: an
    import's new enterprises), which changed from nothing: a county's trail would otherwise
    gain a thousand such lines with every station's year.
    """
    ids = sorted({i for i in enterprise_ids if i})
    if not ids:
        return 0
    session.flush()
    lock_change_counter(session)  # the lock order (qsdesk.store.db): the counter before class rows
    day = as_of or date.today()
    inputs = gather(session, ids)
    return _store(session, {eid: compute(inp, day) for eid, inp in inputs.items()}, day, audit_changes,
                  gone=[i for i in ids if i not in inputs], arrived=arrived)


_COMPARED = ("cls", "reasons", "credit_risk", "interview", "overridden", "valid_until")


def _stored(session: Session, ids: list[str] | None) -> dict[str, tuple[Any, ...]]:
    """The stored values of the given enterprises (all rows when None: one pass, no IN lists)."""
    t = EnterpriseClass.__table__
    cols = (t.c.enterprise_id, *(t.c[c] for c in _COMPARED))
    if ids is None:
        return {eid: tuple(vals) for eid, *vals in cast(_Rows, session.execute(select(*cols)))}
    out: dict[str, tuple[Any, ...]] = {}
    for chunk in chunked(session, ids):
        for eid, *vals in cast(_Rows, session.execute(select(*cols).where(among(session, t.c.enterprise_id, chunk)))):
            out[eid] = tuple(vals)
    return out


def _store(session: Session, computed: dict[str, Computed], day: date, audit_changes: bool,
           gone: Iterable[str] = (), old: dict[str, tuple[Any, ...]] | None = None,
           arrived: Collection[str] = ()) -> int:
    if old is None:
        old = _stored(session, list(computed))
    rows: list[dict[str, Any]] = []  # new and changed rows (unchanged rows are not rewritten)
    changed = 0
    for eid, c in computed.items():
        vals = _row_values(c, day)
        prev = old.get(eid)
        if prev != tuple(vals[c] for c in _COMPARED):
            rows.append({"enterprise_id": eid, **vals})
        prev_cls = prev[0] if prev else "routine"
        if prev_cls != vals["cls"]:
            changed += 1
            if audit_changes and not (prev is None and eid in arrived):
                audit.record(session, "update", "enterprise", eid, 监管类别由=class_label(prev_cls),
                             改为=class_label(vals["cls"]), 依据=vals["reasons"])
    upsert_rows(session, cast(Table, EnterpriseClass.__table__), "enterprise_id", rows)
    gone = list(gone)
    for chunk in chunked(session, gone):
        session.execute(delete(EnterpriseClass).where(among(session, EnterpriseClass.enterprise_id, chunk)))
    return changed


def recompute_all(session: Session, as_of: date | None = None, *, audit_changes: bool = True) -> int:
    """Recalculate every live enterprise's class (e.g. after an upgrade); returns changes."""
    day = as_of or date.today()
    inputs = gather(session)
    old = _stored(session, None)
    stale = [eid for eid in old if eid not in inputs]
    changed = _store(session, {eid: compute(inp, day) for eid, inp in inputs.items()}, day, audit_changes,
                     gone=stale, old=old)
    _set_as_of(session, day)
    return changed


def _set_as_of(session: Session, day: date) -> None:
    # An upsert: the dashboard's thread and a list refresh may both bring the classes up to date.
    session.execute(upsert_statement(session, cast(Table, Setting.__table__), "key").values(key=AS_OF_SETTING, value=day.isoformat()))
    cached = session.identity_map.get(session.identity_key(Setting, AS_OF_SETTING))
    if cached is not None:
        session.expire(cached)


def stored_as_of(session: Session) -> date | None:
    row = session.get(Setting, AS_OF_SETTING)
    return date.fromisoformat(row.value) if row is not None else None


def ensure_current(store: Store, today: date | None = None, *, quick_only: bool = False) -> int:
    """Bring the stored classes up to ``today``: a no-op when already done today; otherwise
    recalculate the classes whose ``valid_until`` has come (all of them the first time, or when
    the clock went back). Returns how many classes changed.

    ``quick_only`` (the GUI thread): skip the full recalculation, which the dashboard runs off the
    GUI thread at start; only the day change (a few rows) is done here."""
    day = today or date.today()
    with store.session() as s:
        last = stored_as_of(s)
    if last == day or (quick_only and (last is None or last > day)):
        return 0
    with store.transaction() as s:
        last = stored_as_of(s)
        if last == day:
            return 0
        if last is None or last > day:
            return recompute_all(s, day)
        due = list(s.scalars(select(EnterpriseClass.enterprise_id).where(
            or_(EnterpriseClass.valid_until <= day, EnterpriseClass.as_of > day))))
        changed = refresh(s, due, as_of=day) if due else 0
        _set_as_of(s, day)
        return changed


# --------------------------------------------------------------------------- reading


def class_column() -> Any:
    """The stored class key of ``Enterprise`` rows for queries (outer join ``EnterpriseClass``);
    an enterprise never classified is 日常 (no records that could raise it)."""
    return func.coalesce(EnterpriseClass.cls, "routine")


def class_rank() -> Any:
    """An ordering of the stored class for sorting lists: 日常 < 重点 < 特别."""
    return case({"special": 2, "key": 1}, value=class_column(), else_=0)


def join_class(stmt: Any) -> Any:
    """``stmt`` (selecting from ``Enterprise``) with the stored class joined on."""
    return stmt.outerjoin(EnterpriseClass, EnterpriseClass.enterprise_id == Enterprise.id)


@dataclass(frozen=True)
class CurrentClass:
    key: str
    label: str
    reasons: list[str]
    credit_risk: str | None
    interview: str | None
    overridden: bool
    as_of: date | None
    decision: DecisionInfo | None = None
    listings: list[ListingInfo] = field(default_factory=list)


@dataclass(frozen=True)
class DecisionInfo:
    id: str
    label: str
    reason: str
    decided_by: str
    decided_on: date


@dataclass(frozen=True)
class ListingInfo:
    id: str
    kind: str  # Chinese label
    listed_on: date
    removed_on: date | None
    basis: str | None


def current(session: Session, enterprise_id: str) -> CurrentClass:
    """The stored class of one enterprise with its reasons, decision and listings."""
    row = session.get(EnterpriseClass, enterprise_id, populate_existing=True)
    if row is None:
        base = compute(Inputs(), date.today()).result
        key, reasons, credit, interview, over, as_of = "routine", base.reasons, None, None, False, None
    else:
        key, credit, interview, over, as_of = row.cls, row.credit_risk, row.interview, row.overridden, row.as_of
        reasons = [x for x in (row.reasons or "").splitlines() if x.strip()]
    d = session.scalars(select(ClassDecision).where(
        ClassDecision.enterprise_id == enterprise_id, ClassDecision.deleted.is_(False),
        ClassDecision.revoked_on.is_(None)).order_by(ClassDecision.decided_on.desc())).first()
    decision = (DecisionInfo(d.id, class_label(d.cls), d.reason, d.decided_by, d.decided_on)
                if d is not None else None)
    listings = [
        ListingInfo(x.id, LISTING_LABELS.get(x.kind, "列入名单"), x.listed_on, x.removed_on, x.basis)
        for x in session.scalars(select(EnterpriseListing).where(
            EnterpriseListing.enterprise_id == enterprise_id, EnterpriseListing.deleted.is_(False))
            .order_by(EnterpriseListing.listed_on))
    ]
    return CurrentClass(key, class_label(key), reasons, credit, interview, over, as_of, decision, listings)


def counts(session: Session) -> dict[str, int]:
    """Live enterprises per stored class key (every key present)."""
    total = int(session.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.deleted.is_(False)))
                or 0)
    # only the few raised rows are joined (index on cls); the rest of the live enterprises are 日常
    stmt = (select(EnterpriseClass.cls, func.count())
            .join(Enterprise, Enterprise.id == EnterpriseClass.enterprise_id)
            .where(Enterprise.deleted.is_(False), EnterpriseClass.cls.in_(("key", "special")))
            .group_by(EnterpriseClass.cls))
    out = {"routine": 0, "key": 0, "special": 0}
    for key, n in session.execute(stmt):
        out[key] = int(n)
    out["routine"] = total - out["key"] - out["special"]
    return out


__all__ = [
    "ClassError", "Computed", "CurrentClass", "Inputs", "SupervisionClass", "class_column", "class_label",
    "compute", "counts", "current", "ensure_current", "gather", "join_class", "recompute_all",
    "refresh", "risk_found",
]
