"""Checking what arrives in a bundle before anything is written: the JSON numbers a bundle may
hold (:func:`strict_json_float`, :func:`refuse_constant`) and each travelled row's values against
its column's type and range (:func:`row_problem`). A re-signed bundle with a bool for an integer,
a 2^63 sequence or 1e26 of money is refused with the field named, never a database traceback.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
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


def _value_checker(col: Any) -> Callable[[Any], str | None]:
    """The check of one column's incoming JSON value (None: fine, else why not), chosen once per
    column so that a year of rows is checked without asking each value's column type again."""
    ctype = col.type
    required = not col.nullable and not col.primary_key

    def typed(check: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
        def run(value: Any) -> str | None:
            if value is None:
                return "不能为空" if required else None
            return check(value)
        return run

    if isinstance(ctype, Boolean):
        return typed(lambda v: None if type(v) is bool else "应为是/否")
    if isinstance(ctype, Integer):
        is_rev = col.name == "rev"

        def integer(v: Any) -> str | None:
            if type(v) is not int:
                return "应为整数"
            if not INT_MIN <= v <= INT_MAX:
                return "超出整数范围"
            if is_rev and v < 1:
                return "版本号必须为正数"
            return None
        return typed(integer)
    if isinstance(ctype, Numeric):
        def numeric(v: Any) -> str | None:
            if type(v) not in (str, int, float):
                return "应为数值"
            try:
                d = Decimal(str(v))
            except ArithmeticError:
                return "不是有效的数值"
            if not d.is_finite() or abs(d) >= NUMERIC_LIMIT:
                return "数值无效或过大"
            return None
        return typed(numeric)
    def parsed(parse: Callable[[str], object], not_text: str, invalid: str) -> Callable[[Any], str | None]:
        """A value kept as text that ``parse`` must accept."""
        def check(v: Any) -> str | None:
            if type(v) is not str:
                return not_text
            try:
                parse(v)
            except ValueError:  # binascii.Error (base64) is one too
                return invalid
            return None
        return typed(check)

    if isinstance(ctype, DateTime):
        return parsed(datetime_in, "应为日期时间", "不是有效的日期时间")
    if isinstance(ctype, Date):
        return parsed(date.fromisoformat, "应为日期", "不是有效的日期")
    if isinstance(ctype, LargeBinary):
        return parsed(lambda v: base64.b64decode(v, validate=True), "应为 base64 文本", "不是有效的 base64")
    if isinstance(ctype, JSON):
        return typed(lambda v: None)
    # text: declared lengths are not checked here (SQLite keeps longer text a station may hold;
    # PostgreSQL refuses it at write time, reported as a refused bundle)
    return typed(lambda v: None if type(v) is str else "应为文本")


_CHECKERS: dict[str, dict[str, Callable[[Any], str | None]]] = {
    name: {c.name: _value_checker(c) for c in model.__table__.c if c.name not in LOCAL_COLUMNS}  # type: ignore[attr-defined]
    for name, model in TABLES.items()
}


def _plain_text(col: Any) -> bool:
    return (col.nullable and not isinstance(col.type, (Boolean, Integer, Numeric, DateTime, Date, LargeBinary, JSON))
            and col.name not in LOCAL_COLUMNS)


#: nullable text columns: any text or None is fine (most values; checked without a call)
_PLAIN_TEXT: dict[str, frozenset[str]] = {
    name: frozenset(c.name for c in model.__table__.c if _plain_text(c))  # type: ignore[attr-defined]
    for name, model in TABLES.items()
}


def row_problem(table_name: str, data: Mapping[str, Any]) -> str | None:
    """Why a travelled row (JSON values) cannot be stored, or None: every known column must have
    a value of its type in range (no bool for an integer, no integer beyond 64 bits, no NaN or
    10^26 for money, no text for a date). Checked before anything is written."""
    checkers = _CHECKERS[table_name]
    plain = _PLAIN_TEXT[table_name]
    for key, value in data.items():
        if key in plain and (value is None or type(value) is str):
            continue
        check = checkers.get(key)
        if check is None:  # a column this program does not know, or a node-local one
            continue
        problem = check(value)
        if problem is not None:
            return f"字段 {key} {problem}"
    for key in ("id", "rev", "updated_at", "origin"):
        if data.get(key) is None:
            return f"缺少同步信息 {key}"
    if not 0 < len(data["id"]) <= 36:
        return "记录编号长度不对"
    return None
