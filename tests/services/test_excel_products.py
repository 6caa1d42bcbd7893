"""Products in the Excel import: the 产品 sheet (issue 16 item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from qsdesk.services.excel import importer
from qsdesk.store.models import Enterprise, Product
from tests.services.excel_factory import HEADERS, code, row, save, snapshot

PRODUCT_HEADERS = ["信用代码", "产品名称", "产品类别", "执行标准", "许可证类型", "证书编号"]


def book(path: Path, ents: list[list], products: list[list], *, product_sheet: str = "产品",
         products_first: bool = False) -> Path:
    wb = Workbook()
    first = wb.active
    if products_first:
        first.title = product_sheet
        ws_p, ws_e = first, wb.create_sheet("企业名单")
    else:
        first.title = "企业名单"
        ws_e, ws_p = first, wb.create_sheet(product_sheet)
    ws_e.append(HEADERS)
    for r in ents:
        ws_e.append(r)
    ws_p.append(PRODUCT_HEADERS)
    for p in products:
        ws_p.append(p)
    return save(wb, path)


def _products(store) -> dict[tuple[str, str], tuple]:
    with store.session() as s:
        q = (select(Enterprise.uscc, Product.name, Product.category, Product.standard, Product.licence_type,
                    Product.certificate_no).join(Enterprise, Enterprise.id == Product.enterprise_id)
             .where(Product.deleted.is_(False)))
        return {(r[0], r[1]): tuple(r[2:]) for r in s.execute(q)}


@pytest.mark.parametrize("products_first", [False, True])
def test_products_sheet_imported_with_enterprises(store, tmp_path: Path, products_first: bool) -> None:
    path = book(tmp_path / "in.xlsx", [row(1), row(2)], [
        [code(1), "电热水壶", "家用电器", "GB 4706.19-2008", "3C", "2021010719000001"],
        [code(1), "电暖器", "家用电器", None, "强制性产品认证", None],
        [code(2), "钢丝绳", "金属制品", None, "生产许可证", "XK05-001-00001"],
    ], products_first=products_first)
    plan, res = importer.import_file(store, path)
    assert plan.layout.sheet == "企业名单" and plan.products is not None and plan.products.sheet == "产品"
    assert res is not None and res.inserted == 2 and res.products_inserted == 3
    assert "产品 3 条" in plan.summary()
    got = _products(store)
    assert got[(code(1), "电热水壶")] == ("家用电器", "GB 4706.19-2008", "CCC", "2021010719000001")
    assert got[(code(1), "电暖器")][2] == "CCC"
    assert got[(code(2), "钢丝绳")][2] == "工业产品生产许可证"
    # Re-import with one changed certificate and a blank standard: updated, blank erases nothing.
    path2 = book(tmp_path / "in2.xlsx", [row(1)], [
        [code(1), "电热水壶", None, None, "CCC", "2021010719000002"]])
    _plan, res2 = importer.import_file(store, path2)
    assert res2 is not None and (res2.products_inserted, res2.products_updated) == (0, 1)
    assert _products(store)[(code(1), "电热水壶")] == ("家用电器", "GB 4706.19-2008", "CCC", "2021010719000002")
    assert len(_products(store)) == 3  # products absent from the sheet are kept


def test_product_rows_for_registered_enterprises_only(store, tmp_path: Path) -> None:
    importer.import_file(store, book(tmp_path / "a.xlsx", [row(1)], []))
    path = book(tmp_path / "b.xlsx", [row(2)], [
        [code(1), "电热水壶", None, None, "CCC", None],  # registered before: fine
        [code(3), "电暖器", None, None, "CCC", None],  # nowhere: error
        [code(2), "", None, None, "CCC", None],  # no name
        [code(2), "阀门", None, None, "许可证?", None],  # unknown licence type
        [code(2), "钢丝绳", None, None, None, None],
        [code(2), "钢丝绳", None, None, None, None],  # duplicate
    ])
    before = snapshot(store)
    plan = importer.analyse(store, path)
    assert plan.products is not None
    reasons = sorted((e.row, e.reason) for e in plan.products.errors)
    assert [r for r, _ in reasons] == [3, 4, 5, 7]
    assert "都没有" in reasons[0][1] and "不能为空" in reasons[1][1]
    assert "证书类型只能填" in reasons[2][1] and "重复" in reasons[3][1]
    assert plan.has_errors
    with pytest.raises(importer.ImportRefused):
        importer.apply(store, plan)
    assert snapshot(store) == before
    res = importer.apply(store, plan, only_valid=True)
    assert res.products_inserted == 2
    assert set(_products(store)) == {(code(1), "电热水壶"), (code(2), "钢丝绳")}


def test_workbook_without_product_sheet_unchanged(store, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(row(1))
    plan, res = importer.import_file(store, save(wb, tmp_path / "x.xlsx"))
    assert plan.products is None and res is not None and res.products_inserted == 0
    assert "产品" not in plan.summary()


def test_exported_registry_imports_back_with_its_products(store, tmp_path: Path) -> None:
    from qsdesk.services.excel.exporter import export_registry
    from qsdesk.services.node import InspectorSpec, init_node
    from qsdesk.store.db import open_store

    importer.import_file(store, book(tmp_path / "in.xlsx", [row(1), row(2)], [
        [code(1), "电热水壶", "家用电器", "GB 4706.19-2008", "CCC", "2021010719000001"],
        [code(2), "钢丝绳", None, None, "生产许可证", "XK05-001-00001"]]))
    out = tmp_path / "registry.xlsx"
    export_registry(store, out)
    other = open_store(tmp_path / "other")
    init_node(other, kind="station", code="370112002", name="另一个所", parent_code="370112",
              inspectors=[InspectorSpec.parse("赵六:13805310009:1")])
    try:
        plan, res = importer.import_file(other, out, only_valid=True)
        assert plan.products is not None and plan.products.sheet == "产品"
        assert res is not None and res.products_inserted == 2
        assert _products(other) == _products(store)
    finally:
        other.close()
