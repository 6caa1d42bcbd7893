"""双随机 draws: reproducible from seed + pool, fair in distribution, published as xlsx."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from qsdesk.services import draw_publication as pub
from qsdesk.services import random_draw as rd
from qsdesk.store.models import AuditEntry, InspectionPlan, PlanItem
from tests.services.sampling_factories import add_enterprises, inspector_ids

POOL = [f"ent-{i:04d}" for i in range(200)]
PEOPLE = ["insp-a", "insp-b", "insp-c", "insp-d", "insp-e"]


def test_same_seed_and_pool_give_same_plan_regardless_of_input_order() -> None:
    a = rd.draw(POOL, PEOPLE, 20, "seed-2026-05")
    b = rd.draw(list(reversed(POOL)), list(reversed(PEOPLE)), 20, "seed-2026-05")
    assert a == b
    assert len({x.enterprise_id for x in a}) == 20
    assert all(len(set(x.inspector_ids)) == 2 for x in a)


def test_different_seed_gives_different_plan() -> None:
    a = rd.draw(POOL, PEOPLE, 20, "seed-1")
    b = rd.draw(POOL, PEOPLE, 20, "seed-2")
    assert [x.enterprise_id for x in a] != [x.enterprise_id for x in b]


def test_different_pool_gives_different_plan() -> None:
    a = rd.draw(POOL, PEOPLE, 20, "seed-1")
    b = rd.draw(POOL[:-1], PEOPLE, 20, "seed-1")
    assert [x.enterprise_id for x in a] != [x.enterprise_id for x in b]


def test_draw_is_roughly_uniform() -> None:
    # Every one of 10 enterprises drawn 1-of-10 over 2000 seeds: expected 200 each.
    pool = [f"e{i}" for i in range(10)]
    hits = Counter(rd.draw(pool, PEOPLE, 1, f"s{k}")[0].enterprise_id for k in range(2000))
    assert set(hits) == set(pool)
    assert min(hits.values()) > 140 and max(hits.values()) < 260


def test_draw_rejects_impossible_requests() -> None:
    with pytest.raises(rd.DrawError, match="超过"):
        rd.draw(POOL[:3], PEOPLE, 4, "x")
    with pytest.raises(rd.DrawError, match="检查人员"):
        rd.draw(POOL, ["only-one"], 3, "x", team_size=2)


def test_plan_is_stored_verifiable_and_tamper_evident(store) -> None:
    add_enterprises(store, 30, town="王舍人街道")
    add_enterprises(store, 5, prefix="外镇", town="港沟街道")
    flt = rd.PoolFilter(town="王舍人街道")
    pid = rd.create_plan(store, title="2026年第一批双随机检查", count=8, flt=flt, seed="abc123",
                         drawn_on=date(2026, 3, 2))
    with store.session() as s:
        plan = s.get(InspectionPlan, pid)
        assert plan.pool_size == 30 and plan.seed == "abc123"
        assert plan.pool_hash == rd.pool_hash(plan.pool_ids)
        items = rd.plan_items(s, pid)
        assert len(items) == 8
        assert all(i.inspector1_id and i.inspector2_id and i.inspector1_id != i.inspector2_id for i in items)
        assert rd.verify_plan(s, pid).ok
        # The stored plan equals a fresh draw on the same pool and seed.
        again = rd.draw(rd.select_pool(s, flt), inspector_ids(store), 8, "abc123")
        assert [i.enterprise_id for i in items] == [x.enterprise_id for x in again]
        assert s.scalar(select(AuditEntry).where(AuditEntry.record_id == pid)) is not None
    # A second plan from the same seed and pool is identical; another seed is not.
    pid2 = rd.create_plan(store, title="重抽", count=8, flt=flt, seed="abc123")
    pid3 = rd.create_plan(store, title="另一种子", count=8, flt=flt, seed="xyz789")
    with store.session() as s:
        ents = [[i.enterprise_id for i in rd.plan_items(s, p)] for p in (pid, pid2, pid3)]
    assert ents[0] == ents[1] != ents[2]
    # Swapping a drawn enterprise afterwards is detected.
    with store.transaction() as s:
        first = s.scalars(select(PlanItem).where(PlanItem.plan_id == pid, PlanItem.position == 1)).one()
        plan = s.get(InspectionPlan, pid)
        first.enterprise_id = next(e for e in plan.pool_ids if e not in ents[0])
    with store.session() as s:
        v = rd.verify_plan(s, pid)
        assert not v.ok and "第 1 条" in v.problems[0]


def test_results_published_as_xlsx(store, tmp_path: Path) -> None:
    add_enterprises(store, 6, town="王舍人街道")
    pid = rd.create_plan(store, title="公示测试", count=3, seed="pub", drawn_on=date(2026, 4, 1))
    with store.session() as s:
        items = rd.plan_items(s, pid)
    rd.record_result(store, items[0].id, "未发现问题", date(2026, 4, 10))
    with store.session() as s:
        assert not rd.verify_plan(s, pid).problems
        assert rd.open_plan_items_count(s) == 2
    for it in items[1:]:
        rd.record_result(store, it.id, "发现问题已责令整改", date(2026, 4, 12))
    with store.session() as s:
        assert s.get(InspectionPlan, pid).status == "done"
        assert rd.open_plan_items_count(s) == 0
    out = pub.export_publication(store, pid, tmp_path / "公示.xlsx")
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert "公示测试" in rows[0][0]
    assert "pub" in rows[1][0]
    assert rows[3] == pub.PUBLIC_HEADERS
    assert [r[6] for r in rows[4:]] == ["未发现问题", "发现问题已责令整改", "发现问题已责令整改"]
    assert all(r[1].startswith("济南测试") for r in rows[4:])
    with store.session() as s:
        assert s.get(InspectionPlan, pid).status == "published"


def test_plan_prints_as_pdf(store, tmp_path: Path) -> None:
    import pdfplumber

    add_enterprises(store, 5, town="王舍人街道")
    pid = rd.create_plan(store, title="2026年第二批", count=3, seed="pdf-seed", drawn_on=date(2026, 5, 6))
    out = tmp_path / "plan.pdf"
    pub.print_plan(store, pid, out)
    with pdfplumber.open(out) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
    with store.session() as s:
        names = [r[1] for r in pub.publication_rows(s, pid)]
    assert "抽查计划" in text and "2026年第二批" in text and "pdf-seed" in text
    assert all(n in text for n in names)
    assert "张伟" in text or "李娜" in text


def test_credit_risk_high_and_higher_are_drawn_first_and_the_plan_stays_verifiable(store) -> None:
    from qsdesk.services import class_decisions

    ids = add_enterprises(store, 30)
    risky = sorted(ids[:3])
    class_decisions.set_credit_risk(store, risky[0], "高", "分类结果")
    class_decisions.set_credit_risk(store, risky[1], "较高", "分类结果")
    class_decisions.set_credit_risk(store, risky[2], "C", "分类结果")
    class_decisions.set_credit_risk(store, ids[3], "一般", "分类结果")  # not preferred
    pid = rd.create_plan(store, title="跟踪问题企业", count=5, seed="prio")
    again = rd.create_plan(store, title="同一种子", count=5, seed="prio")
    plain = rd.create_plan(store, title="不优先", count=5, seed="prio", prefer_credit_risk=False)
    with store.session() as s:
        plan = s.get(InspectionPlan, pid)
        assert plan.algorithm == rd.ALGORITHM_PRIORITY and plan.priority_ids == risky
        drawn = [i.enterprise_id for i in rd.plan_items(s, pid)]
        assert sorted(drawn[:3]) == risky and len(set(drawn)) == 5
        assert [i.enterprise_id for i in rd.plan_items(s, again)] == drawn  # same seed, same plan
        assert rd.verify_plan(s, pid).ok
        assert s.get(InspectionPlan, plain).algorithm == rd.ALGORITHM
        # tampering with the priority pool is detected
        plan.priority_ids = risky[:2]
        assert not rd.verify_plan(s, pid).ok
    pdf = pub.print_plan(store, pid)
    assert pdf.startswith(b"%PDF")


def test_fewer_places_than_preferred_enterprises_draw_only_among_them() -> None:
    pool = [f"e{i:02d}" for i in range(20)]
    first = ["e03", "e07", "e11", "e15"]
    got = rd.draw(pool, ["p1", "p2"], 2, "s", 1, first)
    assert set(x.enterprise_id for x in got) <= set(first)
    assert rd.draw(pool, ["p1", "p2"], 2, "s", 1, first) == got
    assert rd.draw(pool, ["p1", "p2"], 6, "s", 1, ()) == rd.draw(pool, ["p1", "p2"], 6, "s", 1)
