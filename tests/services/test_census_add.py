"""Adding an enterprise (issue 16 item 2): duplicate credit code refused, near names found,
the entry reason of 国市监质监发〔2023〕38号 四（一） required and stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from qsdesk.services import census
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Product
from tests.services.inspection_helpers import VALID_USCC
from tests.services.test_census import _values


def test_add_enterprise_with_products_and_entry_reason(store: Store) -> None:
    eid = census.add_enterprise(store, _values(), entry_reason="实施监督抽查")
    with store.session() as s:
        ent = s.get(Enterprise, eid)
        assert ent.entry_reason == "实施监督抽查"
        products = {p.name: (p.licence_type, p.certificate_no) for p in ent.products if not p.deleted}
        assert products == {"电热水壶": ("CCC", "2021010719000001"), "电暖器": ("其他", None)}


def test_add_enterprise_needs_an_entry_reason(store: Store) -> None:
    with pytest.raises(census.CensusError, match="录入原因"):
        census.add_enterprise(store, _values(), entry_reason="  ")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_duplicate_credit_code_is_refused_with_the_existing_record(store: Store) -> None:
    first = census.add_enterprise(store, _values(), entry_reason="实施监督抽查")
    # Same code typed in lower case with full-width digits: still the same unit.
    typed = VALID_USCC.lower().replace("9", "９")
    with pytest.raises(census.DuplicateCreditCode) as exc:
        census.add_enterprise(store, _values(name="另一家公司", uscc=typed), entry_reason="实施监督抽查")
    assert exc.value.existing.id == first and exc.value.existing.name == "济南华鲁电器有限公司"
    assert "已登记为" in str(exc.value)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Enterprise)) == 1
        assert s.scalar(select(func.count()).select_from(Product)) == 2


def test_similar_names(store: Store) -> None:
    eid = census.add_enterprise(store, _values(), entry_reason="实施监督抽查")
    with store.transaction() as s:
        s.add(Enterprise(name="济南鲁华食品有限公司"))
    hits = census.similar_names(store, "济南华鲁电器有限责任公司")
    assert [h.id for h in hits] == [eid]
    assert census.similar_names(store, "济南华鲁电器有限公司", exclude_id=eid) == []
    assert census.similar_names(store, "淄博新材料科技有限公司") == []
