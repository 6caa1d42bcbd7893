"""Exports read back with openpyxl: text-typed codes, real dates, frozen headers; round trip."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from qsdesk.services.excel.exporter import (
    export_ledger,
    export_registry,
    export_risks,
    export_samplings,
)
from qsdesk.services.excel.importer import analyse, apply, import_file
from qsdesk.services.registry import RegistryFilter
from qsdesk.store.models import (
    Enterprise,
    FollowUpStep,
    Inspection,
    Inspector,
    RiskReport,
    Sampling,
)
from tests.services.excel_factory import code, row, simple_book, snapshot


def _header_index(ws) -> dict[str, int]:
    return {c.value: i for i, c in enumerate(ws[1])}


def test_registry_round_trip_leaves_registry_unchanged(store, tmp_path: Path) -> None:
    rows = [row(n, 单位类型=t, 包保日期=d) for n, t, d in [
        (1, "生产", "2024-03-05"), (2, "零售", "2023年1月2日"), (3, "批发、零售", None),
        (4, "生产", "2025/12/31")]]
    rows.append(row(5, 联系电话="053188001234", 从业人数=None, **{"营业收入（万元）": 0.1}))
    import_file(store, simple_book(tmp_path / "in.xlsx", rows))
    with store.transaction() as s:  # a responsible supervisor, set the way the GUI would
        zhang = s.scalars(select(Inspector).where(Inspector.name == "张伟")).one()
        s.scalars(select(Enterprise).where(Enterprise.uscc == code(1))).one().responsible_inspector_id = zhang.id
    before = snapshot(store)

    out = tmp_path / "registry.xlsx"
    assert export_registry(store, out) == 5
    plan = analyse(store, out)
    assert not plan.errors and not plan.new and not plan.changed
    assert len(plan.unchanged) == 5
    res = apply(store, plan)
    assert (res.inserted, res.updated, res.unchanged) == (0, 0, 5)
    after = snapshot(store)
    assert after["enterprises"] == before["enterprises"]  # not even rev or updated_at moved


def test_registry_export_types_and_layout(store, tmp_path: Path) -> None:
    import_file(store, simple_book(tmp_path / "in.xlsx", [row(1), row(2, 乡镇="东风街道")]))
    out = tmp_path / "r.xlsx"
    assert export_registry(store, out, RegistryFilter(town="王舍人街道")) == 1
    wb = load_workbook(out)
    ws = wb["企业档案"]
    assert ws.freeze_panes == "A2"
    h = _header_index(ws)
    assert ws.column_dimensions["A"].width >= 20
    data = ws[2]
    uscc_cell = data[h["统一社会信用代码"]]
    assert uscc_cell.data_type == "s" and uscc_cell.value == code(1) and uscc_cell.number_format == "@"
    phone = data[h["联系电话"]]
    assert phone.data_type == "s" and phone.value == "13805310001"
    since = data[h["责任监管起始日期"]]
    assert since.is_date and since.value == datetime(2024, 3, 5)
    assert data[h["从业人员（人）"]].value == 21 and data[h["从业人员（人）"]].data_type == "n"
    assert data[h["单位类型"]].value == "生产"
    assert data[h["分级"]].value == "C"  # producer, 21 staff: 20 ≤ X < 300
    assert ws.max_row == 2
    # the registry list's own filter object: the export holds what the list shows
    assert export_registry(store, tmp_path / "r2.xlsx", RegistryFilter(text="第2机械")) == 1
    assert load_workbook(tmp_path / "r2.xlsx").active["A2"].value == code(2)
    assert export_registry(store, tmp_path / "r3.xlsx", RegistryFilter(grade="A")) == 0


def _records(store) -> None:
    with store.transaction() as s:
        e = Enterprise(name="济南甲电器有限公司", uscc=code(7), town="王舍人街道")
        s.add(e)
        s.flush()
        insp = s.scalars(select(Inspector).order_by(Inspector.name)).all()
        s.add(Inspection(enterprise_id=e.id, form_id="annex4_producer", form_version=1,
                         record_no="0012026000001", inspected_on=date(2026, 10, 9), status="sealed",
                         result="未发现问题", problems_found=2, problems_fixed=1,
                         inspector1_id=insp[0].id, inspector2_id=insp[1].id))
        s.add(Inspection(enterprise_id=e.id, form_id="annex5_seller", form_version=1,
                         inspected_on=date(2026, 11, 9), status="draft"))
        s.add(RiskReport(enterprise_id=e.id, form_id="annex6_risk", form_version=1,
                         reported_on=date(2026, 10, 1), sources=["投诉举报", "监督检查"],
                         product_name="电热水壶", description="外壳温升过高"))
        sm = Sampling(enterprise_id=e.id, product_name="电热水壶", trademark="甲牌", model="KT-1",
                      standard="GB 4706.19-2008", sampled_on=date(2026, 10, 3), result="不合格",
                      nonconforming_items="温升", level="provincial", production_batch="20260901")
        s.add(sm)
        s.flush()
        s.add(FollowUpStep(sampling_id=sm.id, step="deliver", position=1, due_on=date(2026, 10, 10),
                           done_on=date(2026, 10, 8), outcome="已送达"))


def test_ledger_risk_sampling_exports(store, tmp_path: Path) -> None:
    _records(store)
    out = tmp_path / "ledger.xlsx"
    assert export_ledger(store, out, date(2026, 10, 1), date(2026, 10, 31)) == 1
    ws = load_workbook(out).active
    h = _header_index(ws)
    r = ws[2]
    assert r[h["记录编号"]].value == "0012026000001" and r[h["记录编号"]].data_type == "s"
    assert r[h["检查日期"]].is_date and r[h["检查日期"]].value.date() == date(2026, 10, 9)
    assert r[h["统一社会信用代码"]].data_type == "s"
    assert r[h["检查对象"]].value == "生产者" and r[h["状态"]].value == "已封存"
    assert (r[h["检查人员1"]].value, r[h["检查人员2"]].value) == ("张伟", "李娜")
    assert r[h["发现问题（条）"]].value == 2

    out = tmp_path / "risk.xlsx"
    assert export_risks(store, out, date(2026, 1, 1), date(2026, 12, 31)) == 1
    ws = load_workbook(out).active
    h = _header_index(ws)
    assert ws[2][h["信息来源"]].value == "投诉举报、监督检查"
    assert ws[2][h["采集日期"]].is_date

    out = tmp_path / "sampling.xlsx"
    assert export_samplings(store, out, date(2026, 10, 1), date(2026, 10, 31)) == 1
    wb = load_workbook(out)
    ws = wb["监督抽查结果"]
    h = _header_index(ws)
    assert ws[2][h["生产批次"]].value == "20260901" and ws[2][h["生产批次"]].data_type == "s"
    assert ws[2][h["层级"]].value == "省级"
    fu = wb["不合格后处理"]
    h = _header_index(fu)
    assert fu[2][h["处置环节"]].value == "送达检验报告" and fu[2][h["完成日期"]].is_date
    assert fu.freeze_panes == "A2"


def test_exports_are_audited(store, tmp_path: Path) -> None:
    from qsdesk.store.models import AuditEntry

    export_registry(store, tmp_path / "x.xlsx")
    with store.session() as s:
        e = s.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert e.detail == {"kind": "registry", "file": "x.xlsx", "rows": 0}
