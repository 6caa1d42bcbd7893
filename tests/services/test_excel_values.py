"""Excel values the import must refuse, not store."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from qsdesk.services.excel.importer import analyse
from qsdesk.services.excel.normalize import parse_decimal
from tests.services.excel_factory import HEADERS, code, row, simple_book, snapshot


@pytest.mark.parametrize("value", [10**26, 1e26, "1e26", "100000000000000000000000000"])
def test_huge_revenue_is_too_large_whatever_its_type(value: object) -> None:
    with pytest.raises(ValueError, match="数值过大"):
        parse_decimal(value)


def test_ordinary_whole_numbers_still_parse() -> None:
    assert parse_decimal(1200) == Decimal("1200.00")
    assert parse_decimal(12.5) == Decimal("12.50")


ERROR_VALUES = ["#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"]


def _error_book(path: Path, column: str, values: list[str], *, as_text: bool = False) -> Path:
    """One row per error value in ``column``; the cell is of Excel's error type unless ``as_text``."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    col = HEADERS.index(column) + 1
    for n, v in enumerate(values, start=1):
        ws.append(row(n))
        cell = ws.cell(ws.max_row, col)
        cell.value = v
        cell.data_type = "s" if as_text else "e"
    wb.save(path)
    return path


@pytest.mark.parametrize("column", ["地址", "信用代码", "联系电话", "营业收入（万元）", "从业人数", "包保日期", "单位类型"])
def test_excel_error_cells_are_row_errors_naming_the_column(store, tmp_path: Path, column: str) -> None:
    path = _error_book(tmp_path / "e.xlsx", column, ERROR_VALUES)
    sheet = load_workbook(path).active
    assert sheet.cell(2, HEADERS.index(column) + 1).data_type == "e"  # really error-type cells
    before = snapshot(store)
    plan = analyse(store, path, default_entry_reason="摸底排查")
    assert [(e.row, e.column, e.value) for e in plan.errors] == [
        (n, column, v) for n, v in enumerate(ERROR_VALUES, start=2)]
    assert all("Excel 错误值" in e.reason for e in plan.errors)
    assert not plan.new
    assert snapshot(store) == before


def test_excel_error_values_kept_as_text_are_refused_too(store, tmp_path: Path) -> None:
    path = _error_book(tmp_path / "t.xlsx", "单位名称", ["#N/A", " #REF! "], as_text=True)
    assert load_workbook(path).active["B2"].data_type == "s"
    plan = analyse(store, path, default_entry_reason="摸底排查")
    assert [(e.row, e.column) for e in plan.errors] == [(2, "单位名称"), (3, "单位名称")]
    assert all("Excel 错误值" in e.reason for e in plan.errors)


def test_excel_error_in_the_product_sheet(store, tmp_path: Path) -> None:
    path = _error_book(tmp_path / "p.xlsx", "地址", [])
    wb = load_workbook(path)
    wb.active.append(row(1))
    ps = wb.create_sheet("产品")
    ps.append(["统一社会信用代码", "产品名称"])
    ps.append([code(1), "#N/A"])
    assert ps["B2"].data_type == "e"
    wb.save(path)
    plan = analyse(store, path, default_entry_reason="摸底排查")
    assert plan.products is not None
    assert [(e.row, e.column, e.value) for e in plan.products.errors] == [(2, "产品表·产品名称", "#N/A")]


def test_whole_number_revenue_1e26_in_a_sheet_is_too_large(store, tmp_path: Path) -> None:
    path = simple_book(tmp_path / "big.xlsx", [row(1, **{"营业收入（万元）": 10**26}), row(2)])
    plan = analyse(store, path, default_entry_reason="摸底排查")
    assert [(e.row, e.column, e.reason) for e in plan.errors] == [(4, "营业收入（万元）", "数值过大")]
