"""Checking what arrives in a bundle before anything is written: the JSON numbers a bundle may
hold (:func:`strict_json_float`, :func:`refuse_constant`) and each travelled row's values against
its column's type and range, converted to database values in the same pass
(:func:`incoming_row`). A re-signed bundle with a bool for an integer, a 2^63 sequence or 1e26
of money is refused with the field named, never a database traceback.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, LargeBinary, Numeric

from qsdesk.services.sync.rows import LOCAL_COLUMNS, TABLES, datetime_in

#: Integers a database column holds (SQLite and PostgreSQL BIGINT): [-2^63, 2^63).
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
#: ``Numeric(14, 2)`` money and counts: anything at or beyond 10^12 is not a real value.
NUMERIC_LIMIT = Decimal(10) ** 12


def strict_json_float(text_value: str) -> float:
    """``parse_float`` for bundle JSON: ``1e400`` (infinite) is refused like ``NaN``."""
    value = float(text_value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"non-finite number {text_value}")
    return value


def refuse_constant(name: str) -> Any:
    """``parse_constant`` for bundle JSON: ``NaN``, ``Infinity`` are not JSON values."""
    raise ValueError(f"{name} is not allowed")


# The kinds of column a travelled value is checked and converted as (:func:`incoming_row`).
_TEXT, _BOOL, _INT, _REV, _NUMERIC, _DATETIME, _DATE, _BINARY, _JSON = range(9)


def _kind(col: Any) -> int:
    ctype = col.type
    if isinstance(ctype, Boolean):
        return _BOOL
    if isinstance(ctype, Integer):
        return _REV if col.name == "rev" else _INT
    if isinstance(ctype, Numeric):
        return _NUMERIC
    if isinstance(ctype, DateTime):
        return _DATETIME
    if isinstance(ctype, Date):
        return _DATE
    if isinstance(ctype, LargeBinary):
        return _BINARY
    if isinstance(ctype, JSON):
        return _JSON
    # text: declared lengths are not checked here (SQLite keeps longer text a station may hold;
    # PostgreSQL refuses it at write time, reported as a refused bundle)
    return _TEXT


@dataclass(frozen=True)
class _TableSpec:
    columns: frozenset[str]  # the synced columns (not the node-local ones)
    kinds: dict[str, tuple[int, bool]]  # column -> (kind, required)


_SPECS = {
    name: _TableSpec(
        frozenset(c.name for c in model.__table__.c if c.name not in LOCAL_COLUMNS),  # type: ignore[attr-defined]
        {c.name: (_kind(c), not c.nullable and not c.primary_key)
         for c in model.__table__.c if c.name not in LOCAL_COLUMNS})  # type: ignore[attr-defined]
    for name, model in TABLES.items()
}


class RowValueError(ValueError):
    """Why a travelled row cannot be stored (``字段 name 应为文本``), without the value."""


def incoming_row(table_name: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The database values of a travelled row (JSON values), every known column checked against
    its type and range: no bool for an integer, no integer beyond 64 bits, no NaN or 10^26 for
    money, no text for a date, no invalid base64. Columns this program does not know, and
    node-local ones, are dropped. Raises :class:`RowValueError` naming the first refused field.

    One pass per row that checks and converts together, dispatching on a small number per
    column: an import checks a station's year (tens of thousands of rows) value by value."""
    spec = _SPECS[table_name]
    kinds = spec.kinds
    out = dict(data) if spec.columns.issuperset(data) else {k: v for k, v in data.items() if k in spec.columns}
    for key, value in out.items():
        kind, required = kinds[key]
        if value is None:
            if required:
                raise RowValueError(f"字段 {key} 不能为空")
            continue
        vtype = type(value)
        if kind == _TEXT:
            if vtype is not str:
                raise RowValueError(f"字段 {key} 应为文本")
        elif kind in (_INT, _REV):
            if vtype is not int:
                raise RowValueError(f"字段 {key} 应为整数")
            if not INT_MIN <= value <= INT_MAX:
                raise RowValueError(f"字段 {key} 超出整数范围")
            if kind == _REV and value < 1:
                raise RowValueError(f"字段 {key} 版本号必须为正数")
        elif kind in (_DATETIME, _DATE):
            if vtype is not str:
                raise RowValueError(f"字段 {key} {'应为日期时间' if kind == _DATETIME else '应为日期'}")
            try:
                out[key] = datetime_in(value) if kind == _DATETIME else date.fromisoformat(value)
            except ValueError:
                raise RowValueError(
                    f"字段 {key} {'不是有效的日期时间' if kind == _DATETIME else '不是有效的日期'}") from None
        elif kind == _BOOL:
            if vtype is not bool:
                raise RowValueError(f"字段 {key} 应为是/否")
        elif kind == _NUMERIC:
            if vtype not in (str, int, float):
                raise RowValueError(f"字段 {key} 应为数值")
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                raise RowValueError(f"字段 {key} 不是有效的数值") from None
            if not number.is_finite() or abs(number) >= NUMERIC_LIMIT:
                raise RowValueError(f"字段 {key} 数值无效或过大")
            out[key] = number
        elif kind == _BINARY:
            if vtype is not str:
                raise RowValueError(f"字段 {key} 应为 base64 文本")
            try:
                out[key] = base64.b64decode(value, validate=True)
            except ValueError:  # binascii.Error
                raise RowValueError(f"字段 {key} 不是有效的 base64") from None
    for key in ("id", "rev", "updated_at", "origin"):
        if out.get(key) is None:
            raise RowValueError(f"缺少同步信息 {key}")
    if not 0 < len(out["id"]) <= 36:
        raise RowValueError("记录编号长度不对")
    return out
