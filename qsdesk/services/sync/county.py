"""County mode: one county database holds the rows of all its stations, told apart by ``origin``.

These helpers give the per-station views the lists, dashboard and monthly table use in county
mode: a filter to add to any select, the enrolled stations, and row counts per station. They are
plain SQLAlchemy expressions, so they work the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select

from qsdesk.services.sync.rows import TABLES
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Node, SyncMixin


@dataclass(frozen=True)
class StationInfo:
    code: str
    name: str
    enrolled: bool


def is_county(store: Store) -> bool:
    node = store.self_node()
    return node is not None and node.kind == "county"


def stations(store: Store) -> list[StationInfo]:
    """Enrolled stations plus any station code that appears as ``origin`` in the data."""
    with store.session() as s:
        me = s.scalars(select(Node).where(Node.is_self.is_(True))).first()
        enrolled = {n.code: n.name for n in s.scalars(select(Node).where(Node.is_self.is_(False),
                                                                        Node.kind == "station"))}
        seen = set(s.scalars(select(Enterprise.origin).distinct()))
    me_code = me.code if me else ""
    codes = sorted((set(enrolled) | seen) - {me_code, ""})
    return [StationInfo(c, enrolled.get(c, c), c in enrolled) for c in codes]


def station_filter(model: type[SyncMixin], station_code: str) -> ColumnElement[bool]:
    """Rows that belong to a station: made there, or (enterprises) under its jurisdiction."""
    if model is Enterprise:
        return or_(Enterprise.origin == station_code, Enterprise.jurisdiction == station_code)
    return model.origin == station_code


def for_station(stmt: Select[Any], model: type[SyncMixin], station_code: str | None) -> Select[Any]:
    """Narrow ``stmt`` (a select over ``model``) to one station; ``None`` means all stations."""
    return stmt if station_code is None else stmt.where(station_filter(model, station_code))


def counts_by_station(store: Store, tables: tuple[str, ...] = ("enterprise", "inspection", "risk_report",
                                                               "sampling")) -> dict[str, dict[str, int]]:
    """``{origin: {table: live rows}}`` for the overview of a county."""
    out: dict[str, dict[str, int]] = {}
    with store.session() as s:
        for name in tables:
            model = TABLES[name]
            stmt = (select(model.origin, func.count()).where(model.deleted.is_(False))
                    .group_by(model.origin))
            for origin, n in s.execute(stmt):
                out.setdefault(origin, {})[name] = int(n)
    return out
