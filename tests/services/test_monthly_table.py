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
from sqlalchemy import select

from qsdesk.services import monthly
from qsdesk.store.models import (
    Activity,
    AuditEntry,
    BundleLog,
    CountySetting,
    EnforcementCase,
    Enterprise,
    Inspection,
    Inspector,
    Node,
    TaskChecklist,
)
from tests.conftest import STATION_CODE, STATION_NAME

A, B = STATION_CODE, "370112002"
B_NAME = "历城区市场监管局华山市场监管所"
Y, M = 2026, 10


def _ent(s, name: str, types: str, origin: str, **kw) -> str:
    e = Enterprise(name=name, unit_types=types, origin=origin, **kw)
    s.add(e)
    s.flush()
    return e.id


def _audit(s, eid: str, at: datetime, origin: str, *, census: bool = True, action: str = "update") -> None:
    s.add(AuditEntry(at=at, actor="张伟", action=action, table_name="enterprise", record_id=eid, origin=origin,
                     detail={"form_id": "annex3_census"} if census else {}))


def _checklist(s, eid: str, form_id: str, on: date, answers: dict[str, str], origin: str) -> None:
    s.add(TaskChecklist(enterprise_id=eid, form_id=form_id, form_version=1, period=str(on.year), filled_on=on,
                        answers={k: {"answer": v} for k, v in answers.items()}, origin=origin))


def _insp(s, eid: str, form: str, on: date, inspectors: list[str | None], found: int, fixed: int, origin: str,
          *, status: str = "sealed", amends: str | None = None, no: str = "") -> str:
    i = Inspection(enterprise_id=eid, form_id=form, form_version=1, inspected_on=on, status=status,
                   inspector1_id=inspectors[0], inspector2_id=inspectors[1] if len(inspectors) > 1 else None,
                   problems_found=found, problems_fixed=fixed, origin=origin, amends_id=amends, record_no=no or None)
    s.add(i)
    s.flush()
    return i.id


@pytest.fixture
def month(store) -> dict[str, str]:
    """The month's records; returns the ids the tests name."""
    ids: dict[str, str] = {}
    with store.transaction() as s:
        s.add(Node(code=B, name=B_NAME, kind="station", parent_code="370112"))
        i1, i2 = sorted(x.id for x in s.scalars(select(Inspector)))
        # ---- station A: enterprises and how they were surveyed
        ids["PA1"] = pa1 = _ent(s, "济南华鲁电器有限公司", "producer", A)
        _audit(s, pa1, datetime(2026, 9, 10, 2, 0), A)  # census saved in September: counts (cumulative)
        ids["PA2"] = pa2 = _ent(s, "济南鑫源线缆有限公司", "producer", A)
        _audit(s, pa2, datetime(2026, 10, 31, 16, 30), A)  # 11-01 00:30 in China: November, not counted
        ids["PA3"] = pa3 = _ent(s, "济南齐鲁五金制品厂", "producer,retailer", A, entry_reason="摸底排查")
        _audit(s, pa3, datetime(2026, 10, 5, 1, 0), A, census=False, action="create")  # entered 10-05
        ids["SA1"] = sa1 = _ent(s, "王舍人百货商店", "retailer", A)
        _audit(s, sa1, datetime(2026, 10, 20, 3, 0), A)
        ids["SA2"] = sa2 = _ent(s, "历城五金批发部", "wholesaler", A)
        ids["SA3"] = sa3 = _ent(s, "华山电器经营部", "retailer", A)  # inspected, never surveyed
        pa4 = _ent(s, "已注销电器厂", "producer", A, deleted=True)
        _audit(s, pa4, datetime(2026, 10, 2, 1, 0), A)  # deleted enterprise: not counted
        # checklists (国市监质监发〔2023〕38号 附件2): 1.2 managers, 1.3 + 1.5 responsibility system
        _checklist(s, pa1, "task_producer", date(2026, 8, 1), {"1.2": "√", "1.3": "√", "1.5": "√"}, A)
        _checklist(s, pa1, "task_producer", date(2026, 11, 5), {"1.2": "×", "1.3": "×", "1.5": "×"}, A)  # later
        _checklist(s, pa3, "task_producer", date(2026, 10, 15), {"1.2": "√", "1.3": "×", "1.5": "√"}, A)
        _checklist(s, sa1, "task_seller", date(2026, 10, 25), {"1.2": "×", "1.3": "√", "1.5": "√"}, A)
        # ---- station A: work records
        for kind, on, eid, staff, qty, extra in (
            ("survey", date(2026, 10, 12), sa2, 0, 1, {"managers_in_place": True, "responsibility_system": False}),
            ("publicity", date(2026, 10, 8), None, 3, 12, {}),
            ("publicity", date(2026, 9, 30), None, 5, 9, {}),  # September
            ("publicity", date(2026, 10, 31), None, 2, 4, {}),
            ("publicity", date(2026, 10, 10), None, 9, 9, {"deleted": True}),
            ("self_fix", date(2026, 10, 9), pa1, 0, 3, {}),
            ("self_fix", date(2026, 10, 11), sa1, 0, 2, {}),
            ("assessment", date(2026, 10, 14), pa1, 0, 4, {}),
            ("assessment_followup", date(2026, 10, 16), sa2, 0, 1, {}),
            ("enforcement_turnout", date(2026, 10, 21), None, 4, 1, {}),
        ):
            s.add(Activity(kind=kind, on_date=on, enterprise_id=eid, staff_count=staff, quantity=qty, origin=A,
                           **extra))
        # ---- station A: inspections
        ids["I1"] = _insp(s, pa1, "annex4_producer", date(2026, 10, 6), [i1, i2], 3, 1, A, no="A-001")
        ids["I2"] = _insp(s, sa3, "annex5_seller", date(2026, 10, 13), [i1], 2, 0, A, no="A-002")
        ids["I3"] = _insp(s, pa3, "annex4_producer", date(2026, 10, 20), [i1, i2], 4, 4, A, no="A-003")
        ids["I3b"] = _insp(s, pa3, "annex4_producer", date(2026, 10, 20), [i1], 2, 2, A, amends=ids["I3"],
                           no="A-003-1")  # the amendment replaces I3 in every figure
        _insp(s, pa1, "annex4_producer", date(2026, 10, 7), [i1, i2], 5, 0, A, status="draft")
        _insp(s, pa1, "annex4_producer", date(2026, 9, 29), [i1, i2], 5, 0, A)  # September
        _insp(s, pa1, "task_producer", date(2026, 10, 8), [i1, i2], 1, 0, A)  # not an annex 4/5 record
        ids["I8"] = _insp(s, sa1, "annex5_seller", date(2026, 9, 28), [i1, i2], 1, 0, A)
        ids["I8b"] = _insp(s, sa1, "annex5_seller", date(2026, 10, 2), [i1, i2], 1, 1, A, amends=ids["I8"])
        # ---- station A: cases
        for filed, decided, kind, penalty, fine in (
            (date(2026, 10, 5), date(2026, 10, 25), "two_rules", "warning", None),
            (date(2026, 9, 20), date(2026, 10, 10), "two_rules", "fine", Decimal("5000.50")),
            (date(2026, 10, 7), date(2026, 10, 7), "quality", "warning", None),  # not a two-rules case
            (date(2026, 10, 30), None, "two_rules", None, None),
        ):
            s.add(EnforcementCase(enterprise_id=pa1, filed_on=filed, decided_on=decided, kind=kind, penalty=penalty,
                                  fine_yuan=fine, origin=A))
        # ---- station B
        ids["PB1"] = pb1 = _ent(s, "华山机械厂", "producer", B)
        _audit(s, pb1, datetime(2026, 10, 3, 1, 0), B)
        _checklist(s, pb1, "task_producer", date(2026, 10, 4), {"1.2": "√", "1.3": "√", "1.5": "√"}, B)
        _insp(s, pb1, "annex4_producer", date(2026, 10, 9), [i1, i2], 1, 0, B)
        s.add(Activity(kind="publicity", on_date=date(2026, 10, 19), staff_count=2, quantity=5, origin=B))
        s.add(EnforcementCase(enterprise_id=pb1, filed_on=date(2026, 10, 22), decided_on=date(2026, 10, 22),
                              kind="two_rules", penalty="warning", fine_yuan=Decimal("200"), origin=B))
    # Problems of I1 fixed after the inspection day (10-27: October); of I2 in November.
    monthly.record_rectification(store, ids["I1"], date(2026, 10, 27), 2, "更换标签")
    monthly.record_rectification(store, ids["I2"], date(2026, 11, 3), 2)
    return ids


ZERO = {c.key: 0 for c in monthly.CELLS} | {"fines": Decimal("0")}

#: Station A, worked out from the records above.
EXPECTED_A = ZERO | {
    "publicity_staff": 3 + 2,  # 10-08 and 10-31; 09-30 outside, the deleted one not
    "publicity_units": 12 + 4,
    "producer_surveyed": 2,  # PA1 (census 09-10), PA3 (摸底排查 10-05); PA2 is November, PA4 deleted
    "producer_managers": 2,  # PA1 (checklist 08-01 √; the 11-05 one is after the month), PA3
    "producer_responsibility": 1,  # PA1; PA3 has 1.3 ×
    "producer_self_fix": 3,
    "seller_surveyed": 2,  # SA1 (census 10-20), SA2 (survey record 10-12); SA3 never surveyed
    "seller_managers": 1,  # SA2 (survey record); SA1 has 1.2 ×
    "seller_responsibility": 1,  # SA1
    "seller_self_fix": 2,
    "enforcement_staff": 2 + 1 + 1 + 2 + 4,  # I1, I2, I3b (not I3), I8b, turnout without a record
    "inspected_producers": 2,  # I1, I3b
    "inspected_sellers": 2,  # I2, I8b (amended into October)
    "problems_found": 3 + 2 + 2 + 1,
    "problems_fixed": 1 + 2 + 1 + 2,  # on the spot: I1, I3b, I8b; later: I1's 2 on 10-27
    "cases": 2,  # filed 10-05 and 10-30
    "warnings": 1,  # decided 10-25
    "fines": Decimal("5000.50"),  # filed in September, decided 10-10
    "producer_assessed": 4,
    "seller_assessment_followup": 1,
}
EXPECTED_B = ZERO | {
    "publicity_staff": 2, "publicity_units": 5, "producer_surveyed": 1, "producer_managers": 1,
    "producer_responsibility": 1, "enforcement_staff": 2, "inspected_producers": 1, "problems_found": 1,
    "cases": 1, "warnings": 1, "fines": Decimal("200"),
}


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
        fixed = monthly.source_rows(s, t.figures["problems_fixed"])
        found = {r.id for r in monthly.source_rows(s, t.figures["problems_found"])}
        surveyed = monthly.source_rows(s, t.figures["producer_surveyed"])
    assert month["I3b"] in found and month["I3"] not in found and month["I8b"] in found
    assert [r.kind for r in fixed].count("工作记录") == 1
    later = next(r for r in fixed if r.table == "activity")
    assert later.on == date(2026, 10, 27) and "更换标签" in later.description
    assert {r.enterprise for r in surveyed} == {"济南华鲁电器有限公司", "济南齐鲁五金制品厂"}
    assert {r.kind for r in surveyed} == {"企业信息摸底排查表", "企业档案（录入原因：摸底排查）"}
    # Every figure's records add up to the figure where each record counts one.
    with store.session() as s:
        for key in ("inspected_producers", "inspected_sellers", "cases", "producer_surveyed", "seller_managers"):
            assert len(monthly.source_rows(s, t.figures[key])) == t.value(key), key


def test_rectification_is_checked_against_the_open_problems(store, month) -> None:
    with store.session() as s:
        assert monthly.open_problems(s, month["I1"]) == 0  # 3 found, 1 on the spot, 2 later
        assert monthly.open_problems(s, month["I3"]) == 0  # the amendment's 2 found, 2 fixed
    with pytest.raises(monthly.MonthlyError, match="只有 0 条"):
        monthly.record_rectification(store, month["I1"], date(2026, 10, 28), 1)
    with pytest.raises(monthly.MonthlyError, match="早于检查日期"):
        monthly.record_rectification(store, month["I8b"], date(2026, 9, 1), 1)


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
        assert not monthly.send_status(s, Y, M).sent
    monthly.export_monthly(store, Y, M, tmp_path / "m.xlsx")
    with store.session() as s:
        assert not monthly.send_status(s, Y, M).sent  # a file written is not a report sent
    monthly.file_report(store, Y, M, filed_on=date(2026, 11, 20))
    with store.session() as s:
        st = monthly.send_status(s, Y, M)
        assert not st.sent and "待随同步包报送" in st.text
    with store.transaction() as s:
        s.add(BundleLog(direction="out", peer_code="370112", seq=1, file_name="370112001-370112-1.qsb",
                        sha256="0" * 64, at=datetime(2099, 1, 1), counts={}))
    with store.session() as s:
        st = monthly.send_status(s, Y, M)
        assert st.sent and "370112001-370112-1.qsb" in st.text
    monthly.mark_sent(store, Y, 9, date(2026, 10, 20), "纸质报送")
    with store.session() as s:
        st = monthly.send_status(s, Y, 9)
        assert st.sent and "2026-10-20 标记报送" in st.text


def test_station_xlsx_has_the_annex_layout_and_a_detail_sheet(store, month, tmp_path: Path) -> None:
    out = tmp_path / "station.xlsx"
    monthly.export_monthly(store, Y, M, out, county=False, filled_on=date(2026, 11, 20))
    wb = load_workbook(out)
    ws = wb["统计表"]
    assert ws["A1"].value == monthly.TITLE
    assert "统计区间：2026年10月01日至2026年10月31日" in ws["A3"].value
    assert [ws.cell(4, c).value for c in (1, 2, 3)] == ["类别", "项目", "数值"]
    assert [ws.cell(5 + i, 2).value for i in range(len(monthly.CELLS))] == [c.label for c in monthly.CELLS]
    [(unit, values)] = monthly.read_annex_values(out)
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
    monthly.export_monthly(store, Y, M, out, county=True)
    rows = monthly.read_annex_values(out)
    assert [u for u, _ in rows] == [STATION_NAME, B_NAME, "合计"]
    assert rows[2][1]["problems_fixed"] == EXPECTED_A["problems_fixed"] + EXPECTED_B["problems_fixed"]
    monthly.export_monthly(store, Y, M, tmp_path / "station.pdf", county=False)
    monthly.export_monthly(store, Y, M, tmp_path / "county.pdf", county=True)
    from pypdf import PdfReader

    station_text = "".join(p.extract_text() for p in PdfReader(tmp_path / "station.pdf").pages)
    county_text = "".join(p.extract_text() for p in PdfReader(tmp_path / "county.pdf").pages).replace("\n", "")
    assert "统计区间" in station_text and "已排摸单位总数" in station_text
    assert "合计" in county_text and "5200.50" in county_text and "200.00" in county_text
