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
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, LargeBinary, Numeric, Table

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


def from_json_value(table: Table, column: str, value: Any) -> Any:
    if value is None:
        return None
    ctype = table.c[column].type
    if isinstance(ctype, DateTime):
        dt = datetime.fromisoformat(value)
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    if isinstance(ctype, Date):
        return date.fromisoformat(value)
    if isinstance(ctype, Numeric) and not isinstance(ctype, Integer):
        return Decimal(str(value))
    if isinstance(ctype, LargeBinary):
        return base64.b64decode(value)
    if isinstance(ctype, Boolean):
        return bool(value)
    if isinstance(ctype, Integer):
        return int(value)
    if isinstance(ctype, JSON):
        return value
    return value


def row_to_json(table_name: str, row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(public, personal)`` JSON objects of one database row; ``personal`` carries ``id`` too."""
    personal_cols = PERSONAL.get(table_name, ())
    public: dict[str, Any] = {}
    personal: dict[str, Any] = {"id": row["id"]}
    for key, value in row.items():
        if key in LOCAL_COLUMNS:
            continue
        (personal if key in personal_cols else public)[key] = to_json_value(value)
    return public, personal


def json_to_row(table_name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Database values of a travelled row; columns this program does not know are dropped."""
    table = table_of(table_name)
    return {k: from_json_value(table, k, v) for k, v in data.items() if k in table.c and k not in LOCAL_COLUMNS}


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
