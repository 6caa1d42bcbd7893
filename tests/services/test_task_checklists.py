"""Task checklists per enterprise and period; which graded enterprises still lack one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qsdesk.domain.formspec import load_form
from qsdesk.services.task_checklists import (
    ChecklistError,
    delete_checklist,
    export_checklist,
    form_id_for,
    list_checklists,
    missing,
    prefill,
    save_checklist,
)
from qsdesk.store.models import Enterprise


def _filled(store, eid: str) -> tuple[dict, dict]:
    with store.session() as s:
        values = prefill(s, eid, today=date(2026, 3, 2))
        form = form_id_for(s.get(Enterprise, eid).unit_types)
    values.update(filler="王舍人所 张伟", tier="乡")
    answers = {it.key: {"answer": "√", "note": ""} for it in load_form(form).items()}
    return values, answers


def _ents(store) -> dict[str, str]:
    with store.transaction() as s:
        rows = {
            "a": Enterprise(name="甲厂", unit_types="producer", grade="A", phone="0531-1"),
            "b": Enterprise(name="乙商店", unit_types="retailer", grade="D"),
            "c": Enterprise(name="丙厂", unit_types="producer", grade=None),  # not graded: not listed
            "d": Enterprise(name="丁厂", unit_types="producer", grade="C", deleted=True),
        }
        s.add_all(rows.values())
        s.flush()
        return {k: v.id for k, v in rows.items()}


def test_save_list_and_missing(store, tmp_path: Path) -> None:
    ids = _ents(store)
    with store.session() as s:
        assert [e.name for e in missing(s, "2026")] == ["乙商店", "甲厂"]
    values, answers = _filled(store, ids["a"])
    assert values["unit_name"] == "甲厂" and values["grade"] == "A"
    cid = save_checklist(store, ids["a"], "2026", values, answers)
    with store.session() as s:
        assert [e.name for e in missing(s, "2026")] == ["乙商店"]
        assert [e.name for e in missing(s, "2026H2")] == ["乙商店"]  # the year covers its halves
        assert [e.name for e in missing(s, "2027")] == ["乙商店", "甲厂"]
        [info] = list_checklists(s, period="2026")
    assert info.id == cid and info.form_id == "task_producer" and info.filled_on == date(2026, 3, 2)

    # saving again for the same period replaces, never duplicates
    answers["1.1"] = {"answer": "×", "note": "质量安全员未到岗"}
    assert save_checklist(store, ids["a"], "2026", values, answers) == cid

    bv, ba = _filled(store, ids["b"])
    save_checklist(store, ids["b"], "2026H1", bv, ba)
    with store.session() as s:
        assert [e.name for e in missing(s, "2026")] == ["乙商店"]  # one half does not cover the year
    save_checklist(store, ids["b"], "2026H2", bv, ba)
    with store.session() as s:
        assert missing(s, "2026") == []

    out = tmp_path / "c.xlsx"
    export_checklist(store, cid, out)
    ws = load_workbook(out).active
    cells = [[c.value for c in r] for r in ws.iter_rows()]
    assert ["1.1", load_form("task_producer").item("1.1").content, "×", "质量安全员未到岗"] in cells

    delete_checklist(store, cid)
    with store.session() as s:
        assert [e.name for e in missing(s, "2026")] == ["甲厂"]


def test_incomplete_or_bad_period_refused(store) -> None:
    ids = _ents(store)
    values, answers = _filled(store, ids["a"])
    del answers["2.1"]
    with pytest.raises(ChecklistError, match="未填写完整") as exc:
        save_checklist(store, ids["a"], "2026", values, answers)
    assert any(p.key == "2.1" for p in exc.value.problems)
    with pytest.raises(ChecklistError, match="期间"):
        save_checklist(store, ids["a"], "26年", values, answers)
    with store.session() as s:
        assert list_checklists(s) == []


def test_prefill_reads_the_fields_the_checklist_binds(store, tmp_path: Path) -> None:
    """The unit's name and contact come through the spec's binding (``column = …``), so a form
    version that renames or drops a field is filled as it declares, not by a key the code knows."""
    ids = _ents(store)
    for form in ("task_producer", "task_seller"):
        spec = load_form(form)
        assert spec.field("unit_name").binding.column == "name"
        assert spec.field("contact").binding.column == "contact_phone"
    with store.transaction() as s:
        s.get(Enterprise, ids["a"]).contact = "王经理"
    with store.session() as s:
        values = prefill(s, ids["a"], today=date(2026, 3, 2))
    assert (values["unit_name"], values["contact"], values["grade"]) == ("甲厂", "王经理 0531-1", "A")
    text = (Path(__file__).parents[2] / "forms" / "task_producer.toml").read_text(encoding="utf-8")
    (tmp_path / "task_producer.toml").write_text(
        text.replace('key = "unit_name"', 'key = "producer_name"', 1), encoding="utf-8")
    renamed = load_form(tmp_path / "task_producer.toml")
    with store.session() as s:
        values = prefill(s, ids["a"], today=date(2026, 3, 2), spec=renamed)
    assert values["producer_name"] == "甲厂" and "unit_name" not in values
