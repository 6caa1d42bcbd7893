"""One rule for the unit kind, through every service that uses it; individual businesses graded by
their figures (国市监质监发〔2023〕38号 附件1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from qsdesk.domain.uscc import check_digit
from qsdesk.services import activities, census, inspections, task_checklists
from qsdesk.store.db import Store
from qsdesk.store.models import Activity, Enterprise


def _ent(store: Store, unit_types: str, domain: str | None) -> str:
    with store.transaction() as s:
        e = Enterprise(name=f"企业{unit_types or '无类型'}{domain}", unit_types=unit_types, domain=domain)
        s.add(e)
        s.flush()
        return e.id


@pytest.mark.parametrize(
    ("unit_types", "domain", "kind"),
    [("", "生产", "producer"), ("producer,retailer", "流通", "producer"), ("retailer", "生产", "seller"),
     ("wholesaler", None, "seller"), ("", "电商", "seller")],
)
def test_annex_task_checklist_and_activity_agree(store: Store, unit_types: str, domain: str | None,
                                                 kind: str) -> None:
    eid = _ent(store, unit_types, domain)
    with store.session() as s:
        ent = s.get(Enterprise, eid)
        annex = inspections.form_for_enterprise(ent)
        task = task_checklists.form_id_for(ent.unit_types, ent.domain)
    aid = activities.record_activity(store, activities.ActivityInput(kind="survey", on_date=date(2026, 11, 2),
                                                                     enterprise_id=eid))
    with store.session() as s:
        recorded = s.get(Activity, aid).unit_kind
    expected = {"producer": ("annex4_producer", "task_producer"), "seller": ("annex5_seller", "task_seller")}[kind]
    assert (annex, task, recorded) == (*expected, kind)


def test_individual_business_graded_by_figures_in_census(store: Store) -> None:
    body = "92370112MA3C7X1K4"  # registration 9 (工商), category 2: 个体工商户
    code = body + check_digit(body)
    values = {"name": "历城区王记五金店", "uscc": code, "domain": "流通", "status": "在产在营",
              "premises": {"province": "山东省", "city": "济南市", "county": "历城区", "town": "王舍人街道",
                           "detail": "工业北路1号"}, "products": []}
    # 零售单位 with 60 staff: B (50 ≤ X < 300), not D because it is an individual business
    eid = census.save_census(store, values, unit_types=["retailer"], staff=60, revenue_wan=Decimal("80"),
                             entry_reason="摸底排查")
    with store.session() as s:
        e = s.get(Enterprise, eid)
        assert e.individual_business and e.grade == "B"
    # without figures: taken as micro, D
    body2 = "92370112MA3C7X1K5"
    other = {**values, "uscc": body2 + check_digit(body2), "name": "另一家个体店"}
    eid2 = census.save_census(store, other, unit_types=["retailer"], entry_reason="摸底排查")
    with store.session() as s:
        assert s.get(Enterprise, eid2).grade == "D"
