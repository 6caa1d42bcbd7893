"""列异 / 列严: enterprises on the abnormal operations list (经营异常名录) or the serious illegal
and dishonest list (严重违法失信名单), 沪市监产质〔2022〕251号 三 四 (严格“列异”“列严”).

They are enterprise facts with dates (``enterprise_listing``): recorded when the follow-up step
``list_abnormal`` / ``list_serious`` of a non-conforming sampling is completed (not when it is
recorded as 不适用), or entered directly; taken off with the day and the reason. They feed the
supervision class (鲁市监质监字〔2022〕233号 二（五）, :mod:`qsdesk.services.classes`) in the same
transaction, and they have a list of their own: :func:`list_query`, :func:`export_xlsx`,
:func:`print_pdf`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from qsdesk.domain.citations import SHANGHAI_004, cite
from qsdesk.services import audit, classes
from qsdesk.store.db import Store
from qsdesk.store.models import Enterprise, EnterpriseListing, FollowUpStep, Sampling

KIND_LABELS = {"abnormal": "经营异常名录", "serious": "严重违法失信名单"}
#: The follow-up steps (domain template keys) that put the enterprise on a list.
STEP_KINDS = {"list_abnormal": "abnormal", "list_serious": "serious"}
NOT_APPLICABLE = "不适用"
TITLE = "列入经营异常名录、严重违法失信名单企业"


class ListingError(ValueError):
    """A request a user can correct; the message is Chinese."""


def on_step_done(s: Session, step: FollowUpStep, smp: Sampling) -> None:
    """Hook for :func:`qsdesk.services.followup.complete_step` (same transaction): a completed
    列异/列严 step lists the sampling's enterprise from the day the step was done; a step
    recorded as 不适用 or reopened lists nobody."""
    kind = STEP_KINDS.get(step.step)
    if kind is None:
        return
    existing = s.scalars(select(EnterpriseListing).where(EnterpriseListing.followup_step_id == step.id,
                                                         EnterpriseListing.deleted.is_(False))).first()
    if step.done_on is None or step.outcome == NOT_APPLICABLE:
        if existing is not None:
            existing.deleted = True
            audit.record(s, "delete", "enterprise_listing", existing.id, 名单=KIND_LABELS[kind],
                         原因="后处理步骤已重新打开或不适用")
    elif existing is None:
        row = EnterpriseListing(enterprise_id=smp.enterprise_id, kind=kind, listed_on=step.done_on,
                                basis=_basis(step, smp), followup_step_id=step.id,
                                recorded_by=audit.current_actor(s))
        s.add(row)
        s.flush()
        audit.record(s, "create", "enterprise_listing", row.id, 名单=KIND_LABELS[kind],
                     列入日期=step.done_on.isoformat())
    else:
        existing.listed_on = step.done_on
        existing.basis = _basis(step, smp)
        audit.record(s, "update", "enterprise_listing", existing.id, 列入日期=step.done_on.isoformat())
    s.flush()
    classes.refresh(s, [smp.enterprise_id])


def _basis(step: FollowUpStep, smp: Sampling) -> str:
    bits = [f"{smp.sampled_on.isoformat()} 监督抽查“{smp.product_name}”不合格的后处理"]
    if step.outcome:
        bits.append(step.outcome)
    if step.note:
        bits.append(step.note)
    return "；".join(bits) + f"（{cite(SHANGHAI_004, '三 四')}）"


def add_listing(store: Store, enterprise_id: str, kind: str, listed_on: date, basis: str) -> str:
    """Record a listing made outside a sampling follow-up (e.g. 住所无法联系 → 列异)."""
    if kind not in KIND_LABELS:
        raise ListingError("名单应为经营异常名录或严重违法失信名单")
    if not basis.strip():
        raise ListingError("请填写列入依据（决定书文号或原因）")
    if listed_on > date.today():
        raise ListingError("列入日期不能晚于今天")
    with store.transaction() as s:
        ent = s.get(Enterprise, enterprise_id)
        if ent is None or ent.deleted:
            raise ListingError("企业不存在或已删除")
        row = EnterpriseListing(enterprise_id=enterprise_id, kind=kind, listed_on=listed_on, basis=basis.strip(),
                                recorded_by=audit.current_actor(s))
        s.add(row)
        s.flush()
        audit.record(s, "create", "enterprise_listing", row.id, 名单=KIND_LABELS[kind],
                     列入日期=listed_on.isoformat())
        classes.refresh(s, [enterprise_id])
        return row.id


def remove_listing(store: Store, listing_id: str, removed_on: date, reason: str) -> None:
    """Take an enterprise off a list (移出) on ``removed_on``; the listing stays, with its end."""
    if not reason.strip():
        raise ListingError("请填写移出原因")
    with store.transaction() as s:
        row = s.get(EnterpriseListing, listing_id)
        if row is None or row.deleted:
            raise ListingError("该记录不存在")
        if row.removed_on is not None:
            raise ListingError("该企业已移出名单")
        if removed_on < row.listed_on:
            raise ListingError("移出日期不能早于列入日期")
        row.removed_on = removed_on
        row.basis = f"{row.basis or ''}；{removed_on.isoformat()} 移出：{reason.strip()}".lstrip("；")
        audit.record(s, "update", "enterprise_listing", row.id, 移出日期=removed_on.isoformat(), 原因=reason.strip())
        classes.refresh(s, [row.enterprise_id])


def list_query(kind: str | None = None, *, current_only: bool = False, as_of: date | None = None) -> Select[*tuple[Any, ...]]:
    """The listed enterprises (newest first) for a list view or an export."""
    stmt = (
        select(EnterpriseListing.id.label("id"), Enterprise.name.label("name"), Enterprise.uscc.label("uscc"),
               Enterprise.town.label("town"), EnterpriseListing.kind.label("kind"),
               EnterpriseListing.listed_on.label("listed_on"), EnterpriseListing.removed_on.label("removed_on"),
               EnterpriseListing.basis.label("basis"), Enterprise.id.label("enterprise_id"))
        .join(Enterprise, Enterprise.id == EnterpriseListing.enterprise_id)
        .where(EnterpriseListing.deleted.is_(False), Enterprise.deleted.is_(False))
        .order_by(EnterpriseListing.listed_on.desc(), Enterprise.name)
    )
    if kind:
        stmt = stmt.where(EnterpriseListing.kind == kind)
    if current_only:
        day = as_of or date.today()
        stmt = stmt.where(EnterpriseListing.listed_on <= day,
                          (EnterpriseListing.removed_on.is_(None)) | (EnterpriseListing.removed_on > day))
    return stmt


def rows(session: Session, kind: str | None = None, *, current_only: bool = False) -> list[tuple[Any, ...]]:
    """Numbered rows in Chinese: 序号, 企业名称, 信用代码, 乡镇, 名单, 列入日期, 移出日期, 依据."""
    out = []
    for i, r in enumerate(session.execute(list_query(kind, current_only=current_only)), start=1):
        out.append((i, r.name, r.uscc, r.town, KIND_LABELS.get(r.kind, "—"), r.listed_on, r.removed_on,
                    r.basis or ""))
    return out


def export_xlsx(store: Store, out: Path | str, *, current_only: bool = False) -> int:
    """The list as one xlsx sheet (the exporter's machinery); returns the number of rows."""
    from qsdesk.services.excel.exporter import Column, new_workbook, save_workbook, write_sheet

    cols = (Column("序号", 6, "number"), Column("企业名称", 34), Column("统一社会信用代码", 22, "code"),
            Column("乡镇（街道）", 12), Column("名单", 18), Column("列入日期", 12, "date"),
            Column("移出日期", 12, "date"), Column("依据", 60))
    wb = new_workbook()
    with store.session() as s:
        n = write_sheet(wb, "列异列严名单", cols, rows(s, current_only=current_only))
    save_workbook(wb, Path(out))
    with store.transaction() as s:
        audit.record(s, "export", "enterprise_listing", None, 文件=Path(out).name, 行数=n)
    return n


def print_pdf(store: Store, path: Path | str | None = None, *, current_only: bool = False,
              record_print: bool = True) -> bytes:
    """The list as an A4 landscape PDF (the printing machinery's page decorations)."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer, Table, TableStyle

    from qsdesk.services.printing.base import Decor, build_pdf, frame_width, para, styles

    st = styles()
    with store.transaction() as s:
        data_rows = rows(s, current_only=current_only)
        story: list[Any] = [
            para(TITLE, st.title),
            para(f"依据：{cite(SHANGHAI_004, '三 四')}（严格“列异”“列严”）　　截至 {date.today().isoformat()}，"
                 f"共 {len(data_rows)} 条", st.subtitle),
            Spacer(1, 3 * mm),
        ]
        w = frame_width(True)
        widths = [10 * mm, 0.0, 40 * mm, 24 * mm, 32 * mm, 22 * mm, 22 * mm, 70 * mm]
        widths[1] = w - sum(widths)
        table_data: list[list[Any]] = [[para(h, st.label) for h in (
            "序号", "企业名称", "统一社会信用代码", "乡镇（街道）", "名单", "列入日期", "移出日期", "依据")]]
        for i, name, uscc, town, kind, listed, removed, basis in data_rows:
            table_data.append([para(i, st.cell_center), para(name, st.cell), para(uscc or "", st.cell),
                               para(town or "", st.cell), para(kind, st.cell),
                               para(listed.isoformat(), st.cell_center),
                               para(removed.isoformat() if removed else "—", st.cell_center), para(basis, st.cell)])
        if not data_rows:
            table_data.append([para("（无）", st.cell)] + [""] * 7)
        table = Table(table_data, colWidths=widths, repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ]))
        story.append(table)
        pdf = build_pdf(path, story, Decor(footer_left=TITLE), title=TITLE, landscape_page=True)
        if record_print:
            audit.record(s, "print", "enterprise_listing", None, 文件=Path(path).name if path else None)
    return pdf


def record_print(store: Store) -> None:
    """Record a print of the list made from a preview (the pages really went out)."""
    with store.transaction() as s:
        audit.record(s, "print", "enterprise_listing", None)
