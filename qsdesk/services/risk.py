"""Risk information reports (annex 6 风险信息采集表): status, linking, lists, timeline, counts.

A station collects risk information from complaints, routine supervision, media, monitoring,
referrals, lab reports and notices (000 (十), annex 6). A report goes collected (已采集) →
verified (已核实, with what the investigation found) → closed (已办结). The form itself (the
annex 6 fields) is saved by the forms code; this module owns the life cycle around it: status
changes with their history, the enterprises a report concerns (annex 6 names a producer and a
seller), and the queries behind the risk list, the enterprise timeline and the dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from qsdesk.services import audit, classes, serials
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, RiskReport, RiskReportLink

FORM_ID = "annex6_risk"

#: annex 6 风险信息来源, in the annex's order.
SOURCES: tuple[str, ...] = (
    "投诉、举报",
    "日常监管",
    "媒体网络信息",
    "主动监测",
    "交办、转办",
    "实验室检验检测报告",
    "国内机构组织通报",
    "国外通报",
    "其他",
)

STATUS_LABELS: dict[str, str] = {"collected": "已采集", "verified": "已核实", "closed": "已办结"}
STATUSES = tuple(STATUS_LABELS)
#: Allowed moves. A closed report can be reopened (back to verified) when new facts appear.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "collected": ("verified", "closed"),
    "verified": ("closed", "collected"),
    "closed": ("verified",),
}

LINK_ROLES = {"producer": "生产者", "seller": "销售者", "other": "其他"}


class RiskError(ValueError):
    """A request a user can fix; the message is Chinese."""


@dataclass(frozen=True)
class LinkSpec:
    enterprise_id: str
    role: str = "producer"


def create_report(
    store: Store,
    *,
    reported_on: date,
    sources: Sequence[str],
    product_name: str | None,
    description: str,
    links: Sequence[LinkSpec] = (),
    values: dict[str, Any] | None = None,
    reporter_id: str | None = None,
    form_version: int = 1,
) -> str:
    """Record a new risk report (status collected) and link it to its enterprises.

    The annex 6 dialog of the forms code saves the full form; this is the short path the CLI,
    imports and tests use. Unknown sources are refused so statistics by source stay clean.
    """
    bad = [x for x in sources if x not in SOURCES]
    if bad:
        raise RiskError(f"未知的风险信息来源：{'、'.join(bad)}；应为：{'、'.join(SOURCES)}")
    if not sources:
        raise RiskError("请至少选择一个风险信息来源")
    if not (description or "").strip():
        raise RiskError("请填写风险信息简要描述")
    with store.transaction() as s:
        primary = links[0].enterprise_id if links else None
        row = RiskReport(
            enterprise_id=primary,
            form_id=FORM_ID,
            form_version=form_version,
            reported_on=reported_on,
            sources=list(sources),
            product_name=(product_name or "").strip() or None,
            description=description.strip(),
            status="collected",
            values=dict(values or {}),
            reporter_id=reporter_id,
        )
        row.report_no = serials.next_number(s, serials.RISK_REPORT, reported_on)
        s.add(row)
        s.flush()
        for ln in links:
            _link(s, row, ln.enterprise_id, ln.role)
        audit.record(s, "create", "risk_report", row.id, sources=list(sources))
        return row.id


def _link(s: Session, report: RiskReport, enterprise_id: str, role: str) -> RiskReportLink | None:
    if role not in LINK_ROLES:
        raise RiskError(f"关联角色应为：{'、'.join(LINK_ROLES.values())}")
    ent = s.get(Enterprise, enterprise_id)
    if ent is None or ent.deleted:
        raise RiskError("企业不存在")
    existing = s.scalars(
        select(RiskReportLink).where(
            RiskReportLink.risk_report_id == report.id,
            RiskReportLink.enterprise_id == enterprise_id,
            RiskReportLink.role == role,
        )
    ).first()
    if existing is not None:
        if existing.deleted:
            existing.deleted = False
            return existing
        return None
    link = RiskReportLink(risk_report_id=report.id, enterprise_id=enterprise_id, role=role)
    s.add(link)
    if report.enterprise_id is None:
        report.enterprise_id = enterprise_id
    return link


def link_enterprise(store: Store, report_id: str, enterprise_id: str, role: str = "producer") -> None:
    with store.transaction() as s:
        report = _get(s, report_id)
        if _link(s, report, enterprise_id, role) is not None:
            audit.record(s, "update", "risk_report", report.id, linked=enterprise_id, role=role)
            classes.refresh(s, [enterprise_id])


def unlink_enterprise(store: Store, report_id: str, enterprise_id: str) -> None:
    with store.transaction() as s:
        report = _get(s, report_id)
        links = s.scalars(
            select(RiskReportLink).where(
                RiskReportLink.risk_report_id == report_id,
                RiskReportLink.enterprise_id == enterprise_id,
                RiskReportLink.deleted.is_(False),
            )
        ).all()
        for ln in links:
            ln.deleted = True
        if report.enterprise_id == enterprise_id:
            rest = [x.enterprise_id for x in linked_enterprises(s, report_id) if x.enterprise_id != enterprise_id]
            report.enterprise_id = rest[0] if rest else None
        audit.record(s, "update", "risk_report", report.id, unlinked=enterprise_id)
        classes.refresh(s, [enterprise_id, report.enterprise_id])


def linked_enterprises(session: Session, report_id: str) -> list[RiskReportLink]:
    stmt = select(RiskReportLink).where(
        RiskReportLink.risk_report_id == report_id, RiskReportLink.deleted.is_(False)
    )
    return list(session.scalars(stmt.order_by(RiskReportLink.role)))


def _get(s: Session, report_id: str) -> RiskReport:
    report = s.get(RiskReport, report_id)
    if report is None or report.deleted:
        raise RiskError("风险信息记录不存在")
    return report


def set_status(
    store: Store,
    report_id: str,
    status: str,
    *,
    investigation: str | None = None,
    on: date | None = None,
    note: str | None = None,
    founded: bool | None = None,
) -> None:
    """Move a report to ``status``; verifying or closing needs what the investigation found.

    ``founded=False`` closes it as 不属实 (unfounded): then it is no risk found and does not count
    toward the supervision class (:mod:`qsdesk.services.classes`)."""
    if status not in STATUS_LABELS:
        raise RiskError(f"状态应为：{'、'.join(STATUS_LABELS.values())}")
    with store.transaction() as s:
        report = _get(s, report_id)
        if status == report.status:
            raise RiskError(f"该风险信息已是“{STATUS_LABELS[status]}”状态")
        if status not in TRANSITIONS[report.status]:
            raise RiskError(
                f"不能从“{STATUS_LABELS[report.status]}”改为“{STATUS_LABELS[status]}”"
            )
        if investigation is not None and investigation.strip():
            report.investigation = investigation.strip()
            # The annex 6 form keeps its own copy of the field; keep them the same.
            if report.values and "investigation" in report.values:
                report.values = {**report.values, "investigation": report.investigation}
        if status in ("verified", "closed") and not (report.investigation or "").strip():
            raise RiskError("核实或办结前请填写调查核实情况")
        day = on or date.today()
        old = report.status
        report.status = status
        if founded is not None or status != "closed":
            vals = {k: v for k, v in (report.values or {}).items() if k != "founded"}
            if status == "closed" and founded is False:
                vals["founded"] = False
            report.values = vals
        # The history lives in the audit trail (append-only, synced), not in the form values,
        # so re-saving the annex 6 form can never lose it.
        audit.record(s, "update", "risk_report", report.id, status_from=old, status_to=status,
                     on=day.isoformat(), note=(note or "").strip() or None,
                     unfounded=True if status == "closed" and founded is False else None)
        classes.refresh(s, _concerned(s, report))


def _concerned(s: Session, report: RiskReport) -> list[str | None]:
    """The enterprises a report counts for: the one it was filed for and every linked one."""
    linked = s.scalars(select(RiskReportLink.enterprise_id).where(
        RiskReportLink.risk_report_id == report.id, RiskReportLink.deleted.is_(False)))
    return [report.enterprise_id, *linked]


def status_history(session: Session, report_id: str) -> list[dict[str, Any]]:
    """Status changes of a report, oldest first: from, to, on (the day given), at, by, note."""
    out = []
    for e in audit.entries_for(session, report_id):
        d = e.detail or {}
        if e.table_name == "risk_report" and "status_to" in d:
            out.append({"from": d.get("status_from"), "to": d["status_to"], "on": d.get("on"),
                        "at": e.at.isoformat(timespec="seconds") if e.at else None, "by": e.actor,
                        "note": d.get("note")})
    return out


# --------------------------------------------------------------------------- queries


def _enterprise_filter(enterprise_id: str) -> Any:
    linked = select(RiskReportLink.risk_report_id).where(
        RiskReportLink.enterprise_id == enterprise_id, RiskReportLink.deleted.is_(False)
    )
    return or_(RiskReport.enterprise_id == enterprise_id, RiskReport.id.in_(linked))


def list_query(
    status: str | None = None,
    *,
    enterprise_id: str | None = None,
    text: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Select[Any]:
    """Rows for the risk list: id, reported_on, status, product_name, enterprise, sources, description."""
    stmt = (
        select(
            RiskReport.id.label("id"),
            RiskReport.report_no.label("report_no"),
            RiskReport.reported_on.label("reported_on"),
            RiskReport.status.label("status"),
            RiskReport.product_name.label("product_name"),
            Enterprise.name.label("enterprise"),
            RiskReport.sources.label("sources"),
            RiskReport.description.label("description"),
        )
        .outerjoin(Enterprise, Enterprise.id == RiskReport.enterprise_id)
        .where(RiskReport.deleted.is_(False))
        .order_by(RiskReport.reported_on.desc(), RiskReport.id)
    )
    if status:
        stmt = stmt.where(RiskReport.status == status)
    if enterprise_id:
        stmt = stmt.where(_enterprise_filter(enterprise_id))
    if text and text.strip():
        like = f"%{text.strip()}%"
        stmt = stmt.where(or_(RiskReport.product_name.like(like), Enterprise.name.like(like),
                              RiskReport.description.like(like), RiskReport.report_no.like(like)))
    if since:
        stmt = stmt.where(RiskReport.reported_on >= since)
    if until:
        stmt = stmt.where(RiskReport.reported_on <= until)
    return stmt


def status_counts(session: Session, *, since: date | None = None, until: date | None = None) -> dict[str, int]:
    """Reports per status (every status present, zero when none) — the dashboard's figures."""
    stmt = select(RiskReport.status, func.count()).where(RiskReport.deleted.is_(False))
    if since:
        stmt = stmt.where(RiskReport.reported_on >= since)
    if until:
        stmt = stmt.where(RiskReport.reported_on <= until)
    counts = dict.fromkeys(STATUSES, 0)
    for st, n in session.execute(stmt.group_by(RiskReport.status)):
        counts[st] = counts.get(st, 0) + int(n)
    return counts


def open_count(session: Session) -> int:
    """Reports not yet closed."""
    c = status_counts(session)
    return c["collected"] + c["verified"]


@dataclass(frozen=True)
class TimelineEvent:
    on: date
    kind: str  # "risk_report", "risk_status", "sampling", "followup", "help"
    title: str
    detail: str
    table: str
    record_id: str


def timeline_events(session: Session, enterprise_id: str) -> list[TimelineEvent]:
    """The enterprise's risk reports and their status changes, newest first."""
    stmt = select(RiskReport).where(RiskReport.deleted.is_(False), _enterprise_filter(enterprise_id))
    out: list[TimelineEvent] = []
    for r in session.scalars(stmt):
        src = "、".join(r.sources or [])
        out.append(TimelineEvent(r.reported_on, "risk_report", f"风险信息：{r.product_name or '（未填产品）'}",
                                 f"来源：{src}；{(r.description or '')[:80]}", "risk_report", r.id))
        for h in status_history(session, r.id):
            out.append(TimelineEvent(date.fromisoformat(h["on"]), "risk_status",
                                     f"风险信息{STATUS_LABELS.get(h['to'], h['to'])}",
                                     h.get("note") or (r.investigation or "")[:80], "risk_report", r.id))
    out.sort(key=lambda e: (e.on, e.kind), reverse=True)
    return out
