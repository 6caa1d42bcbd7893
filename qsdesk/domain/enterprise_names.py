"""When two enterprise names are probably the same unit typed twice.

A station's register is built by hand and from several spreadsheets; the same shop appears as
"济南华鲁电器有限公司" and "济南华鲁电器有限责任公司", or with full-width brackets, a stray space
or a branch note. Adding an enterprise warns on such a near-duplicate (the person decides); a
duplicate *credit code* is refused outright elsewhere (:mod:`qsdesk.services.census`).
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

__all__ = ["core_name", "is_near_duplicate", "similarity"]

#: Legal-form and shop-type endings that do not distinguish one unit from another.
_SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "总公司", "分公司", "公司",
    "个体工商户", "经营部", "商行", "门市部", "专卖店", "超市", "商店", "店", "厂",
)
_NOISE = re.compile(r"[\s·\-—_.,，。、()（）\[\]【】“”\"'‘’]+")

#: Cores at least this similar (0–1, SequenceMatcher ratio) count as a near duplicate.
THRESHOLD = 0.8


def core_name(name: str) -> str:
    """The distinguishing part: NFKC (full-width → half-width), no spaces or punctuation, no
    legal-form ending. ``core_name("济南华鲁电器有限公司 ") == core_name("济南华鲁电器（有限责任公司）")``."""
    t = unicodedata.normalize("NFKC", name or "").strip()
    t = _NOISE.sub("", t)
    changed = True
    while changed and t:
        changed = False
        for suf in _SUFFIXES:
            if t.endswith(suf) and len(t) > len(suf) + 1:
                t = t[: -len(suf)]
                changed = True
                break
    return t.upper()


def similarity(a: str, b: str) -> float:
    """0–1: how alike the two names' cores are."""
    ca, cb = core_name(a), core_name(b)
    if not ca or not cb:
        return 0.0
    if ca == cb:
        return 1.0
    return SequenceMatcher(None, ca, cb).ratio()


def is_near_duplicate(a: str, b: str) -> bool:
    """Same core, or cores alike enough that a person should look before adding a second unit."""
    return similarity(a, b) >= THRESHOLD
