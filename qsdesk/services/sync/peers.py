"""Sync state per peer: the tables that travel which way, the node and peer rows, what has been
received and acknowledged, and the bundle history (part of :mod:`qsdesk.services.sync.exchange`)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from qsdesk.services.sync.rows import (
    TABLES,
    table_of,
)
from qsdesk.store.db import Store
from qsdesk.store.models import (
    BundleLog,
    Counter,
    Node,
    SyncPeerState,
)

#: County-wide master data: made only at the county, sent down to every station, accepted
#: only from the county (a station's copy of such a row is refused).
COUNTY_TABLES = ("key_product", "notice", "form_version", "county_setting", "holiday_schedule", "duty_check")

#: What a county sends down to a station.
DOWN_TABLES = ("inspector", "enterprise", "product", "supervisor_assignment", "class_decision",
               "enterprise_listing", *COUNTY_TABLES)

_CHUNK = 500
#: Key carrying, with a planned update, the ``rev`` it was planned against.
_EXPECTED_REV = "__expected_rev"

TABLE_LABELS = {
    "inspector": "检查人员", "enterprise": "企业", "product": "产品", "supervisor_assignment": "责任监管人员",
    "enforcement_case": "案件", "inspection": "检查记录", "signature": "签名", "attachment_link": "附件",
    "risk_report": "风险信息", "sampling": "抽查结果", "followup_step": "后处理步骤",
    "task_checklist": "任务清单", "activity": "工作记录", "audit_entry": "操作日志",
    "key_product": "重点产品目录", "notice": "通知", "form_version": "表单版本",
    "enterprise_listing": "列异列严", "class_decision": "监管类别决定",
    "county_setting": "县局设置", "monthly_report": "月度统计表",
    "holiday_schedule": "节假日安排", "duty_check": "督查清单",
}


class SyncError(ValueError):
    """A sync request that cannot be carried out; the message is Chinese."""


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a bundle is made, or decoded and applied.

    A year's bundle decodes to a few million dicts, lists and strings that all live until the
    import ends; every automatic collection walks all of them again and together they cost about
    a fifth of the import, while collecting nothing (an export's rows, likewise). Collection
    resumes afterwards if it was on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ------------------------------------------------------------------------------------ node state


def _self_node(session: Session) -> Node:
    node = session.scalars(select(Node).where(Node.is_self.is_(True))).first()
    if node is None:
        raise SyncError("本机尚未初始化为单位节点，请先完成初始化")
    return node


def _peer(session: Session, code: str) -> Node:
    node = session.get(Node, code)
    if node is None or node.is_self or not node.public_key or not node.enc_public_key:
        raise SyncError(f"单位 {code} 尚未登记：请先导入对方的登记文件（qsdesk enrol --import 文件）")
    return node


def _state(session: Session, peer: str, *, create: bool = True) -> SyncPeerState:
    st = session.get(SyncPeerState, peer)
    if st is None:
        st = SyncPeerState(peer_code=peer, last_seq_sent=0, last_seq_received=0, acked_change_seq=0)
        if create:
            session.add(st)
    return st


def current_change_seq(session: Session) -> int:
    return int(session.scalar(select(Counter.value).where(Counter.name == "change_seq")) or 0)


def _received_logs(session: Session, peer: str) -> list[BundleLog]:
    return list(session.scalars(select(BundleLog).where(BundleLog.direction == "in", BundleLog.peer_code == peer)))


def coverage(logs: Iterable[BundleLog]) -> int:
    """The highest change number N such that every change of the peer up to N has been applied."""
    ranges = sorted(
        (int(r[0]), int(r[1])) for r in (lg.counts.get("range") for lg in logs) if isinstance(r, list) and len(r) == 2
    )
    cov = 0
    for after, upto in ranges:
        if after > cov:
            break
        cov = max(cov, upto)
    return cov



def _station_scope(table_name: str, to_code: str) -> Any:
    """Which rows of a master-data table belong to station ``to_code`` (county → station)."""
    t = table_of(table_name)
    if table_name == "duty_check":  # each station receives the checks of itself only
        return t.c.station_code == to_code
    if table_name in COUNTY_TABLES:
        return true()
    ent = table_of("enterprise")
    station_enterprises = select(ent.c.id).where(or_(ent.c.origin == to_code, ent.c.jurisdiction == to_code))
    if table_name == "inspector":
        return or_(t.c.origin == to_code, t.c.station_code == to_code)
    if table_name == "enterprise":
        return or_(t.c.origin == to_code, t.c.jurisdiction == to_code)
    return t.c.enterprise_id.in_(station_enterprises)



def _parents_first(rows: Any, id_of: Callable[[Any], Any], parent_of: Callable[[Any], Any]) -> list[Any]:
    """Order rows so that a row referring to another row of the same batch comes after it."""
    rows = list(rows)
    ids = {id_of(r) for r in rows}
    done: set[str] = set()
    out: list[Any] = []
    pending = rows
    while pending:
        nxt = []
        for r in pending:
            parent = parent_of(r)
            if parent is None or parent not in ids or parent in done:
                out.append(r)
                done.add(id_of(r))
            else:
                nxt.append(r)
        if len(nxt) == len(pending):  # a cycle cannot be ordered; let the database decide
            out.extend(nxt)
            break
        pending = nxt
    return out


# ---------------------------------------------------------------------------------------- history


def history(store: Store, limit: int = 500) -> list[BundleLog]:
    with store.session() as s:
        return list(s.scalars(select(BundleLog).order_by(BundleLog.at.desc()).limit(limit)))


def peer_states(store: Store) -> list[SyncPeerState]:
    with store.session() as s:
        return list(s.scalars(select(SyncPeerState).order_by(SyncPeerState.peer_code)))


def pending_change_count(store: Store, to_code: str) -> int:
    """How many local rows changed since ``to_code`` last acknowledged (what an export would send)."""
    with store.session() as s:
        me = _self_node(s)
        st = s.get(SyncPeerState, to_code)
        after = st.acked_change_seq if st else 0
        total = 0
        for name in DOWN_TABLES if me.kind == "county" else tuple(TABLES):
            t = table_of(name)
            stmt = select(func.count()).select_from(t).where(t.c.change_seq > after)
            if me.kind == "county":
                stmt = stmt.where(_station_scope(name, to_code))
            total += int(s.scalar(stmt) or 0)
        return total
