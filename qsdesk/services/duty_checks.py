"""督查清单 (国市监质监发〔2023〕38号 附件3; 宝山区实施方案 附件4): the county checks a station.

The county fills one checklist per station it checks (督查对象: a station registered with it);
the row travels down in that station's bundle only (``duty_check`` in
:data:`qsdesk.services.sync.exchange.COUNTY_TABLES`, scoped by ``station_code``), so each station
sees its own. Printable (the forms printer) and exportable (a sheet laid out like the annex).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsdesk.domain import formspec
from qsdesk.services import audit
from qsdesk.store.db import Store
from qsdesk.store.models import DutyCheck, Node

FORM_ID = "duty_check"


class DutyCheckError(ValueError):
    """A 督查清单 that cannot be saved; the message is Chinese."""


@dataclass(frozen=True)
class DutyCheckInfo:
    id: str
    station_code: str
    station_name: str
    checked_on: date
    done: int  # tasks answered 是
    total: int


def _me(s: Session) -> Node | None:
    return s.scalars(select(Node).where(Node.is_self.is_(True))).first()


def stations(store: Store) -> list[tuple[str, str]]:
    """The stations a county can check: (code, name) of the stations registered with it."""
    with store.session() as s:
        me = _me(s)
        if me is None or me.kind != "county":
            return []
        return [(n.code, n.name) for n in s.scalars(select(Node).where(Node.kind == "station", Node.is_self.is_(False))
                                                       .order_by(Node.code))]


def prefill(store: Store, station_code: str) -> dict[str, Any]:
    """督查主体 (this county) and 督查对象 (the station) from the node register."""
    with store.session() as s:
        me = _me(s)
        st = s.get(Node, station_code)
        return {"inspector_body": me.name if me else "", "inspected_body": st.name if st else ""}


def save_duty_check(
    store: Store,
    station_code: str,
    values: dict[str, Any],
    answers: dict[str, Any],
    *,
    checked_on: date | None = None,
    filled_by: str | None = None,
    duty_check_id: str | None = None,
) -> str:
    """Save (create, or replace the content of) a county's 督查清单 for a station; returns its id."""
    spec = store.forms.spec(FORM_ID)
    problems = formspec.validate_values(spec, values, answers)
    if problems:
        first = problems[0]
        raise DutyCheckError(f"督查清单未填写完整：{first.label} {first.message}（共 {len(problems)} 处）")
    with store.transaction() as s:
        me = _me(s)
        if me is None or me.kind != "county":
            raise DutyCheckError("督查清单由县级局填写，本单位不能新增或修改")
        st = s.get(Node, station_code)
        if st is None or st.kind != "station":
            raise DutyCheckError(f"没有登记代码为 {station_code} 的市场监管所")
        if duty_check_id:
            row = s.get(DutyCheck, duty_check_id)
            if row is None or row.deleted:
                raise DutyCheckError("督查清单不存在")
            action = "update"
        else:
            row = DutyCheck(station_code=station_code)
            s.add(row)
            action = "create"
        row.station_code = station_code
        row.form_id, row.form_version = spec.id, spec.version
        row.values, row.answers = dict(values), dict(answers)
        row.checked_on = checked_on or date.today()
        row.filled_by = filled_by
        s.flush()
        audit.record(s, action, "duty_check", row.id, station=st.name, checked_on=row.checked_on.isoformat())
        return row.id


def list_duty_checks(store: Store) -> list[DutyCheckInfo]:
    """The county's checks (all stations) or, at a station, the checks of itself."""
    with store.session() as s:
        me = _me(s)
        names = {n.code: n.name for n in s.scalars(select(Node))}
        stmt = select(DutyCheck).where(DutyCheck.deleted.is_(False))
        if me is not None and me.kind == "station":
            stmt = stmt.where(DutyCheck.station_code == me.code)
        out = []
        for r in s.scalars(stmt.order_by(DutyCheck.checked_on.desc(), DutyCheck.station_code)):
            done = sum(1 for v in (r.answers or {}).values() if formspec.answer_of(v) == "是")
            out.append(DutyCheckInfo(r.id, r.station_code, names.get(r.station_code, r.station_code),
                                     r.checked_on, done, len(r.answers or {})))
        return out


def export_duty_check(store: Store, duty_check_id: str, out: Path) -> Path:
    """One 督查清单 as a sheet laid out like the annex (编号/督查事项/具体任务/是否落实/亮点成效)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from qsdesk.services.printing.base import write_atomic

    with store.session() as s:
        row = s.get(DutyCheck, duty_check_id)
        if row is None or row.deleted:
            raise DutyCheckError("督查清单不存在")
        spec = store.forms.spec(row.form_id, row.form_version)
        wb = Workbook()
        ws = wb.active
        ws.title = "督查清单"
        ws.append([spec.title])
        ws["A1"].font = Font(bold=True, size=14)
        ws.merge_cells("A1:E1")
        for f in spec.fields():
            ws.append([f.label, str((row.values or {}).get(f.key, "") or "")])
        ws.append(["督查日期", row.checked_on.isoformat()])
        ws.append(["督查内容"])
        ws.append(["编号", "督查事项", "具体任务", "是否落实", "亮点成效"])
        for c in ws[ws.max_row]:
            c.font = Font(bold=True)
        for section in spec.sections:
            for _g, number, title, items in section.groups():
                for i, it in enumerate(items):
                    entry = (row.answers or {}).get(it.key) or {}
                    ws.append([number if i == 0 else "", title if i == 0 else "", f"{it.number} {it.content}",
                               formspec.answer_of(entry) or "", formspec.note_of(entry) or ""])
        ws.append([])
        ws.append([f"依据：{spec.source}"])
        for col, width in zip("ABCDE", (6, 24, 60, 10, 30), strict=True):
            ws.column_dimensions[col].width = width
        for r in ws.iter_rows(min_row=2):
            for c in r:
                c.alignment = Alignment(wrap_text=True, vertical="top")
        import io

        buf = io.BytesIO()
        wb.save(buf)
    out = Path(out)
    write_atomic(out, buf.getvalue())
    return out
