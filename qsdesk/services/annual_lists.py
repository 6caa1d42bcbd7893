"""Annual lists: 重点监管 / 特别监管 producers and sellers (国市监质监发〔2023〕38号 三, 宝山区实施方案
三（四）) and the tracking-sampling list (沪市监产质〔2022〕251号 二: last year's non-conforming
enterprises).

"对实施重点监管、特别监管的，分别建立生产、销售单位年度名单": an enterprise is on a year's list
when it was under that class at some time in the year (up to ``as_of`` for the current year).
The class is :func:`qsdesk.services.classes.compute` of the enterprise's records (the inputs the
stored class uses, :func:`qsdesk.services.classes.gather`). A class can
only rise on the day of an event (a punishment, a risk, a sampling), so it is evaluated on
1 January and on every event day of the year; the highest class reached and the reasons given on
the first day it was reached are listed.

Inputs: see :mod:`qsdesk.services.classes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsdesk.domain.supervision import SupervisionClass
from qsdesk.services import classes
from qsdesk.services.activities import unit_kind_of
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise

PUNISHABLE_KINDS = classes.PUNISHABLE_KINDS
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
    current: str = "routine"  # the class key on the lists' last day (``AnnualLists.as_of``)


@dataclass
class AnnualLists:
    year: int
    as_of: date
    lists: dict[tuple[str, str], list[ListEntry]]  # (class, unit kind) -> entries by name
    #: the class key of every enterprise that is not 日常 on ``as_of`` (others: 日常)
    current: dict[str, str] = field(default_factory=dict)

    def class_on_as_of(self, enterprise_id: str) -> str:
        return self.current.get(enterprise_id, "routine")

    def entries(self, cls: str, unit_kind: str) -> list[ListEntry]:
        return self.lists[(cls, unit_kind)]


def _as_of(year: int, as_of: date | None) -> date:
    end = date(year, 12, 31)
    if as_of is None:
        as_of = min(date.today(), end)
    return max(min(as_of, end), date(year, 1, 1))


def _class_code(c: SupervisionClass) -> str:
    return {SupervisionClass.KEY: "key", SupervisionClass.SPECIAL: "special"}.get(c, "routine")


def _event_days(inp: classes.Inputs, start: date, end: date) -> set[date]:
    days = {start}
    days.update(p.decided_on for p in inp.punishments)
    days.update(r.found_on for r in inp.risks)
    days.update(s.sampled_on for s in inp.samplings)
    days.update(x.listed_on for x in inp.listings)
    if inp.override is not None:
        days.add(inp.override.decided_on)
    return {d for d in days if start <= d <= end}


def build_lists(session: Session, year: int, *, as_of: date | None = None) -> AnnualLists:
    """The four lists of ``year`` from the records, with the same inputs and rule as the stored
    class (:mod:`qsdesk.services.classes`): on the last day the lists cover (``as_of``), an
    enterprise's class here is the class the registry shows."""
    end = _as_of(year, as_of)
    start = date(year, 1, 1)
    inputs = classes.gather(session)
    info = {eid: (name, uscc, town, types, dom) for eid, name, uscc, town, types, dom in session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.uscc, Enterprise.town, Enterprise.unit_types,
               Enterprise.domain)
        .where(Enterprise.deleted.is_(False)))}
    lists: dict[tuple[str, str], list[ListEntry]] = {k: [] for k in LIST_TITLES}
    current: dict[str, str] = {}
    for eid, inp in inputs.items():
        if not (inp.punishments or inp.risks or inp.samplings or inp.listings or inp.override
                or inp.credit_risk or inp.abnormal_status):
            continue  # nothing that could raise the class
        best = None
        for d in sorted(_event_days(inp, start, end) | {end}):
            res = classes.compute(inp, d).result
            if best is None or res.cls.rank > best[1].cls.rank:
                best = (d, res)
            if d == end:
                current[eid] = res.key
        assert best is not None
        code = _class_code(best[1].cls)
        if code == "routine":
            continue
        name, uscc, town, types, dom = info[eid]
        uk = unit_kind_of(types, dom)
        lists[(code, uk)].append(ListEntry(eid, name, uscc, town, uk, code, best[0], best[1].reasons,
                                           current.get(eid, "routine")))
    for entries in lists.values():
        entries.sort(key=lambda e: (e.name, e.enterprise_id))
    return AnnualLists(year, end, lists, current)


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
