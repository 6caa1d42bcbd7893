"""How long a text value may be: declared once, as the column lengths in :mod:`qsdesk.store.models`.

SQLite does not check ``VARCHAR(n)``; PostgreSQL does. A station on SQLite once stored a
263-character address that its county's PostgreSQL then refused on every sync. So every write
through a :class:`~qsdesk.store.db.Store` session is checked here before it is flushed
(:func:`check_object`, called from the flush hook in :mod:`qsdesk.store.db`): the station refuses
what the county would refuse, at the moment the person can still correct it. Bulk paths that
write without the ORM (the Excel import) take their limits from :func:`column_limit`.

Messages name the record kind, the field and the limit in Chinese, never the value (it may be
personal data). :func:`sync_refusal` is the sentence a county shows when a bundle row from an
older station does not fit, for the sync importer to call per row.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, cast

from sqlalchemy import String, Table, inspect
from sqlalchemy.orm import Mapper

from qsdesk.store.models import Base

#: how the person calls the kinds of records
TABLE_LABELS = {
    "enterprise": "企业档案", "product": "产品", "inspection": "检查记录", "inspector": "检查人员",
    "risk_report": "风险信息", "sampling": "抽查记录", "followup_step": "后处理步骤",
    "signature": "签名", "attachment_link": "附件", "help_record": "帮扶记录",
    "task_checklist": "任务清单", "activity": "工作记录", "inspection_plan": "检查计划",
    "plan_item": "计划事项", "enforcement_case": "案件", "supervisor_assignment": "包保责任",
    "key_product": "重点产品", "notice": "通知", "form_version": "表单版本", "node": "单位",
    "account": "账号", "audit_entry": "操作记录", "risk_report_link": "风险信息关联",
}

#: field names as the forms and the Excel sheet call them
COLUMN_LABELS = {
    "name": "名称", "uscc": "统一社会信用代码", "legal_rep": "法定代表人", "registration_authority": "登记机关",
    "province": "省", "city": "市", "county": "县（区）", "town": "乡镇（街道）", "address": "地址",
    "jurisdiction": "所属监管所", "contact": "联系人", "phone": "联系电话", "domain": "所属领域",
    "status": "经营状态", "unit_types": "单位类型", "abnormal_status": "异常状态",
    "quality_director": "质量安全总监", "quality_officer": "质量安全员", "category": "类别",
    "nominal_producer": "标称生产者", "standard": "执行标准", "licence_type": "许可证类型",
    "certificate_no": "证书编号", "product_name": "产品名称", "task_name": "任务名称", "organiser": "组织单位",
    "trademark": "商标", "model": "规格型号", "production_batch": "生产批号", "title": "标题",
    "provider": "提供单位", "filename": "文件名", "caption": "说明", "badge_no": "执法证号",
    "credit_risk": "信用风险", "username": "用户名",
}


class ValueTooLong(ValueError):  # noqa: N818 - a ValueError: the CLI and dialogs print its message
    """A text longer than its column allows. The message has no part of the value."""

    def __init__(self, table: str, column: str, limit: int, length: int) -> None:
        self.table, self.column, self.limit, self.length = table, column, limit, length
        super().__init__(f"{table_label(table)}的“{column_label(column)}”过长：{length} 个字，"
                         f"最多 {limit} 个字，请缩短后再保存")


def table_label(table: str) -> str:
    return TABLE_LABELS.get(table, "记录")


def column_label(column: str) -> str:
    return COLUMN_LABELS.get(column, "某一项")


@cache
def string_limits(table: str) -> dict[str, int]:
    """``{column: length}`` of the bounded text columns of ``table`` (as the models declare)."""
    t = Base.metadata.tables.get(table)
    if t is None:
        return {}
    return {c.name: c.type.length for c in t.columns
            if isinstance(c.type, String) and c.type.length}


def column_limit(table: str, column: str) -> int | None:
    """The declared length of ``table.column`` (None: unbounded or not a text column)."""
    return string_limits(table).get(column)


def too_long(table: str, row: Mapping[str, Any]) -> list[ValueTooLong]:
    """Every value of ``row`` (column → value) longer than its column allows."""
    limits = string_limits(table)
    out = []
    for col, value in row.items():
        limit = limits.get(col)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            out.append(ValueTooLong(table, col, limit, len(value)))
    return out


@cache
def _attr_columns(cls: type) -> tuple[tuple[str, str, int], ...]:
    """(attribute, column, length) of the bounded text columns of a mapped class."""
    mapper: Mapper[Any] = inspect(cls)
    table = cast(Table, mapper.local_table).name
    limits = string_limits(table)
    out: list[tuple[str, str, int]] = []
    for attr in mapper.column_attrs:
        col = attr.columns[0]
        if col.name in limits:
            out.append((attr.key, col.name, limits[col.name]))
    return tuple(out)


def check_object(obj: Any) -> None:
    """Raise :class:`ValueTooLong` when a text attribute of a mapped object does not fit."""
    state = obj.__dict__
    table = type(obj).__table__.name
    cls: type = type(obj)
    for key, col, limit in _attr_columns(cls):
        value = state.get(key)
        if isinstance(value, str) and len(value) > limit:
            raise ValueTooLong(table, col, limit, len(value))


def sync_refusal(station: str, table: str, row: Mapping[str, Any]) -> str | None:
    """For the county's bundle import: why a station's row cannot be stored (None: it fits).

    Names the station, the kind of record, its id, the field and the limit, never the value,
    so the sentence can go to the log and to the station's receipt.
    """
    problems = too_long(table, row)
    if not problems:
        return None
    p = problems[0]
    rid = row.get("id") or "?"
    return (f"来自 {station} 的{table_label(table)}（编号 {rid}）“{column_label(p.column)}”有 {p.length} 个字，"
            f"超过上限 {p.limit} 个字，未能接收；请该所修改这条记录后重新同步")
