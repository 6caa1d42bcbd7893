"""统一社会信用代码 (Unified Social Credit Code, GB 32100-2015).

The code is 18 characters long:

* position 1: registration authority (登记管理部门代码), e.g. ``9`` = 工商 (market regulation);
* position 2: organisation category (机构类别代码), e.g. ``1`` enterprise, ``2`` individual
  business (个体工商户), ``3`` farmers' cooperative;
* positions 3–8: administrative division code (登记管理机关行政区划码), digits only;
* positions 9–17: organisation code (主体标识码);
* position 18: check character, computed over positions 1–17 (weights 3^i mod 31).

Every character comes from the 31-character alphabet ``0-9`` plus the capital letters without
``I O Z S V`` (they are too easily confused with 1 0 2 5 U).

The check digit itself is computed by python-stdnum (``stdnum.cn.uscc.calc_check_digit``);
stdnum's own ``validate`` is not used because it insists that positions 1–8 are all digits
(position 1 may be a letter, e.g. ``N`` for agriculture) and raises reason-less exceptions,
whereas an inspector needs to be told exactly what is wrong in Chinese.
"""

from __future__ import annotations

import unicodedata

from stdnum.cn import uscc as _stdnum_uscc

__all__ = [
    "ALPHABET",
    "InvalidCreditCode",
    "check_digit",
    "is_individual_business",
    "is_valid",
    "normalize",
    "validate",
]

#: The USCC character set (GB 32100-2015 table 1): digits and capitals except I, O, Z, S, V.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_EXCLUDED = "IOZSV"
LENGTH = 18


class InvalidCreditCode(ValueError):
    """An invalid 统一社会信用代码. ``str(exc)`` is a Chinese sentence saying why.

    ``kind`` is one of ``"length"``, ``"charset"``, ``"region"``, ``"checksum"`` so that callers
    (e.g. an Excel import report) can group failures; ``code`` is the normalised input.
    """

    def __init__(self, message: str, *, kind: str, code: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code


def normalize(code: str) -> str:
    """Strip all whitespace (also inside), fold full-width characters to half-width, upper-case.

    NFKC maps full-width digits/letters (``９１３７…``) and the ideographic space U+3000 to their
    ASCII forms, which is exactly what an input method in full-width mode produces.
    """
    if code is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(code))
    return "".join(folded.split()).upper()


def _describe_char(ch: str) -> str:
    if ch in _EXCLUDED:
        return f"字母“{ch}”不用于统一社会信用代码（不使用 I、O、Z、S、V）"
    if ch.isascii() and ch.isalnum():
        return f"“{ch}”不是统一社会信用代码允许的字符"
    return f"“{ch}”不是数字或大写字母"


def check_digit(first17: str) -> str:
    """The check character (position 18) for the first 17 characters (GB 32100-2015, 4.2)."""
    body = normalize(first17)
    if len(body) != LENGTH - 1:
        raise InvalidCreditCode(
            f"计算校验码需要前17位，实际为{len(body)}位", kind="length", code=body
        )
    bad = [(i, ch) for i, ch in enumerate(body, start=1) if ch not in ALPHABET]
    if bad:
        pos, ch = bad[0]
        raise InvalidCreditCode(f"第{pos}位{_describe_char(ch)}", kind="charset", code=body)
    return _stdnum_uscc.calc_check_digit(body)


def validate(code: str) -> str:
    """Return the normalised code, or raise :class:`InvalidCreditCode` saying why in Chinese.

    Checks, in order: length (18), character set (all positions), positions 3–8 digits
    (administrative division code), check character (position 18).
    """
    norm = normalize(code)
    if not norm:
        raise InvalidCreditCode("统一社会信用代码不能为空（应为18位，实际为0位）", kind="length", code=norm)
    if len(norm) != LENGTH:
        raise InvalidCreditCode(
            f"统一社会信用代码应为18位，实际为{len(norm)}位", kind="length", code=norm
        )
    bad = [(i, ch) for i, ch in enumerate(norm, start=1) if ch not in ALPHABET]
    if bad:
        parts = [f"第{pos}位{_describe_char(ch)}" for pos, ch in bad]
        raise InvalidCreditCode("统一社会信用代码含有非法字符：" + "；".join(parts), kind="charset", code=norm)
    region_bad = [(i, ch) for i, ch in enumerate(norm[2:8], start=3) if not ch.isdigit()]
    if region_bad:
        pos, ch = region_bad[0]
        raise InvalidCreditCode(
            f"统一社会信用代码第3–8位是行政区划码，应为数字，第{pos}位却是“{ch}”",
            kind="region",
            code=norm,
        )
    expected = _stdnum_uscc.calc_check_digit(norm[:17])
    got = norm[17]
    if got != expected:
        raise InvalidCreditCode(
            f"统一社会信用代码校验码错误：第18位应为“{expected}”，实际为“{got}”，请核对是否抄错",
            kind="checksum",
            code=norm,
        )
    return norm


def is_valid(code: str) -> bool:
    """True when :func:`validate` accepts the code."""
    try:
        validate(code)
    except InvalidCreditCode:
        return False
    return True


def is_individual_business(code: str) -> bool:
    """True for a 个体工商户 code: registration authority ``9`` (工商), category ``2``.

    Used by grading: an individual business is graded by its figures; without any it is taken as D
    (国市监质监发〔2023〕38号 附件1: D 级主体包括个体工商户).
    """
    norm = normalize(code)
    return len(norm) >= 2 and norm[0] == "9" and norm[1] == "2"
