"""How synced rows travel: JSON values per column type, and which columns are personal data.

A row becomes a JSON object of its columns except ``change_seq`` (a node-local number that means
nothing elsewhere). Dates and datetimes are ISO 8601 (datetimes always in UTC with ``+00:00``),
decimals are strings, bytes are base64. Personal columns (:data:`PERSONAL`) are split off into a
second object that travels encrypted to the recipient.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, LargeBinary, Numeric, Table

from qsdesk.store.models import SYNCED_MODELS, SyncMixin

#: Synced tables in an order that satisfies foreign keys when inserting.
TABLES: dict[str, type[SyncMixin]] = {m.__tablename__: m for m in SYNCED_MODELS}  # type: ignore[attr-defined]

#: Columns about people (names, phones, signatures, free text naming them): encrypted in bundles.
PERSONAL: dict[str, tuple[str, ...]] = {
    "inspector": ("name", "phone", "badge_no"),
    "enterprise": ("legal_rep", "contact", "phone", "quality_director", "quality_officer"),
    "inspection": ("values", "opinion_text", "sealed_by"),
    "signature": ("signer_name", "strokes", "png"),
    "attachment_link": ("filename", "caption"),
    "risk_report": ("values", "description", "investigation"),
    "task_checklist": ("filled_by", "values"),
    "supervisor_assignment": ("reason",),
    "audit_entry": ("actor", "detail"),
}

#: Columns that are node-local and never leave the node.
LOCAL_COLUMNS = frozenset({"change_seq"})

#: What decides which version of a record wins: (sealed, rev, updated_at, origin), largest wins.
META = ("id", "rev", "updated_at", "origin", "deleted")


def table_of(name: str) -> Table:
    return TABLES[name].__table__  # type: ignore[attr-defined, no-any-return]


def iso_utc(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def to_json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, float):
        return value
    if isinstance(value, (dict, list)):
        return value
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _dt_in(value: Any) -> datetime:
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _b64_out(value: Any) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _converters(table: Table) -> tuple[dict[str, Callable[[Any], Any]], dict[str, Callable[[Any], Any]]]:
    """Per column: JSON → database value and database value → JSON (only where they differ)."""
    to_db: dict[str, Callable[[Any], Any]] = {}
    to_js: dict[str, Callable[[Any], Any]] = {}
    for col in table.c:
        ctype = col.type
        if isinstance(ctype, DateTime):
            to_db[col.name], to_js[col.name] = _dt_in, iso_utc
        elif isinstance(ctype, Date):
            to_db[col.name], to_js[col.name] = date.fromisoformat, date.isoformat
        elif isinstance(ctype, Numeric) and not isinstance(ctype, Integer):
            to_db[col.name], to_js[col.name] = (lambda v: Decimal(str(v))), str
        elif isinstance(ctype, LargeBinary):
            to_db[col.name], to_js[col.name] = base64.b64decode, _b64_out
        elif isinstance(ctype, Boolean):
            to_db[col.name] = bool
        elif isinstance(ctype, Integer):
            to_db[col.name] = int
    return to_db, to_js


_CONVERTERS = {name: _converters(model.__table__) for name, model in TABLES.items()}  # type: ignore[attr-defined]
_COLUMNS = {name: frozenset(model.__table__.c.keys()) - LOCAL_COLUMNS  # type: ignore[attr-defined]
            for name, model in TABLES.items()}


def from_json_value(table: Table, column: str, value: Any) -> Any:
    if value is None:
        return None
    conv = _CONVERTERS[table.name][0].get(column)
    return conv(value) if conv else value


def row_to_json(table_name: str, row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(public, personal)`` JSON objects of one database row; ``personal`` carries ``id`` too."""
    personal_cols = PERSONAL.get(table_name, ())
    to_js = _CONVERTERS[table_name][1]
    public: dict[str, Any] = {}
    personal: dict[str, Any] = {"id": row["id"]}
    for key, value in row.items():
        if key in LOCAL_COLUMNS:
            continue
        if value is not None:
            conv = to_js.get(key)
            if conv is not None:
                value = conv(value)
        (personal if key in personal_cols else public)[key] = value
    return public, personal


def json_to_row(table_name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Database values of a travelled row; columns this program does not know are dropped."""
    to_db = _CONVERTERS[table_name][0]
    cols = _COLUMNS[table_name]
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k not in cols:
            continue
        if v is not None:
            conv = to_db.get(k)
            if conv is not None:
                v = conv(v)
        out[k] = v
    return out


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_hash(table_name: str, row: Mapping[str, Any]) -> str:
    """SHA-256 of a row's travelling content (JSON form, change_seq excluded)."""
    public, personal = row_to_json(table_name, row)
    return hashlib.sha256(canonical({**public, **personal})).hexdigest()


def is_sealed(table_name: str, row: Mapping[str, Any]) -> bool:
    return table_name == "inspection" and row.get("status") == "sealed"


def version_key(table_name: str, row: Mapping[str, Any]) -> tuple[int, int, str, str, str]:
    """Total order of versions of one record: sealed beats unsealed, then higher ``rev``, then
    later ``updated_at``, then ``origin``, and finally the content hash so that two different
    versions never compare equal (every node picks the same winner)."""
    updated = row.get("updated_at")
    updated_s = iso_utc(updated) if isinstance(updated, datetime) else str(updated or "")
    return (
        1 if is_sealed(table_name, row) else 0,
        int(row.get("rev") or 0),
        updated_s,
        str(row.get("origin") or ""),
        content_hash(table_name, row),
    )
