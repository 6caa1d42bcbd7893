"""Record fields as a person reads them (the sync conflict comparison, any per-field view).

Column names are program keys (``responsible_inspector_id``); :func:`field_label` gives the
Chinese name of every column of a synced table. :data:`LEGACY_FIELDS` are columns no longer kept
current (the supervision class now lives in ``enterprise_class``, :mod:`qsdesk.services.classes`):
they are never shown, since a stale value there would contradict the class on every other screen.
A test checks that every column of every synced table has a label here.
"""

from __future__ import annotations

import json
from typing import Any

from qsdesk.domain.grading import stored_unit_types
from qsdesk.services.audit_text import FIELD_VALUES, actor_text

#: Enterprise columns left from before the class service; not updated, never shown.
LEGACY_FIELDS = frozenset({"supervision_class", "class_reasons"})

FIELD_LABELS: dict[str, str] = {
    "checked_on": "督查日期", "holidays": "放假日期", "workdays": "调休上班日期",
    "visits_since": "半年检查起算日期", "responsible_since_assumed": "责任起始日期按导入日期计",
    "report_no": "编号",
    # enterprise
    "name": "名称/姓名", "uscc": "统一社会信用代码", "legal_rep": "法定代表人", "address": "住所（经营场所）",
    "town": "乡镇（街道）", "jurisdiction": "所属单位", "contact": "联系人", "phone": "联系电话",
    "domain": "领域", "status": "状态", "unit_types": "单位类型", "staff": "从业人员", "revenue_wan": "营业收入（万元）",
    "grade": "分级", "responsible_inspector_id": "责任监管人员", "responsible_since": "责任监管起始日期",
    "abnormal_status": "异常状态", "quality_director": "质量安全总监", "quality_officer": "质量安全员",
    "extra": "其他信息", "individual_business": "个体工商户", "entry_reason": "录入原因", "credit_risk": "信用风险等级",
    "registration_authority": "登记机关", "managers_in_place": "已配齐质量安全管理人员",
    "responsibility_system": "已建立责任体系和工作机制", "staff_count": "从业人员数",
    "province": "省", "city": "市", "county": "县（区）", "station_code": "所代码",
    # inspections, signatures, attachments
    "values": "表单内容", "answers": "检查项目结论", "result": "结果", "opinion": "企业意见",
    "opinion_text": "意见说明", "inspected_on": "检查日期", "record_no": "编号", "form_id": "表单",
    "form_version": "表单版本", "inspector1_id": "检查人员一", "inspector2_id": "检查人员二",
    "inspector_id": "检查人员", "inspector_ids": "检查人员", "inspection_id": "检查记录", "amends_id": "更正的记录",
    "sealed_at": "封存时间", "sealed_by": "封存人", "role": "身份", "signer_name": "签名人", "signed_at": "签名时间",
    "strokes": "笔迹", "png": "签名图像", "refused": "拒绝签名/拒检", "owner_id": "所属记录", "owner_table": "所属类别",
    "filename": "文件名", "sha256": "校验值", "caption": "说明", "content_hash": "内容校验值",
    "problems_found": "发现问题", "problems_fixed": "已整改问题",
    # risks, cases
    "description": "描述", "note": "备注", "source": "来源", "sources": "来源", "reporter_id": "录入人",
    "reported_on": "报告日期", "risk_report_id": "风险信息", "cause": "原因", "case_no": "案号",
    "filed_on": "立案日期", "penalty": "处罚", "fine_yuan": "罚款（元）", "heavier": "从重处罚",
    "investigation": "调查处理",
    # sampling, follow-up, help
    "product_name": "产品名称", "trademark": "商标", "model": "规格型号", "standard": "标准",
    "production_batch": "生产批号", "batch": "批次", "quantity": "数量", "organiser": "组织抽查单位",
    "level": "抽查层级", "sampled_on": "抽样日期", "seller_id": "销售者", "nominal_producer": "标称生产者",
    "nonconforming_items": "不合格项目", "major_hazard": "严重危害", "report_received_on": "报告收到日期",
    "report_delivered_on": "报告送达日期", "followup_closed_on": "后处理办结日期", "sampling_id": "抽查记录",
    "step": "步骤", "due_on": "期限", "done_on": "完成日期", "outcome": "处理结果", "followup_step_id": "后处理步骤",
    "kind": "类别", "given_on": "帮扶日期", "provider": "帮扶单位", "content": "内容", "passed": "合格",
    "enterprise_id": "企业", "product_id": "产品", "certificate_no": "证书编号", "licence_type": "许可类型",
    "category": "类别",
    # plans and draws
    "plan_id": "抽查计划", "task_name": "任务名称", "period": "期间", "period_start": "起始日期",
    "period_end": "截止日期", "seed": "随机数种子", "algorithm": "抽取方法", "pool_filter": "抽取范围条件",
    "pool_ids": "抽取范围", "pool_hash": "抽取范围校验值", "pool_size": "抽取范围企业数", "priority_ids": "优先抽取企业",
    "draw_count": "抽取数量", "drawn_on": "抽取日期", "inspector_pool_hash": "检查人员范围校验值",
    "team_size": "每组人数", "position": "序号",
    # checklists, activities, monthly
    "filled_by": "填写人", "filled_on": "填写日期", "on_date": "日期", "figures": "数据", "year": "年度",
    "sent_on": "报送日期", "sent_note": "报送说明", "unit_kind": "单位类别",
    # master data
    "badge_no": "执法证号", "title": "标题", "body": "正文", "issued_by": "发布单位", "issued_on": "发文日期",
    "published_on": "发布日期", "toml": "表单定义", "version": "版本", "key": "设置项", "value": "值",
    # listings, class decisions, assignments
    "listed_on": "列入日期", "removed_on": "移出日期", "basis": "依据", "recorded_by": "录入人",
    "recorded_on": "录入日期", "cls": "监管类别", "reason": "理由", "decided_by": "决定人", "decided_on": "决定日期",
    "revoked_on": "撤销日期", "revoked_by": "撤销人", "revoke_reason": "撤销理由", "assigned_on": "指定日期",
    # audit entries
    "at": "时间", "actor": "用户", "action": "操作", "table_name": "对象", "record_id": "记录", "detail": "内容",
    # sync metadata
    "deleted": "已删除", "rev": "版本号", "updated_at": "修改时间", "origin": "来源单位", "change_seq": "变更序号",
    "id": "编号", "active": "启用",
}

#: Values of a field that are stored keys, by column (in addition to the audit detail values).
_VALUES: dict[str, dict[str, str]] = {
    "cls": {"routine": "日常监管", "trigger": "触发式监管", "key": "重点监管", "special": "特别监管"},
    "unit_types": {"producer": "生产", "wholesaler": "批发", "retailer": "零售"},
}

#: Columns holding who did something (``system`` / ``cli`` are shown as 系统 / 命令行).
_PEOPLE = frozenset({"actor", "recorded_by", "decided_by", "revoked_by", "sealed_by", "filled_by"})


def field_label(column: str) -> str:
    """The Chinese name of a column (其他字段 for one without a label: never the key)."""
    return FIELD_LABELS.get(column, "其他字段")


def shown(column: str) -> bool:
    """False for legacy columns that are kept in the database but never shown."""
    return column not in LEGACY_FIELDS and not column.startswith("_")


def field_value_text(column: str, value: Any) -> str:
    """A field's value as text, stored keys in Chinese (lists joined, structures as JSON)."""
    if value is None:
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    table = _VALUES.get(column) or FIELD_VALUES.get(column, {})
    if column in _PEOPLE and isinstance(value, str):
        return actor_text(value)
    if column == "unit_types" and isinstance(value, str):
        value = stored_unit_types(value)  # stored as "producer,retailer"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "、".join(table.get(v) or v for v in value)
    if isinstance(value, str):
        return table.get(value, value)
    return json.dumps(value, ensure_ascii=False)


def form_name(form_id: object) -> str:
    """The title of a form (``annex4_producer`` → 山东省产品质量安全监督检查记录表（生产者）)."""
    from qsdesk.domain.formspec import FormSpecError, load_forms

    try:
        forms = load_forms()
    except (FormSpecError, OSError):
        forms = {}
    spec = forms.get(str(form_id))
    return spec.title if spec is not None else "表单"


__all__ = ["FIELD_LABELS", "LEGACY_FIELDS", "field_label", "field_value_text", "form_name", "shown"]
