"""County-maintained master data sent down to stations: notices (通知) and the key product
catalogue (重点产品目录). Only a county node adds them; stations receive them in the county's
bundle (see qsdesk.services.sync.exchange, ``COUNTY_TABLES``) and read them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

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


#: Accepted header texts of a catalogue spreadsheet, per column.
_HEADERS = {
    "name": ("产品名称", "名称", "产品"),
    "category": ("类别", "产品类别", "分类"),
    "licence_type": ("许可类型", "许可证类型", "许可"),
    "note": ("备注", "说明"),
}


def import_key_products(store: Store, path: Path) -> tuple[int, int]:
    """Add the rows of a spreadsheet (first sheet; a header row with 产品名称, and optionally
    类别 / 许可类型 / 备注) to the catalogue in one transaction. Names already in the catalogue or
    repeated in the file are skipped. Returns ``(added, skipped)``."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file  # noqa: BLE001
        raise MasterDataError(f"无法读取表格 {Path(path).name}：{exc}") from exc
    try:
        rows = [tuple("" if v is None else str(v).strip() for v in r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()
    header_at = next((i for i, r in enumerate(rows) if any(c in _HEADERS["name"] for c in r)), None)
    if header_at is None:
        raise MasterDataError(f"表格 {Path(path).name} 中找不到“产品名称”列")
    header = rows[header_at]
    cols = {key: next((i for i, c in enumerate(header) if c in names), None) for key, names in _HEADERS.items()}

    def cell(r: tuple[str, ...], key: str) -> str:
        i = cols[key]
        return r[i] if i is not None and i < len(r) else ""

    added = skipped = 0
    with store.transaction() as s:
        _require_county(s)
        seen = set(s.scalars(select(KeyProduct.name).where(KeyProduct.deleted.is_(False))))
        for r in rows[header_at + 1:]:
            name = cell(r, "name")
            if not name:
                continue
            if name in seen:
                skipped += 1
                continue
            seen.add(name)
            k = KeyProduct(name=name, category=cell(r, "category") or None,
                           licence_type=cell(r, "licence_type") or None, note=cell(r, "note") or None)
            s.add(k)
            s.flush()
            audit.record(s, "create", "key_product", k.id, name=name, source=Path(path).name)
            added += 1
    return added, skipped
