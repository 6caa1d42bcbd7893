"""Importing an enterprise list from Excel: analyse first, write only what the user confirmed.

:func:`analyse` reads the sheet, finds the header row, maps columns by their names (the user may
correct the mapping), cleans and validates every row and matches each against the registry by
credit code, giving new / changed / unchanged rows and a row-by-row error list. Nothing is
written. :func:`apply` then writes the plan in one transaction: with errors it refuses unless
the caller asked for the valid rows only.

A blank cell never erases what the registry holds: a county list with fewer columns than the
station's records must not wipe the station's phone numbers. Only the columns present are
compared and updated.

The plan's records are :mod:`.import_plan`, the row checks :mod:`.row_checks`, the writing
:mod:`.import_apply`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qsdesk.services.excel.fields import (
    FIELDS_BY_KEY,
)
from qsdesk.services.excel.import_apply import apply as apply  # re-exported: analyse, then apply
from qsdesk.services.excel.import_plan import _ATTR, ENTRY_REASON_MISSING, Progress, _existing
from qsdesk.services.excel.import_plan import Change as Change
from qsdesk.services.excel.import_plan import ImportPlan as ImportPlan
from qsdesk.services.excel.import_plan import ImportRefused as ImportRefused
from qsdesk.services.excel.import_plan import ImportResult as ImportResult
from qsdesk.services.excel.import_plan import ParsedRow as ParsedRow
from qsdesk.services.excel.import_plan import RowError as RowError
from qsdesk.services.excel.products import analyse_products, check_codes
from qsdesk.services.excel.reader import (
    ColumnMap,
    ExcelFileError,
    SheetLayout,
    detect_layout,
    iter_data_rows,
    open_workbook,
)
from qsdesk.services.excel.row_checks import _fmt, _row_kind, _Validator
from qsdesk.store.db import Store
from qsdesk.store.models import Inspector


def _inspector_names(session: Session) -> dict[str, str]:
    rows = session.execute(
        select(Inspector.name, Inspector.id).where(Inspector.deleted.is_(False)).order_by(Inspector.active)
    )
    return {name.replace(" ", ""): iid for name, iid in rows}


def _compare_attrs(columns: list[ColumnMap]) -> list[str]:
    return [_ATTR.get(c.field.key, c.field.key) for c in columns if c.field is not None and c.field.importable]


def apply_mapping(layout: SheetLayout, mapping: Mapping[int, str | None]) -> SheetLayout:
    """The layout with the user's corrections: column index → field key (None: do not import)."""
    cols = []
    for c in layout.columns:
        if c.index in mapping:
            key = mapping[c.index]
            cols.append(ColumnMap(c.index, c.header, FIELDS_BY_KEY[key] if key else None))
        else:
            cols.append(c)
    keys = [c.field.key for c in cols if c.field is not None]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise ExcelFileError("同一字段被映射到多列：" + "、".join(FIELDS_BY_KEY[k].header for k in sorted(dup)))
    return SheetLayout(layout.sheet, layout.header_row, cols, layout.merged, layout.notices)


def preview(path: Path | str, sheet: str | None = None, rows: int = 3) -> tuple[SheetLayout, list[tuple[Any, ...]]]:
    """The sheet choice, the proposed mapping and the first data rows (the wizard's mapping step)."""
    wb = open_workbook(Path(path))
    try:
        layout = detect_layout(wb, sheet)
        samples: list[tuple[Any, ...]] = []
        for _rno, values in iter_data_rows(wb, layout):
            if _row_kind(values) is None:
                samples.append(values)
                if len(samples) >= rows:
                    break
        return layout, samples
    finally:
        wb.close()


def analyse(
    store: Store,
    path: Path | str,
    *,
    mapping: Mapping[int, str | None] | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    default_entry_reason: str | None = None,
) -> ImportPlan:
    """Read, clean, validate and match every row; write nothing.

    A new enterprise (first entry) needs its 录入原因 (国市监质监发〔2023〕38号 四（一））: from its
    own cell, else ``default_entry_reason`` (one reason for the whole file), else the row is an
    error row."""
    path = Path(path)
    if progress is not None:
        progress(0, 0, "正在读取工作表…")
    wb = open_workbook(path)
    try:
        layout = detect_layout(wb, sheet)
        if mapping:
            layout = apply_mapping(layout, mapping)
        if layout.merged:
            shown = "、".join(layout.merged[:5]) + ("等" if len(layout.merged) > 5 else "")
            raise ExcelFileError(
                f"工作表“{layout.sheet}”的数据区有合并单元格（{shown}）。合并后只有第一个单元格有值，"
                "其余行会被当作空白。请在 Excel 中选中这些单元格，“取消合并”并把值填到每一行后再导入。"
            )
        mapped = [c for c in layout.columns if c.field is not None and c.field.importable]
        keys = {c.field.key for c in mapped if c.field is not None}
        missing = [FIELDS_BY_KEY[k].header for k in ("uscc", "name") if k not in keys]
        if missing:
            raise ExcelFileError("没有找到必需的列：" + "、".join(missing) + "。请在列对应中指定。")
        plan = ImportPlan(path=path, layout=layout)
        with store.session() as s:
            validator = _Validator(_inspector_names(s))
        attrs = _compare_attrs(layout.columns)
        total = wb.max_row(layout.sheet)
        seen_codes: dict[str, int] = {}
        valid: list[ParsedRow] = []
        # per mapped column: sheet index, header, attribute, converter, required
        plan_cols = [(c.index, c.header, _ATTR.get(c.field.key, c.field.key), validator.converter(c.field),
                      c.field.required, c.field.header) for c in mapped if c.field is not None]
        idxs = [c[0] for c in plan_cols]
        errors = plan.errors
        for n, (rno, values) in enumerate(iter_data_rows(wb, layout)):
            if n % 2000 == 0:
                if progress is not None:
                    progress(n, max(total - layout.header_row, n), f"正在检查第 {rno} 行")
                if cancelled is not None and cancelled():
                    raise InterruptedError("已取消")
            kind = _row_kind(values)
            if kind is not None:
                if kind != "blank":
                    plan.skipped.append((rno, "合计行" if kind == "total" else "表尾说明"))
                continue
            width = len(values)
            raws = [values[i] if i < width else None for i in idxs]
            if all(r is None or (type(r) is str and not r.strip()) for r in raws):
                continue  # e.g. a template's pre-numbered empty rows: only 序号 filled in
            plan.rows_read += 1
            parsed = ParsedRow(rno, {})
            vals = parsed.values
            row_ok = True
            for (_i, header, attr, conv, required, label), raw in zip(plan_cols, raws, strict=True):
                if raw is None:
                    v = None
                else:
                    try:
                        v = conv(raw)
                    except ValueError as exc:
                        errors.append(RowError(rno, header, _fmt(raw), str(exc)))
                        row_ok = False
                        continue
                if v is None:
                    if required:
                        errors.append(RowError(rno, header, "", f"{label}不能为空"))
                        row_ok = False
                    continue
                vals[attr] = v
            code = parsed.values.get("uscc")
            if code is not None:
                first = seen_codes.setdefault(code, rno)
                if first != rno:
                    plan.errors.append(RowError(rno, FIELDS_BY_KEY["uscc"].header, code,
                                                f"与第 {first} 行的统一社会信用代码重复"))
                    row_ok = False
            if row_ok:
                valid.append(parsed)
        plan.products = analyse_products(wb, layout.sheet, RowError)
        # match by credit code once every row is read: one indexed look-up per few thousand codes
        with store.session() as s:
            existing = _existing(s, attrs, seen_codes)
        reason_header = next((c.header for c in mapped if c.field is not None and c.field.key == "entry_reason"),
                             FIELDS_BY_KEY["entry_reason"].header)
        default_reason = (default_entry_reason or "").strip() or None
        accepted: set[str] = set()
        for parsed in valid:
            code = parsed.values.get("uscc")
            old = existing.get(code) if code else None
            if old is None or not code:
                if "entry_reason" not in parsed.values:
                    if default_reason is None:
                        errors.append(RowError(parsed.row, reason_header, "", ENTRY_REASON_MISSING))
                        continue
                    parsed.values["entry_reason"] = default_reason
                plan.new.append(parsed)
                if code:
                    accepted.add(code)
                continue
            accepted.add(code)
            diffs = {a: (old.get(a), v) for a, v in parsed.values.items() if old.get(a) != v}
            if diffs:
                plan.changed.append(Change(parsed, old["id"], diffs))
            else:
                plan.unchanged.append((parsed, old["id"]))
        if plan.products is not None:
            # products only of the enterprises this import accepts (or already registered)
            with store.session() as s:
                check_codes(s, plan.products, accepted, RowError, refused=set(seen_codes) - accepted)
        if progress is not None:
            progress(1, 1, plan.summary())
        return plan
    finally:
        wb.close()


def import_file(
    store: Store,
    path: Path | str,
    *,
    only_valid: bool = False,
    dry_run: bool = False,
    mapping: Mapping[int, str | None] | None = None,
    default_entry_reason: str | None = None,
) -> tuple[ImportPlan, ImportResult | None]:
    """analyse + apply (what the CLI runs). With ``dry_run`` nothing is written."""
    plan = analyse(store, path, mapping=mapping, default_entry_reason=default_entry_reason)
    if dry_run:
        return plan, None
    return plan, apply(store, plan, only_valid=only_valid)
