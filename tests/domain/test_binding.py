"""The enterprise ↔ form binding declared in the specs (``column = …``), checked at load time."""

from __future__ import annotations

from pathlib import Path

import pytest

from qsdesk.domain import binding
from qsdesk.domain.formspec import FormSpecError, load_form

ROOT = Path(__file__).resolve().parents[2]
CENSUS = (ROOT / "forms" / "annex3_census.toml").read_text(encoding="utf-8")


def _load(tmp_path: Path, text: str, name: str = "annex3_census.toml") -> object:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return load_form(p)


def _fails(tmp_path: Path, text: str, key: str, reason: str) -> None:
    with pytest.raises(FormSpecError) as info:
        _load(tmp_path, text)
    assert info.value.key == key, str(info.value)
    assert reason in info.value.reason, str(info.value)


def test_every_census_field_binds_a_column() -> None:
    spec = load_form("annex3_census")
    cols = {f.key: f.column for f in spec.fields()}
    assert cols == {
        "name": "name", "legal_representative": "legal_rep", "uscc": "uscc",
        "registration_authority": "registration_authority", "premises": "address",
        "jurisdiction": "jurisdiction", "contact": "contact", "phone": "phone", "domain": "domain",
        "status": "status", "products": "products",
    }
    assert [c.column for c in spec.field("products").columns] == list(binding.PRODUCT_COLUMNS)


def test_inspection_and_risk_forms_bind_their_enterprise_blocks() -> None:
    for form_id in ("annex4_producer", "annex5_seller"):
        spec = load_form(form_id)
        bound = {f.key: f.column for f in spec.fields() if f.column}
        assert bound["legal_representative"] == "legal_rep"
        assert bound["contact"] == "contact_phone"
        assert bound["business_status"] == "status"
        assert bound["main_products"] == "products.name"
        assert "inspected_products" not in bound  # typed by the inspector
    risk = load_form("annex6_risk")
    assert {f.key: f.binding for f in risk.fields() if f.column} == {
        "producer": binding.Binding("name", "producer"), "producer_uscc": binding.Binding("uscc", "producer"),
        "seller": binding.Binding("name", "seller"), "seller_uscc": binding.Binding("uscc", "seller"),
    }


def test_a_census_field_without_binding_is_refused(tmp_path: Path) -> None:
    text = CENSUS.replace('type = "text"\ncolumn = "jurisdiction"\n', 'type = "text"\n', 1)
    assert text != CENSUS
    _fails(tmp_path, text, "fields.jurisdiction.column", "missing")


def test_a_product_column_without_binding_is_refused(tmp_path: Path) -> None:
    text = CENSUS.replace('column = "standard"\n', "", 1)
    _fails(tmp_path, text, "fields.products.columns.standard.column", "missing")


def test_an_unknown_column_is_refused(tmp_path: Path) -> None:
    _fails(tmp_path, CENSUS.replace('column = "legal_rep"', 'column = "legal_person"'),
           "fields.legal_representative.column", "unknown enterprise column 'legal_person'")
    _fails(tmp_path, CENSUS.replace('column = "nominal_producer"', 'column = "maker"'),
           "fields.products.columns[2].column", "unknown product column 'maker'")
    _fails(tmp_path, CENSUS.replace('column = "uscc"', 'column = "buyer:uscc"'),
           "fields.uscc.column", "unknown party 'buyer'")


def test_a_binding_that_does_not_fit_the_type_is_refused(tmp_path: Path) -> None:
    _fails(tmp_path, CENSUS.replace('column = "address"', 'column = "town"'),
           "fields.premises.column", "unknown enterprise column")
    _fails(tmp_path, CENSUS.replace('column = "contact"', 'column = "address"'),
           "fields.contact.column", "cannot bind to 'address'")
    _fails(tmp_path, CENSUS.replace('column = "products"', 'column = "name"'),
           "fields.products.column", "a table binds to 'products'")


def test_a_census_cannot_save_a_summary_or_bind_a_column_twice(tmp_path: Path) -> None:
    _fails(tmp_path, CENSUS.replace('column = "contact"', 'column = "contact_phone"'),
           "fields.contact.column", "read-only")
    _fails(tmp_path, CENSUS.replace('column = "jurisdiction"', 'column = "name"'),
           "fields.jurisdiction.column", "already bound by 'name'")


def test_parse_binding() -> None:
    assert binding.parse_binding("products.licence_type") == binding.Binding("products.licence_type")
    assert binding.parse_binding("products.licence_type").product_column == "licence_type"
    assert binding.parse_binding("seller:name").read_only
    assert not binding.parse_binding("status").read_only
    with pytest.raises(ValueError, match="cannot be read from a linked producer"):
        binding.parse_binding("producer:address")
