"""任务清单 page: graded enterprises lacking a checklist; filling one through the form widgets."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from qsdesk.domain.formspec import answer_of
from qsdesk.store.models import Enterprise
from qsdesk.ui.pages.checklists import ChecklistsPage


def _ents(store) -> dict[str, str]:
    with store.transaction() as s:
        rows = {"a": Enterprise(name="甲厂", unit_types="producer", grade="B"),
                "b": Enterprise(name="乙商店", unit_types="retailer", grade="D"),
                "c": Enterprise(name="丙厂", unit_types="producer")}
        s.add_all(rows.values())
        s.flush()
        return {k: v.id for k, v in rows.items()}


def test_fill_checklist_removes_enterprise_from_missing(store, qtbot, tmp_path: Path) -> None:
    ids = _ents(store)
    page = ChecklistsPage(store)
    qtbot.addWidget(page)
    page.period.setText("2026")
    page.refresh()
    m = page.missing_model
    assert m.total() == 2
    assert [m.row_values(r)["name"] for r in range(m.rowCount())] == ["乙商店", "甲厂"]
    assert "缺少清单 2 家" in page.summary.text()

    dlg = page.fill(ids["a"])
    qtbot.addWidget(dlg)
    assert dlg.spec.id == "task_producer"
    assert dlg.form.values()["unit_name"] == "甲厂" and dlg.form.values()["grade"] == "B"
    assert not dlg.save()  # nothing answered yet: refused, problems shown
    assert "未填写完整" in dlg.status.text()
    assert page.missing_model.total() == 2

    dlg.form.editors["filler"].set_value("王舍人所 张伟")
    dlg.form.editors["tier"].set_value("乡")
    for key, row in dlg.form.rows.items():
        assert row.choose("√"), key
    assert dlg.save(), dlg.status.text()
    assert page.missing_model.total() == 1
    assert page.missing_model.row_values(0)["name"] == "乙商店"
    assert page.done.rowCount() == 1 and page.done.item(0, 0).text() == "甲厂"

    again = page.open_checklist(0)
    qtbot.addWidget(again)
    assert answer_of(again.form.answers()["1.1"]) == "√"

    page.export_checklist(0, tmp_path / "c.xlsx")
    ws = load_workbook(tmp_path / "c.xlsx").active
    assert ws["A1"].value.startswith("监管任务清单")
    pdf = page.print_checklist(0, tmp_path / "c.pdf")
    assert Path(pdf).read_bytes()[:5] == b"%PDF-"

    dlg2 = page.fill(ids["b"])
    qtbot.addWidget(dlg2)
    assert dlg2.spec.id == "task_seller"
    dlg.close()
    dlg2.close()
    again.close()


def test_checklist_draft_survives_and_reopens(store, qtbot) -> None:
    from qsdesk.services import drafts
    from qsdesk.ui.forms.dialogs import open_draft

    ids = _ents(store)
    page = ChecklistsPage(store)
    qtbot.addWidget(page)
    page.period.setText("2026H2")
    dlg = page.fill(ids["a"])
    qtbot.addWidget(dlg)
    dlg.form.editors["department"].set_value("王舍人所一组")
    dlg._on_change()
    dlg.autosaver.flush()  # what the timer does two seconds after typing
    [info] = [d for d in drafts.list_drafts(store) if d.content.get("kind") == "checklist"]
    assert info.content["period"] == "2026H2"
    dlg._dirty = False  # as after a crash: the dialog is gone, the draft stays
    dlg.close()

    again = open_draft(store, info)
    qtbot.addWidget(again)
    assert again.period == "2026H2" and again.enterprise_id == ids["a"]
    assert again.form.values()["department"] == "王舍人所一组"
    assert not again.save()  # still incomplete: refused, the draft is kept
    assert any(d.id == info.id for d in drafts.list_drafts(store))
    again._dirty = False
    again.close()
