"""Cleaning what people type into spreadsheets before it is validated.

Station spreadsheets come from many hands: full-width digits typed with a Chinese input method,
line breaks pressed inside a cell (Alt+Enter), non-breaking and ideographic spaces, dates typed
as text in half a dozen ways, numbers stored as text with units. These functions turn such
values into the plain form the records hold; they raise ``ValueError`` with a Chinese reason
when a value cannot be understood.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

# Full-width ASCII block (U+FF01–U+FF5E) → ASCII, and the ideographic space → space. Chinese
# punctuation such as （） is kept in names: only digits, letters and the space are folded.
_FW_DIGITS_LETTERS = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}  # ０-９
_FW_DIGITS_LETTERS.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FW_DIGITS_LETTERS.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FW_DIGITS_LETTERS[0x3000] = 0x20
_FW_DIGITS_LETTERS[0x00A0] = 0x20

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_BREAK = re.compile(r"\s*[\r\n\u2028\u2029\v\f]+\s*")
_SPACES = re.compile(r"[ \t]+")
_ALL_WS = re.compile(r"\s+")


#: Excel's error values. A cell holding one is never data: a formula failed or a reference broke.
EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
                          "#UNKNOWN!", "#BUSY!", "#PYTHON!"})


class CellError:
    """A cell of error type (``t="e"``) as the reader hands it on: its code, e.g. ``#N/A``.

    Calamine reads such a cell as blank, which would silently drop (or, for a required column,
    misreport) it; :mod:`qsdesk.services.excel.reader` puts this marker in its place instead.
    """

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"CellError({self.code!r})"


def refuse_excel_error(value: Any) -> None:
    """Raise ValueError (Chinese) when ``value`` is an Excel error value: an error-type cell, or a
    text that is exactly one (e.g. ``#N/A`` kept as text by another program)."""
    if isinstance(value, CellError) or (
            isinstance(value, str) and len(value) < 32 and fold_width(value).strip().upper() in EXCEL_ERRORS):
        raise ValueError(f"单元格是 Excel 错误值（{str(value).strip()}），不是数据：公式出错或引用无效，"
                         "请在 Excel 中改正或清空后再导入")


def fold_width(text: str) -> str:
    """Full-width digits, Latin letters and spaces → half-width; other characters unchanged."""
    return text.translate(_FW_DIGITS_LETTERS)


def clean_text(value: Any) -> str | None:
    """A one-line text value: width folded, line breaks joined, spaces collapsed; None if blank.

    A line break between two Chinese characters is dropped (a name wrapped in its cell); between
    other characters it becomes one space.
    """
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = fold_width(str(value)).strip()
    if not text:
        return None

    def _join(m: re.Match[str]) -> str:
        s, e = m.start(), m.end()
        before = text[s - 1] if s > 0 else ""
        after = text[e] if e < len(text) else ""
        if _CJK.match(before) or _CJK.match(after):
            return ""
        return " "

    text = _BREAK.sub(_join, text)
    text = _SPACES.sub(" ", text).strip()
    return text or None


def clean_code(value: Any) -> str | None:
    """A code (credit code, phone, certificate number): no whitespace at all, upper case."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _ALL_WS.sub("", fold_width(str(value))).upper()
    text = text.replace("－", "-").replace("—", "-")
    return text or None


def parse_int(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError("应为整数")
    text = clean_code(value) or ""
    text = re.sub(r"(人|名|个)$", "", text).replace(",", "")
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError("应为整数")
    return int(text)


def parse_decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("应为数字")
    if isinstance(value, int):  # a whole number (1e26 read as int) gets the same size check
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(repr(value))
    else:
        text = (clean_code(value) or "").replace(",", "")
        text = re.sub(r"(万元|万|元)$", "", text)
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise ValueError("应为数字") from None
    if not d.is_finite():
        raise ValueError("应为数字")
    try:
        return d.quantize(Decimal("0.01"))
    except InvalidOperation:  # more digits than the default context carries
        raise ValueError("数值过大") from None


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(value: Any) -> date | None:
    """A cell holding a date: a real date, an Excel serial number or text like 2024年3月5日."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        serial = int(value)
        if 20000 <= serial <= 80000 and float(value) == serial:  # 1954–2119 as Excel serials
            return _EXCEL_EPOCH + timedelta(days=serial)
        if 19000101 <= serial <= 21001231:
            value = str(serial)
        else:
            raise ValueError("不是可识别的日期")
    text = _ALL_WS.sub("", fold_width(str(value)))
    for pat in _DATE_PATTERNS:
        m = pat.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return date(y, mo, d)
            except ValueError:
                raise ValueError("日期不存在（请检查年月日）") from None
    raise ValueError("不是可识别的日期（可写作 2024-03-05 或 2024年3月5日）")


def header_key(text: Any) -> str:
    """A header cell reduced for matching: width folded, no spaces, marks and brackets unified."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = _ALL_WS.sub("", s)
    s = s.strip("*＊※#:：")
    s = s.replace("(", "（").replace(")", "）")
    return s
