"""Supervision task checklists (001 annex 2 / 002 annex 3), one per enterprise and period.

The checklist form is ``task_producer`` for an enterprise that produces and ``task_seller``
otherwise. A period is a year (``2026``) or a half year (``2026H2``). Which graded enterprises
still lack a checklist for a period is a query (:func:`missing_stmt`) the list page shows lazily.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from qsdesk.domain import formspec
from qsdesk.domain.formcatalog import BUNDLED
from qsdesk.domain.formspec import FormSpec
from qsdesk.services import audit, enterprise_binding
from qsdesk.services.activities import unit_kind_of
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, Inspector, TaskChecklist

_PERIOD = re.compile(r"^(\d{4})(H[12])?$")


class ChecklistError(ValueError):
    """A checklist that cannot be saved; ``problems`` lists what to fix (Chinese)."""

    def __init__(self, message: str, problems: list[formspec.Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def form_id_for(unit_types: str | None, domain: str | None = None) -> str:
    """The task checklist for the unit kind (:func:`qsdesk.domain.grading.unit_kind`)."""
    return "task_producer" if unit_kind_of(unit_types, domain) == "producer" else "task_seller"


def period_of(d: date, *, half_year: bool = False) -> str:
    return f"{d.year}H{1 if d.month <= 6 else 2}" if half_year else str(d.year)


def check_period(period: str) -> str:
    p = period.strip().upper()
    if not _PERIOD.match(p):
        raise ChecklistError(f"期间应为年度（如 2026）或半年（如 2026H2）：{period}")
    return p


def prefill(session: Session, enterprise_id: str, today: date | None = None,
            spec: FormSpec | None = None) -> dict[str, Any]:
    """Header values known from the registry: the fields the form binds to the enterprise (unit
    name, contact), its grade, the responsible inspector as filler, the filling date. ``spec``:
    the checklist's form (default: the bundled one for the enterprise's kind)."""
    e = session.get(Enterprise, enterprise_id)
    if e is None:
        raise ChecklistError("企业不存在")
    spec = spec or BUNDLED.spec(form_id_for(e.unit_types, e.domain))
    values: dict[str, Any] = {**enterprise_binding.prefill_values(e, spec),
                              "fill_date": (today or date.today()).isoformat()}
    if e.grade:  # the derived grade (qsdesk.domain.grading), not a column a form binds
        values["grade"] = e.grade
    if e.responsible_inspector_id:
        insp = session.get(Inspector, e.responsible_inspector_id)
        if insp is not None:
            values["filler"] = insp.name
    return values


@dataclass
class ChecklistInfo:
    id: str
    enterprise_id: str
    enterprise_name: str
    period: str
    form_id: str
    filled_on: date
    filled_by: str | None


def save_checklist(
    store: Store,
    enterprise_id: str,
    period: str,
    values: dict[str, Any],
    answers: dict[str, Any],
    *,
    filled_by: str | None = None,
) -> str:
    """Save (create, or replace the content of) the enterprise's checklist for ``period``."""
    period = check_period(period)
    with store.transaction() as s:
        ent = s.get(Enterprise, enterprise_id)
        if ent is None or ent.deleted:
            raise ChecklistError("企业不存在或已删除")
        spec = store.forms.spec(form_id_for(ent.unit_types, ent.domain))
        problems = formspec.validate_values(spec, values, answers)
        if problems:
            first = problems[0]
            raise ChecklistError(f"清单未填写完整：{first.label} {first.message}（共 {len(problems)} 处）", problems)
        fill_date = values.get("fill_date")
        filled_on = date.fromisoformat(fill_date) if isinstance(fill_date, str) else (fill_date or date.today())
        row = s.scalars(
            select(TaskChecklist).where(TaskChecklist.enterprise_id == enterprise_id,
                                        TaskChecklist.period == period, TaskChecklist.deleted.is_(False))
        ).first()
        action = "update"
        if row is None:
            row = TaskChecklist(enterprise_id=enterprise_id, period=period)
            s.add(row)
            action = "create"
        row.form_id, row.form_version = spec.id, spec.version
        row.values, row.answers = dict(values), dict(answers)
        row.filled_on = filled_on
        row.filled_by = filled_by or str(values.get("filler") or "") or None
        s.flush()
        audit.record(s, action, "task_checklist", row.id, period=period)
        return row.id


def delete_checklist(store: Store, checklist_id: str) -> None:
    with store.transaction() as s:
        row = s.get(TaskChecklist, checklist_id)
        if row is None or row.deleted:
            raise ChecklistError("清单不存在")
        row.deleted = True
        audit.record(s, "delete", "task_checklist", checklist_id)


def list_checklists(session: Session, *, enterprise_id: str | None = None,
                    period: str | None = None) -> list[ChecklistInfo]:
    stmt = (
        select(TaskChecklist, Enterprise.name)
        .join(Enterprise, Enterprise.id == TaskChecklist.enterprise_id)
        .where(TaskChecklist.deleted.is_(False))
        .order_by(TaskChecklist.period.desc(), Enterprise.name)
    )
    if enterprise_id:
        stmt = stmt.where(TaskChecklist.enterprise_id == enterprise_id)
    if period:
        stmt = stmt.where(TaskChecklist.period == check_period(period))
    return [ChecklistInfo(c.id, c.enterprise_id, name, c.period, c.form_id, c.filled_on, c.filled_by)
            for c, name in session.execute(stmt)]


def missing_stmt(period: str, *columns: Any) -> Select[Any]:
    """Graded, not deleted enterprises without a checklist for ``period`` (ordered by name).

    A year's checklist also covers its halves, and both halves together cover the year.
    ``columns`` (default: the Enterprise entity) is what the statement selects.
    """
    period = check_period(period)
    year = period[:4]
    covering = [year, period] if len(period) > 4 else [year]
    has = exists().where(TaskChecklist.enterprise_id == Enterprise.id, TaskChecklist.deleted.is_(False),
                         TaskChecklist.period.in_(covering))
    stmt = select(*(columns or (Enterprise,))).where(Enterprise.deleted.is_(False), Enterprise.grade.is_not(None), ~has)
    if len(period) == 4:  # a year is also covered by both half years
        h1 = exists().where(TaskChecklist.enterprise_id == Enterprise.id, TaskChecklist.deleted.is_(False),
                            TaskChecklist.period == f"{year}H1")
        h2 = exists().where(TaskChecklist.enterprise_id == Enterprise.id, TaskChecklist.deleted.is_(False),
                            TaskChecklist.period == f"{year}H2")
        stmt = stmt.where(~(h1 & h2))
    return stmt.order_by(Enterprise.name, Enterprise.id)


def missing_list_statement(period: str) -> Select[Any]:
    """:func:`missing_stmt` with the columns the 任务清单 page lists (id, name, uscc, grade,
    unit types, town)."""
    return missing_stmt(period, Enterprise.id, Enterprise.name, Enterprise.uscc, Enterprise.grade,
                        Enterprise.unit_types, Enterprise.town)


def missing(session: Session, period: str) -> list[Enterprise]:
    return list(session.scalars(missing_stmt(period)))


def graded_count(session: Session) -> int:
    from sqlalchemy import func

    return int(session.scalar(select(func.count()).select_from(Enterprise).where(
        Enterprise.deleted.is_(False), Enterprise.grade.is_not(None))) or 0)


def export_checklist(store: Store, checklist_id: str, out: Any) -> None:
    """One checklist as a sheet laid out like the annex: header fields, then 序号/任务/结果/备注."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    with store.session() as s:
        row = s.get(TaskChecklist, checklist_id)
        if row is None:
            raise ChecklistError("清单不存在")
        spec = store.forms.spec(row.form_id, row.form_version)
        wb = Workbook()
        ws = wb.active
        ws.title = "监管任务清单"
        ws.append([spec.title + (spec.subtitle or "")])
        ws["A1"].font = Font(bold=True, size=14)
        ws.merge_cells("A1:D1")
        for f in spec.fields():
            if f.is_tabular:
                continue
            ws.append([f.label, str(row.values.get(f.key, "") or "")])
        ws.append([])
        ws.append(["序号", "监管任务", "结果", "备注"])
        for c in ws[ws.max_row]:
            c.font = Font(bold=True)
        for section in spec.sections:
            for _g, number, title, items in section.groups():
                ws.append([number, title])
                for it in items:
                    entry = row.answers.get(it.key) or {}
                    ws.append([it.number, it.content, formspec.answer_of(entry), formspec.note_of(entry)])
        for tab in (f for f in spec.fields() if f.is_tabular):
            for r in row.values.get(tab.key) or []:
                ws.append(["", r.get("item"), r.get("result"), r.get("remark")])
        ws.column_dimensions["A"].width = 10
        ws.column_dimensions["B"].width = 70
        ws.column_dimensions["C"].width = 8
        ws.column_dimensions["D"].width = 30
        for r in ws.iter_rows(min_row=2):
            r[1].alignment = Alignment(wrap_text=True, vertical="top")
        wb.save(out)


# ----------------------------------------------------------------- the Baoshan variant

#: 宝山区实施方案 附件3: the task checklists as the Baoshan district prints them (no 层级分类 and
#: 责任部门), shipped beside the forms as version 2 files a county may publish to its stations.
VARIANT_DIR = "baoshan"
VARIANT_TITLE = "宝山区实施方案 附件3 监管任务清单"


def variant_files() -> list[Path]:
    """The shipped Baoshan task-checklist versions (``forms/baoshan/*.toml``)."""
    d = formspec.forms_dir() / VARIANT_DIR
    return sorted(d.glob("*.toml")) if d.is_dir() else []


def publish_variant(store: Store) -> list[str]:
    """Publish the Baoshan variants (county; each one a form version for the stations).

    Returns the form ids published; versions already published are skipped."""
    from qsdesk.services import form_versions

    done: list[str] = []
    published = {(r.form_id, r.version) for r in form_versions.list_versions(store)}
    for path in variant_files():
        spec = formspec.load_form(path)
        if (spec.id, spec.version) in published:
            continue
        form_versions.publish_form(store, path)
        done.append(spec.id)
    return done
