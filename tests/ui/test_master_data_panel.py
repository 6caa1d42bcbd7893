"""上级下发 (数据同步 page): a county keeps notices, the key product catalogue and form versions
through the widgets; they reach the station in a bundle and show there read-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.store.models import AuditEntry, FormVersion, KeyProduct, Notice
from qsdesk.ui.pages.master_data import KeyProductDialog, MasterDataPanel, NoticeDialog
from qsdesk.ui.pages.sync import SyncPage
from tests.services.form_versions import make_v2_forms_dir
from tests.services.sync_helpers import STATION, Pair, make_pair


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    p = make_pair(tmp_path)
    yield p
    p.station.close()
    p.county.close()


def _panel(qtbot: QtBot, store: object) -> tuple[MasterDataPanel, list[tuple[str, str]]]:
    page = SyncPage(store)  # type: ignore[arg-type]
    qtbot.addWidget(page)
    panel = page.master_data
    said: list[tuple[str, str]] = []
    panel.notify = lambda level, text: said.append((level, text))
    return panel, said


def _texts(model: object, column: int) -> list[str]:
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]  # type: ignore[attr-defined]


def test_county_keeps_master_data_and_station_reads_it(qtbot: QtBot, pair: Pair, tmp_path: Path) -> None:
    panel, said = _panel(qtbot, pair.county)
    assert not panel.new_notice_button.isHidden() and not panel.publish_button.isHidden()

    def fill_notice(dlg: QDialog) -> bool:
        assert isinstance(dlg, NoticeDialog)
        qtbot.keyClicks(dlg.title, "Notice 2026-12")
        dlg.issued_on.setDate(QDate(2026, 11, 23))
        dlg.body.setPlainText("各所：请于12月底前完成重点工业产品检查。")
        return True

    panel.run_dialog = fill_notice
    assert panel.new_notice() is not None
    assert _texts(panel.notice_model, 1) == ["Notice 2026-12"]

    def fill_product(dlg: QDialog) -> bool:
        assert isinstance(dlg, KeyProductDialog)
        dlg.name.setText("电线电缆")
        dlg.category.setText("电工及材料")
        dlg.licence_type.setText("工业产品生产许可证")
        return True

    panel.run_dialog = fill_product
    assert panel.add_product() is not None
    assert panel.add_product() is None  # the same name again: refused, said why, nothing added
    assert said[-1] == ("error", "重点产品目录中已有“电线电缆”")

    sheet = tmp_path / "catalogue.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["县级局重点产品目录"])
    ws.append(["产品名称", "类别", "许可类型"])
    ws.append(["燃气灶具", "家用电器", "CCC"])
    ws.append(["电线电缆", "电工及材料", "工业产品生产许可证"])
    wb.save(sheet)
    panel.choose_file = lambda _title, _pattern: sheet
    assert panel.import_products() == (1, 1)
    assert said[-1] == ("info", "已从 catalogue.xlsx 导入 1 种重点产品，1 种已在目录中，未重复添加。")
    assert sorted(_texts(panel.product_model, 1)) == ["燃气灶具", "电线电缆"]

    v2_dir, _extra = make_v2_forms_dir(tmp_path)
    panel.choose_file = lambda _title, _pattern: v2_dir / "annex4_producer.toml"
    published = panel.publish_form()
    assert published is not None and published.version == 2
    assert "第 2 版" in said[-1][1] and "新增检查项 1 项" in said[-1][1]
    assert _texts(panel.form_model, 0) == ["山东省产品质量安全监督检查记录表（生产者）"] and _texts(panel.form_model, 1) == ["2"]
    assert panel.publish_form() is None and "已存在" in said[-1][1]  # the same version twice

    with pair.county.session() as s:
        actions = s.execute(select(AuditEntry.table_name, func.count()).where(AuditEntry.action == "create")
                            .group_by(AuditEntry.table_name)).all()
    counts = dict(actions)
    assert (counts["notice"], counts["key_product"], counts["form_version"]) == (1, 2, 1)

    # down to the station in a bundle; there the panel only reads
    bundle = export_bundle(pair.county, STATION, pair.usb)
    import_bundle(pair.station, bundle.path)
    station_panel, station_said = _panel(qtbot, pair.station)
    for b in (station_panel.new_notice_button, station_panel.add_product_button,
              station_panel.import_products_button, station_panel.publish_button):
        assert b.isHidden()
    assert "由县级局维护" in station_panel.hint.text()
    assert _texts(station_panel.notice_model, 1) == ["Notice 2026-12"]
    station_panel.notice_view.selectRow(0)
    assert "请于12月底前完成" in station_panel.notice_text.toPlainText()
    assert "2026-11-23" in station_panel.notice_text.toPlainText()
    assert sorted(_texts(station_panel.product_model, 1)) == ["燃气灶具", "电线电缆"]
    assert _texts(station_panel.form_model, 1) == ["2"]
    assert station_said == []


def test_bad_input_changes_nothing(qtbot: QtBot, pair: Pair, tmp_path: Path) -> None:
    panel, said = _panel(qtbot, pair.county)
    panel.run_dialog = lambda dlg: (dlg.title.setText("   "), True)[1]  # type: ignore[attr-defined]
    assert panel.new_notice() is None
    assert said == [("error", "通知标题不能为空")]
    broken = tmp_path / "broken.toml"
    broken.write_text('id = "annex4_producer"\nversion = 3\n[[sections', encoding="utf-8")
    panel.choose_file = lambda _title, _pattern: broken
    assert panel.publish_form() is None and said[-1][0] == "error" and "未发布" in said[-1][1]
    not_excel = tmp_path / "list.xlsx"
    not_excel.write_text("not a workbook", encoding="utf-8")
    panel.choose_file = lambda _title, _pattern: not_excel
    assert panel.import_products() is None and "无法读取表格" in said[-1][1]
    panel.run_dialog = lambda _dlg: False  # cancelled dialogs write nothing either
    assert panel.new_notice() is None and panel.add_product() is None
    with pair.county.session() as s:
        for model in (Notice, KeyProduct, FormVersion):
            assert s.scalar(select(func.count()).select_from(model)) == 0


def test_county_enters_holiday_schedule_station_reads_it(qtbot: QtBot, pair: Pair) -> None:
    from datetime import date

    data = Path(__file__).resolve().parents[1] / "data" / "holidays_2027_test.txt"
    panel, said = _panel(qtbot, pair.county)
    assert panel.tabs.tabText(3) == "节假日安排"
    this_year = date.today().year
    if this_year <= 2026:  # the hint asks for the next year's schedule until it is entered
        assert f"{this_year + 1}年的安排尚未录入" in panel.holiday_hint.text()
        assert "请在国务院办公厅通知公布后录入" in panel.holiday_hint.text()
    # a bundled year is refused in the dialog
    panel.run_dialog = lambda dlg: (dlg.year.setValue(2026), True)[1]  # type: ignore[attr-defined]
    assert panel.enter_holidays(2026, "1月1日放假") is None and "已随程序提供" in said[-1][1]
    # read from a file into the dialog: the year comes from the title, the user confirms
    seen: list[int] = []
    panel.run_dialog = lambda dlg: (seen.append(dlg.year.value()), True)[1]  # type: ignore[attr-defined]
    panel.choose_file = lambda _title, _pattern: data
    assert panel.import_holidays() is not None and seen == [2027]
    assert said[-1] == ("info", "已录入 2027 年节假日安排，随下一个数据包下发到各所。")
    assert _texts(panel.holiday_model, 0) == ["2027"]
    assert "01-01" in _texts(panel.holiday_model, 1)[0] and _texts(panel.holiday_model, 2) == ["02-20"]

    bundle = export_bundle(pair.county, STATION, pair.usb)
    import_bundle(pair.station, bundle.path)
    station_panel, _ = _panel(qtbot, pair.station)
    assert station_panel.add_holidays_button.isHidden() and station_panel.import_holidays_button.isHidden()
    assert _texts(station_panel.holiday_model, 0) == ["2027"]


def test_county_publishes_baoshan_task_checklists(qtbot: QtBot, pair: Pair) -> None:
    panel, said = _panel(qtbot, pair.county)
    assert not panel.variant_button.isHidden()
    assert panel.publish_variant() == ["task_producer", "task_seller"]
    assert "宝山区实施方案 附件3" in said[-1][1]
    assert sorted(_texts(panel.form_model, 0)) == ["监管任务清单（生产单位类）", "监管任务清单（销售单位类）"]
    assert panel.publish_variant() == [] and "已发布过" in said[-1][1]
    station_panel, _ = _panel(qtbot, pair.station)
    assert station_panel.variant_button.isHidden()
