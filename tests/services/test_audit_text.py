"""The audit trail and record fields as shown: Chinese labels, stored keys translated by context."""

from __future__ import annotations

from qsdesk.services import audit_text, field_labels


def test_detail_text_translates_keys_by_their_field() -> None:
    text = audit_text.detail_text({"step": "送达检验报告", "done_on": "2026-10-12", "status": "sealed",
                                   "role": "inspector2", "choice": "other", "reopened": True, "理由": "复查"})
    assert text == ("步骤：送达检验报告，完成日期：2026-10-12，状态：已封存，身份：检查人员2，处理方式：采用对方，"
                    "重新打开：是，理由：复查")
    assert audit_text.detail_text({"role": "other"}) == "身份：其他"  # a risk link's role, not a conflict choice
    assert audit_text.detail_text({"status_from": "collected", "status_to": "verified"}) == "原状态：已采集，新状态：已核实"
    assert audit_text.detail_text({"brand_new_key": 1}) == "其他：1"  # never the raw key
    assert audit_text.table_text("followup_step") == "后处理" and audit_text.table_text(None) == ""
    assert audit_text.table_text("some_new_table") == "其他记录"
    assert audit_text.actor_text("system") == "系统" and audit_text.actor_text("王站长") == "王站长"


def test_field_values() -> None:
    assert field_labels.field_label("responsible_inspector_id") == "责任监管人员"
    assert field_labels.field_value_text("unit_types", "producer,retailer") == "生产、零售"
    assert field_labels.field_value_text("cls", "special") == "特别监管"
    assert field_labels.field_value_text("status", "sealed") == "已封存"
    assert field_labels.field_value_text("staff", None) == "（空）"
    assert field_labels.field_value_text("deleted", True) == "是"
    assert field_labels.field_value_text("recorded_by", "cli") == "命令行"
    assert not field_labels.shown("supervision_class") and field_labels.shown("staff")
