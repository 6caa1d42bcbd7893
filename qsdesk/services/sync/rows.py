"""How synced rows travel: JSON values per column type, and which columns are personal data.

A row becomes a JSON object of its columns except ``change_seq`` (a node-local number that means
nothing elsewhere). Dates and datetimes are ISO 8601 (datetimes always in UTC with ``+00:00``),
decimals are strings, bytes are base64. Personal columns (:data:`PERSONAL`) are split off into a
second object that travels encrypted to the recipient.

:class:`TableEncoder` turns selected rows straight into the JSONL lines of a bundle. On SQLite,
JSON columns are read as the stored text and spliced into the line as they are (checked by
SQLite's strict ``json_valid`` first) instead of being decoded and encoded again: the line means
exactly the same to the reader, and a year of inspections exports in a fraction of the time.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    Text,
    func,
    text,
    type_coerce,
)
from sqlalchemy import exc as exc_mod
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

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
    return TABLES[name].__table__  # type: ignore[attr-defined]


def iso_utc(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        return value.isoformat(timespec="microseconds") + "+00:00"
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def datetime_in(value: Any) -> datetime:
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
            to_db[col.name], to_js[col.name] = datetime_in, iso_utc
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
_TO_DB_ITEMS = {name: tuple(conv[0].items()) for name, conv in _CONVERTERS.items()}


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
    cols = _COLUMNS[table_name]
    out = dict(data) if cols.issuperset(data) else {k: v for k, v in data.items() if k in cols}
    for k, conv in _TO_DB_ITEMS[table_name]:
        v = out.get(k)
        if v is not None:
            out[k] = conv(v)
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


# ------------------------------------------------------------------------------- bundle encoding

#: The encoder of one JSONL line: compact, UTF-8 text as it is (not ``\\uXXXX``).
LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

#: ``json_valid`` must accept the first text and refuse every other one (JSON5, NaN, raw control
#: characters in a string): only then is its verdict as strict as the reader's ``json.loads``.
_JSON_VALID_PROBE = ('{"a":[1,2.5e3,"x",null,true,{"b":-0.5}]}', "{a:1}", "[1,]", "NaN", "0x1", "'x'", ".5",
                     "+1", "[01]", '"a\tb"', '"\\x41"', "//c\n1", "[1] x")


def raw_json_supported(session: Session) -> bool:
    """Whether JSON columns can travel as their stored text: SQLite with a strict ``json_valid``."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    cols = ", ".join(f"json_valid(:p{i})" for i in range(len(_JSON_VALID_PROBE)))
    try:
        got = session.execute(text(f"SELECT {cols}"),
                              {f"p{i}": v for i, v in enumerate(_JSON_VALID_PROBE)}).one()
    except Exception:  # noqa: BLE001 - no JSON functions in this SQLite: decode and encode instead
        return False
    return tuple(got) == (1,) + (0,) * (len(_JSON_VALID_PROBE) - 1)


@dataclass
class EncodedRows:
    """One table's rows as bundle members: public and personal JSONL, same rows, same order."""

    count: int
    public: bytes
    private: bytes


def encode_pairs(pairs: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> EncodedRows:
    """Encode ``(public, personal)`` JSON objects (as made by :func:`row_to_json`)."""

    def jsonl(objs: Iterable[Mapping[str, Any]]) -> bytes:
        body = "\n".join(map(LINE_ENCODER.encode, objs))
        return (body + "\n").encode("utf-8") if body else b""

    return EncodedRows(len(pairs), jsonl(p for p, _ in pairs), jsonl(q for _, q in pairs))


def _getter(indexes: list[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    if len(indexes) == 1:
        i = indexes[0]
        return lambda row: (row[i],)
    return itemgetter(*indexes)


class TableEncoder:
    """Selects one table's travelling columns and encodes the fetched rows as bundle lines.

    ``columns`` are what to select (in this order); :meth:`encode` takes the fetched rows. The
    objects are those of :func:`row_to_json` — public and personal columns, ``change_seq`` left
    out, the same JSON values — with JSON columns last in each line. With ``raw_json`` (see
    :func:`raw_json_supported`) a JSON column is selected as its stored text together with
    ``json_valid`` of it, and valid text without a line break goes into the line unchanged;
    anything else is decoded as SQLAlchemy would decode it and encoded again.
    """

    def __init__(self, table_name: str, dialect: Dialect, *, raw_json: bool) -> None:
        table = table_of(table_name)
        personal = set(PERSONAL.get(table_name, ()))
        to_js = _CONVERTERS[table_name][1]
        self.table_name = table_name
        self.columns: list[ColumnElement[Any]] = []
        pub_names: list[str] = []
        pub_idx: list[int] = []
        priv_names: list[str] = ["id"]
        priv_idx: list[int] = []
        self._json: list[tuple[bool, str, int, int, Callable[[Any], Any] | None]] = []
        for col in table.c:
            if col.name in LOCAL_COLUMNS:
                continue
            idx = len(self.columns)
            if raw_json and isinstance(col.type, JSON):
                self.columns.append(type_coerce(col, Text).label(col.name))
                self.columns.append(func.json_valid(col).label(f"{col.name}__valid"))
                proc = col.type.dialect_impl(dialect).result_processor(dialect, None)
                self._json.append((col.name in personal, f"{json.dumps(col.name)}:", idx, idx + 1, proc))
                continue
            self.columns.append(col)
            if col.name == "id":
                priv_idx.insert(0, idx)
            if col.name in personal:
                priv_names.append(col.name)
                priv_idx.append(idx)
            else:
                pub_names.append(col.name)
                pub_idx.append(idx)
        self.id_index = next(i for i, c in enumerate(self.columns) if getattr(c, "name", None) == "id")
        self._pub = (tuple(pub_names), _getter(pub_idx), [(n, to_js[n]) for n in pub_names if n in to_js])
        self._priv = (tuple(priv_names), _getter(priv_idx), [(n, to_js[n]) for n in priv_names if n in to_js])

    def index(self, name: str) -> int:
        return next(i for i, c in enumerate(self.columns) if getattr(c, "name", None) == name)

    def encode(self, rows: Sequence[Sequence[Any]]) -> EncodedRows:
        enc = LINE_ENCODER.encode
        pub_lines: list[str] = []
        priv_lines: list[str] = []
        for lines, (names, get, convs), personal in ((pub_lines, self._pub, False), (priv_lines, self._priv, True)):
            splices = [(key, i, v, proc) for is_personal, key, i, v, proc in self._json if is_personal == personal]
            for row in rows:
                obj = dict(zip(names, get(row), strict=True))
                for name, conv in convs:
                    value = obj[name]
                    if value is not None:
                        obj[name] = conv(value)
                line = enc(obj)
                if splices:
                    parts = [line[:-1]]
                    sep = "" if line == "{}" else ","
                    for key, i, v, proc in splices:
                        parts += (sep, key, self._json_text(row[i], row[v], proc))
                        sep = ","
                    parts.append("}")
                    line = "".join(parts)
                lines.append(line)

        def jsonl(lines: list[str]) -> bytes:
            return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""

        return EncodedRows(len(rows), jsonl(pub_lines), jsonl(priv_lines))

    @staticmethod
    def _json_text(raw: Any, valid: Any, proc: Callable[[Any], Any] | None) -> str:
        if raw is None:
            return "null"
        if valid == 1 and type(raw) is str and "\n" not in raw:
            return raw
        # what reading the column through SQLAlchemy gives, encoded as any other value
        return LINE_ENCODER.encode(proc(raw) if proc is not None else raw)


# ------------------------------------------------------------------------------ bulk insert


def insert_many(s: Session, t: Table, rows: Sequence[Mapping[str, Any]]) -> bool:
    """Insert rows that carry every column of ``t`` in one go, the values converted by the
    columns' own SQLAlchemy bind processors, so the stored values are those
    ``s.execute(insert(t), rows)`` stores, without its per-row overhead: one ``executemany`` on
    SQLite, one ``COPY … FROM STDIN`` on PostgreSQL (psycopg). A failure raises the SQLAlchemy
    exception the Core insert would raise (``IntegrityError``, ``DataError`` …) with the values
    hidden. Returns False, having done nothing, when that does not apply (another database or
    driver, no rows, a column missing: its default)."""
    if not rows:
        return False
    conn = s.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    if set(keys) != set(t.c.keys()):
        return False
    sqlite = dialect.name == "sqlite" and dialect.paramstyle == "qmark"
    copy = dialect.name == "postgresql" and dialect.driver == "psycopg"
    if not (sqlite or copy):
        return False
    data = [list(r) for r in map(itemgetter(*keys), rows)] if len(keys) > 1 else [[r[keys[0]]] for r in rows]
    for j, key in enumerate(keys):
        proc = t.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if proc is not None:
            for row in data:
                row[j] = proc(row[j])
    q = dialect.identifier_preparer.quote
    names = ", ".join(q(k) for k in keys)
    if sqlite:
        conn.exec_driver_sql(f"INSERT INTO {q(t.name)} ({names}) VALUES ({', '.join('?' * len(keys))})",
                             [tuple(r) for r in data])
        return True
    statement = f"COPY {q(t.name)} ({names}) FROM STDIN"
    dbapi_conn: Any = conn.connection.dbapi_connection  # a psycopg Connection
    base_error = dialect.loaded_dbapi.Error
    try:
        with dbapi_conn.cursor() as cur, cur.copy(statement) as cp:
            for row in data:
                cp.write_row(row)
    except base_error as exc:
        # what the Core insert would have raised, so callers tell a refused value from a
        # missing reference; never the row's values (personal data) in the message
        raise exc_mod.DBAPIError.instance(statement, None, _without_values(exc), base_error,
                                          hide_parameters=True, dialect=dialect) from exc
    return True


def _without_values(exc: Exception) -> Exception:
    """A psycopg error as its server message without the value COPY quotes in its context
    (``COPY enterprise, line 3, column name: "…"`` keeps the line and column only). The detail of
    a key violation names record ids only (no personal data) and stays."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if diag is None or not primary:
        return exc
    parts = [primary]
    if diag.message_detail and diag.sqlstate and diag.sqlstate.startswith("23"):  # integrity
        parts.append(diag.message_detail)
    if diag.context:
        parts.append(diag.context.split(": ", 1)[0])
    clean = type(exc)("\n".join(parts))
    clean.__cause__ = None
    return clean
