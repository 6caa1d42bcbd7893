"""一公开: a drawn plan as the published result list (xlsx) and as the printed plan (PDF), both
carrying the draw's evidence (seed, pool hashes, algorithm) so anyone can redo the draw.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsdesk.services import audit
from qsdesk.services.printing.base import write_atomic
from qsdesk.services.random_draw import PRIORITY_NOTE, DrawError, plan_items
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, InspectionPlan, Inspector

PUBLIC_HEADERS = ("序号", "企业名称", "统一社会信用代码", "地址", "检查人员", "检查日期", "检查结果")


def publication_rows(session: Session, plan_id: str) -> Iterator[tuple[Any, ...]]:
    names: dict[str, str] = {i: n for i, n in session.execute(select(Inspector.id, Inspector.name))}
    for item in plan_items(session, plan_id):
        ent = session.get(Enterprise, item.enterprise_id)
        team = "、".join(names.get(x, "") for x in (item.inspector1_id, item.inspector2_id) if x)
        yield (
            item.position,
            ent.name if ent else "",
            (ent.uscc or "") if ent else "",
            (ent.address or "") if ent else "",
            team,
            item.done_on.isoformat() if item.done_on else "",
            item.result or "未检查",
        )


def export_publication(store: Store, plan_id: str, path: Path | str) -> Path:
    """Write the 一公开 list of a plan to an xlsx file (with the draw's seed and pool hash)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    out = Path(path)
    with store.transaction() as s:
        plan = s.get(InspectionPlan, plan_id)
        if plan is None or plan.deleted:
            raise DrawError("抽查计划不存在")
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "抽查结果公示"
        ws.append([f"“双随机、一公开”抽查结果公示：{plan.title}"])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([f"抽取日期：{plan.drawn_on.isoformat()}；对象库企业数：{plan.pool_size}；"
                   f"抽取数：{plan.draw_count}；随机种子：{plan.seed}"])
        ws.append([f"对象库哈希（SHA-256）：{plan.pool_hash}；检查人员库哈希：{plan.inspector_pool_hash}；"
                   f"算法：{plan.algorithm}"
                   + (f"；{PRIORITY_NOTE}，优先对象 {len(plan.priority_ids)} 户" if plan.priority_ids else "")])
        ws.append(list(PUBLIC_HEADERS))
        for c in ws[4]:
            c.font = Font(bold=True)
            c.alignment = Alignment(horizontal="center")
        n = 0
        for row in publication_rows(s, plan_id):
            ws.append(list(row))
            n += 1
        for col, width in zip("ABCDEFG", (6, 36, 22, 40, 16, 12, 24), strict=True):
            ws.column_dimensions[col].width = width
        out.parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        wb.save(buf)
        write_atomic(out, buf.getvalue())  # never a half-written file under the real name
        if plan.status != "published":
            plan.status = "published"
            plan.published_on = date.today()
        audit.record(s, "export", "inspection_plan", plan.id, file=out.name, rows=n)
    return out


# --------------------------------------------------------------------------- printable plan


def print_plan(store: Store, plan_id: str, path: Path | str | None = None, *, record_print: bool = True) -> bytes:
    """The inspection plan as an A4 PDF (drawn enterprises, paired inspectors, draw evidence).

    With ``record_print`` the print is written to the audit trail now; a preview passes False and
    calls :func:`record_plan_print` once the pages really went to a printer or a file.
    """
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer, Table, TableStyle

    from qsdesk.services.printing.base import Decor, build_pdf, frame_width, para, styles

    st = styles()
    with store.transaction() as s:
        plan = s.get(InspectionPlan, plan_id)
        if plan is None or plan.deleted:
            raise DrawError("抽查计划不存在")
        rows = list(publication_rows(s, plan_id))
        story: list[Any] = [
            para("“双随机、一公开”抽查计划", st.title),
            para(plan.title, st.subtitle),
            Spacer(1, 3 * mm),
            para(f"抽取日期：{plan.drawn_on.isoformat()}　　完成期限：{plan.due_on.isoformat() if plan.due_on else '—'}"
                 f"　　对象库 {plan.pool_size} 户，抽取 {plan.draw_count} 户", st.body),
            Spacer(1, 2 * mm),
        ]
        w = frame_width()
        widths = [10 * mm, 0.0, 40 * mm, 28 * mm, 22 * mm]
        widths[1] = w - sum(widths)
        data: list[list[Any]] = [[para(h, st.label) for h in ("序号", "企业名称 / 地址", "统一社会信用代码",
                                                              "检查人员", "检查日期")]]
        for pos, name, uscc, addr, team, done, _result in rows:
            data.append([para(pos, st.cell_center), para(f"{name}\n{addr}" if addr else name, st.cell),
                         para(uscc, st.cell), para(team, st.cell), para(done, st.cell_center)])
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ]))
        story += [table, Spacer(1, 4 * mm), para(
            f"抽取依据：随机种子 {plan.seed}；对象库 {plan.pool_size} 户，SHA-256 {plan.pool_hash}；"
            f"检查人员库 {len(plan.inspector_ids)} 人，SHA-256 {plan.inspector_pool_hash}；算法 {plan.algorithm}。"
            + (f"{PRIORITY_NOTE}：优先对象 {len(plan.priority_ids)} 户，先从中抽取。" if plan.priority_ids else "")
            + "持有种子与对象库名单即可重新抽取并核对本计划。", st.small)]
        data_pdf = build_pdf(path, story, Decor(record_no=f"计划 {plan.id[:8]}"), title=plan.title)
        if record_print:
            audit.record(s, "print", "inspection_plan", plan.id, file=Path(path).name if path else None)
    return data_pdf


def record_plan_print(store: Store, plan_id: str) -> None:
    with store.transaction() as s:
        audit.record(s, "print", "inspection_plan", plan_id)
