"""Spreadsheet cells by field type: how a cell is read into a column's value, and how the export
writes the column.

:data:`CELL_TYPES` has one entry per field type of :data:`qsdesk.domain.fieldtypes.REGISTRY`
(a test checks it, beside the editors and the PDF renderers). A reader takes the column
(:class:`~qsdesk.services.excel.fields.FieldSpec`), the raw cell and the station's inspectors by
name, and returns the cleaned value (None when blank) or raises ValueError with the Chinese
reason. Excel error values (``#N/A``) and text lengths are checked by the caller
(:mod:`qsdesk.services.excel.row_checks`) for every type alike.

Counts and amounts are never negative in an enterprise list, so the number readers refuse a
negative value; the domain types themselves allow one (a form may hold a difference).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from qsdesk.domain.fieldtypes import REGISTRY
from qsdesk.domain.uscc import validate as validate_uscc
from qsdesk.services.excel.fields import FieldSpec
from qsdesk.services.excel.normalize import clean_code, clean_text, parse_date, parse_decimal, parse_int

Reader = Callable[[FieldSpec, Any, Mapping[str, str]], Any]

PHONE_CHARS = "-+()（）转,/、"


@dataclass(frozen=True)
class CellType:
    read: Reader
    #: how the export writes the column: ``text``, ``code`` (kept as text, never a number),
    #: ``date`` or ``number`` (:class:`qsdesk.services.excel.exporter.Column`)
    column_kind: str = "text"


def _text(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
    return clean_text(raw)


def _multiline(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
    if raw is None:
        return None
    lines = [clean_text(line) for line in str(raw).splitlines()]
    return "\n".join(t for t in lines if t) or None


def _uscc(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raise ValueError("信用代码被 Excel 存成了数字，末几位已丢失；请把该列设为“文本”格式后重新填写")
    v = clean_code(raw)
    return validate_uscc(v) if v is not None else None


def _phone(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
    v = clean_code(raw)
    if v is not None and not all(c.isdigit() or c in PHONE_CHARS for c in v):
        raise ValueError("电话号码只能包含数字和 - + ( ) 转")
    return v


def _integer(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
    v = parse_int(raw)
    if v is not None and v < 0:
        raise ValueError("不能为负数")
    return v


def _number(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
    v = parse_decimal(raw)
    if v is not None and v < 0:
        raise ValueError("不能为负数")
    return v


def _date(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
    return parse_date(raw)


def _choice_word(spec: FieldSpec, word: str) -> str:
    word = spec.aliases.get(word, word)
    if word in spec.choices or spec.other_choice:  # with 其他, any other answer is kept as written
        return word
    raise ValueError(f"{spec.header}只能填：" + "、".join(spec.choices))


def _choice(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
    v = clean_text(raw)
    return _choice_word(spec, v) if v is not None else None


def _multichoice(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
    t = clean_text(raw)
    if t is None:
        return None
    if spec.store is not None:
        return spec.store(t)
    parsed = REGISTRY["multichoice"].parse(t)
    return [_choice_word(spec, w) for w in parsed] if parsed else None


def _inspector(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
    name = clean_text(raw)
    if name is None:
        return None
    found = inspectors.get(name.replace(" ", ""))
    if found is None:
        raise ValueError(f"检查人员名单中没有“{name}”（请先在设置中添加）")
    return found


def _address(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
    # a whole address in one cell is its detail: the import has no way to tell the parts apart
    v = clean_text(raw)
    return {"detail": v} if v is not None else None


def _not_in_a_cell(what: str) -> Reader:
    def refuse(spec: FieldSpec, raw: Any, inspectors: Mapping[str, str]) -> Any:
        if clean_text(raw) is None:
            return None
        raise ValueError(f"{spec.header}是{what}，不能从 Excel 单元格导入")
    return refuse


#: Every field type's cell reader and export column kind, by type name.
CELL_TYPES: Mapping[str, CellType] = MappingProxyType({
    "text": CellType(_text),
    "multiline": CellType(_multiline),
    "date": CellType(_date, "date"),
    "phone": CellType(_phone, "code"),
    "uscc": CellType(_uscc, "code"),
    "number": CellType(_number, "number"),
    "integer": CellType(_integer, "number"),
    "choice": CellType(_choice),
    "multichoice": CellType(_multichoice),
    "address": CellType(_address),
    "table": CellType(_not_in_a_cell("表格（每行一条，见“产品”工作表）")),
    "history": CellType(_not_in_a_cell("由程序填写的历史记录")),
    "signature": CellType(_not_in_a_cell("签名")),
    "attachment": CellType(_not_in_a_cell("附件")),
    "inspector": CellType(_inspector),
})
