"""Small registry data sets for the registry/dashboard tests (plain ORM inserts)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from qsdesk.services import classes
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Inspector, Product

# (name, uscc, legal_rep, town, address, domain, unit_types, grade, class, status, products)
# The class is not stored by hand: it comes from the records (credit risk 较高 → 重点, 高 → 特别).
CREDIT_FOR_CLASS = {"key": "较高", "special": "高", "routine": None}
ENTERPRISES = [
    ("济南泰和电线电缆有限公司", "91370112MA3C4LXK2T", "王建国", "王舍人街道", "济南市历城区工业北路88号",
     "生产", "producer", "B", "key", "在营（开业）", ["电线电缆", "电源线"]),
    ("历城区鲁泰五金门市部", "92370112MA3D5P1Q3C", "李秀英", "港沟街道", "济南市历城区港沟路12号",
     "流通", "retailer", "D", "routine", "在营（开业）", ["插座", "开关"]),
    ("济南华兴塑料制品厂", "91370112613245678X", "张伟", "王舍人街道", "济南市历城区华山路301号",
     "生产", "producer", "C", "routine", "停业", ["塑料编织袋"]),
    ("济南明湖燃气具经营部", "92370112MA3E6R2S4D", "赵磊", "唐冶街道", "济南市历城区唐冶中路7号",
     "电商", "retailer,wholesaler", None, "special", "在营（开业）", ["燃气灶"]),
    ("济南泉城化肥有限公司", "91370112MA3F7T3U5E", "陈静", "港沟街道", "济南市历城区港沟路300号",
     "生产", "producer", "A", "routine", "在营（开业）", ["复合肥料"]),
]


def fill_registry(store: Store) -> dict[str, str]:
    """Insert the enterprises above; returns name -> id. 张伟 is responsible for the first two."""
    ids: dict[str, str] = {}
    with store.transaction() as s:
        zhang = s.scalars(select(Inspector).where(Inspector.name == "张伟")).one()
        for i, (name, uscc, rep, town, addr, domain, units, grade, cls, status, prods) in enumerate(ENTERPRISES):
            e = Enterprise(name=name, uscc=uscc, legal_rep=rep, town=town, address=addr, domain=domain,
                           unit_types=units, grade=grade, credit_risk=CREDIT_FOR_CLASS[cls], status=status,
                           staff=20 * (i + 1), revenue_wan=Decimal(500 * (i + 1)),
                           responsible_inspector_id=zhang.id if i < 2 else None,
                           responsible_since=date(2026, 1, 5) if i < 2 else None)
            s.add(e)
            s.flush()
            for p in prods:
                s.add(Product(enterprise_id=e.id, name=p))
            ids[name] = e.id
        classes.refresh(s, ids.values())
    return ids
