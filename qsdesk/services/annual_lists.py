"""Annual lists: 重点监管 / 特别监管 producers and sellers (001 三, 002 三（四）) and the
tracking-sampling list (004 二: last year's non-conforming enterprises).

"对实施重点监管、特别监管的，分别建立生产、销售单位年度名单": an enterprise is on a year's list
when it was under that class at some time in the year (up to ``as_of`` for the current year).
The class is :func:`qsdesk.domain.supervision.classify` of the enterprise's records. A class can
only rise on the day of an event (a punishment, a risk, a sampling), so it is evaluated on
1 January and on every event day of the year; the highest class reached and the reasons given on
the first day it was reached are listed.

Inputs taken from the records: punishments = decided cases of kind quality / licence / ccc
(``heavier`` = 从重处罚); risks = risk reports that were verified or closed (``values["major"]``
marks a 重大 risk); samplings where the enterprise is the producer; the enterprise's credit risk
class; ``abnormal_status`` naming the abnormal operations list (经营异常名录).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsdesk.domain.sampling import SamplingOutcome
from qsdesk.domain.supervision import Punishment, RiskFinding, SupervisionClass, classify
from qsdesk.services.activities import unit_kind_of
from qsdesk.store.db import Store
from qsdesk.store.models import EnforcementCase, Enterprise, RiskReport, Sampling

PUNISHABLE_KINDS = ("quality", "licence", "ccc")
LIST_TITLES = {
    ("key", "producer"): "重点监管生产单位名单",
    ("key", "seller"): "重点监管销售单位名单",
    ("special", "producer"): "特别监管生产单位名单",
    ("special", "seller"): "特别监管销售单位名单",
}


@dataclass
class ListEntry:
    enterprise_id: str
    name: str
    uscc: str | None
    town: str | None
    unit_kind: str  # producer / seller
    cls: str  # key / special
    since: date  # the first day of the year it was in this class
    reasons: list[str]


@dataclass
class AnnualLists:
    year: int
    as_of: date
    lists: dict[tuple[str, str], list[ListEntry]]  # (class, unit kind) -> entries by name

    def entries(self, cls: str, unit_kind: str) -> list[ListEntry]:
        return self.lists[(cls, unit_kind)]


def _as_of(year: int, as_of: date | None) -> date:
    end = date(year, 12, 31)
    if as_of is None:
        as_of = min(date.today(), end)
    return max(min(as_of, end), date(year, 1, 1))


def _is_abnormal(status: str | None) -> bool:
    return bool(status) and ("异常" in str(status))


def _class_code(c: SupervisionClass) -> str:
    return {SupervisionClass.KEY: "key", SupervisionClass.SPECIAL: "special"}.get(c, "routine")


def build_lists(session: Session, year: int, *, as_of: date | None = None) -> AnnualLists:
    """The four lists of ``year`` from the records."""
    end = _as_of(year, as_of)
    start = date(year, 1, 1)
    pun: dict[str, list[Punishment]] = defaultdict(list)
    for eid, decided, heavier, kind, cause in session.execute(
        select(EnforcementCase.enterprise_id, EnforcementCase.decided_on, EnforcementCase.heavier,
               EnforcementCase.kind, EnforcementCase.cause)
        .where(EnforcementCase.deleted.is_(False), EnforcementCase.kind.in_(PUNISHABLE_KINDS),
               EnforcementCase.decided_on.is_not(None), EnforcementCase.decided_on <= end)
    ):
        pun[eid].append(Punishment(decided, bool(heavier), cause or kind))
    risks: dict[str, list[RiskFinding]] = defaultdict(list)
    for eid, on, values, desc in session.execute(
        select(RiskReport.enterprise_id, RiskReport.reported_on, RiskReport.values, RiskReport.description)
        .where(RiskReport.deleted.is_(False), RiskReport.enterprise_id.is_not(None),
               RiskReport.status.in_(("verified", "closed")), RiskReport.reported_on <= end)
    ):
        risks[eid].append(RiskFinding(on, bool((values or {}).get("major")), desc or ""))
    samp: dict[str, list[SamplingOutcome]] = defaultdict(list)
    for eid, on, result, hazard in session.execute(
        select(Sampling.enterprise_id, Sampling.sampled_on, Sampling.result, Sampling.major_hazard)
        .where(Sampling.deleted.is_(False), Sampling.sampled_on <= end)
        .order_by(Sampling.sampled_on)
    ):
        samp[eid].append(SamplingOutcome(on, result, bool(hazard)))

    candidates = set(pun) | set(risks) | set(samp)
    ents = session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.uscc, Enterprise.town, Enterprise.unit_types,
               Enterprise.credit_risk, Enterprise.abnormal_status)
        .where(Enterprise.deleted.is_(False))
    )
    lists: dict[tuple[str, str], list[ListEntry]] = {k: [] for k in LIST_TITLES}
    for eid, name, uscc, town, types, credit, abnormal in ents:
        if eid not in candidates and not credit and not _is_abnormal(abnormal):
            continue
        days = {start}
        days.update(p.decided_on for p in pun.get(eid, ()) if start <= p.decided_on <= end)
        days.update(r.found_on for r in risks.get(eid, ()) if start <= r.found_on <= end)
        days.update(s.sampled_on for s in samp.get(eid, ()) if start <= s.sampled_on <= end)
        best = None
        for d in sorted(days):
            try:
                res = classify(d, pun.get(eid, ()), risks.get(eid, ()), credit, samp.get(eid, ()),
                               _is_abnormal(abnormal))
            except ValueError:  # an unknown credit risk text: judge without it
                res = classify(d, pun.get(eid, ()), risks.get(eid, ()), None, samp.get(eid, ()),
                               _is_abnormal(abnormal))
            if best is None or res.cls.rank > best[1].cls.rank:
                best = (d, res)
        assert best is not None
        code = _class_code(best[1].cls)
        if code == "routine":
            continue
        uk = unit_kind_of(types)
        lists[(code, uk)].append(ListEntry(eid, name, uscc, town, uk, code, best[0], best[1].reasons))
    for entries in lists.values():
        entries.sort(key=lambda e: (e.name, e.enterprise_id))
    return AnnualLists(year, end, lists)


def tracking_list(session: Session, year: int) -> list[Any]:
    """The tracking list: the one definition in :func:`qsdesk.services.sampling.tracking_list`."""
    from qsdesk.services.sampling import tracking_list as one_definition

    return one_definition(session, year)


def export_lists(store: Store, year: int, out: Path | str, *, as_of: date | None = None) -> dict[str, int]:
    """The four class lists and the tracking list, one sheet each; returns rows per sheet."""
    from qsdesk.services import audit
    from qsdesk.services.excel.exporter import Column, new_workbook, save_workbook, write_sheet

    cols = (Column("序号", 6, "number"), Column("企业名称", 34), Column("统一社会信用代码", 22, "code"),
            Column("乡镇（街道）", 12), Column("列入日期", 12, "date"), Column("列入原因", 80))
    counts: dict[str, int] = {}
    wb = new_workbook()
    with store.session() as s:
        lists = build_lists(s, year, as_of=as_of)
        for key, title in LIST_TITLES.items():
            rows: list[tuple[Any, ...]] = [
                (i, e.name, e.uscc, e.town, e.since, "；".join(e.reasons))
                for i, e in enumerate(lists.entries(*key), start=1)
            ]
            counts[title] = write_sheet(wb, title, cols, rows)
        track = tracking_list(s, year)
        tcols = (Column("序号", 6, "number"), Column("企业名称", 34), Column("统一社会信用代码", 22, "code"),
                 Column("不合格次数", 10, "number"), Column("拒检次数", 10, "number"), Column("身份", 16),
                 Column("列入原因", 80))
        counts["跟踪抽查名单"] = write_sheet(
            wb, "跟踪抽查名单", tcols,
            [(i, t.name, t.uscc, t.failures, t.refusals, t.roles, t.reason) for i, t in enumerate(track, start=1)])
    save_workbook(wb, Path(out))
    with store.transaction() as s:
        audit.record(s, "export", None, None, kind="annual_lists", year=year, file=Path(out).name)
    return counts
