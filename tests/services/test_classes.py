"""The stored supervision class moves with every input, both ways, through the services."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from qsdesk.domain.workdays import add_years
from qsdesk.services import activities, class_decisions, classes, followup, listings, risk
from qsdesk.services import registry as reg
from qsdesk.services import sampling as smp
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, Enterprise, EnterpriseClass, FollowUpStep
from tests.services.sampling_factories import add_enterprise

TODAY = date.today()


def cls(store: Store, eid: str) -> str:
    with store.session() as s:
        return classes.current(s, eid).key


def reasons(store: Store, eid: str) -> str:
    with store.session() as s:
        return "\n".join(classes.current(s, eid).reasons)


@pytest.fixture
def ent(store: Store) -> str:
    return add_enterprise(store, "济南泰和电线电缆有限公司", unit_types="producer")


def case(store: Store, eid: str, decided: date, **kw: object) -> str:
    inp = activities.CaseInput(enterprise_id=eid, filed_on=decided - timedelta(days=20), kind="quality",
                               decided_on=decided, penalty=kw.pop("penalty", "fine"), **kw)  # type: ignore[arg-type]
    return activities.record_case(store, inp)


# --------------------------------------------------------------------------- punishments


def test_punishment_makes_key_and_the_year_running_out_ends_it(store: Store, ent: str) -> None:
    decided = TODAY - timedelta(days=30)
    assert cls(store, ent) == "routine"
    case(store, ent, decided)
    assert cls(store, ent) == "key"
    assert "宝山区实施方案 三（四）" in reasons(store, ent) and "002" not in reasons(store, ent)
    assert reg.detail(store, ent).supervision_class == "重点监管"  # type: ignore[union-attr]
    last_day = add_years(decided, 1)
    classes.ensure_current(store, last_day)  # 近1年内: the last day still counts
    assert cls(store, ent) == "key"
    assert classes.ensure_current(store, last_day + timedelta(days=1)) == 1
    assert cls(store, ent) == "routine"
    with store.session() as s:
        trail = [e.detail for e in s.scalars(select(AuditEntry).where(AuditEntry.record_id == ent))]
    assert {"监管类别由": "重点监管", "改为": "日常监管"}.items() <= trail[-1].items()


@pytest.mark.parametrize("penalty", ["not_punished", "first_offence"])
def test_decision_not_to_punish_is_no_punishment(store: Store, ent: str, penalty: str) -> None:
    case(store, ent, TODAY - timedelta(days=3), penalty=penalty)
    assert cls(store, ent) == "routine"


def test_three_heavier_punishments_make_special_until_two_years_pass(store: Store, ent: str) -> None:
    days = [TODAY - timedelta(days=d) for d in (300, 200, 100)]
    for d in days[:2]:
        case(store, ent, d, heavier=True)
    assert cls(store, ent) == "key"
    case(store, ent, days[2], heavier=True)
    assert cls(store, ent) == "special"
    classes.ensure_current(store, add_years(days[0], 2) + timedelta(days=1))
    assert cls(store, ent) == "routine"


# --------------------------------------------------------------------------- risk reports


def test_risk_verified_is_key_closed_as_unfounded_is_not(store: Store, ent: str) -> None:
    rid = risk.create_report(store, reported_on=TODAY - timedelta(days=5), description="插头温升异常",
                             product_name="插座",
                             sources=[risk.SOURCES[0]], links=[risk.LinkSpec(ent)])
    assert cls(store, ent) == "routine"  # collected: nothing found yet
    risk.set_status(store, rid, "verified", investigation="现场核实属实")
    assert cls(store, ent) == "key"
    risk.set_status(store, rid, "closed", investigation="复核：举报不属实", founded=False)
    assert cls(store, ent) == "routine"
    risk.set_status(store, rid, "verified", investigation="新证据：属实")
    assert cls(store, ent) == "key"
    risk.set_status(store, rid, "closed", investigation="已整改办结")  # closed as founded: still a risk
    assert cls(store, ent) == "key"


# --------------------------------------------------------------------------- credit risk


def test_credit_risk_moves_the_class_both_ways(store: Store, ent: str) -> None:
    class_decisions.set_credit_risk(store, ent, "C", "2026年信用风险分类结果")
    assert cls(store, ent) == "key"
    class_decisions.set_credit_risk(store, ent, "高", "2026年信用风险分类结果")
    assert cls(store, ent) == "special"
    assert "信用风险高（国市监质监发〔2023〕38号 三、宝山区实施方案 三（四））" in reasons(store, ent)
    class_decisions.set_credit_risk(store, ent, "低", "复评")
    assert cls(store, ent) == "routine"
    with pytest.raises(classes.ClassError):
        class_decisions.set_credit_risk(store, ent, "很高", "x")


# --------------------------------------------------------------------------- samplings


def sample(store: Store, eid: str, on: date, result: str, model: str, **kw: object) -> smp.EntryResult:
    return smp.enter_sampling(store, smp.SamplingInput(
        product_name="电线电缆", sampled_on=on, result=result, producer_id=eid, model=model, trademark="泰和",
        standard="GB/T 5023", nonconforming_items="导体电阻" if result == "不合格" else None, **kw))


def test_sampling_results_move_the_class_and_the_raised_credit_risk(store: Store, ent: str) -> None:
    base = TODAY - timedelta(days=300)
    first = sample(store, ent, base, "不合格", "M1", major_hazard=True)
    assert cls(store, ent) == "key"
    sample(store, ent, base + timedelta(days=60), "不合格", "M2", major_hazard=True)
    sample(store, ent, base + timedelta(days=120), "不合格", "M3", major_hazard=True)
    assert cls(store, ent) == "special"
    with store.session() as s:
        assert classes.current(s, ent).credit_risk == "较高"
    sample(store, ent, base + timedelta(days=180), "合格", "M4")
    assert cls(store, ent) == "key"  # failures within 1 year remain
    with store.session() as s:
        assert classes.current(s, ent).credit_risk is None
    smp.delete_sampling(store, first.sampling_id, "录入错误")
    assert cls(store, ent) == "key"
    classes.ensure_current(store, add_years(base + timedelta(days=120), 1) + timedelta(days=1))
    assert cls(store, ent) == "routine"


def test_consecutive_years_of_national_failures_flag_an_interview(store: Store, ent: str) -> None:
    y = TODAY.year
    sample(store, ent, date(y - 1, 5, 10), "不合格", "M1", level="national")
    with store.session() as s:
        assert classes.current(s, ent).interview is None
    sample(store, ent, date(y, 1, 2) if date(y, 1, 2) <= TODAY else TODAY, "不合格", "M2", level="provincial")
    with store.session() as s:
        text = classes.current(s, ent).interview
    assert text is not None and "沪市监产质〔2022〕251号" in text and f"{y - 1}年、{y}年" in text
    d = reg.detail(store, ent)
    assert d is not None and d.interview == text


# --------------------------------------------------------------------------- 列异 / 列严


def failed_with_steps(store: Store, eid: str) -> dict[str, str]:
    res = sample(store, eid, TODAY - timedelta(days=20), "不合格", "M9")
    with store.session() as s:
        return {st.step: st.id for st in s.scalars(select(FollowUpStep).where(
            FollowUpStep.sampling_id == res.sampling_id))}


def test_listing_step_lists_the_enterprise_and_reopening_takes_it_off(store: Store) -> None:
    other = add_enterprise(store, "济南华兴塑料制品厂", unit_types="producer")
    steps = failed_with_steps(store, other)
    # the failed sampling itself makes 重点; test the listing on its own reason line
    followup.complete_step(store, steps["list_abnormal"], TODAY - timedelta(days=2), "已列入", "住所无法联系")
    assert "列入经营异常名录（鲁市监质监字〔2022〕233号 二（五））" in reasons(store, other)
    with store.session() as s:
        rows = listings.rows(s)
    assert [(r[1], r[4], r[5]) for r in rows] == [("济南华兴塑料制品厂", "经营异常名录", TODAY - timedelta(days=2))]
    followup.reopen_step(store, steps["list_abnormal"])
    assert "经营异常名录" not in reasons(store, other)
    followup.skip_step(store, steps["list_serious"], TODAY, "情节不严重")  # 不适用: lists nobody
    with store.session() as s:
        assert listings.rows(s) == []


def test_listing_alone_moves_the_class_both_ways(store: Store, ent: str) -> None:
    lid = listings.add_listing(store, ent, "serious", TODAY - timedelta(days=10), "沪市监严〔2026〕1号")
    assert cls(store, ent) == "key"
    assert "严重违法失信名单" in reasons(store, ent)
    d = reg.detail(store, ent)
    assert d is not None and d.listings and d.listings[0].startswith("列入严重违法失信名单")
    listings.remove_listing(store, lid, TODAY, "信用修复")
    assert cls(store, ent) == "routine"


def test_listing_export_and_print(store: Store, ent: str, tmp_path: Path) -> None:
    listings.add_listing(store, ent, "abnormal", TODAY - timedelta(days=10), "通过登记的住所无法联系")
    from openpyxl import load_workbook

    out = tmp_path / "名单.xlsx"
    assert listings.export_xlsx(store, out) == 1
    ws = load_workbook(out).active
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "济南泰和电线电缆有限公司" in values and "经营异常名录" in values
    assert not any(isinstance(v, str) and v in ("abnormal", "serious") for v in values)
    pdf = listings.print_pdf(store, tmp_path / "名单.pdf")
    assert pdf.startswith(b"%PDF") and (tmp_path / "名单.pdf").exists()


# --------------------------------------------------------------------------- decisions


def test_decision_raises_to_key_with_who_and_why_and_revoking_ends_it(store: Store, ent: str) -> None:
    with pytest.raises(classes.ClassError, match="特别监管只能依据记录认定"):
        class_decisions.decide(store, ent, "special", "投诉多", "王科长")
    with pytest.raises(classes.ClassError, match="不能人工降低"):
        class_decisions.decide(store, ent, "routine", "整改到位", "王科长")
    with pytest.raises(classes.ClassError):
        class_decisions.decide(store, ent, "key", "  ", "王科长")
    did = class_decisions.decide(store, ent, "key", "投诉举报多", "王科长")
    assert cls(store, ent) == "key"
    with store.session() as s:
        cur = classes.current(s, ent)
        assert cur.overridden and cur.decision is not None and cur.decision.decided_by == "王科长"
        assert cur.reasons[0].endswith("王科长 决定列为重点监管：投诉举报多（鲁市监质监字〔2022〕233号 二（五））")
    d = reg.detail(store, ent)
    assert d is not None and d.class_decision is not None and "投诉举报多" in d.class_decision
    class_decisions.revoke(store, did, "王科长", "投诉已查清")
    assert cls(store, ent) == "routine"


def test_decision_never_lowers_a_class_the_records_give(store: Store, ent: str) -> None:
    class_decisions.set_credit_risk(store, ent, "高", "分类结果")
    class_decisions.decide(store, ent, "key", "生产销售高风险产品", "王科长")
    assert cls(store, ent) == "special"
    with store.session() as s:
        assert not classes.current(s, ent).overridden


# --------------------------------------------------------------------------- reading


def test_registry_filter_counts_and_export_read_the_stored_class(store: Store, ent: str, tmp_path: Path) -> None:
    other = add_enterprise(store, "济南泉城化肥有限公司", unit_types="producer")
    class_decisions.set_credit_risk(store, ent, "较高", "分类结果")
    with store.session() as s:
        shown = {r.name: r.supervision_class for r in s.execute(reg.list_statement(
            store.engine, reg.RegistryFilter(supervision_class="key")))}
        assert shown == {"济南泰和电线电缆有限公司": "key"}
        assert classes.counts(s) == {"routine": 1, "key": 1, "special": 0}
        assert s.get(EnterpriseClass, other) is None  # never classified: 日常
    from qsdesk.services.excel.exporter import export_registry

    out = tmp_path / "档案.xlsx"
    export_registry(store, out)
    from openpyxl import load_workbook

    values = [c.value for row in load_workbook(out).active.iter_rows() for c in row]
    assert "重点监管" in values and "日常监管" in values and "key" not in values


def test_refresh_of_a_deleted_enterprise_drops_its_class(store: Store, ent: str) -> None:
    class_decisions.set_credit_risk(store, ent, "较高", "分类结果")
    with store.transaction() as s:
        s.get(Enterprise, ent).deleted = True  # type: ignore[union-attr]
        classes.refresh(s, [ent])
    with store.session() as s:
        assert s.get(EnterpriseClass, ent) is None
        assert classes.counts(s)["key"] == 0


# --------------------------------------------------------------------------- imports, sync, demo


def test_excel_import_sets_the_class_from_the_abnormal_status(store: Store, tmp_path: Path) -> None:
    from openpyxl import Workbook

    from qsdesk.services.excel.importer import import_file
    from tests.services.excel_factory import HEADERS, code, row

    def book(status: str) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.append([*HEADERS, "异常状态"])
        ws.append([*row(1), status])
        path = tmp_path / f"{status}.xlsx"
        wb.save(path)
        return path

    import_file(store, book("列入经营异常名录"))
    with store.session() as s:
        eid = s.scalars(select(Enterprise.id).where(Enterprise.uscc == code(1))).one()
    assert cls(store, eid) == "key"
    import_file(store, book("正常"))
    assert cls(store, eid) == "routine"


def test_sync_bundle_brings_the_class_inputs_and_the_class_follows(tmp_path: Path) -> None:
    from qsdesk.services.sync.exchange import export_bundle, import_bundle
    from tests.services.sync_helpers import COUNTY, make_pair
    from tests.services.sync_helpers import add_enterprise as add_synced

    pair = make_pair(tmp_path)
    try:
        eid = add_synced(pair.station)
        class_decisions.set_credit_risk(pair.station, eid, "较高", "分类结果")
        import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
        assert cls(pair.county, eid) == "key"
        class_decisions.set_credit_risk(pair.station, eid, "一般", "复评")
        import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
        assert cls(pair.county, eid) == "routine"
        case(pair.station, eid, TODAY - timedelta(days=10))
        import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
        assert cls(pair.county, eid) == "key"
    finally:
        pair.close()


def test_generated_county_registry_class_equals_the_annual_lists(store: Store) -> None:
    from qsdesk.services.annual_lists import build_lists
    from qsdesk.services.demo import generate

    generate(store, enterprises=400, seed=3, samplings=200, today=TODAY)
    with store.session() as s:
        registry = {r.id: r.supervision_class for r in s.execute(reg.list_statement(store.engine))}
        lists = build_lists(s, TODAY.year, as_of=TODAY)
    assert len(registry) == 400
    raised = {eid for eid, c in registry.items() if c != "routine"}
    assert len(raised) > 20  # the demo's credit risks and failed samplings
    assert {eid: lists.class_on_as_of(eid) for eid in registry} == registry
    on_lists = {e.enterprise_id for entries in lists.lists.values() for e in entries}
    assert raised <= on_lists  # every enterprise 重点/特别 today is on this year's lists
    # the dashboard counts the same classes
    from qsdesk.services import dashboard

    d = dashboard.compute(store, TODAY)
    assert d.counts["key"] == sum(1 for c in registry.values() if c == "key")
    assert d.counts["special"] == sum(1 for c in registry.values() if c == "special")
