from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from qsdesk.services import census
from qsdesk.store.db import Store
from qsdesk.store.models import AuditEntry, Enterprise, Product
from tests.services.inspection_helpers import VALID_USCC


def _values(**over) -> dict:
    v = {
        "name": "济南华鲁电器有限公司", "uscc": VALID_USCC, "legal_representative": "王建国",
        "premises": {"province": "山东省", "city": "济南市", "county": "历城区", "town": "王舍人街道",
                     "detail": "工业北路88号"},
        "domain": "生产", "status": "在产在营",
        "products": [{"name": "电热水壶", "licence_type": "CCC", "certificate_no": "2021010719000001"},
                     {"name": "电暖器", "licence_type": "其他"}],
    }
    v.update(over)
    return v


def test_census_creates_enterprise_products_and_grade(store: Store) -> None:
    # 001 annex 1, producer: X=300 reaches B (300 ≤ X < 1000), Y=800 only C; the higher grade wins.
    eid = census.save_census(store, _values(), unit_types=["producer"], staff=300, revenue_wan=Decimal("800"),
                             entry_reason="摸底排查")
    with store.session() as s:
        ent = s.get(Enterprise, eid)
        assert ent.grade == "B" and ent.unit_types == "producer" and ent.town == "王舍人街道"
        assert ent.entry_reason == "摸底排查"
        assert sorted(p.name for p in ent.products) == ["电暖器", "电热水壶"]
        assert s.scalars(select(AuditEntry).where(AuditEntry.record_id == eid)).one().action == "create"
    # Re-census: a product dropped is soft-deleted, the rest updated in place.
    census.save_census(store, _values(products=[{"name": "电热水壶", "licence_type": "CCC",
                                                 "certificate_no": "2021010719000002"}]), eid, staff=299)
    with store.session() as s:
        assert s.get(Enterprise, eid).grade == "C"  # one below the B bound
    with store.session() as s:
        live = s.scalars(select(Product).where(Product.enterprise_id == eid, Product.deleted.is_(False))).all()
        assert [(p.name, p.certificate_no) for p in live] == [("电热水壶", "2021010719000002")]
    assert census.census_values(store, eid)["products"][0]["certificate_no"] == "2021010719000002"


def test_census_refuses_invalid(store: Store) -> None:
    with pytest.raises(census.CensusError, match="统一社会信用代码"):
        census.save_census(store, _values(uscc="91370112MA3C7X1K4B"))
    with store.session() as s:
        assert s.scalars(select(Enterprise)).first() is None


def test_first_entry_needs_its_reason(store: Store) -> None:
    # 国市监质监发〔2023〕38号 四（一）: a first entry names its reason; nothing is written without it
    with pytest.raises(census.CensusError, match="录入原因.*国市监质监发〔2023〕38号 四（一）"):
        census.save_census(store, _values(), entry_reason="  ")
    with store.session() as s:
        assert s.scalars(select(Enterprise)).first() is None
    eid = census.save_census(store, _values(), entry_reason="现场检查")
    # an edit keeps the recorded reason when none is given
    census.save_census(store, _values(phone="0531-88886666"), eid)
    with store.session() as s:
        assert s.get(Enterprise, eid).entry_reason == "现场检查"

