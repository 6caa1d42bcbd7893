"""The spreadsheet's enterprise and product columns come from the census sheet's binding."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from qsdesk.domain import binding
from qsdesk.domain.formspec import load_form
from qsdesk.services.excel import fields
from qsdesk.services.excel.exporter import export_registry
from qsdesk.services.excel.importer import analyse, apply
from qsdesk.services.excel.products import PRODUCT_FIELDS
from qsdesk.store.models import Enterprise
from tests.services.excel_factory import code

CENSUS = Path(__file__).parents[2] / "forms" / "annex3_census.toml"


def _census_with(tmp_path: Path, old: str, new: str) -> Path:
    text = CENSUS.read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / "annex3_census.toml"
    out.write_text(text.replace(old, new, 1), encoding="utf-8")
    return out


def test_every_census_binding_is_a_spreadsheet_column_with_the_forms_label_and_type() -> None:
    census = load_form("annex3_census")
    by_key = fields.FIELDS_BY_KEY
    seen = set()
    for f in census.fields():
        b = f.binding
        if b is None or b.party is not None or b.column == binding.PRODUCTS:
            continue
        col = "address" if b.column == binding.ADDRESS else b.column
        assert by_key[col].header == f.label, col
        assert by_key[col].type == ("text" if b.column == binding.ADDRESS else f.type)
        assert by_key[col].choices == tuple(f.choices)
        seen.add(col)
    assert seen >= {"name", "uscc", "legal_rep", "jurisdiction", "phone", "domain", "status", "address"}
    table = next(f for f in census.fields() if f.binding and f.binding.column == binding.PRODUCTS)
    assert [p.header for p in PRODUCT_FIELDS[1:]] == [c.label for c in table.columns]


def test_a_changed_label_changes_the_column_and_a_missing_binding_fails_at_load(tmp_path: Path) -> None:
    renamed = load_form(_census_with(tmp_path, 'label = "管辖机关"', 'label = "属地管辖机关"'))
    cols = {f.key: f for f in fields.enterprise_fields(renamed)}
    assert cols["jurisdiction"].header == "属地管辖机关"

    other = tmp_path / "other"
    other.mkdir()
    text = CENSUS.read_text(encoding="utf-8")
    block = text[text.index('[[sections.fields]]\nkey = "jurisdiction"'):text.index('[[sections.fields]]\nkey = "contact"')]
    (other / "annex3_census.toml").write_text(text.replace(block, ""), encoding="utf-8")
    with pytest.raises(ValueError, match="jurisdiction"):
        fields.enterprise_fields(load_form(other / "annex3_census.toml"))


def test_the_export_writes_the_census_words_and_the_old_headers_still_import(store, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "所属监管所", "经营状态", "住所（经营场所）", "所属领域", "单位类型", "录入原因"])
    ws.append([code(1), "济南甲机械有限公司", "王舍人市场监管所", "存续", "工业北路 1号", "生产领域", "生产企业、销售者", "新登记"])
    src = tmp_path / "old.xlsx"
    wb.save(src)
    plan = analyse(store, src)
    assert not plan.errors, plan.errors
    apply(store, plan)
    with store.session() as s:
        e = s.scalars(select(Enterprise).where(Enterprise.uscc == code(1))).one()
        assert (e.jurisdiction, e.status, e.address, e.domain, e.unit_types) == (
            "王舍人市场监管所", "存续", "工业北路 1号", "生产", "producer,retailer")

    out = tmp_path / "export.xlsx"
    export_registry(store, out)
    header = [c.value for c in next(load_workbook(out).active.iter_rows(min_row=1, max_row=1))]
    assert {"管辖机关", "企业状态", "实际生产经营场所", "所属领域"} <= set(header)
    assert not {"所属监管所", "经营状态", "住所（经营场所）"} & set(header)
    again = analyse(store, out)  # the export reads back as it was written
    assert not again.errors and not again.new


def test_a_choice_outside_the_census_choices_is_refused_with_the_forms_words(store, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "所属领域"])
    ws.append([code(2), "济南乙商贸有限公司", "餐饮"])
    src = tmp_path / "bad.xlsx"
    wb.save(src)
    plan = analyse(store, src)
    assert [e.reason for e in plan.errors] == ["所属领域只能填：生产、流通、电商、其他"]
