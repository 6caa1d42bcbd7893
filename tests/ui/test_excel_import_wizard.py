"""The import wizard driven like a user: file → mapping (corrected) → errors/new/changed → import."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook
from PySide6.QtWidgets import QWizard
from sqlalchemy import select

from qsdesk.store.models import Enterprise
from qsdesk.ui.excel_import_wizard import ExcelImportWizard
from tests.services.excel_factory import bad_code, code, snapshot


def _book(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["企业名单（2026）"])
    ws.merge_cells("A1:D1")
    ws.append(["单位名称", "代码", "法人", "联系电话"])  # 代码 is not a known header
    ws.append(["甲公司", code(1), "王一", "13800000001"])
    ws.append(["乙公司", bad_code(2), "王二", "13800000002"])
    ws.append(["丙公司", code(3), "王三", "13800000003"])
    ws.append(["合计", None, None, None])
    wb.save(path)
    return path


def test_wizard_full_path(store, qtbot, tmp_path: Path) -> None:
    wiz = ExcelImportWizard(store, path=_book(tmp_path / "in.xlsx"))
    qtbot.addWidget(wiz)
    wiz.show()
    before = snapshot(store)
    wiz.file_page.entry_reason.combo.setCurrentText("摸底排查")  # one reason for the file's new rows

    wiz.next()  # file page → mapping page
    assert wiz.currentPage() is wiz.mapping_page
    assert wiz.sheet_layout is not None and wiz.sheet_layout.header_row == 2
    assert wiz.mapping_page.combos[0].currentData() == "name"
    assert wiz.mapping_page.combos[1].currentData() is None  # "代码" not recognised
    wiz.next()  # refused: credit code column not mapped
    assert wiz.currentPage() is wiz.mapping_page
    assert "统一社会信用代码" in wiz.mapping_page.message.text()
    wiz.mapping_page.set_field(1, "uscc")
    wiz.next()
    assert wiz.currentPage() is wiz.check_page
    page = wiz.check_page
    assert page.tabs.tabText(0) == "错误（1）" and page.tabs.tabText(1) == "新增（2）"
    err_model = page.tabs.widget(0).model()
    assert err_model.index(0, 0).data() == "4" and "校验码" in err_model.index(0, 3).data()
    assert not page.isComplete()  # errors: nothing may be written yet
    assert not wiz.button(QWizard.WizardButton.CommitButton).isEnabled()
    assert snapshot(store) == before

    wiz.export_errors(tmp_path / "err.xlsx")
    assert load_workbook(tmp_path / "err.xlsx").active["B2"].value == "代码"

    page.only_valid.setChecked(True)
    assert page.isComplete()
    wiz.next()  # commit: import the valid rows
    assert wiz.currentPage() is wiz.done_page
    assert "新增 2 家" in wiz.done_page.label.text()
    with store.session() as s:
        assert set(s.scalars(select(Enterprise.uscc))) == {code(1), code(3)}


def test_wizard_bad_file_message(store, qtbot, tmp_path: Path) -> None:
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    wiz = ExcelImportWizard(store, path=p)
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.next()
    assert wiz.currentPage() is wiz.file_page
    assert "另存为" in wiz.file_page.message.text()


def test_wizard_imports_the_product_sheet(store, qtbot, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "企业名单"
    ws.append(["单位名称", "统一社会信用代码", "法人", "录入原因"])
    ws.append(["甲公司", code(1), "王一", "摸底排查"])
    wp = wb.create_sheet("产品")
    wp.append(["统一社会信用代码", "产品名称", "证书类型", "证书编号"])
    wp.append([code(1), "电热水壶", "CCC", "2021010719000001"])
    wp.append([code(1), "电暖器", "CCC", None])
    path = tmp_path / "with_products.xlsx"
    wb.save(path)
    wiz = ExcelImportWizard(store, path=path)
    qtbot.addWidget(wiz)
    wiz.show()
    wiz.next()
    wiz.next()
    assert wiz.currentPage() is wiz.check_page
    assert "产品 2 条" in wiz.check_page.summary.text()
    wiz.next()
    assert "产品：新增 2 条" in wiz.done_page.label.text()
    from qsdesk.store.models import Product

    with store.session() as s:
        assert sorted(s.scalars(select(Product.name))) == ["电暖器", "电热水壶"]
