"""Real document citations instead of our seed file numbers."""

from __future__ import annotations

from qsdesk.domain.citations import DOCUMENTS, FULL_TITLES, cite, readable


def test_cite_by_name_or_number() -> None:
    assert cite("001", "三") == "国市监质监发〔2023〕38号 三"
    assert cite("宝山区实施方案", "三（四）") == "宝山区实施方案 三（四）"
    assert set(FULL_TITLES) == set(DOCUMENTS.values())


def test_readable_replaces_seed_numbers_only() -> None:
    assert readable("信用风险高（001 三、002 三（四））") == "信用风险高（国市监质监发〔2023〕38号 三、宝山区实施方案 三（四））"
    assert readable("（003 七）") == "（晋市监发〔2023〕212号 七）"
    assert readable("000 二（五）") == "鲁市监质监字〔2022〕233号 二（五）"
    assert readable("记录编号 2026-0000001") == "记录编号 2026-0000001"
    assert readable("晋市监发〔2023〕212号 七") == "晋市监发〔2023〕212号 七"
