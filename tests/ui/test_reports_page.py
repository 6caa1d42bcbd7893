"""统计报表 page: the monthly table shows the computed figures, opens the records behind them,
records work, exports; the annual lists show reasons."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import QDate, Qt
from sqlalchemy import select

from qsdesk.services.monthly import CELLS, compute_monthly
from qsdesk.store.models import Activity, EnforcementCase, Enterprise, Inspection, Inspector
from qsdesk.ui.pages.reports import ReportsPage
from qsdesk.ui.pages.reports_work import ActivityDialog, CaseDialog


def _records(store) -> dict[str, str]:
    with store.transaction() as s:
        insp = [i.id for i in s.scalars(select(Inspector).order_by(Inspector.name))]
        p = Enterprise(name="济南甲电器有限公司", unit_types="producer")
        r = Enterprise(name="王舍人五金店", unit_types="retailer")
        s.add_all([p, r])
        s.flush()
        s.add(Inspection(enterprise_id=p.id, form_id="annex4_producer", form_version=1, status="sealed",
                         inspected_on=date(2026, 10, 9), inspector1_id=insp[0], inspector2_id=insp[1],
                         problems_found=3, problems_fixed=2, record_no="R1"))
        s.add(Inspection(enterprise_id=r.id, form_id="annex5_seller", form_version=1, status="sealed",
                         inspected_on=date(2026, 10, 12), inspector1_id=insp[0], record_no="R2"))
        s.add(Inspection(enterprise_id=r.id, form_id="annex5_seller", form_version=1, status="sealed",
                         inspected_on=date(2026, 9, 30), inspector1_id=insp[0], record_no="R0"))
        s.add(EnforcementCase(enterprise_id=p.id, filed_on=date(2026, 10, 15), kind="two_rules",
                              penalty="fine", decided_on=date(2026, 10, 20), fine_yuan=Decimal("3000")))
        return {"p": p.id, "r": r.id}


def _cell(page: ReportsPage, key: str) -> tuple[int, int]:
    row = [c.key for c in CELLS].index(key)
    return row, 2


def test_monthly_table_and_drill_down(store, qtbot, tmp_path: Path) -> None:
    _records(store)
    page = ReportsPage(store)
    qtbot.addWidget(page)
    page.show()
    page.monthly.set_month(2026, 10)
    t = page.monthly.table
    with store.session() as s:
        expected = compute_monthly(s, 2026, 10)
    for r, c in enumerate(CELLS):
        assert t.item(r, 1).text().startswith(c.label)
    assert t.item(*_cell(page, "inspected_producers")).text() == "1"
    assert t.item(*_cell(page, "inspected_sellers")).text() == "1"
    assert t.item(*_cell(page, "enforcement_staff")).text() == "3"
    assert t.item(*_cell(page, "fines")).text() == "3,000.00"
    assert t.item(*_cell(page, "problems_found")).text() == str(expected.value("problems_found"))

    dlg = page.monthly.drill_down(*_cell(page, "inspected_sellers"))
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == 1
    assert "王舍人五金店" in dlg.table.item(0, 1).text() and "R2" in dlg.table.item(0, 1).text()
    assert dlg.table.item(0, 0).data(Qt.ItemDataRole.UserRole)[0] == "inspection"

    out = tmp_path / "m.xlsx"
    page.monthly.export_to(out)
    ws = load_workbook(out)["统计表"]
    row = 5 + [c.key for c in CELLS].index("inspected_producers")
    assert ws.cell(row, 2).value == "检查生产单位（家次）" and ws.cell(row, 3).value == 1
    page.monthly.export_to(tmp_path / "m.pdf")
    assert (tmp_path / "m.pdf").read_bytes()[:5] == b"%PDF-"
    # The period and whether it was sent are stated; exporting is not sending.
    assert "统计区间：2026年10月01日至2026年10月31日" in page.monthly.due.text()
    assert "默认" in page.monthly.due.text()
    assert "未报送" in page.monthly.status.text()


def test_drill_down_offers_work_records_and_later_rectification(store, qtbot) -> None:
    _records(store)
    page = ReportsPage(store)
    qtbot.addWidget(page)
    page.monthly.set_month(2026, 10)
    t = page.monthly.table
    assert t.item(*_cell(page, "problems_fixed")).text() == "2"
    dlg = page.monthly.drill_down(*_cell(page, "problems_found"))
    qtbot.addWidget(dlg)
    assert dlg.rectify_button is not None and not dlg.add_buttons
    dlg.table.selectRow(0)
    assert dlg.rectify_selected(date(2026, 10, 28), 1)  # R1: 3 found, 2 fixed on the spot
    dlg.close()
    page.monthly.compute()
    assert page.monthly.table.item(*_cell(page, "problems_fixed")).text() == "3"
    staff = page.monthly.drill_down(*_cell(page, "enforcement_staff"))
    qtbot.addWidget(staff)
    assert [b.text() for b in staff.add_buttons] == ["添加工作记录：其他执法检查出动（无检查记录）…"]
    staff.close()
    # Filing and marking sent
    page.monthly._file()
    assert "待随同步包报送" in page.monthly.status.text()
    page.monthly._mark_sent(date.today())
    assert page.monthly.status.text().startswith("报送情况：已报送")


def test_work_records_feed_the_table(store, qtbot) -> None:
    ids = _records(store)
    page = ReportsPage(store)
    qtbot.addWidget(page)
    page.monthly.set_month(2026, 10)
    assert page.monthly.table.item(*_cell(page, "publicity_staff")).text() == "0"

    dlg = ActivityDialog(store, page, on=date(2026, 10, 8))
    qtbot.addWidget(dlg)
    dlg.kind.setCurrentIndex(dlg.kind.findData("publicity"))
    dlg.save()  # no staff: refused with a message, nothing written
    assert "人次" in dlg.message.text() and dlg.saved_id is None
    dlg.staff.setValue(4)
    dlg.quantity.setValue(15)
    dlg.save()
    assert dlg.saved_id is not None

    sdlg = ActivityDialog(store, page, on=date(2026, 10, 9))
    qtbot.addWidget(sdlg)
    sdlg.kind.setCurrentIndex(sdlg.kind.findData("survey"))
    sdlg.enterprise.setText("甲电器")
    sdlg.managers.setChecked(True)
    sdlg.save()
    with store.session() as s:
        a = s.get(Activity, sdlg.saved_id)
        assert a.enterprise_id == ids["p"] and a.managers_in_place and a.unit_kind == "producer"

    cdlg = CaseDialog(store, page)
    qtbot.addWidget(cdlg)
    cdlg.enterprise.setText("王舍人五金店")
    cdlg.fine.setText("abc")
    cdlg.save()
    assert "数字" in cdlg.message.text()
    cdlg.fine.setText("")
    cdlg.penalty.setCurrentIndex(cdlg.penalty.findData("warning"))
    cdlg.decided_set.setChecked(True)
    cdlg.filed.setDate(QDate(2026, 10, 16))
    cdlg.decided.setDate(QDate(2026, 10, 18))
    cdlg.save()
    assert cdlg.saved_id is not None

    page.tabs.setCurrentWidget(page.records)
    page.records.refresh()
    page.monthly.compute()
    t = page.monthly.table
    assert t.item(*_cell(page, "publicity_staff")).text() == "4"
    assert t.item(*_cell(page, "publicity_units")).text() == "15"
    assert t.item(*_cell(page, "producer_surveyed")).text() == "1"
    assert t.item(*_cell(page, "producer_managers")).text() == "1"
    assert t.item(*_cell(page, "warnings")).text() == "1"
    assert t.item(*_cell(page, "cases")).text() == "2"
    assert page.records.table.rowCount() == 4  # two work records, two cases of October


def test_annual_lists_tab(store, qtbot) -> None:
    ids = _records(store)
    with store.transaction() as s:
        s.add(EnforcementCase(enterprise_id=ids["r"], filed_on=date(2026, 2, 1), decided_on=date(2026, 2, 3),
                              kind="quality", penalty="fine"))
    page = ReportsPage(store)
    qtbot.addWidget(page)
    page.tabs.setCurrentWidget(page.annual)
    page.annual.year.setValue(2026)
    page.annual.which.setCurrentIndex(page.annual.which.findText("重点监管销售单位名单"))
    assert page.annual.table.rowCount() == 1
    assert page.annual.table.item(0, 0).text() == "王舍人五金店"
    assert "处罚" in page.annual.table.item(0, 4).text()


def test_excel_tab_export(store, qtbot, tmp_path: Path) -> None:
    _records(store)
    page = ReportsPage(store)
    qtbot.addWidget(page)
    page.excel.start.setDate(page.excel.start.date().fromString("2026-10-01", "yyyy-MM-dd"))
    page.excel.end.setDate(page.excel.end.date().fromString("2026-10-31", "yyyy-MM-dd"))
    assert page.excel.export("ledger", tmp_path / "l.xlsx") == 2
    assert page.excel.export("registry", tmp_path / "r.xlsx") == 2


def test_county_roll_up_one_row_per_station_drillable(tmp_path: Path, qtbot) -> None:
    """At the county the monthly tab shows one row per station and the 合计 row (as the PDF and
    xlsx), whether each station's table arrived as a column, and every figure — the 合计 row's
    too — opens the records behind it."""
    from qsdesk.services import monthly_export
    from qsdesk.services.node import init_node
    from qsdesk.store.db import open_store
    from qsdesk.store.models import MonthlyReport
    from qsdesk.ui.pages.reports_monthly import COUNTY_FIRST_FIGURE
    from tests.conftest import STATION_NAME
    from tests.services.monthly_month import B_NAME, EXPECTED_A, EXPECTED_B, A, M, Y, build_month

    county = open_store(tmp_path / "county")
    init_node(county, kind="county", code="370112", name="历城区市场监督管理局")
    try:
        ids = build_month(county, rectification_origin=A)
        with county.transaction() as s:  # station A's filed table arrived in its bundle; B's did not
            s.add(MonthlyReport(period=f"{Y}-{M:02d}", period_start=date(Y, M, 1), period_end=date(Y, M, 31),
                                figures={}, filed_on=date(2026, 11, 10), origin=A))
        page = ReportsPage(county)
        qtbot.addWidget(page)
        page.show()
        tab = page.monthly
        assert tab.county.isVisible() and tab.county.isChecked()
        tab.set_month(Y, M)
        t = tab.table
        assert t.rowCount() == 3 and t.columnCount() == COUNTY_FIRST_FIGURE + len(CELLS)
        # the units are the row headers (in view while the figures scroll)
        assert [t.verticalHeaderItem(r).text() for r in range(3)] == [STATION_NAME, B_NAME, "合计"]
        assert t.verticalHeader().isVisible() and t.horizontalHeaderItem(0).text() == "报送"
        keys = [c.key for c in CELLS]
        head = t.horizontalHeaderItem(COUNTY_FIRST_FIGURE + keys.index("problems_fixed"))
        assert head.toolTip() == "属地监管执法情况：整改问题隐患（条）"
        assert t.item(0, 0).text().startswith("已报送") and "未报送" in t.item(1, 0).text()
        assert t.item(2, 0).text() == "已报送 1/2 个所"
        assert "2 个所中已报送 1 个" in tab.status.text()
        expected = [EXPECTED_A, EXPECTED_B, {k: EXPECTED_A[k] + EXPECTED_B[k] for k in EXPECTED_A}]
        for r, want in enumerate(expected):
            for j, c in enumerate(CELLS):
                v = want[c.key]
                text = f"{v:,.2f}" if isinstance(v, Decimal) else str(v)
                assert t.item(r, COUNTY_FIRST_FIGURE + j).text() == text, (r, c.key)

        col = COUNTY_FIRST_FIGURE + keys.index("problems_found")
        dlg = tab.drill_down(0, col)  # station A: I1, I2, I3b (not the amended I3), I8b
        qtbot.addWidget(dlg)
        rows = {dlg.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(dlg.table.rowCount())}
        assert rows == {("inspection", ids[k]) for k in ("I1", "I2", "I3b", "I8b")}
        assert STATION_NAME in dlg.windowTitle() and "检发现问题隐患" in dlg.windowTitle()
        dlg.close()
        total = tab.drill_down(2, col)  # the 合计 row: both stations' records
        qtbot.addWidget(total)
        assert total.table.rowCount() == 5 and total.windowTitle().startswith("合计")
        total.close()
        fixed = tab.drill_down(0, COUNTY_FIRST_FIGURE + keys.index("problems_fixed"))
        qtbot.addWidget(fixed)
        kinds = [fixed.table.item(r, 0).text() for r in range(fixed.table.rowCount())]
        assert kinds.count("工作记录") == 1 and kinds.count("监督检查") == 3  # I1's later fix on 10-27
        fixed.close()
        assert tab.drill_down(0, 0) is None  # the send status: no records behind it
        # double-click on a figure opens the same dialog
        before = {id(w) for w in page.findChildren(type(dlg))}
        t.cellDoubleClicked.emit(1, COUNTY_FIRST_FIGURE + keys.index("cases"))
        new = [w for w in page.findChildren(type(dlg)) if id(w) not in before]
        assert len(new) == 1 and new[0].table.rowCount() == EXPECTED_B["cases"]
        new[0].close()
        # the figures are those of the exported roll-up
        out = tmp_path / "county.xlsx"
        tab.export_to(out)
        assert [u for u, _ in monthly_export.read_annex_values(out)] == [STATION_NAME, B_NAME, "合计"]
        # back to one station's view: the annex layout, no row headers
        tab.county.setChecked(False)
        tab.compute()
        assert t.rowCount() == len(CELLS) and not t.verticalHeader().isVisible()
        assert t.horizontalHeaderItem(0).text() == "类别"
    finally:
        county.close()
