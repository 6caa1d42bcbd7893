"""Checking one Excel row of an enterprise list: which rows are data (not a total or a footer), and
each cell cleaned and validated by its column's field type (:mod:`qsdesk.services.excel.cells`),
with fast paths for the clean values most cells hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from operator import mul
from typing import Any

from qsdesk.domain.uscc import ALPHABET as USCC_ALPHABET
from qsdesk.domain.uscc import validate as validate_uscc
from qsdesk.services.excel.cells import CELL_TYPES, PHONE_CHARS
from qsdesk.services.excel.fields import FieldSpec
from qsdesk.services.excel.import_plan import _FOOTER_PREFIXES, _TOTAL_WORDS
from qsdesk.services.excel.normalize import (
    header_key,
    refuse_excel_error,
)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\n", "⏎")


def _row_kind(values: tuple[Any, ...]) -> str | None:
    """``blank`` / ``total`` / ``footer`` for rows that are not records, else None.

    Only the first three non-blank cells matter (and whether there is more than one), so the
    scan stops there: this runs for every row of the sheet.
    """
    first: list[str] = []
    for v in values:
        if v is None:
            continue
        t = v.strip() if type(v) is str else str(v).strip()
        if t:
            first.append(t)
            if len(first) > 3:
                break
    if not first:
        return "blank"
    for t in first[:3]:
        if "计" not in t:  # every total word ends in 计 (and no other character folds to it)
            continue
        k = header_key(t)
        if k in _TOTAL_WORDS or any(k.startswith(w) for w in _TOTAL_WORDS):
            return "total"
    if len(first) == 1 and header_key(first[0]).startswith(_FOOTER_PREFIXES):
        return "footer"
    return None


# A text needs clean_text only with blanks at either end, two spaces in a row, a tab or line
# break, or a full-width digit/letter/space; anything else clean_text returns unchanged.
_TEXT_NEEDS_CLEANING = re.compile(
    r"^\s|\s$| {2}|[\t\n\r\v\f\x85\u2028\u2029\u3000\u00a0\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
).search
# Printable ASCII without blanks or lower-case letters: clean_code returns such a code unchanged.
_CODE_IS_CLEAN = re.compile(r"[!-`{-~]+").fullmatch
_PHONE_CHARS = re.compile("[0-9" + re.escape(PHONE_CHARS) + "]+").fullmatch
# A well-formed credit code (GB 32100-2015): 18 characters of the code alphabet, positions 3–8
# digits. For such a code only the check character remains to be verified; any other code, and
# any code failing the check, goes through qsdesk.domain.uscc.validate for its reason.
_USCC_CHAR = "[" + USCC_ALPHABET + "]"
_USCC_SHAPE = re.compile(f"{_USCC_CHAR}{{2}}[0-9]{{6}}{_USCC_CHAR}{{10}}").fullmatch
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}.__getitem__
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, …


def _uscc_check_ok(code: str) -> bool:
    """The check character (position 18) of a well-formed code is right (same rule as
    :func:`qsdesk.domain.uscc.check_digit`, without its per-call normalising: ~10× faster)."""
    total = sum(map(mul, map(_USCC_VALUE, code[:17]), _USCC_WEIGHTS))
    return USCC_ALPHABET[-total % 31] == code[17]


#: types whose few distinct values are worth converting once per import
_MEMO_TYPES = frozenset({"choice", "multichoice", "inspector", "date"})


class _Validator:
    def __init__(self, inspectors: Mapping[str, str]) -> None:
        self.inspectors = inspectors

    def convert(self, spec: FieldSpec, raw: Any) -> Any:
        """The cleaned value of one cell (None when blank); ValueError with the reason."""
        refuse_excel_error(raw)
        v = CELL_TYPES[spec.type].read(spec, raw, self.inspectors)
        if isinstance(v, str) and spec.max_len and len(v) > spec.max_len:
            raise ValueError(f"超过 {spec.max_len} 个字")
        return v

    def converter(self, spec: FieldSpec) -> Callable[[Any], Any]:
        """:meth:`convert` for one column, with fast paths for the common clean values.

        Every fast path returns exactly what :meth:`convert` returns; anything unusual goes
        through :meth:`convert` itself (so does every text starting with ``#``, which may be an
        Excel error value such as ``#N/A``).
        """
        convert = self.convert
        max_len = spec.max_len or 0
        if spec.type == "text":
            def text(raw: Any) -> Any:
                if type(raw) is str and raw and raw[0] != "#" and not _TEXT_NEEDS_CLEANING(raw):
                    if max_len and len(raw) > max_len:
                        raise ValueError(f"超过 {max_len} 个字")
                    return raw
                return convert(spec, raw)
            return text
        if spec.type == "uscc":
            def uscc(raw: Any) -> Any:
                if type(raw) is str and _CODE_IS_CLEAN(raw):
                    if _USCC_SHAPE(raw) and _uscc_check_ok(raw):
                        return raw
                    if raw[0] != "#":
                        return validate_uscc(raw)  # says exactly what is wrong
                return convert(spec, raw)
            return uscc
        if spec.type == "phone":
            def phone(raw: Any) -> Any:
                if (type(raw) is str and raw[:1] != "#" and _CODE_IS_CLEAN(raw) and not (max_len and len(raw) > max_len)
                        and _PHONE_CHARS(raw)):
                    return raw
                return convert(spec, raw)
            return phone
        if spec.type == "integer":
            def integer(raw: Any) -> Any:
                if type(raw) is int and raw >= 0:
                    return raw
                return convert(spec, raw)
            return integer
        if spec.type in _MEMO_TYPES:
            memo: dict[Any, tuple[Any, str | None]] = {}

            def memoised(raw: Any) -> Any:
                key = (type(raw), raw)  # 1, 1.0 and True are equal keys but not equal cells
                try:
                    hit = memo.get(key)
                except TypeError:  # unhashable: not cached
                    return convert(spec, raw)
                if hit is None:
                    try:
                        hit = (convert(spec, raw), None)
                    except ValueError as exc:
                        hit = (None, str(exc))
                    if len(memo) < 10_000:
                        memo[key] = hit
                if hit[1] is not None:
                    raise ValueError(hit[1])
                return hit[0]
            return memoised
        return lambda raw: convert(spec, raw)
