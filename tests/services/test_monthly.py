"""The monthly table for a generated month equals counts made here from the raw rows."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from qsdesk.services.activities import ActivityError, ActivityInput, CaseInput, record_activity, record_case
from qsdesk.services.monthly import (
    CELLS,
    compute_county,
    compute_monthly,
    due_date,
    parse_month,
    reminder,
)
from qsdesk.services.monthly_export import export_monthly, read_annex_values
from qsdesk.services.monthly_records import records_behind
from qsdesk.store.models import Activity, EnforcementCase, Enterprise, Inspection, Inspector

YEAR, MONTH = 2026, 10
START, END = date(2026, 10, 1), date(2026, 10, 31)
STATIONS = ("370112001", "370112002")


def _day(rng: random.Random) -> date:
    return date(2026, 7, 1) + timedelta(days=rng.randrange(0, 140))  # July–mid November


def generate(store, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """Write a random set of records and return them as plain dicts (the raw rows)."""
    rng = random.Random(seed)
    raw: dict[str, list[dict[str, Any]]] = {"ent": [], "act": [], "insp": [], "case": []}
    with store.transaction() as s:
        inspectors = [i.id for i in s.scalars(select(Inspector))]
        for n in range(40):
            types = rng.choice(["producer", "retailer", "wholesaler", "producer,retailer", "wholesaler,retailer"])
            e = Enterprise(name=f"企业{n}", uscc=None, unit_types=types, origin=STATIONS[n % 2])
            s.add(e)
            s.flush()
            raw["ent"].append({"id": e.id, "types": types, "origin": e.origin})
        for _ in range(300):
            ent = rng.choice(raw["ent"])
            kind = rng.choice(["publicity", "survey", "survey", "self_fix", "assessment", "assessment_followup"])
            a = {
                "kind": kind, "on_date": _day(rng), "enterprise_id": ent["id"] if kind != "publicity" or rng.random() < .5
                else None, "unit_kind": None, "staff_count": rng.randrange(1, 5), "quantity": rng.randrange(0, 6),
                "managers_in_place": rng.random() < .6, "responsibility_system": rng.random() < .5,
                "deleted": rng.random() < .08, "origin": ent["origin"],
            }
            if kind == "publicity" and a["enterprise_id"] is None:
                a["unit_kind"] = None
            elif kind != "publicity" and rng.random() < .2:
                a["unit_kind"] = rng.choice(["producer", "seller"])  # stated explicitly on the record
            row = Activity(**a)
            s.add(row)
            s.flush()
            a["id"] = row.id
            a["types"] = ent["types"] if a["enterprise_id"] else None
            raw["act"].append(a)
        for _ in range(200):
            ent = rng.choice(raw["ent"])
            i = {
                "enterprise_id": ent["id"], "form_id": rng.choice(["annex4_producer", "annex5_seller", "task_producer"]),
                "inspected_on": _day(rng), "status": rng.choice(["sealed", "sealed", "sealed", "draft"]),
                "inspector1_id": rng.choice(inspectors), "inspector2_id": rng.choice([None, *inspectors]),
                "problems_found": rng.randrange(0, 4), "problems_fixed": rng.randrange(0, 3),
                "deleted": rng.random() < .05, "origin": ent["origin"], "amends_id": None,
            }
            if raw["insp"] and rng.random() < .1:
                i["amends_id"] = rng.choice(raw["insp"])["id"]
            row = Inspection(form_version=1, **i)
            s.add(row)
            s.flush()
            i["id"] = row.id
            raw["insp"].append(i)
        for _ in range(60):
            ent = rng.choice(raw["ent"])
            filed = _day(rng)
            c = {
                "enterprise_id": ent["id"], "filed_on": filed, "kind": rng.choice(["two_rules", "two_rules", "quality"]),
                "decided_on": rng.choice([None, filed + timedelta(days=rng.randrange(0, 40))]),
                "penalty": rng.choice([None, "warning", "fine"]),
                "fine_yuan": rng.choice([None, Decimal("500.00"), Decimal("12345.50")]),
                "deleted": rng.random() < .05, "origin": ent["origin"],
            }
            row = EnforcementCase(**c)
            s.add(row)
            s.flush()
            c["id"] = row.id
            raw["case"].append(c)
    return raw


def _uk(unit_kind: str | None, types: str | None) -> str:
    if unit_kind:
        return unit_kind
    return "producer" if "producer" in (types or "").split(",") else "seller"


def expected(raw: dict[str, list[dict[str, Any]]], origin: str | None = None) -> dict[str, Any]:
    """The annex 5 figures counted directly from the generated rows."""
    exp: Counter[str] = Counter()
    fines = Decimal(0)

    def mine(r: dict[str, Any]) -> bool:
        return origin is None or r["origin"] == origin

    for a in raw["act"]:
        if a["deleted"] or not mine(a) or not (START <= a["on_date"] <= END):
            continue
        uk = _uk(a["unit_kind"], a["types"])
        if a["kind"] == "publicity":
            exp["publicity_staff"] += a["staff_count"]
            exp["publicity_units"] += a["quantity"]
        elif a["kind"] == "self_fix":
            exp[f"{uk}_self_fix"] += a["quantity"]
        elif a["kind"] == "assessment":
            exp[f"{uk}_assessed"] += a["quantity"]
        elif a["kind"] == "assessment_followup":
            exp[f"{uk}_assessment_followup"] += a["quantity"]
    last: dict[str, dict[str, Any]] = {}
    for a in sorted((a for a in raw["act"] if a["kind"] == "survey" and not a["deleted"] and mine(a)
                     and a["on_date"] <= END), key=lambda a: (a["on_date"], a["id"])):
        last[a["enterprise_id"]] = a
    for a in last.values():
        uk = _uk(None, a["types"])  # an enterprise surveyed counts by its registry unit types
        exp[f"{uk}_surveyed"] += 1
        exp[f"{uk}_managers"] += a["managers_in_place"]
        exp[f"{uk}_responsibility"] += a["responsibility_system"]
    # An amendment replaces the record it corrects: a sealed record with a sealed, live successor
    # does not count; the successor does, by its own date.
    replaced = {i["amends_id"] for i in raw["insp"] if i["amends_id"] and not i["deleted"] and i["status"] == "sealed"}
    for i in raw["insp"]:
        if (i["deleted"] or not mine(i) or i["status"] != "sealed" or i["id"] in replaced
                or not (START <= i["inspected_on"] <= END) or i["form_id"] == "task_producer"):
            continue
        exp["enforcement_staff"] += 1 + (i["inspector2_id"] is not None)
        exp["inspected_producers" if i["form_id"] == "annex4_producer" else "inspected_sellers"] += 1
        exp["problems_found"] += i["problems_found"]
        exp["problems_fixed"] += i["problems_fixed"]
    for c in raw["case"]:
        if c["deleted"] or not mine(c) or c["kind"] != "two_rules":
            continue
        if START <= c["filed_on"] <= END:
            exp["cases"] += 1
        if START <= (c["decided_on"] or c["filed_on"]) <= END:
            exp["warnings"] += c["penalty"] == "warning"
            fines += c["fine_yuan"] or 0
    out: dict[str, Any] = {c.key: exp.get(c.key, 0) for c in CELLS}
    out["fines"] = fines
    return out


def test_month_equals_independent_counts(store) -> None:
    raw = generate(store)
    with store.session() as s:
        t = compute_monthly(s, YEAR, MONTH)
    exp = expected(raw)
    assert t.values() == exp
    assert sum(1 for v in exp.values() if v) >= 15  # the generated month exercises most cells


def test_every_figure_traces_to_its_rows(store) -> None:
    raw = generate(store, seed=11)
    with store.session() as s:
        t = compute_monthly(s, YEAR, MONTH)
        insp = {i["id"]: i for i in raw["insp"]}
        ids = {sid for table, sid in t.figures["inspected_producers"].sources}
        assert len(ids) == t.value("inspected_producers")
        assert all(insp[i]["form_id"] == "annex4_producer" and insp[i]["status"] == "sealed" for i in ids)
        found = t.figures["problems_found"]
        assert sum(insp[i]["problems_found"] for _, i in found.sources) == found.value
        cases = {c["id"]: c for c in raw["case"]}
        assert sum(cases[i]["fine_yuan"] for _, i in t.figures["fines"].sources) == t.value("fines")
        lines = records_behind(s, t.figures["cases"])
        assert len(lines) == t.value("cases") and all("立案" in d for _, _, d in lines)


def test_county_sums_its_stations(store) -> None:
    raw = generate(store, seed=3)
    with store.session() as s:
        stations, total = compute_county(s, YEAR, MONTH)
    assert [t.origin for t in stations] == list(STATIONS)
    for t in stations:
        assert t.values() == expected(raw, t.origin)
    assert total.values() == expected(raw)
    for c in CELLS:
        assert total.value(c.key) == sum(t.value(c.key) for t in stations)


def test_export_in_annex_layout(store, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    raw = generate(store, seed=5)
    out = tmp_path / "m.xlsx"
    tables = export_monthly(store, YEAR, MONTH, out, filled_on=date(2026, 10, 20))
    assert len(tables) == 1
    ws = load_workbook(out).active
    assert ws["A1"].value == "落实工业产品“两个规定”情况统计表"
    assert "王舍人" in ws["A2"].value
    # A station's table: the layout of 附件5, group | item | one column of figures.
    assert [ws.cell(5 + i, 2).value for i in range(len(CELLS))] == [c.label for c in CELLS]
    groups = [ws.cell(r, 1).value for r in range(5, len(CELLS) + 5) if ws.cell(r, 1).value]
    assert groups == ["开展宣贯指导情况", "生产单位排摸情况", "销售单位排摸情况", "属地监管执法情况", "组织抽查考核情况"]
    [(unit, values)] = read_annex_values(out)
    exp = expected(raw)
    assert values == {k: (float(v) if isinstance(v, Decimal) else v) for k, v in exp.items()}

    county_out = tmp_path / "county.xlsx"
    tables = export_monthly(store, YEAR, MONTH, county_out, county=True)
    rows = read_annex_values(county_out)
    assert [u for u, _ in rows][-1] == "合计" and len(rows) == 3
    assert rows[-1][1]["inspected_sellers"] == exp["inspected_sellers"]


def test_activity_and_case_services(store) -> None:
    with store.transaction() as s:
        e = Enterprise(name="甲厂", unit_types="producer")
        s.add(e)
    record_activity(store, ActivityInput("publicity", START, staff_count=3, quantity=12))
    record_activity(store, ActivityInput("survey", START, enterprise_id=e.id, managers_in_place=True,
                                         responsibility_system=False))
    record_case(store, CaseInput(e.id, START, penalty="warning", decided_on=date(2026, 10, 5)))
    record_case(store, CaseInput(e.id, START, penalty="fine", fine_yuan=Decimal("2000")))
    with pytest.raises(ActivityError, match="人次"):
        record_activity(store, ActivityInput("publicity", START, staff_count=0))
    with pytest.raises(ActivityError, match="生产单位还是销售单位"):
        record_activity(store, ActivityInput("assessment", START, quantity=2))
    with pytest.raises(ActivityError, match="不能早于"):
        record_case(store, CaseInput(e.id, START, decided_on=date(2026, 9, 1)))
    with store.session() as s:
        t = compute_monthly(s, YEAR, MONTH)
    assert (t.value("publicity_staff"), t.value("publicity_units")) == (3, 12)
    assert (t.value("producer_surveyed"), t.value("producer_managers"), t.value("producer_responsibility")) == (1, 1, 0)
    assert (t.value("cases"), t.value("warnings"), t.value("fines")) == (2, 1, Decimal("2000"))


def test_month_parsing_and_due_date() -> None:
    assert parse_month("2026-10") == (2026, 10) == parse_month("202610") == parse_month("2026年10月")
    with pytest.raises(ValueError, match="月份"):
        parse_month("2026-13")
    # Default: a month's table covers the calendar month and is due on the 23rd of the next.
    assert due_date(date(2026, 10, 23)) == date(2026, 10, 23)  # September's table
    assert due_date(date(2026, 10, 24)) == date(2026, 10, 23)  # still September's until October ends
    assert due_date(date(2026, 11, 1)) == date(2026, 11, 23)  # October's
    assert due_date(date(2027, 1, 2)) == date(2027, 1, 23)  # December's, across the year end
    assert reminder(date(2026, 10, 15)) is None
    assert reminder(date(2026, 10, 16)) == "2026年9月《落实工业产品“两个规定”情况统计表》应于 10 月 23 日前报送（还有 7 天）"
    assert reminder(date(2026, 10, 23)).endswith("（今天截止）")


def test_print_annex_pdf(store, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from qsdesk.services.monthly_export import print_annex

    raw = generate(store, seed=9)
    with store.session() as s:
        stations, total = compute_county(s, YEAR, MONTH)
    out = tmp_path / "m.pdf"
    print_annex([*stations, total], out, reporter="历城区市场监管局", filled_on=date(2026, 10, 20))
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape like the annex
    text = page.extract_text().replace("\n", "").replace(" ", "")
    assert "落实工业产品“两个规定”情况统计表" in text
    assert "属地监管执法情况" in text and "合计" in text
    assert "2026年10月" in text
    assert str(expected(raw)["inspected_producers"]) in text
