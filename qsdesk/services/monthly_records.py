"""The records behind the monthly table's figures, problems fixed after an inspection
(rectification records), and filing and sending a month's table (:class:`MonthlyReport`).

Split from :mod:`qsdesk.services.monthly` (the figures themselves).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qsdesk.services.activities import unit_kind_of
from qsdesk.services.monthly import Figure, _local_day, compute_monthly, period_of
from qsdesk.store.models import (
    Activity,
    AuditEntry,
    EnforcementCase,
    Enterprise,
    Inspection,
    Node,
    TaskChecklist,
)


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
