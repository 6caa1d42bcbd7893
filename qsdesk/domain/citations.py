"""The source documents as people cite them, so reasons, headings and warnings never show our
own file numbers (000–004).

Use :func:`cite` for a section (``cite(GB_001, "三")`` → ``国市监质监发〔2023〕38号 三``) and
:func:`readable` to turn a text that still carries a file number ("（001 三）") into the real
citation.
"""

from __future__ import annotations

import re

__all__ = [
    "BAOSHAN_002",
    "DOCUMENTS",
    "FULL_TITLES",
    "JINCHENG_003",
    "SAMR_001",
    "SHANDONG_000",
    "SHANGHAI_004",
    "cite",
    "readable",
]

#: 山东省市场监督管理局 鲁市监质监字〔2022〕233号 (station duties, annexes 3–6).
SHANDONG_000 = "鲁市监质监字〔2022〕233号"
#: 国家市场监督管理总局 国市监质监发〔2023〕38号 (grading, classes, responsible supervisor).
SAMR_001 = "国市监质监发〔2023〕38号"
#: 上海市宝山区市场监督管理局《推进工业产品生产和销售单位落实质量安全主体责任实施方案》(2024).
BAOSHAN_002 = "宝山区实施方案"
#: 山西省市场监督管理局 晋市监发〔2023〕212号 (supervision sampling).
JINCHENG_003 = "晋市监发〔2023〕212号"
#: 上海市市场监督管理局 沪市监产质〔2022〕251号 (non-conforming results, 列异/列严, 约谈).
SHANGHAI_004 = "沪市监产质〔2022〕251号"

#: Our file number → the short citation.
DOCUMENTS: dict[str, str] = {
    "000": SHANDONG_000,
    "001": SAMR_001,
    "002": BAOSHAN_002,
    "003": JINCHENG_003,
    "004": SHANGHAI_004,
}

#: Short citation → the full title (for headings and the first mention in a printed list).
FULL_TITLES: dict[str, str] = {
    SHANDONG_000: "山东省市场监督管理局《关于加强基层产品质量安全监管工作的指导意见》（鲁市监质监字〔2022〕233号）",
    SAMR_001: "《市场监管总局关于推进工业产品质量安全主体责任落实的指导意见》（国市监质监发〔2023〕38号）",
    BAOSHAN_002: "上海市宝山区市场监督管理局《推进工业产品生产和销售单位落实质量安全主体责任实施方案》（2024）",
    JINCHENG_003: "山西省市场监督管理局《关于进一步规范工业产品质量监督抽查工作的指导意见》（晋市监发〔2023〕212号）",
    SHANGHAI_004: "上海市市场监督管理局《关于进一步加强产品质量监督抽查工作的若干意见》（沪市监产质〔2022〕251号）",
}


def cite(document: str, section: str = "") -> str:
    """``document`` (a short citation or our file number) with its section, e.g. ``… 三（四）``."""
    doc = DOCUMENTS.get(document, document)
    return f"{doc} {section}".strip()


_SEED_REF = re.compile(r"(?<![0-9A-Za-z〔〕号\-])(00[0-4])(?=\s|[、，）)]|$)")


def readable(text: str) -> str:
    """Replace our file numbers in ``text`` by the real document names.

    >>> readable("信用风险高（001 三、002 三（四））")
    '信用风险高（国市监质监发〔2023〕38号 三、宝山区实施方案 三（四））'
    """
    return _SEED_REF.sub(lambda m: DOCUMENTS[m.group(1)], text)
