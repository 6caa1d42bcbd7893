"""County-maintained master data sent down to stations: notices (通知), the key product
catalogue (重点产品目录) and the holiday schedules (节假日安排) of years the bundled calendar does
not know. Only a county node adds them; stations receive them in the county's bundle (see
qsdesk.services.sync.exchange, ``COUNTY_TABLES``) and read them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from qsdesk.domain import workdays
from qsdesk.services import audit
from qsdesk.store.db import Store
from qsdesk.store.models import FormVersion, HolidaySchedule, KeyProduct, Node, Notice


class MasterDataError(ValueError):
    """Bad input for county master data; the message is Chinese."""


def _require_county(s: Session) -> None:
    me = s.scalars(select(Node).where(Node.is_self.is_(True))).first()
    if me is None or me.kind != "county":
        raise MasterDataError("通知、重点产品目录和节假日安排由县级局维护，本单位不能新增")


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


# ------------------------------------------------------------------------ holiday schedules


def holiday_schedules(s: Session) -> dict[int, workdays.HolidaySchedule]:
    """The county-entered schedules, by year, for the working-day rules (:mod:`qsdesk.domain.workdays`)."""
    out: dict[int, workdays.HolidaySchedule] = {}
    for row in s.scalars(select(HolidaySchedule).where(HolidaySchedule.deleted.is_(False))
                         .order_by(HolidaySchedule.updated_at)):
        out[row.year] = workdays.HolidaySchedule(
            row.year, frozenset(date.fromisoformat(d) for d in row.holidays or ()),
            frozenset(date.fromisoformat(d) for d in row.workdays or ()))
    return out


def load_schedules(store: Store) -> dict[int, workdays.HolidaySchedule]:
    with store.session() as s:
        return holiday_schedules(s)


def set_holiday_schedule(store: Store, year: int, text: str, source: str = "") -> str:
    """Enter (or replace) a year's holidays and make-up working days from the State Council's
    notice text (see :func:`qsdesk.domain.workdays.parse_schedule`). County only; a year the
    bundled calendar covers is refused (its schedule ships with the program)."""
    if not 2000 <= year <= 2100:
        raise MasterDataError(f"年份有误：{year}")
    if workdays.bundled_covers(year):
        raise MasterDataError(f"{year}年的节假日安排已随程序提供，无需录入")
    try:
        sched = workdays.parse_schedule(year, text)
    except workdays.ScheduleError as exc:
        raise MasterDataError(str(exc)) from exc
    source = source.strip() or f"国务院办公厅关于{year}年部分节假日安排的通知"
    with store.transaction() as s:
        _require_county(s)
        row = s.scalars(select(HolidaySchedule).where(HolidaySchedule.year == year,
                                                      HolidaySchedule.deleted.is_(False))).first()
        action = "update" if row is not None else "create"
        if row is None:
            row = HolidaySchedule(year=year)
            s.add(row)
        row.holidays = sorted(d.isoformat() for d in sched.holidays)
        row.workdays = sorted(d.isoformat() for d in sched.workdays)
        row.source = source[:200]
        s.flush()
        audit.record(s, action, "holiday_schedule", row.id, year=year, source=row.source,
                     holidays=len(row.holidays), workdays=len(row.workdays))
        return row.id


def notice_year_and_title(text: str) -> tuple[int | None, str]:
    """The year a notice is about ("关于2027年部分节假日安排的通知") and its title line, if found."""
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    m = re.search(r"(20\d\d)年(?:部分)?节假日", text)
    return (int(m.group(1)) if m else None), (first if "通知" in first else "")


def import_holiday_schedule(store: Store, path: Path, year: int | None = None) -> tuple[int, str]:
    """:func:`set_holiday_schedule` from a UTF-8 text file holding the notice (or date lines);
    the year from the notice's title unless given. Returns ``(year, row id)``."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MasterDataError(f"无法读取文件 {Path(path).name}（应为 UTF-8 文本）") from exc
    found, source = notice_year_and_title(text)
    year = year or found
    if year is None:
        raise MasterDataError("文件中没有写明年份（如“关于2027年部分节假日安排的通知”），请指定年份")
    return year, set_holiday_schedule(store, year, text, source)


def list_holiday_schedules(store: Store) -> list[HolidaySchedule]:
    with store.session() as s:
        return list(s.scalars(select(HolidaySchedule).where(HolidaySchedule.deleted.is_(False))
                              .order_by(HolidaySchedule.year.desc())))


def schedule_summary(row: HolidaySchedule) -> str:
    """One line for lists: the year's days off and make-up working days."""
    return (f"{row.year}年：放假 {len(row.holidays or [])} 天，调休上班 {len(row.workdays or [])} 天"
            + (f"（{'、'.join(row.workdays)}）" if row.workdays else "") + (f"；依据：{row.source}" if row.source else ""))


def _live(model: Any, *order: Any) -> Select[Any]:
    """The not deleted rows of a master-data table, every column labelled with its key."""
    cols = [c.label(c.key) for c in model.__table__.columns if c.key != "toml"]  # the form text stays put
    return select(*cols).where(model.deleted.is_(False)).order_by(*order)


def notices_statement() -> Select[Any]:
    return _live(Notice, Notice.issued_on.desc(), Notice.title)


def products_statement() -> Select[Any]:
    return _live(KeyProduct, KeyProduct.category, KeyProduct.name)


def form_versions_statement() -> Select[Any]:
    return _live(FormVersion, FormVersion.form_id, FormVersion.version.desc())


def holidays_statement() -> Select[Any]:
    return _live(HolidaySchedule, HolidaySchedule.year.desc())
