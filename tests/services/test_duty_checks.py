"""督查清单 (国市监质监发〔2023〕38号 附件3): filled at the county per station, sent to that station
only, printable and exportable."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from qsdesk.domain import formspec
from qsdesk.services import duty_checks as dc
from qsdesk.services.printing import render_duty_check
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, Node
from tests.services.sync_helpers import STATION, STATION2, make_pair, snapshot


def _answers(no: set[str] = frozenset()) -> dict[str, dict[str, str]]:
    spec = formspec.load_form(dc.FORM_ID)
    return {it.key: {"answer": "否" if it.key in no else "是", "note": "建立工作专班" if it.key == "1.2" else ""}
            for it in spec.items()}


def test_county_fills_station_receives_its_own(tmp_path: Path) -> None:
    pair = make_pair(tmp_path)
    try:
        # a second station registered at the county, so scoping can be seen
        with pair.county.transaction() as s:
            s.add(Node(code=STATION2, name="唐冶市场监管所", kind="station", parent_code="370112"))
        assert [c for c, _ in dc.stations(pair.county)] == [STATION, STATION2]
        values = dc.prefill(pair.county, STATION)
        assert values == {"inspector_body": "历城区市场监管局", "inspected_body": "王舍人市场监管所"}
        with pytest.raises(dc.DutyCheckError, match="未填写完整"):
            dc.save_duty_check(pair.county, STATION, values, {})
        mine = dc.save_duty_check(pair.county, STATION, values, _answers({"4.3"}), checked_on=date(2026, 11, 20))
        dc.save_duty_check(pair.county, STATION2, dc.prefill(pair.county, STATION2), _answers(),
                           checked_on=date(2026, 11, 21))
        with pytest.raises(dc.DutyCheckError, match="没有登记"):
            dc.save_duty_check(pair.county, "999", values, _answers())
        [info] = [i for i in dc.list_duty_checks(pair.county) if i.station_code == STATION]
        assert (info.done, info.total, info.station_name) == (16, 17, "王舍人市场监管所")
        with pair.county.session() as s:
            assert s.scalars(select(AuditEntry).where(AuditEntry.record_id == mine)).one().action == "create"

        down = export_bundle(pair.county, STATION, pair.usb)
        assert down.counts.get("duty_check") == 1  # the other station's check stays at the county
        import_bundle(pair.station, down.path)
        [got] = dc.list_duty_checks(pair.station)
        assert got.id == mine and got.done == 16
        before = snapshot(pair.station)
        with pytest.raises(dc.DutyCheckError, match="县级局"):
            dc.save_duty_check(pair.station, STATION, values, _answers())
        assert snapshot(pair.station) == before

        # printable at the station, exportable like the annex
        pdf = render_duty_check(pair.station, mine, tmp_path / "dc.pdf")
        assert pdf.read_bytes().startswith(b"%PDF")
        xlsx = dc.export_duty_check(pair.station, mine, tmp_path / "dc.xlsx")
        ws = load_workbook(xlsx).active
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        assert rows[0][0] == "督查清单"
        assert rows[1][:2] == ["督查主体", "历城区市场监管局"]
        assert ["编号", "督查事项", "具体任务", "是否落实", "亮点成效"] in rows
        task = next(r for r in rows if r[2] and str(r[2]).startswith("4.3"))
        assert task[3] == "否"
        assert next(r for r in rows if r[2] and str(r[2]).startswith("1.2"))[4] == "建立工作专班"
        assert rows[-1][0] == "依据：国市监质监发〔2023〕38号 附件3"
    finally:
        pair.close()


def test_duty_check_print_footer_cites_document(store: Store, tmp_path: Path) -> None:
    from qsdesk.services.printing.records import _footer

    assert _footer(formspec.load_form("duty_check")) == "督查清单（国市监质监发〔2023〕38号 附件3） 第 1 版"
    assert "annex" not in _footer(formspec.load_form("annex4_producer"))


def test_baoshan_task_checklist_variant_published_and_matches_annex(tmp_path: Path) -> None:
    from qsdesk.services import task_checklists as tcs
    from tests.domain.test_forms_vs_seeds import norm, seed

    files = tcs.variant_files()
    assert [p.name for p in files] == ["task_producer.v2.toml", "task_seller.v2.toml"]
    for path, seed_name in zip(files, ("task_producer_002.txt", "task_seller_002.txt"), strict=True):
        spec = formspec.load_form(path)
        assert spec.version == 2 and spec.source == "宝山区实施方案 附件3"
        assert {f.key for f in spec.fields()} >= {"filler", "fill_date", "grade", "unit_name", "contact"}
        assert not {"tier", "department"} & {f.key for f in spec.fields()}
        text = norm(seed(seed_name))
        assert "层级" not in text and "责任部门" not in text
        for f in spec.fields():
            if f.label_printed and f.key != "risk_points":
                assert norm(f.label) in text, f.label
        cursor = 0
        for it in spec.items():  # every task, in order (the annex breaks lines inside them)
            pos = text.find(norm(it.content).rstrip("。"), cursor)
            assert pos >= 0, it.key
            cursor = pos
    pair = make_pair(tmp_path)
    try:
        with pytest.raises(ValueError, match="县级局"):
            tcs.publish_variant(pair.station)
        assert tcs.publish_variant(pair.county) == ["task_producer", "task_seller"]
        assert tcs.publish_variant(pair.county) == []  # already published
        down = export_bundle(pair.county, STATION, pair.usb)
        assert down.counts.get("form_version") == 2
        import_bundle(pair.station, down.path)
        assert sorted(p.name for p in (pair.station.data_dir.root / "forms").iterdir()) == [  # type: ignore[union-attr]
            "task_producer.toml", "task_seller.toml"]
    finally:
        pair.close()
