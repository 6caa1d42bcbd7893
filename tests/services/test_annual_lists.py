"""重点/特别 annual lists with reasons, and the tracking-sampling list (004)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from qsdesk.services.annual_lists import build_lists, export_lists, tracking_list
from qsdesk.store.models import EnforcementCase, Enterprise, Sampling


def _ent(s, name: str, types: str, **kw) -> str:
    e = Enterprise(name=name, unit_types=types, **kw)
    s.add(e)
    s.flush()
    return e.id


def _case(s, eid: str, decided: date, kind: str = "quality", heavier: bool = False) -> None:
    s.add(EnforcementCase(enterprise_id=eid, filed_on=decided, decided_on=decided, kind=kind,
                          penalty="fine", heavier=heavier))


def _sample(s, eid: str, on: date, result: str, product: str = "电线电缆") -> None:
    s.add(Sampling(enterprise_id=eid, product_name=product, sampled_on=on, result=result,
                   nonconforming_items="导体电阻" if result == "不合格" else None))


def _setup(store) -> dict[str, str]:
    ids: dict[str, str] = {}
    with store.transaction() as s:
        ids["p1"] = _ent(s, "甲厂", "producer")
        _case(s, ids["p1"], date(2026, 3, 10))
        ids["p2"] = _ent(s, "乙厂", "producer,retailer")
        for d in (date(2025, 2, 1), date(2025, 9, 1), date(2026, 4, 2)):
            _case(s, ids["p2"], d, heavier=True)
        ids["s1"] = _ent(s, "丙商店", "retailer", credit_risk="C")
        ids["s2"] = _ent(s, "丁批发部", "wholesaler", credit_risk="D")
        ids["p3"] = _ent(s, "戊厂", "producer")
        _case(s, ids["p3"], date(2024, 6, 1))  # more than a year before 2026
        ids["p4"] = _ent(s, "己厂", "producer")
        _case(s, ids["p4"], date(2026, 5, 1), kind="two_rules")  # not a quality/licence/CCC punishment
        ids["p5"] = _ent(s, "庚厂", "producer")
        _case(s, ids["p5"], date(2025, 6, 1))  # still within 1 year on 2026-01-01
        ids["p6"] = _ent(s, "辛厂", "producer")
        _sample(s, ids["p6"], date(2025, 5, 1), "不合格")
        _sample(s, ids["p6"], date(2025, 8, 1), "不合格", "插头插座")
        ids["p7"] = _ent(s, "壬厂", "producer")
        _sample(s, ids["p7"], date(2024, 5, 1), "不合格")
        _sample(s, ids["p7"], date(2025, 5, 1), "合格")
        ids["gone"] = _ent(s, "癸厂", "producer", deleted=True)
        _case(s, ids["gone"], date(2026, 3, 1))
    return ids


def test_key_and_special_lists_with_reasons(store) -> None:
    ids = _setup(store)
    with store.session() as s:
        lists = build_lists(s, 2026, as_of=date(2026, 11, 23))
    names = {k: [e.name for e in v] for k, v in lists.lists.items()}
    assert names[("key", "producer")] == ["庚厂", "甲厂", "辛厂"]
    assert names[("special", "producer")] == ["乙厂"]
    assert names[("key", "seller")] == ["丙商店"]
    assert names[("special", "seller")] == ["丁批发部"]
    p1 = next(e for e in lists.entries("key", "producer") if e.enterprise_id == ids["p1"])
    assert p1.since == date(2026, 3, 10) and "2026-03-10" in p1.reasons[0] and "处罚" in p1.reasons[0]
    p2 = lists.entries("special", "producer")[0]
    assert p2.since == date(2026, 4, 2) and "从重处罚 3 次" in p2.reasons[0]
    assert "信用风险较高" in lists.entries("key", "seller")[0].reasons[0]
    assert lists.entries("key", "producer")[0].since == date(2026, 1, 1)  # 庚厂 carried into the year

    # before 甲厂's punishment the year's list did not have it yet
    with store.session() as s:
        early = build_lists(s, 2026, as_of=date(2026, 3, 9))
    assert "甲厂" not in [e.name for e in early.entries("key", "producer")]
    assert "乙厂" in [e.name for e in early.entries("key", "producer")]  # 2 heavier: only key so far


def test_tracking_list_is_last_years_failures(store) -> None:
    _setup(store)
    with store.session() as s:
        track = tracking_list(s, 2026)
        assert tracking_list(s, 2025)[0].name == "壬厂"
    assert [t.name for t in track] == ["辛厂"]
    assert track[0].failures == 2 and "插头插座 不合格（导体电阻）" in track[0].reason


def test_export_lists(store, tmp_path: Path) -> None:
    _setup(store)
    out = tmp_path / "lists.xlsx"
    counts = export_lists(store, 2026, out, as_of=date(2026, 11, 23))
    assert counts == {"重点监管生产单位名单": 3, "重点监管销售单位名单": 1, "特别监管生产单位名单": 1,
                      "特别监管销售单位名单": 1, "跟踪抽查名单": 1}
    wb = load_workbook(out)
    ws = wb["特别监管生产单位名单"]
    assert [c.value for c in ws[1]][:2] == ["序号", "企业名称"]
    assert ws["B2"].value == "乙厂" and ws["E2"].is_date and "从重处罚" in ws["F2"].value
    assert wb["跟踪抽查名单"]["B2"].value == "辛厂"
