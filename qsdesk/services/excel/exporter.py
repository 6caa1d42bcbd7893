"""Exporting records to Excel, streamed row by row into the workbook file.

Every sheet: Chinese headers in bold, the header row frozen, column widths set, dates written
as real Excel dates, and codes (credit codes, phones, record numbers) written as text cells with
the text format ``@``, so Excel neither shows a credit code as 9.13E+17 nor drops leading zeros.
Rows are streamed from the database (``yield_per``) into the sheet's XML
(:mod:`qsdesk.services.excel.xlsx_writer`), so 200,000 enterprises never sit in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, aliased

from qsdesk.services import audit
from qsdesk.services.classes import class_column, class_label, ensure_current, join_class
from qsdesk.services.excel.cells import CELL_TYPES
from qsdesk.services.excel.fields import ENTERPRISE_FIELDS
from qsdesk.services.excel.products import PRODUCT_FIELDS
from qsdesk.services.excel.reader import PRODUCT_SHEET_NAMES
from qsdesk.services.excel.xlsx_writer import XlsxWriter
from qsdesk.services.registry import RegistryFilter, list_statement, unit_types_label
from qsdesk.store.db import Store
from qsdesk.store.models import (
    Enterprise,
    FollowUpStep,
    Inspection,
    Inspector,
    Product,
    RiskReport,
    Sampling,
)

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Column:
    header: str
    width: int = 14
    kind: str = "text"  # text | code | date | number


def write_sheet(
    wb: XlsxWriter,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    progress: Progress | None = None,
    total: int = 0,
) -> int:
    """Append one formatted sheet to the workbook; returns the number of data rows.

    Codes are written as text whatever their type; other values by type (numbers, real dates).
    """
    return wb.write_sheet(title, [c.header for c in columns], rows, widths=[c.width for c in columns],
                          codes=[c.kind == "code" for c in columns], progress=progress, total=total)


def new_workbook(out: Path | str | None = None) -> XlsxWriter:
    """A workbook to write sheets into; given ``out``, it is written in place (as ``out.part``)."""
    return XlsxWriter(out)


def save_workbook(wb: XlsxWriter, out: Path | str) -> None:
    wb.save(Path(out))  # written as .part and renamed: never a half-written file under the real name


@contextmanager
def _workbook(out: Path) -> Iterator[XlsxWriter]:
    """A workbook saved to ``out`` when the block completes; removed again if it fails."""
    wb = new_workbook(out)
    try:
        yield wb
    except BaseException:
        wb.discard()
        raise
    save_workbook(wb, out)


def _record_export(store: Store, kind: str, out: Path, rows: int, **detail: Any) -> None:
    with store.transaction() as s:
        audit.record(s, "export", None, None, kind=kind, file=Path(out).name, rows=rows, **detail)


def _num(v: Decimal | None) -> float | int | None:
    if v is None:
        return None
    return int(v) if v == v.to_integral_value() else float(v)


# --------------------------------------------------------------------------- registry


REGISTRY_COLUMNS: tuple[Column, ...] = tuple(
    Column(f.header, f.width, CELL_TYPES[f.type].column_kind) for f in ENTERPRISE_FIELDS
)


def registry_rows(session: Session, flt: RegistryFilter | None = None) -> Iterable[tuple[Any, ...]]:
    """The registry as export rows, in :data:`ENTERPRISE_FIELDS` order.

    ``flt`` is the registry list's own filter (:class:`qsdesk.services.registry.RegistryFilter`),
    applied through the list's own statement, so the export holds exactly what the list shows.
    """
    resp = aliased(Inspector)
    attrs = [f.key for f in ENTERPRISE_FIELDS]
    special = {"responsible": resp.name.label("responsible"),
               # the one source of the class (qsdesk.services.classes), not the synced column
               "supervision_class": class_column().label("supervision_class")}
    cols: list[Any] = [special.get(a, getattr(Enterprise, a, None)) for a in attrs]
    stmt = (join_class(select(*cols).outerjoin(resp, resp.id == Enterprise.responsible_inspector_id))
            .where(Enterprise.deleted.is_(False)).order_by(Enterprise.name, Enterprise.id))
    if flt is not None and flt != RegistryFilter():
        shown = list_statement(cast(Engine, session.get_bind()), flt).subquery()  # sessions bind the engine
        stmt = stmt.where(Enterprise.id.in_(select(shown.c.id)))
    i_types, i_class, i_revenue = (attrs.index(a) for a in ("unit_types", "supervision_class", "revenue_wan"))
    for row in session.connection().execute(stmt.execution_options(yield_per=2000)):
        out: list[Any] = list(row)
        out[i_types] = unit_types_label(out[i_types]) or None
        out[i_class] = class_label(out[i_class])
        out[i_revenue] = _num(out[i_revenue])
        yield tuple(out)


PRODUCT_COLUMNS = tuple(Column(f.header, 22 if f.key in ("uscc", "name", "nominal_producer") else 16,
                               "code" if f.key in ("uscc", "certificate_no") else "text")
                        for f in PRODUCT_FIELDS)


def product_rows(session: Session, flt: RegistryFilter | None = None) -> Iterable[tuple[Any, ...]]:
    """The products of the exported enterprises (with a credit code: the import ties them by it),
    as the 产品 sheet the import reads (:mod:`qsdesk.services.excel.products`)."""
    cols = [Enterprise.uscc if f.key == "uscc" else getattr(Product, f.key) for f in PRODUCT_FIELDS]
    stmt = (select(*cols).join(Enterprise, Enterprise.id == Product.enterprise_id)
            .where(Product.deleted.is_(False), Enterprise.deleted.is_(False), Enterprise.uscc.is_not(None))
            .order_by(Enterprise.name, Enterprise.id, Product.name))
    if flt is not None and flt != RegistryFilter():
        shown = list_statement(cast(Engine, session.get_bind()), flt).subquery()  # sessions bind the engine
        stmt = stmt.where(Enterprise.id.in_(select(shown.c.id)))
    for row in session.connection().execute(stmt.execution_options(yield_per=2000)):
        yield tuple(row)


def export_registry(store: Store, out: Path | str, flt: RegistryFilter | None = None, *,
                    progress: Progress | None = None) -> int:
    ensure_current(store)
    with _workbook(Path(out)) as wb, store.session() as s:
        n = write_sheet(wb, "企业档案", REGISTRY_COLUMNS, registry_rows(s, flt), progress=progress)
        write_sheet(wb, PRODUCT_SHEET_NAMES[0], PRODUCT_COLUMNS, product_rows(s, flt))
    _record_export(store, "registry", Path(out), n)
    return n


# --------------------------------------------------------------------------- inspection ledger

FORM_KIND = {"annex4_producer": "生产者", "annex5_seller": "销售者"}
STATUS_LABELS = {"draft": "草稿", "sealed": "已封存"}

LEDGER_COLUMNS = (
    Column("记录编号", 16, "code"), Column("检查日期", 12, "date"), Column("企业名称", 34),
    Column("统一社会信用代码", 22, "code"), Column("乡镇（街道）", 12), Column("检查对象", 8),
    Column("检查结果", 24), Column("发现问题（条）", 10, "number"), Column("整改问题（条）", 10, "number"),
    Column("企业意见", 10), Column("检查人员1", 10), Column("检查人员2", 10), Column("状态", 8),
    Column("更正记录", 16, "code"),
)


def ledger_rows(session: Session, start: date, end: date) -> Iterable[tuple[Any, ...]]:
    i1, i2, orig = aliased(Inspector), aliased(Inspector), aliased(Inspection)
    stmt = (
        select(Inspection.record_no, Inspection.inspected_on, Enterprise.name, Enterprise.uscc,
               Enterprise.town, Inspection.form_id, Inspection.result, Inspection.problems_found,
               Inspection.problems_fixed, Inspection.opinion, i1.name, i2.name, Inspection.status,
               orig.record_no)
        .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .outerjoin(i1, i1.id == Inspection.inspector1_id)
        .outerjoin(i2, i2.id == Inspection.inspector2_id)
        .outerjoin(orig, orig.id == Inspection.amends_id)
        .where(Inspection.deleted.is_(False), Inspection.inspected_on >= start, Inspection.inspected_on <= end)
        .order_by(Inspection.inspected_on, Inspection.record_no)
    )
    for r in session.connection().execute(stmt.execution_options(yield_per=2000)):
        row = list(r)
        row[5] = FORM_KIND.get(row[5], row[5])
        row[12] = STATUS_LABELS.get(row[12], row[12])
        yield tuple(row)


def export_ledger(store: Store, out: Path | str, start: date, end: date, *,
                  progress: Progress | None = None) -> int:
    with _workbook(Path(out)) as wb, store.session() as s:
        n = write_sheet(wb, "监督检查台账", LEDGER_COLUMNS, ledger_rows(s, start, end), progress=progress)
    _record_export(store, "ledger", Path(out), n, start=start.isoformat(), end=end.isoformat())
    return n


# --------------------------------------------------------------------------- risk reports

RISK_STATUS = {"collected": "已采集", "verified": "已核实", "closed": "已办结"}
RISK_COLUMNS = (
    Column("采集日期", 12, "date"), Column("企业名称", 34), Column("统一社会信用代码", 22, "code"),
    Column("信息来源", 20), Column("产品名称", 20), Column("风险描述", 40), Column("调查处理情况", 40),
    Column("状态", 8), Column("采集人", 10),
)


def risk_rows(session: Session, start: date, end: date) -> Iterable[tuple[Any, ...]]:
    rep = aliased(Inspector)
    stmt = (
        select(RiskReport.reported_on, Enterprise.name, Enterprise.uscc, RiskReport.sources,
               RiskReport.product_name, RiskReport.description, RiskReport.investigation,
               RiskReport.status, rep.name)
        .outerjoin(Enterprise, Enterprise.id == RiskReport.enterprise_id)
        .outerjoin(rep, rep.id == RiskReport.reporter_id)
        .where(RiskReport.deleted.is_(False), RiskReport.reported_on >= start, RiskReport.reported_on <= end)
        .order_by(RiskReport.reported_on)
    )
    for r in session.connection().execute(stmt.execution_options(yield_per=2000)):
        row: list[Any] = list(r)
        row[3] = "、".join(str(x) for x in (row[3] or []))
        row[7] = RISK_STATUS.get(row[7], row[7])
        yield tuple(row)


def export_risks(store: Store, out: Path | str, start: date, end: date, *,
                 progress: Progress | None = None) -> int:
    with _workbook(Path(out)) as wb, store.session() as s:
        n = write_sheet(wb, "风险信息", RISK_COLUMNS, risk_rows(s, start, end), progress=progress)
    _record_export(store, "risks", Path(out), n, start=start.isoformat(), end=end.isoformat())
    return n


# --------------------------------------------------------------------------- samplings

LEVEL_LABELS = {"national": "国家", "provincial": "省级", "city": "市级", "county": "县级"}
SAMPLING_COLUMNS = (
    Column("抽样日期", 12, "date"), Column("任务名称", 24), Column("层级", 8), Column("组织单位", 16),
    Column("被抽样生产者", 30), Column("统一社会信用代码", 22, "code"), Column("产品名称", 20),
    Column("商标", 12), Column("规格型号", 14), Column("执行标准", 18, "code"), Column("生产批次", 14, "code"),
    Column("检验结论", 10), Column("不合格项目", 30), Column("重大质量安全隐患", 10),
)


def sampling_rows(session: Session, start: date, end: date) -> Iterable[tuple[Any, ...]]:
    stmt = (
        select(Sampling.sampled_on, Sampling.task_name, Sampling.level, Sampling.organiser, Enterprise.name,
               Enterprise.uscc, Sampling.product_name, Sampling.trademark, Sampling.model, Sampling.standard,
               Sampling.production_batch, Sampling.result, Sampling.nonconforming_items, Sampling.major_hazard)
        .join(Enterprise, Enterprise.id == Sampling.enterprise_id)
        .where(Sampling.deleted.is_(False), Sampling.sampled_on >= start, Sampling.sampled_on <= end)
        .order_by(Sampling.sampled_on)
    )
    for r in session.connection().execute(stmt.execution_options(yield_per=2000)):
        row = list(r)
        row[2] = LEVEL_LABELS.get(row[2], row[2])
        row[13] = "是" if row[13] else "否"
        yield tuple(row)


FOLLOWUP_COLUMNS = (
    Column("抽样日期", 12, "date"), Column("被抽样生产者", 30), Column("统一社会信用代码", 22, "code"),
    Column("产品名称", 20), Column("不合格项目", 30), Column("序号", 6, "number"), Column("处置环节", 16),
    Column("期限", 12, "date"), Column("完成日期", 12, "date"), Column("结果", 16), Column("说明", 30),
)


def followup_rows(session: Session, start: date, end: date) -> Iterable[tuple[Any, ...]]:
    stmt = (
        select(Sampling.sampled_on, Enterprise.name, Enterprise.uscc, Sampling.product_name,
               Sampling.nonconforming_items, FollowUpStep.position, FollowUpStep.step, FollowUpStep.due_on,
               FollowUpStep.done_on, FollowUpStep.outcome, FollowUpStep.note)
        .join(Sampling, Sampling.id == FollowUpStep.sampling_id)
        .join(Enterprise, Enterprise.id == Sampling.enterprise_id)
        .where(FollowUpStep.deleted.is_(False), Sampling.deleted.is_(False),
               Sampling.sampled_on >= start, Sampling.sampled_on <= end)
        .order_by(Sampling.sampled_on, Sampling.id, FollowUpStep.position)
    )
    from qsdesk.domain.sampling import step_label

    for r in session.connection().execute(stmt.execution_options(yield_per=2000)):
        row = list(r)
        row[6] = step_label(row[6])  # the step's Chinese name, never its program key
        yield tuple(row)


def export_samplings(store: Store, out: Path | str, start: date, end: date, *,
                     progress: Progress | None = None) -> int:
    """Sampling results and, on a second sheet, their follow-up steps."""
    with _workbook(Path(out)) as wb, store.session() as s:
        n = write_sheet(wb, "监督抽查结果", SAMPLING_COLUMNS, sampling_rows(s, start, end), progress=progress)
        write_sheet(wb, "不合格后处理", FOLLOWUP_COLUMNS, followup_rows(s, start, end))
    _record_export(store, "samplings", Path(out), n, start=start.isoformat(), end=end.isoformat())
    return n


def export_followups(store: Store, out: Path | str, start: date, end: date, *,
                     progress: Progress | None = None) -> int:
    with _workbook(Path(out)) as wb, store.session() as s:
        n = write_sheet(wb, "不合格后处理", FOLLOWUP_COLUMNS, followup_rows(s, start, end), progress=progress)
    _record_export(store, "followups", Path(out), n, start=start.isoformat(), end=end.isoformat())
    return n


# --------------------------------------------------------------------------- import error report

ERROR_COLUMNS = (Column("行号", 8, "number"), Column("列", 20), Column("单元格内容", 30, "code"),
                 Column("错误原因", 50))


def export_errors(plan: Any, out: Path | str) -> int:
    """The import plan's row errors (row, column, value, reason) as a workbook."""
    with _workbook(Path(out)) as wb:
        n = write_sheet(wb, "导入错误", ERROR_COLUMNS, ((e.row, e.column, e.value, e.reason) for e in plan.all_errors))
        if plan.skipped:
            write_sheet(wb, "已跳过的行", (Column("行号", 8, "number"), Column("原因", 20)), plan.skipped)
    return n
