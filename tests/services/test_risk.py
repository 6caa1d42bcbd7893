"""Risk reports (annex 6): sources, linking, status life cycle, list/timeline/dashboard queries."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from qsdesk.services import risk
from qsdesk.store.models import AuditEntry, RiskReport
from tests.services.sampling_factories import add_enterprise


def _report(store, ent_ids, *, on=date(2026, 3, 5), sources=("投诉、举报",), product="电动自行车充电器"):
    links = [risk.LinkSpec(e, role) for e, role in ent_ids]
    return risk.create_report(store, reported_on=on, sources=list(sources), product_name=product,
                              description="消费者反映充电时外壳发烫变形", links=links)


def test_sources_are_the_annex_six_boxes_in_order() -> None:
    assert risk.SOURCES[0] == "投诉、举报" and risk.SOURCES[-1] == "其他"
    assert len(risk.SOURCES) == 9


def test_create_links_producer_and_seller(store) -> None:
    prod = add_enterprise(store, "济南华光电器有限公司")
    seller = add_enterprise(store, "王舍人百货商店")
    rid = _report(store, [(prod, "producer"), (seller, "seller")])
    with store.session() as s:
        r = s.get(RiskReport, rid)
        assert r.status == "collected" and r.enterprise_id == prod and r.form_id == "annex6_risk"
        assert {(x.enterprise_id, x.role) for x in risk.linked_enterprises(s, rid)} == {
            (prod, "producer"), (seller, "seller")}
        # The report appears in both enterprises' lists.
        for e in (prod, seller):
            assert [row.id for row in s.execute(risk.list_query(enterprise_id=e))] == [rid]
    risk.unlink_enterprise(store, rid, prod)
    with store.session() as s:
        assert s.get(RiskReport, rid).enterprise_id == seller
        assert list(s.execute(risk.list_query(enterprise_id=prod))) == []


def test_bad_input_is_refused_and_nothing_written(store) -> None:
    with pytest.raises(risk.RiskError, match="未知的风险信息来源"):
        risk.create_report(store, reported_on=date(2026, 1, 1), sources=["朋友圈"], product_name="x",
                           description="y")
    with pytest.raises(risk.RiskError, match="简要描述"):
        risk.create_report(store, reported_on=date(2026, 1, 1), sources=["日常监管"], product_name="x",
                           description=" ")
    with store.session() as s:
        assert s.scalars(select(RiskReport)).first() is None


def test_status_life_cycle_needs_investigation(store) -> None:
    ent = add_enterprise(store, "济南华光电器有限公司")
    rid = _report(store, [(ent, "producer")])
    with pytest.raises(risk.RiskError, match="调查核实情况"):
        risk.set_status(store, rid, "verified")
    risk.set_status(store, rid, "verified", investigation="现场核查，库存 120 只，已封存", on=date(2026, 3, 8))
    with pytest.raises(risk.RiskError, match="已是"):
        risk.set_status(store, rid, "verified", investigation="x")
    risk.set_status(store, rid, "closed", on=date(2026, 3, 20), note="企业召回完毕")
    with pytest.raises(risk.RiskError, match="不能从"):
        risk.set_status(store, rid, "collected")
    with store.session() as s:
        r = s.get(RiskReport, rid)
        assert r.status == "closed" and r.investigation.startswith("现场核查")
        assert [(h["from"], h["to"], h["on"]) for h in risk.status_history(s, rid)] == [
            ("collected", "verified", "2026-03-08"), ("verified", "closed", "2026-03-20")]
        audits = s.scalars(select(AuditEntry).where(AuditEntry.record_id == rid)).all()
        assert len(audits) == 3
        events = risk.timeline_events(s, ent)
        assert [(e.on, e.kind) for e in events] == [
            (date(2026, 3, 20), "risk_status"), (date(2026, 3, 8), "risk_status"),
            (date(2026, 3, 5), "risk_report")]
        assert "已办结" in events[0].title


def test_list_filters_and_dashboard_counts(store) -> None:
    ent = add_enterprise(store, "济南华光电器有限公司")
    a = _report(store, [(ent, "producer")], on=date(2026, 1, 10), product="插座")
    b = _report(store, [(ent, "producer")], on=date(2026, 2, 10), product="电线电缆")
    _report(store, [], on=date(2026, 3, 10), sources=("媒体网络信息", "主动监测"), product="儿童玩具")
    risk.set_status(store, b, "verified", investigation="已核实")
    risk.set_status(store, a, "closed", investigation="不属实")
    with store.session() as s:
        assert risk.status_counts(s) == {"collected": 1, "verified": 1, "closed": 1}
        assert risk.open_count(s) == 2
        assert risk.status_counts(s, since=date(2026, 2, 1)) == {"collected": 1, "verified": 1, "closed": 0}
        rows = list(s.execute(risk.list_query("verified")))
        assert [r.product_name for r in rows] == ["电线电缆"]
        rows = list(s.execute(risk.list_query(text="玩具")))
        assert [r.product_name for r in rows] == ["儿童玩具"] and rows[0].enterprise is None
        rows = list(s.execute(risk.list_query()))
        assert [r.product_name for r in rows] == ["儿童玩具", "电线电缆", "插座"]
