"""The audit trail as a person reads it: table names, detail fields and stored values in Chinese.

Services record details under short English keywords (``audit.record(..., done_on=..., step=...)``)
and some values are stored keys (``status="sealed"``, ``kind="registry"``). Every place that shows
the trail (the 操作日志 panel, a record's history, ``qsdesk audit-log``) goes through
:func:`detail_text` / :func:`table_text`, so no program key reaches a person. A test walks every
``audit.record`` call in the source and fails on a keyword missing from :data:`DETAIL_LABELS`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from qsdesk.services.help_ledger import HELP_KINDS
from qsdesk.services.risk import LINK_ROLES, STATUS_LABELS

#: Table (``audit_entry.table_name``) → what the record is called.
TABLE_TEXT: dict[str | None, str] = {
    None: "",
    "node": "本单位", "setting": "设置", "counter": "编号计数", "draft": "草稿", "account": "账号",
    "blob_file": "附件文件", "sync_peer_state": "同步状态", "bundle_log": "数据包记录", "sync_conflict": "同步冲突",
    "inspector": "检查人员", "enterprise": "企业档案", "product": "产品", "supervisor_assignment": "责任监管人员",
    "enforcement_case": "立案查处", "inspection": "检查记录", "signature": "签名", "attachment_link": "附件",
    "risk_report": "风险信息", "sampling": "监督抽查", "followup_step": "后处理", "risk_report_link": "风险信息关联",
    "inspection_plan": "双随机抽查计划", "plan_item": "抽查对象", "help_record": "帮扶台账",
    "task_checklist": "任务清单", "activity": "工作记录", "audit_entry": "操作日志", "key_product": "重点产品目录",
    "notice": "通知", "form_version": "表单版本", "enterprise_listing": "列异列严名单",
    "class_decision": "监管类别决定", "enterprise_class": "监管类别", "county_setting": "县局设置",
    "monthly_report": "月度统计表", "bundle": "同步数据包", "duty_check": "督查清单", "holiday_schedule": "节假日安排",
}

#: Detail keyword → its Chinese label. Details already recorded in Chinese need no entry.
DETAIL_LABELS: dict[str, str] = {
    "station": "市场监管所", "checked_on": "督查日期", "products_inserted": "新增产品", "products_updated": "更新产品",
    "holidays": "放假日期", "workdays": "调休上班日期",
    "active": "启用", "amends": "更正的记录", "assigned_on": "指定日期", "assignment_id": "指定记录",
    "before": "原值", "choice": "处理方式", "code": "单位代码", "conflict_id": "冲突记录", "conflicts": "冲突",
    "consecutive": "连续不合格次数", "content_hash": "内容校验值", "copies": "份数", "count": "数量",
    "deadlines_moved": "顺延的期限", "done_on": "完成日期", "due_on": "期限", "end": "截止日期",
    "enterprises": "企业数", "escalation": "监管升级", "field": "项目", "file": "文件", "filename": "文件",
    "fingerprint": "公钥指纹", "followup_closed_on": "后处理办结日期", "followup_reopened": "后处理重新打开",
    "form_id": "表单", "form_version": "表单版本", "grade": "分级", "inserted": "新增", "inspection": "检查记录",
    "inspections": "检查记录数", "inspector_id": "检查人员", "inspectors": "检查人员数", "kind": "类别",
    "late": "逾期", "level": "抽查层级", "linked": "关联企业", "month": "月份", "name": "名称", "new": "新值",
    "note": "备注", "on": "日期", "outcome": "处理结果", "owner": "所属记录", "penalty": "处罚",
    "period": "期间", "pool_hash": "抽取范围校验值", "pool_size": "抽取范围", "previous_inspector_id": "原责任人",
    "products": "产品数", "reason": "原因", "record_id": "记录", "record_no": "编号", "recorded_on": "录入日期",
    "refused": "拒检", "rejected_rows": "未导入行数", "reopened": "重新打开", "replaced": "替换",
    "report_delivered_on": "报告送达日期", "reprint": "重印次数", "result": "结果", "role": "身份",
    "rows": "行数", "safety_backup": "恢复前备份", "sampling_id": "抽查记录", "samplings": "抽查数",
    "sealed_by": "封存人", "seed": "随机数种子", "sender": "发送单位", "sent_on": "报送日期", "seq": "序号",
    "setting": "设置项", "sha256": "校验值", "sheet": "工作表", "source": "来源", "sources": "来源",
    "start": "起始日期", "status": "状态", "status_from": "原状态", "status_to": "新状态", "step": "步骤",
    "steps": "步骤数", "title": "标题", "to": "接收单位", "unchanged": "未变", "unfounded": "不属实",
    "unlinked": "取消关联", "updated": "更新", "value": "值", "version": "版本", "warnings": "提示",
    "wet_ink": "手写签名", "what": "事项", "workstation": "工作站", "year": "年度",
    "keys_sealed": "用口令加密保存的密钥（个）",
}

#: Stored values that are keys → Chinese, per detail keyword (the same key can mean different
#: things: ``other`` is 采用对方 for a conflict's choice, 其他 for a risk link's role).
FIELD_VALUES: dict[str, dict[str, str]] = {
    "status": {"draft": "草稿", "sealed": "已封存", **STATUS_LABELS},
    "status_from": dict(STATUS_LABELS),
    "status_to": dict(STATUS_LABELS),
    "escalation": {"routine": "日常监管", "key": "重点监管", "special": "特别监管", "none": "无"},
    "role": {"chief": "所长", "inspector": "检查人员", "enterprise": "企业", **LINK_ROLES},
    "field": {"password": "密码", "password_reset": "重置密码", "key_passphrase": "密钥口令"},
    "what": {"enrol": "登记本机"},
    "choice": {"kept": "保留本机", "other": "采用对方"},
    "source": {"demo": "演示数据"},
    "kind": {
        "station": "市场监管所", "county": "县级局", "data": "数据", "receipt": "回执",
        "registry": "企业档案", "ledger": "检查台账", "risks": "风险信息", "samplings": "抽查结果",
        "followups": "后处理", "annual_lists": "年度名单", "abnormal": "经营异常名录",
        "serious": "严重违法失信名单", **HELP_KINDS,
    },
}
_NUMBERED_ROLE = re.compile(r"^inspector(\d+)$")

_KEY = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


#: Actors that are not people's user names.
ACTOR_TEXT = {"system": "系统", "cli": "命令行"}


def actor_text(actor: object) -> str:
    """Who acted, as shown: a user name, or 系统 / 命令行."""
    text = "" if actor is None else str(actor)
    return ACTOR_TEXT.get(text, text)


def table_text(value: object) -> str:
    """The Chinese name of an audited table (``followup_step`` → 后处理)."""
    if value is None:
        return ""
    return TABLE_TEXT.get(str(value), "其他记录")


def label(key: str) -> str:
    """The Chinese label of a detail keyword; a keyword without one is shown as 其他, never raw."""
    if _KEY.match(key):
        return DETAIL_LABELS.get(key, "其他")
    return key


def value_text(value: Any, key: str = "") -> str:
    """A detail value as text: booleans 是/否, stored keys in Chinese (by the detail's keyword),
    lists joined."""
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "、".join(value_text(v, key) for v in value)
    if isinstance(value, Mapping):
        return detail_text(value)
    text = str(value)
    if key == "role" and (m := _NUMBERED_ROLE.match(text)):
        return f"检查人员{m.group(1)}"
    return FIELD_VALUES.get(key, {}).get(text, text)


def detail_text(value: object) -> str:
    """One audit entry's detail as a line: ``完成日期：2026-10-12，步骤：送达检验报告``."""
    if isinstance(value, Mapping):
        return "，".join(f"{label(str(k))}：{value_text(v, str(k))}" for k, v in value.items())
    return "" if value is None else value_text(value)


__all__ = ["ACTOR_TEXT", "DETAIL_LABELS", "FIELD_VALUES", "TABLE_TEXT", "actor_text", "detail_text", "label", "table_text", "value_text"]
