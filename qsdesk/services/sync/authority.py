"""Row authority: who may create, change or delete a row of each synced table.

One rule per synced table (:data:`RULES`), enforced at import against the row **already stored**
here, not only against what the incoming row claims about itself. A bundle carrying even one row
its sender has no authority over is refused whole (:class:`AuthorityError`, naming the sender, the
table and the row); nothing of it is applied.

Owners:

``county``
    County master data (key product catalogue, notices, form versions, county settings, holiday
    schedules, the 督查清单 the county fills for a station): only the county creates,
    changes or deletes them (``origin`` = the county). A station never sends such a row.
``shared``
    Station master data (inspectors, enterprises, products, responsible supervisors, 列异/列严
    listings and class decisions about an enterprise): created by
    a station (``origin`` = that station) or by the county. Changed or deleted by the county, by
    the origin station, or by the station the stored row is assigned to (an inspector's
    ``station_code``, an enterprise's ``jurisdiction``; a product's or an assignment's
    enterprise): the county hands records over that way.
``station``
    A station's own work (inspections and their signatures and attachments, cases, risk reports,
    sampling and follow-up, plans, checklists, activities, the audit trail): created, changed and
    deleted only by the origin station. The county keeps them and sends them back only to that
    same station (a new laptop getting its records back), never to another one.

``origin`` never changes: an incoming version whose ``origin`` differs from the stored one is
refused. Deleting is a change (``deleted`` = true) with the same rule. After sealing nobody may
change an inspection or its signatures: an unsealed version never replaces a sealed one (it is
kept in the conflict queue for a person, see :mod:`qsdesk.services.sync.exchange`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qsdesk.services.sync.rows import TABLES, table_of
from qsdesk.store.idsets import among, chunked


@dataclass(frozen=True)
class Rule:
    """Who may write rows of one table (the text is what docs/sync.md shows)."""

    owner: str  # "county" | "shared" | "station"
    create: str
    change: str


_COUNTY = Rule("county", "县级局", "县级局")
_SHARED = Rule("shared", "来源所或县级局", "县级局、来源所、或该记录当前划归的所")
_STATION = Rule("station", "来源所", "来源所（县级局只能原样退回给来源所）")

#: The rule of every synced table.
RULES: dict[str, Rule] = {
    "inspector": _SHARED,
    "enterprise": _SHARED,
    "product": _SHARED,
    "supervisor_assignment": _SHARED,
    "enforcement_case": _STATION,
    "inspection": _STATION,
    "signature": _STATION,
    "attachment_link": _STATION,
    "risk_report": _STATION,
    "sampling": _STATION,
    "followup_step": _STATION,
    "risk_report_link": _STATION,
    "inspection_plan": _STATION,
    "plan_item": _STATION,
    "help_record": _STATION,
    "task_checklist": _STATION,
    "activity": _STATION,
    "audit_entry": _STATION,
    "key_product": _COUNTY,
    "notice": _COUNTY,
    "form_version": _COUNTY,
    "county_setting": _COUNTY,
    "holiday_schedule": _COUNTY,
    "duty_check": _COUNTY,  # the county fills it for the station it checked
    "monthly_report": _STATION,
    # facts about an enterprise that its station or the county records (a 列异/列严 listing when a
    # follow-up step is completed; a decision to supervise it under 重点)
    "enterprise_listing": _SHARED,
    "class_decision": _SHARED,
}

_missing = set(TABLES) - set(RULES)
if _missing:  # a new synced table must get a rule before it can travel
    raise RuntimeError(f"synced tables without an authority rule: {sorted(_missing)}")


class AuthorityError(ValueError):
    """A bundle row its sender may not write; the message (Chinese) names sender, table and row."""

    def __init__(self, message: str, table: str, row_id: str) -> None:
        super().__init__(message)
        self.table = table
        self.row_id = row_id


@dataclass
class Party:
    code: str
    kind: str  # "station" | "county"


def _station_enterprise_ids(s: Session, station: str, ids: Iterable[str | None]) -> set[str]:
    """Of ``ids``, the enterprises stored here that belong to ``station`` (origin or jurisdiction)."""
    ent = table_of("enterprise")
    keys = [i for i in set(ids) if isinstance(i, str)]
    out: set[str] = set()
    for chunk in chunked(s, keys):
        out.update(s.scalars(select(ent.c.id).where(
            among(s, ent.c.id, chunk), or_(ent.c.origin == station, ent.c.jurisdiction == station))))
    return out


def _assigned_to(s: Session, table_name: str, stored: dict[str, Any], station: str,
                 bundle_enterprises: set[str]) -> bool:
    """Whether a stored shared row is assigned to ``station`` (handed over by the county)."""
    if table_name == "inspector":
        return stored.get("station_code") == station
    if table_name == "enterprise":
        return stored.get("jurisdiction") == station
    ent_id = stored.get("enterprise_id")
    return ent_id in bundle_enterprises or bool(_station_enterprise_ids(s, station, [ent_id]))


def _parent_origin(s: Session, table_name: str, row: dict[str, Any]) -> tuple[str, str] | None:
    """``(table, id)`` of the station record a child row hangs on, when it has one."""
    if table_name == "signature":
        return ("inspection", row.get("inspection_id") or "")
    owner = row.get("owner_table")
    if table_name == "attachment_link" and owner in RULES and RULES[str(owner)].owner == "station":
        return (str(row["owner_table"]), row.get("owner_id") or "")
    return None


def check_rows(
    s: Session, table_name: str, incoming: list[dict[str, Any]], stored: dict[str, dict[str, Any]],
    sender: Party, me: Party, sender_name: str, bundle_origins: dict[tuple[str, str], str],
) -> None:
    """Raise :class:`AuthorityError` at the first row ``sender`` may not write here.

    ``stored`` are the rows already held here (by id); ``bundle_origins`` maps ``(table, id)`` of
    the rows accepted so far from this bundle to their origin (parents inserted by the same bundle).
    """
    rule = RULES[table_name]
    who = f"{sender_name}（{sender.code}）"
    from qsdesk.services.sync.exchange import TABLE_LABELS  # the labels live with the report

    label = TABLE_LABELS.get(table_name, table_name)

    def refuse(row: dict[str, Any], why: str) -> AuthorityError:
        rid = str(row.get("id"))
        return AuthorityError(
            f"数据包被拒绝：{who}发来的{label}记录 {rid} {why}，整个数据包未导入任何内容", table_name, rid)

    bundle_enterprises = {i for (t, i), o in bundle_origins.items() if t == "enterprise" and o == sender.code}
    for row in incoming:
        cur = stored.get(row["id"])
        origin = row.get("origin")
        if rule.owner == "county" and (sender.kind != "county" or origin != sender.code):
            raise refuse(row, "属于县级局发布的数据，只能由县级局发布或修改")
        if cur is not None and cur.get("origin") != origin:
            raise refuse(row, f"改动了记录的来源（本机为 {cur.get('origin') or '空'}，包中为 {origin or '空'}）")
        if rule.owner == "county":
            pass
        elif rule.owner == "station":
            if sender.kind == "county":
                if origin != me.code:
                    raise refuse(row, f"是单位 {origin or '（空）'} 的工作记录，县级局只能把本单位自己的记录退回本单位")
            elif origin != sender.code:
                raise refuse(row, f"来源为单位 {origin or '（空）'}，{sender.code} 无权新增或修改其他单位的工作记录")
            parent = _parent_origin(s, table_name, row)
            if parent is not None:
                p_origin = bundle_origins.get(parent)
                if p_origin is None:
                    p = s.execute(select(table_of(parent[0]).c.origin).where(
                        table_of(parent[0]).c.id == parent[1])).scalar()
                    p_origin = p
                if p_origin is not None and p_origin != origin:
                    raise refuse(row, f"挂在单位 {p_origin} 的{TABLE_LABELS.get(parent[0], parent[0])} {parent[1]} 上，"
                                      f"不能由 {origin} 添加或修改")
        else:  # shared master data
            if sender.kind != "county":
                if cur is None:
                    if origin != sender.code:
                        raise refuse(row, f"来源为单位 {origin or '（空）'}，本机没有这条记录，{sender.code} 不能以其他单位的名义新增")
                    if table_name in ("product", "supervisor_assignment", "enterprise_listing", "class_decision"):
                        ent_id = row.get("enterprise_id")
                        if ent_id not in bundle_enterprises and not _station_enterprise_ids(s, sender.code, [ent_id]):
                            raise refuse(row, f"所属企业不归 {sender.code} 管辖，无权新增")
                elif origin != sender.code and not _assigned_to(s, table_name, cur, sender.code, bundle_enterprises):
                    raise refuse(row, f"来源为单位 {origin or '（空）'}，也未划归 {sender.code}，{sender.code} 无权修改或删除")
        bundle_origins[(table_name, row["id"])] = str(origin)
