"""Responsible supervisors' half-year visits through the services: what the dashboard counts."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from qsdesk.domain.supervision import VisitState
from qsdesk.services import dashboard as dash
from qsdesk.services import registry as reg
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Inspection, Inspector


def _setup(store: Store) -> tuple[str, str, dict[str, str]]:
    ids: dict[str, str] = {}
    with store.transaction() as s:
        a, b = Inspector(name="张伟", active=True), Inspector(name="李娜", active=True)
        s.add_all([a, b])
        s.flush()
        for name in ("草稿企业", "改派企业", "已检查企业"):
            e = Enterprise(name=name, status="在产在营")
            s.add(e)
            s.flush()
            ids[name] = e.id
        return a.id, b.id, ids


def _visit(store: Store, eid: str, on: date, status: str) -> None:
    with store.transaction() as s:
        s.add(Inspection(enterprise_id=eid, form_id="annex4_producer", form_version=1, inspected_on=on,
                         status=status, record_no=f"R{on:%Y%m%d}{status}"))


def test_only_sealed_visits_count_and_reassignment_keeps_overdue(store: Store) -> None:
    zhang, li, ids = _setup(store)
    for eid in ids.values():
        reg.assign_supervisor(store, eid, zhang, assigned_on=date(2025, 11, 3), today=date(2025, 11, 3))
    _visit(store, ids["草稿企业"], date(2026, 5, 6), "draft")  # an unsealed draft is not a visit
    _visit(store, ids["已检查企业"], date(2026, 5, 6), "sealed")
    # 改派企业 had no visit in 2026上半年; its supervisor changes on 10 July 2026
    reg.assign_supervisor(store, ids["改派企业"], li, assigned_on=date(2026, 7, 10), today=date(2026, 7, 10))

    d = dash.compute(store, date(2026, 7, 20))
    items = {i.record_id: i for i in d.visit_items}
    assert items[ids["草稿企业"]].overdue and items[ids["草稿企业"]].when == date(2026, 6, 30)
    # the missed half-year stays with the enterprise, now under 李娜
    assert items[ids["改派企业"]].overdue and items[ids["改派企业"]].when == date(2026, 6, 30)
    per = {v.inspector: v for v in d.visits}
    assert (per["张伟"].overdue, per["张伟"].due) == (1, 1)
    assert (per["李娜"].overdue, per["李娜"].due) == (1, 0)

    # sealing a visit in this half-year makes it done
    _visit(store, ids["改派企业"], date(2026, 7, 15), "sealed")
    d = dash.compute(store, date(2026, 7, 20))
    per = {v.inspector: v for v in d.visits}
    assert (per["李娜"].done, per["李娜"].overdue) == (1, 0)


def test_first_supervisor_named_late_in_half_year(store: Store) -> None:
    zhang, _li, ids = _setup(store)
    reg.assign_supervisor(store, ids["草稿企业"], zhang, assigned_on=date(2026, 6, 25), today=date(2026, 6, 25))
    d = dash.compute(store, date(2026, 7, 2))
    [item] = [i for i in d.visit_items if i.record_id == ids["草稿企业"]]
    # 国市监质监发〔2023〕38号 二（一） "半年内": the first visit is due by 24 December, not 30 June
    assert not item.overdue and item.when == date(2026, 12, 24)
    assert not [i for i in dash.compute(store, date(2026, 12, 24)).visit_items if i.overdue]
    [late] = [i for i in dash.compute(store, date(2026, 12, 25)).visit_items if i.record_id == ids["草稿企业"]]
    assert late.overdue and late.when == date(2026, 12, 24)


def test_registry_detail_shows_the_rule_and_assumed_start(store: Store) -> None:
    zhang, _li, ids = _setup(store)
    reg.assign_supervisor(store, ids["草稿企业"], zhang, assigned_on=date(2026, 6, 25), today=date(2026, 6, 25))
    d = reg.detail(store, ids["草稿企业"])
    assert d is not None and d.visit is not None
    assert "半年内现场检查不少于1次（国市监质监发〔2023〕38号 二（一））" in d.visit
    with store.transaction() as s:
        e = s.get(Enterprise, ids["已检查企业"])
        e.responsible_inspector_id, e.responsible_since, e.responsible_since_assumed = zhang, date.today(), True
    d = reg.detail(store, ids["已检查企业"])
    assert d is not None and d.responsible_since_assumed and "按导入日期" in (d.visit or "")


@pytest.mark.parametrize("today", [date(2026, 7, 20), date(2026, 12, 3), date(2027, 1, 2), date(2026, 2, 28)])
def test_dashboard_counts_equal_the_rule_per_enterprise(store: Store, today: date) -> None:
    """The dashboard groups enterprises into classes; every count equals the domain rule applied to
    each enterprise's own dates (registry.visit_status)."""
    rng = random.Random(today.toordinal())
    with store.transaction() as s:
        people = [Inspector(name=f"人员{i}", active=True) for i in range(3)]
        s.add_all(people)
        s.flush()
        for k in range(240):
            first = today - timedelta(days=rng.randrange(-20, 700))
            since = first + timedelta(days=rng.randrange(0, 400)) if rng.random() < 0.5 else first
            e = Enterprise(name=f"企业{k}", status="在产在营", responsible_inspector_id=rng.choice(people).id,
                           responsible_since=since, visits_since=first if rng.random() < 0.8 else None)
            s.add(e)
            s.flush()
            for _ in range(rng.randrange(3)):
                on = today - timedelta(days=rng.randrange(0, 400))
                s.add(Inspection(enterprise_id=e.id, form_id="annex4_producer", form_version=1, inspected_on=on,
                                 status=rng.choice(["sealed", "sealed", "draft"]), record_no=f"R{k}{on}"))
    d = dash.compute(store, today, limit=1000)
    expected: dict[str, list[int]] = {}
    with store.session() as s:
        names = {i.id: i.name for i in s.scalars(select(Inspector))}
        for e in s.scalars(select(Enterprise)):
            st = reg.visit_status(s, e, today)
            if st.state is VisitState.NOT_APPLICABLE:
                continue
            c = expected.setdefault(names[e.responsible_inspector_id], [0, 0, 0])
            c[[VisitState.DONE, VisitState.DUE, VisitState.OVERDUE].index(st.state)] += 1
    assert {v.inspector: [v.done, v.due, v.overdue] for v in d.visits} == expected
