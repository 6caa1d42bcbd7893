"""The monthly 两个规定 table (宝山区实施方案 附件5) for a month of records built here by hand.

Every figure is checked against a number worked out below from the records as listed, for one
station, for a second station, and for the county roll-up of the two. Dates are October 2026.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qsdesk.services import monthly, monthly_export, monthly_records
from qsdesk.store.models import (
    BundleLog,
    CountySetting,
)
from tests.conftest import STATION_NAME
from tests.services.monthly_month import B_NAME, EXPECTED_A, EXPECTED_B, A, B, M, Y, build_month


@pytest.fixture
def month(store) -> dict[str, str]:
    """The month's records (:func:`tests.services.monthly_month.build_month`)."""
    return build_month(store)


def test_station_figures_equal_the_numbers_worked_out_by_hand(store, month) -> None:
    with store.session() as s:
        t = monthly.compute_monthly(s, Y, M, origin=A, unit=STATION_NAME)
        assert t.values() == EXPECTED_A
        assert monthly.compute_monthly(s, Y, M, origin=B).values() == EXPECTED_B
        assert t.period is not None and (t.period.start, t.period.end) == (date(2026, 10, 1), date(2026, 10, 31))
        assert t.period.due == date(2026, 11, 23) and "默认" in t.period.describe()


def test_county_roll_up_is_one_row_per_station_plus_total(store, month) -> None:
    with store.session() as s:
        stations, total = monthly.compute_county(s, Y, M)
    assert [(t.origin, t.unit) for t in stations] == [(A, STATION_NAME), (B, B_NAME)]
    assert stations[0].values() == EXPECTED_A and stations[1].values() == EXPECTED_B
    assert total.unit == "合计"
    assert total.values() == {k: EXPECTED_A[k] + EXPECTED_B[k] for k in EXPECTED_A}


def test_each_figure_drills_down_to_its_records(store, month) -> None:
    with store.session() as s:
        t = monthly.compute_monthly(s, Y, M, origin=A)
        fixed = monthly_records.source_rows(s, t.figures["problems_fixed"])
        found = {r.id for r in monthly_records.source_rows(s, t.figures["problems_found"])}
        surveyed = monthly_records.source_rows(s, t.figures["producer_surveyed"])
    assert month["I3b"] in found and month["I3"] not in found and month["I8b"] in found
    assert [r.kind for r in fixed].count("工作记录") == 1
    later = next(r for r in fixed if r.table == "activity")
    assert later.on == date(2026, 10, 27) and "更换标签" in later.description
    assert {r.enterprise for r in surveyed} == {"济南华鲁电器有限公司", "济南齐鲁五金制品厂"}
    assert {r.kind for r in surveyed} == {"企业信息摸底排查表", "企业档案（录入原因：摸底排查）"}
    # Every figure's records add up to the figure where each record counts one.
    with store.session() as s:
        for key in ("inspected_producers", "inspected_sellers", "cases", "producer_surveyed", "seller_managers"):
            assert len(monthly_records.source_rows(s, t.figures[key])) == t.value(key), key


def test_rectification_is_checked_against_the_open_problems(store, month) -> None:
    with store.session() as s:
        assert monthly_records.open_problems(s, month["I1"]) == 0  # 3 found, 1 on the spot, 2 later
        assert monthly_records.open_problems(s, month["I3"]) == 0  # the amendment's 2 found, 2 fixed
    with pytest.raises(monthly_records.MonthlyError, match="只有 0 条"):
        monthly_records.record_rectification(store, month["I1"], date(2026, 10, 28), 1)
    with pytest.raises(monthly_records.MonthlyError, match="早于检查日期"):
        monthly_records.record_rectification(store, month["I8b"], date(2026, 9, 1), 1)


def test_reporting_period_is_a_county_setting(store, month) -> None:
    with store.transaction() as s:  # as synced down from the county
        s.add(CountySetting(key="monthly.period_end_day", value="25", origin="370112"))
    with store.session() as s:
        p = monthly.period_of(s, Y, M)
        assert (p.start, p.end, p.due) == (date(2026, 9, 26), date(2026, 10, 25), date(2026, 11, 23))
        assert monthly.period_of(s, Y, 11).start == date(2026, 10, 26)  # nothing falls between two reports
        assert "县局设置" in p.describe()
        t = monthly.compute_monthly(s, Y, M, origin=A)
    assert t.value("publicity_staff") == 5 + 3  # 09-30 now inside, 10-31 outside
    assert t.value("cases") == 1  # 10-30 is November's now


def test_period_defaults_and_due_day() -> None:
    p = monthly.make_period(2026, 12)
    assert (p.start, p.end, p.due) == (date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 23))
    p = monthly.make_period(2026, 1, 22, 23)
    assert (p.start, p.end, p.due) == (date(2025, 12, 23), date(2026, 1, 22), date(2026, 1, 23))
    assert monthly.current_period(None, date(2026, 11, 5)).key == "2026-10"
    assert monthly.current_period(None, date(2026, 11, 1)).key == "2026-10"
    assert monthly.current_period(None, date(2026, 10, 31)).key == "2026-09"


def test_sent_means_sent_not_exported(store, month, tmp_path: Path) -> None:
    with store.session() as s:
        assert not monthly_records.send_status(s, Y, M).sent
    monthly_export.export_monthly(store, Y, M, tmp_path / "m.xlsx")
    with store.session() as s:
        assert not monthly_records.send_status(s, Y, M).sent  # a file written is not a report sent
    monthly_records.file_report(store, Y, M, filed_on=date(2026, 11, 20))
    with store.session() as s:
        st = monthly_records.send_status(s, Y, M)
        assert not st.sent and "待随同步包报送" in st.text
    with store.transaction() as s:
        s.add(BundleLog(direction="out", peer_code="370112", seq=1, file_name="370112001-370112-1.qsb",
                        sha256="0" * 64, at=datetime(2099, 1, 1), counts={}))
    with store.session() as s:
        st = monthly_records.send_status(s, Y, M)
        assert st.sent and "370112001-370112-1.qsb" in st.text
    monthly_records.mark_sent(store, Y, 9, date(2026, 10, 20), "纸质报送")
    with store.session() as s:
        st = monthly_records.send_status(s, Y, 9)
        assert st.sent and "2026-10-20 标记报送" in st.text


def test_station_xlsx_has_the_annex_layout_and_a_detail_sheet(store, month, tmp_path: Path) -> None:
    out = tmp_path / "station.xlsx"
    monthly_export.export_monthly(store, Y, M, out, county=False, filled_on=date(2026, 11, 20))
    wb = load_workbook(out)
    ws = wb["统计表"]
    assert ws["A1"].value == monthly.TITLE
    assert "统计区间：2026年10月01日至2026年10月31日" in ws["A3"].value
    assert [ws.cell(4, c).value for c in (1, 2, 3)] == ["类别", "项目", "数值"]
    assert [ws.cell(5 + i, 2).value for i in range(len(monthly.CELLS))] == [c.label for c in monthly.CELLS]
    [(unit, values)] = monthly_export.read_annex_values(out)
    assert unit == STATION_NAME
    everything = {k: EXPECTED_A[k] + EXPECTED_B[k] for k in EXPECTED_A}  # a station's own table: all its rows
    assert {k: (Decimal(str(v)) if k == "fines" else v) for k, v in values.items()} == everything
    detail = list(wb["明细"].iter_rows(values_only=True))
    assert detail[0][:5] == ("填报单位", "类别", "统计项目", "数值", "来源")
    fixed = [r for r in detail if r[2] == "整改问题隐患（条）"]
    assert any(r[4] == "工作记录" and "更换标签" in r[7] for r in fixed)
    import re

    words = " ".join(str(c) for r in detail for c in r if isinstance(c, str))
    assert not re.search(r"[a-z]+_[a-z]+", words)  # no program keys (two_rules, self_fix, …) in the detail


def test_county_xlsx_and_pdfs(store, month, tmp_path: Path) -> None:
    out = tmp_path / "county.xlsx"
    monthly_export.export_monthly(store, Y, M, out, county=True)
    rows = monthly_export.read_annex_values(out)
    assert [u for u, _ in rows] == [STATION_NAME, B_NAME, "合计"]
    assert rows[2][1]["problems_fixed"] == EXPECTED_A["problems_fixed"] + EXPECTED_B["problems_fixed"]
    monthly_export.export_monthly(store, Y, M, tmp_path / "station.pdf", county=False)
    monthly_export.export_monthly(store, Y, M, tmp_path / "county.pdf", county=True)
    from pypdf import PdfReader

    station_text = "".join(p.extract_text() for p in PdfReader(tmp_path / "station.pdf").pages)
    county_text = "".join(p.extract_text() for p in PdfReader(tmp_path / "county.pdf").pages).replace("\n", "")
    assert "统计区间" in station_text and "已排摸单位总数" in station_text
    assert "合计" in county_text and "5200.50" in county_text and "200.00" in county_text


def test_monthly_table_on_postgres_equals_sqlite(store, pg_store) -> None:
    """The same month on PostgreSQL (a county hub) gives every figure the SQLite station gives:
    the survey figure reads ``AuditEntry.detail["form_id"]`` (JSON), the cut-off compares a
    timestamptz, the amendment and the later rectification replace and add as on SQLite."""
    build_month(store)
    build_month(pg_store, rectification_origin=A)  # A's rectifications arrive in its bundle
    with store.session() as s:
        lite = monthly.compute_monthly(s, Y, M, origin=A, unit=STATION_NAME)
        lite_b = monthly.compute_monthly(s, Y, M, origin=B)
        lite_sources = {k: sorted(t for t, _ in f.sources) for k, f in lite.figures.items()}
    with pg_store.session() as s:
        pg = monthly.compute_monthly(s, Y, M, origin=A, unit=STATION_NAME)
        stations, total = monthly.compute_county(s, Y, M)
        pg_sources = {k: sorted(t for t, _ in f.sources) for k, f in pg.figures.items()}
        # the census saves are found through the JSON accessor (PA1 09-10, SA1 10-20; PA2 is November)
        surveyed = monthly.surveyed_on(s, date(2026, 10, 31), A)
    assert lite.values() == EXPECTED_A and lite_b.values() == EXPECTED_B
    assert pg.values() == EXPECTED_A
    assert pg_sources == lite_sources
    assert [(t.origin, t.unit) for t in stations] == [(A, STATION_NAME), (B, B_NAME)]
    assert stations[0].values() == EXPECTED_A and stations[1].values() == EXPECTED_B
    assert total.values() == {k: EXPECTED_A[k] + EXPECTED_B[k] for k in EXPECTED_A}
    assert sorted(v[1] for v in surveyed.values()) == ["activity", "audit_entry", "audit_entry", "enterprise"]
