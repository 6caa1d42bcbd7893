"""The field types a form spec may use: one class per type, looked up by name.

Each :class:`FieldType` knows how to ``parse`` a raw value (a typed string, an imported cell)
into the value the form stores, how to ``validate`` a non-empty value (the Chinese reason it is
wrong, or None) and how to write it as plain ``to_text``. The spec loader accepts exactly the
names in :data:`REGISTRY`; validation, the widget factory (``qsdesk.ui.forms.widget.EDITORS``)
and the PDF renderer (``qsdesk.services.printing.layout.RENDERERS``) look a type up here or by
its name instead of comparing type strings, and a test checks every type has all three.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from qsdesk.domain.formmodel import Field

__all__ = ["REGISTRY", "FieldType", "field_type", "is_empty", "parse_date"]


def is_empty(value: Any) -> bool:
    """Nothing entered: None, blank text, or a container of empty values."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        return all(is_empty(v) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return all(is_empty(v) for v in value)
    if isinstance(value, bytes | bytearray):
        return len(value) == 0
    return False


def parse_date(value: Any) -> _dt.date | None:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else ([value] if value else [])


class FieldType:
    """A text-like type: any non-empty value is valid, its text is ``str(value)``."""

    name: ClassVar[str] = "text"
    #: The value is a list of row mappings (``table``, ``history``).
    tabular: ClassVar[bool] = False
    #: The spec must give ``choices`` (and may give ``other_choice``).
    has_choices: ClassVar[bool] = False
    #: Printed across the whole row of the form rather than in a label/value pair.
    wide: ClassVar[bool] = False
    #: A tabular type that shows an empty row to fill (a history starts empty: the program
    #: fills it from the records).
    offers_empty_row: ClassVar[bool] = False

    def parse(self, raw: Any) -> Any:
        """The stored value for a raw one (text typed or imported); None when blank."""
        if is_empty(raw):
            return None
        return raw.strip() if isinstance(raw, str) else raw

    def validate(self, field: Field, value: Any, inspectors: Sequence[str] | None = None) -> str | None:
        """Why a non-empty value is invalid for the field (Chinese), or None."""
        return None

    def to_text(self, field: Field, value: Any) -> str:
        """The value as one line of plain text."""
        return _plain(value)


class Text(FieldType):
    name = "text"


class Multiline(FieldType):
    name = "multiline"
    wide = True


class Date(FieldType):
    name = "date"

    def parse(self, raw: Any) -> Any:
        d = parse_date(raw)
        return d.isoformat() if d is not None else super().parse(raw)

    def validate(self, field: Field, value: Any, inspectors: Sequence[str] | None = None) -> str | None:
        return None if parse_date(value) is not None else "日期格式不正确，应为 年-月-日（如 2024-05-31）"

    def to_text(self, field: Field, value: Any) -> str:
        d = parse_date(value)
        return d.isoformat() if d is not None else _plain(value)


_PHONE_RE = re.compile(r"^\+?[0-9\-\s()（）转]{5,30}$")


class Phone(FieldType):
    name = "phone"

    def validate(self, field: Field, value: Any, inspectors: Sequence[str] | None = None) -> str | None:
        if not isinstance(value, str):
            return "电话号码应为文字"
        digits = re.sub(r"\D", "", value)
        if not _PHONE_RE.match(value.strip()) or not 7 <= len(digits) <= 20:
            return "电话号码格式不正确（应为手机号或带区号的固定电话）"
        if len(digits) == 11 and digits.startswith("1") and not re.match(r"^1[3-9]", digits):
            return "手机号码格式不正确"
        return None


class Uscc(FieldType):
    name = "uscc"

    def validate(self, field: Field, value: Any, inspectors: Sequence[str] | None = None) -> str | None:
        from qsdesk.domain import uscc

        if not isinstance(value, str):
            return "统一社会信用代码应为文字"
        try:
            uscc.validate(value)
        except ValueError as exc:
            return str(exc) or "统一社会信用代码无效"
        return None


class Number(FieldType):
    name = "number"

    def parse(self, raw: Any) -> Any:
        if isinstance(raw, str) and raw.strip():
            try:
                f = float(raw.strip())
            except ValueError:
                return raw.strip()
            return int(f) if f.is_integer() else f
        return super().parse(raw)

    def validate(self, field: Field, value: Any, inspectors: Sequence[str] | None = None) -> str | None:
        if isinstance(value, bool):
            return "应填写数字"
        if isinstance(value, int | float | Decimal):
            return None
        try:
            d = Decimal(str(value).strip())
        except InvalidOperation:
            return "应填写数字"
        return None if d.is_finite() else "应填写数字"


class Integer(FieldType):
    name = "integer"

    def parse(self, raw: Any) -> Any:
        if isinstance(raw, str) and raw.strip():
            try:
                return int(raw.strip())
            except ValueError:
                return raw.strip()
        return super().parse(raw)

    def validate(self, field: Field, value: Any, inspectors: Sequence[str] | None = None) -> str | None:
        if isinstance(value, bool):
            return "应填写整数"
        if isinstance(value, int):
            return None
        return None if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()) else "应填写整数"


class Choice(FieldType):
    name = "choice"
    has_choices = True

    def validate(self, field: Field, value: Any, inspectors: Sequence[str] | None = None) -> str | None:
        if value not in field.choices:
            return f"“{value}”不是可选项（可选：{'、'.join(field.choices)}）"
        return None


_LIST_SPLIT = re.compile(r"[、,，;；]")


class MultiChoice(FieldType):
    name = "multichoice"
    has_choices = True
    wide = True

    def parse(self, raw: Any) -> Any:
        if isinstance(raw, str):
            parts = [p.strip() for p in _LIST_SPLIT.split(raw) if p.strip()]
            return parts or None
        return super().parse(raw)

    def validate(self, field: Field, value: Any, inspectors: Sequence[str] | None = None) -> str | None:
        if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
            return "应为选项列表"
        bad = [v for v in value if v not in field.choices]
        if bad:
            return f"“{bad[0]}”不是可选项（可选：{'、'.join(field.choices)}）"
        return None

    def to_text(self, field: Field, value: Any) -> str:
        return "、".join(_plain(v) for v in _as_list(value) if v)


#: Keys of an address mapping, in printing order.
ADDRESS_PARTS: tuple[str, ...] = ("province", "city", "county", "town", "detail")


class Address(FieldType):
    name = "address"
    wide = True

    def to_text(self, field: Field, value: Any) -> str:
        if isinstance(value, Mapping):
            head = "".join(str(value.get(k) or "") for k in ADDRESS_PARTS[:-1])
            return " ".join(x for x in (head, str(value.get("detail") or "")) if x)
        return _plain(value)


class Table(FieldType):
    name = "table"
    tabular = True
    offers_empty_row = True

    def parse(self, raw: Any) -> Any:
        if isinstance(raw, list | tuple):
            return [dict(r) for r in raw if isinstance(r, Mapping) and not is_empty(r)]
        return super().parse(raw)

    def to_text(self, field: Field, value: Any) -> str:
        rows = [r for r in _as_list(value) if isinstance(r, Mapping) and not is_empty(r)]
        return "；".join(
            " ".join(REGISTRY[c.type].to_text(c, r.get(c.key)) for c in field.columns if not is_empty(r.get(c.key)))
            for r in rows)


class History(Table):
    name = "history"
    offers_empty_row = False


class Signature(FieldType):
    name = "signature"
    wide = True

    def to_text(self, field: Field, value: Any) -> str:
        return "已签名" if not is_empty(value) else ""


class Attachment(FieldType):
    name = "attachment"
    wide = True

    def to_text(self, field: Field, value: Any) -> str:
        names = [str(i.get("filename") or i.get("caption") or i.get("sha256", "")[:12]) if isinstance(i, Mapping)
                 else str(i) for i in _as_list(value)]
        return "、".join(n for n in names if n)


class Inspector(FieldType):
    name = "inspector"

    def validate(self, field: Field, value: Any, inspectors: Sequence[str] | None = None) -> str | None:
        names = list(value) if field.multiple and isinstance(value, list | tuple) else [value]
        if field.multiple and isinstance(value, str):
            return "应为检查人员列表"
        filled = [n for n in names if not is_empty(n)]
        if len(set(filled)) != len(filled):
            return "检查人员不能重复"
        if inspectors is not None:
            bad = [n for n in filled if n not in inspectors]
            if bad:
                return f"“{bad[0]}”不是本所登记的检查人员"
        if field.multiple and field.min_rows and len(filled) < field.min_rows:
            return f"至少需要{field.min_rows}名检查人员"
        return None

    def to_text(self, field: Field, value: Any) -> str:
        return "、".join(_plain(v) for v in _as_list(value) if v)


#: Every field type by name; the spec loader accepts exactly these names.
REGISTRY: Mapping[str, FieldType] = {
    t.name: t for t in (Text(), Multiline(), Date(), Phone(), Uscc(), Number(), Integer(), Choice(),
                        MultiChoice(), Address(), Table(), History(), Signature(), Attachment(), Inspector())
}


def field_type(name: str) -> FieldType:
    """The type named ``name``; KeyError for a name no spec may use."""
    return REGISTRY[name]
