"""The binding vocabulary matches the store, and Excel carries every column a census binds."""

from __future__ import annotations

from qsdesk.domain import binding
from qsdesk.domain.formspec import load_form, load_forms
from qsdesk.services import census, enterprise_binding, inspections
from qsdesk.services.excel.fields import FIELDS_BY_KEY
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Product

GOOD_USCC = "91350100M000100Y43"


def test_every_bindable_column_is_a_column_of_the_store() -> None:
    for col in binding.ENTERPRISE_COLUMNS:
        assert col in Enterprise.__table__.c, col
    for col in binding.PRODUCT_COLUMNS:
        assert col in Product.__table__.c, col
    for part_col in enterprise_binding.ADDRESS_COLUMNS.values():
        assert part_col in Enterprise.__table__.c


def test_excel_imports_and_exports_every_column_a_census_binds() -> None:
    spec = load_form("annex3_census")
    for f in spec.fields():
        b = f.binding
        assert b is not None
        if b.column == binding.PRODUCTS:
            continue  # product rows are not registry columns
        cols = enterprise_binding.ADDRESS_COLUMNS.values() if b.column == binding.ADDRESS else [b.column]
        for col in cols:
            assert col in FIELDS_BY_KEY and FIELDS_BY_KEY[col].importable, col
        if b.column == "domain":
            assert f.choices == FIELDS_BY_KEY["domain"].choices


def test_every_shipped_binding_reads_from_an_enterprise(store: Store) -> None:
    eid = census.save_census(store, {
        "name": "济南示例食品有限公司", "uscc": GOOD_USCC, "legal_representative": "张三",
        "premises": {"province": "山东省", "city": "济南市", "county": "历下区", "town": "", "detail": "经十路1号"},
        "contact": "李四", "phone": "13800000000", "domain": "生产", "status": "其他", "status_other": "筹建",
        "products": [{"name": "电线", "licence_type": "CCC", "certificate_no": "2021010719000002"}],
    }, entry_reason="新设立")
    values = census.census_values(store, eid)
    assert values["legal_representative"] == "张三" and values["status_other"] == "筹建"
    assert values["premises"]["detail"] == "经十路1号"
    _, pre = inspections.new_values(store, eid, "annex4_producer")
    assert pre["contact"] == "李四 13800000000"
    assert pre["licence_types"] == ["CCC"] and pre["licence_numbers"] == "2021010719000002"
    assert pre["business_status"] == "其他" and pre["business_status_other"] == "其他（筹建）"
    risk = load_forms()["annex6_risk"]
    assert enterprise_binding.risk_party_prefill(store, eid, risk) == {
        "producer": "济南示例食品有限公司", "producer_uscc": GOOD_USCC}
