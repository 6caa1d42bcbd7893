"""County-maintained master data sent down to stations: notices (通知) and the key product
catalogue (重点产品目录). Only a county node adds them; stations receive them in the county's
bundle (see qsdesk.services.sync.exchange, ``COUNTY_TABLES``) and read them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsdesk.services import audit
from qsdesk.store.db import Store
from qsdesk.store.models import KeyProduct, Node, Notice


class MasterDataError(ValueError):
    """Bad input for county master data; the message is Chinese."""


def _require_county(s: Session) -> None:
    me = s.scalars(select(Node).where(Node.is_self.is_(True))).first()
    if me is None or me.kind != "county":
        raise MasterDataError("通知和重点产品目录由县级局维护，本单位不能新增")


def add_notice(store: Store, title: str, body: str = "", issued_on: date | None = None) -> str:
    title = title.strip()
    if not title:
        raise MasterDataError("通知标题不能为空")
    with store.transaction() as s:
        _require_county(s)
        n = Notice(title=title, body=body, issued_on=issued_on or date.today())
        s.add(n)
        s.flush()
        audit.record(s, "create", "notice", n.id, title=title)
        return n.id


def list_notices(store: Store) -> list[Notice]:
    with store.session() as s:
        return list(s.scalars(select(Notice).where(Notice.deleted.is_(False))
                              .order_by(Notice.issued_on.desc(), Notice.title)))


def add_key_product(store: Store, name: str, category: str | None = None, licence_type: str | None = None,
                    note: str | None = None) -> str:
    name = name.strip()
    if not name:
        raise MasterDataError("产品名称不能为空")
    with store.transaction() as s:
        _require_county(s)
        dup = s.scalars(select(KeyProduct.id).where(KeyProduct.name == name, KeyProduct.deleted.is_(False))).first()
        if dup is not None:
            raise MasterDataError(f"重点产品目录中已有“{name}”")
        k = KeyProduct(name=name, category=category or None, licence_type=licence_type or None, note=note or None)
        s.add(k)
        s.flush()
        audit.record(s, "create", "key_product", k.id, name=name)
        return k.id


def list_key_products(store: Store) -> list[KeyProduct]:
    with store.session() as s:
        return list(s.scalars(select(KeyProduct).where(KeyProduct.deleted.is_(False))
                              .order_by(KeyProduct.category, KeyProduct.name)))
