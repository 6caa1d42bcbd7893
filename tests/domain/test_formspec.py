"""The form spec loader (rejects bad files with file, key and reason) and validate_values."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest

from qsdesk.domain import formspec
from qsdesk.domain.formspec import (
    FormSpecError,
    Problem,
    forms_dir,
    load_all_versions,
    load_form,
    load_form_version,
    load_forms,
    validate_values,
)

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"
ALL_IDS = {"duty_check", "annex3_census", "annex4_producer", "annex5_seller", "annex6_risk", "task_producer", "task_seller"}
GOOD_USCC = "91350100M000100Y43"

HEAD = 'id = "demo"\nversion = 1\ntitle = "演示"\nkind = "inspection"\n'
FIELDS = """
[[sections]]
key = "basic"
title = "基本情况"

[[sections.fields]]
key = "name"
label = "名称"
type = "text"
required = true
"""
CHECKS = """
[[sections]]
key = "checks"
title = "检查记录"
answers = ["发现问题", "未发现问题"]
note_label = "检查发现问题及处置意见"
note_required_on = ["发现问题"]

[[sections.groups]]
key = "1"
title = "生产许可情况"

[[sections.groups.items]]
key = "1.1"
content = "许可证书标注的相关内容是否与实际一致"
"""


def write(tmp_path: Path, text: str, name: str = "demo.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def rejects(tmp_path: Path, text: str, key: str, reason: str, name: str = "demo.toml") -> FormSpecError:
    p = write(tmp_path, text, name)
    with pytest.raises(FormSpecError) as info:
        load_form(p)
    err = info.value
    msg = str(err)
    assert str(p) in msg and err.file == str(p)
    assert err.key == key, msg
    assert reason in err.reason, msg
    assert isinstance(err, ValueError)
    return err


# --- the loader accepts the minimal form --------------------------------------------------------


def test_minimal_form_loads(tmp_path: Path) -> None:
    spec = load_form(write(tmp_path, HEAD + FIELDS + CHECKS))
    assert (spec.id, spec.version, spec.kind) == ("demo", 1, "inspection")
    assert [f.key for f in spec.fields()] == ["name"]
    item = spec.item("1.1")
    assert item.answers == ("发现问题", "未发现问题")
    assert (item.group, item.group_title, item.group_number, item.number) == ("1", "生产许可情况", "1", "1.1")
    assert item.note_required_on == ("发现问题",)
    assert spec.field("name").required
    with pytest.raises(KeyError):
        spec.field("nope")
    with pytest.raises(KeyError):
        spec.item("9.9")


# --- the loader rejects each kind of bad spec, naming file, key and reason ------------------------


def test_rejects_missing_id(tmp_path: Path) -> None:
    rejects(tmp_path, 'version = 1\ntitle = "t"\nkind = "risk"\n' + FIELDS, "id", "missing")


def test_rejects_missing_version(tmp_path: Path) -> None:
    rejects(tmp_path, 'id = "demo"\ntitle = "t"\nkind = "risk"\n' + FIELDS, "version", "missing")


@pytest.mark.parametrize("value", ['"1"', "0", "true", "1.5"])
def test_rejects_bad_version(tmp_path: Path, value: str) -> None:
    text = f'id = "demo"\nversion = {value}\ntitle = "t"\nkind = "risk"\n' + FIELDS
    rejects(tmp_path, text, "version", "positive integer")


def test_rejects_unknown_kind(tmp_path: Path) -> None:
    rejects(tmp_path, HEAD.replace("inspection", "survey") + FIELDS, "kind", "unknown kind 'survey'")


def test_rejects_unknown_field_type(tmp_path: Path) -> None:
    rejects(
        tmp_path,
        HEAD + FIELDS.replace('type = "text"', 'type = "txt"'),
        "fields.name.type",
        "unknown field type 'txt'",
    )


def test_rejects_duplicate_field_key_across_sections(tmp_path: Path) -> None:
    second = FIELDS.replace('key = "basic"', 'key = "more"')
    rejects(tmp_path, HEAD + FIELDS + second, "fields.name", "duplicate key 'name'")


def test_rejects_duplicate_item_key(tmp_path: Path) -> None:
    dup = '\n[[sections.groups.items]]\nkey = "1.1"\ncontent = "另一条"\n'
    rejects(tmp_path, HEAD + CHECKS + dup, "items.1.1", "duplicate key '1.1'")


def test_rejects_duplicate_section_key(tmp_path: Path) -> None:
    other = FIELDS.replace('key = "name"', 'key = "other"')
    rejects(tmp_path, HEAD + FIELDS + other, "sections[1].key", "duplicate key 'basic'")


def test_rejects_choice_without_choices(tmp_path: Path) -> None:
    rejects(
        tmp_path,
        HEAD + FIELDS.replace('type = "text"', 'type = "choice"'),
        "fields.name",
        "choice field without choices",
    )


def test_rejects_choices_on_text_field(tmp_path: Path) -> None:
    text = HEAD + FIELDS + 'choices = ["a", "b"]\n'
    rejects(tmp_path, text, "fields.name.choices", "choices given for a text field")


def test_rejects_duplicate_choice(tmp_path: Path) -> None:
    text = HEAD + FIELDS.replace('type = "text"', 'type = "choice"\nchoices = ["同意", "同意"]')
    rejects(tmp_path, text, "fields.name.choices", "duplicate entry '同意'")


def test_rejects_other_choice_not_in_choices(tmp_path: Path) -> None:
    text = HEAD + FIELDS.replace('type = "text"', 'type = "choice"\nchoices = ["a"]\nother_choice = "其他"')
    rejects(tmp_path, text, "fields.name.other_choice", "not one of the choices")


def test_rejects_table_without_columns(tmp_path: Path) -> None:
    rejects(
        tmp_path,
        HEAD + FIELDS.replace('type = "text"', 'type = "table"'),
        "fields.name",
        "table field without columns",
    )


def test_rejects_duplicate_column_key(tmp_path: Path) -> None:
    col = '\n[[sections.fields.columns]]\nkey = "year"\nlabel = "年度"\ntype = "integer"\n'
    text = HEAD + FIELDS.replace('type = "text"', 'type = "history"') + col + col
    rejects(tmp_path, text, "fields.name.columns.year", "duplicate key 'year'")


def test_rejects_columns_on_non_table(tmp_path: Path) -> None:
    col = '\n[[sections.fields.columns]]\nkey = "year"\nlabel = "年度"\ntype = "integer"\n'
    rejects(tmp_path, HEAD + FIELDS + col, "fields.name.columns", "columns given for a text field")


def test_rejects_item_without_answers(tmp_path: Path) -> None:
    text = HEAD + CHECKS.replace('answers = ["发现问题", "未发现问题"]\n', "").replace(
        'note_required_on = ["发现问题"]\n', ""
    )
    rejects(tmp_path, text, "items.1.1", "item without answers")


def test_rejects_note_required_on_unknown_answer(tmp_path: Path) -> None:
    text = HEAD + CHECKS.replace('note_required_on = ["发现问题"]', 'note_required_on = ["有问题"]')
    rejects(tmp_path, text, "items.1.1.note_required_on", "'有问题' is not one of the item's answers")


def test_rejects_group_without_items(tmp_path: Path) -> None:
    text = HEAD + CHECKS.split("[[sections.groups.items]]")[0]
    rejects(tmp_path, text, "sections.checks.groups.1", "group has no items")


def test_rejects_section_with_fields_and_groups(tmp_path: Path) -> None:
    text = HEAD + CHECKS + '\n[[sections.fields]]\nkey = "x"\nlabel = "x"\ntype = "text"\n'
    rejects(tmp_path, text, "sections.checks", "either fields or checklist groups")


def test_rejects_empty_section(tmp_path: Path) -> None:
    rejects(tmp_path, HEAD + '[[sections]]\nkey = "a"\ntitle = "A"\n', "sections.a", "neither fields nor")


def test_rejects_form_without_sections(tmp_path: Path) -> None:
    rejects(tmp_path, HEAD, "sections", "at least one section")


def test_rejects_unknown_setting(tmp_path: Path) -> None:
    rejects(
        tmp_path,
        HEAD + FIELDS.replace("required = true", "requried = true"),
        "sections.basic.fields[0].requried",
        "unknown setting",
    )


def test_rejects_bad_field_key(tmp_path: Path) -> None:
    rejects(
        tmp_path,
        HEAD + FIELDS.replace('key = "name"', 'key = "Name-1"'),
        "sections.basic.fields[0].key",
        "invalid field key",
    )


def test_rejects_required_when_unknown_field(tmp_path: Path) -> None:
    text = HEAD + FIELDS + 'required_when = { nope = ["x"] }\n'
    rejects(tmp_path, text, "fields.name.required_when", "unknown field 'nope'")


def test_rejects_required_when_value_not_a_choice(tmp_path: Path) -> None:
    opinion = '\n[[sections.fields]]\nkey = "opinion"\nlabel = "意见"\ntype = "choice"\nchoices = ["同意", "有异议"]\n'
    text = HEAD + FIELDS + 'required_when = { opinion = ["反对"] }\n' + opinion
    rejects(tmp_path, text, "fields.name.required_when.opinion", "'反对' is not a choice of 'opinion'")


def test_rejects_invalid_toml(tmp_path: Path) -> None:
    rejects(tmp_path, HEAD + "[[sections]\n", "file", "invalid TOML")


def test_rejects_id_not_matching_file_name(tmp_path: Path) -> None:
    rejects(tmp_path, HEAD + FIELDS, "id", "does not match file name 'other.toml'", name="other.toml")


def test_rejects_versioned_name_with_other_version(tmp_path: Path) -> None:
    rejects(tmp_path, HEAD + FIELDS, "version", "file name says version 2", name="demo.v2.toml")


def test_unknown_form_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QSDESK_FORMS_DIR", str(tmp_path))
    with pytest.raises(FormSpecError, match="no form file for id 'nope'"):
        load_form("nope")


# --- locating forms, versions -------------------------------------------------------------------


def test_forms_dir_source_checkout_env_and_pyinstaller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QSDESK_FORMS_DIR", raising=False)
    assert forms_dir() == FORMS
    bundle = tmp_path / "bundle"
    (bundle / "forms").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert forms_dir() == bundle / "forms"
    monkeypatch.setenv("QSDESK_FORMS_DIR", str(tmp_path / "custom"))
    assert forms_dir() == tmp_path / "custom"


def test_shipped_forms_load_by_id(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QSDESK_FORMS_DIR", raising=False)
    forms = load_forms()
    assert set(forms) == ALL_IDS
    for form_id, spec in forms.items():
        assert load_form(form_id) == spec
        assert spec.kind in formspec.FORM_KINDS
    assert forms["annex3_census"].kind == "census"
    assert forms["annex6_risk"].kind == "risk"
    assert forms["task_seller"].kind == "checklist"


def _version2_of_annex5(tmp_path: Path) -> Path:
    """A county's version 2 of annex 5 with one extra item; version 1 kept as annex5_seller.v1.toml."""
    src = (FORMS / "annex5_seller.toml").read_text(encoding="utf-8")
    (tmp_path / "annex5_seller.v1.toml").write_text(src, encoding="utf-8")
    extra = '\n[[sections.groups.items]]\nkey = "4.3"\ncontent = "是否建立产品质量安全追溯台账"\n'
    marker = '[[sections]]\nkey = "conclusion"'
    v2 = src.replace("version = 1", "version = 2").replace(marker, extra + "\n" + marker)
    (tmp_path / "annex5_seller.toml").write_text(v2, encoding="utf-8")
    return tmp_path


def test_older_versions_stay_loadable(tmp_path: Path) -> None:
    d = _version2_of_annex5(tmp_path)
    latest = load_forms(d)["annex5_seller"]
    assert latest.version == 2
    assert latest.item("4.3").group_title == "产品质量问题处理情况"
    v1 = load_form_version("annex5_seller", 1, d)
    assert v1.version == 1 and len(list(v1.items())) == 12
    assert load_form_version("annex5_seller", 2, d) == latest
    assert set(load_all_versions(d)) == {("annex5_seller", 1), ("annex5_seller", 2)}
    with pytest.raises(FormSpecError, match="version 3 not found"):
        load_form_version("annex5_seller", 3, d)
    # A record made under version 1 validates against version 1, not against the extra item.
    answers = {it.key: "未发现问题" for it in v1.items()}
    assert [p.key for p in validate_values(latest, {}, answers) if p.key.startswith("4.")] == ["4.3"]
    assert not [p for p in validate_values(v1, {}, answers) if p.key.startswith("4.")]


def test_same_version_twice_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, HEAD + FIELDS, "demo.toml")
    write(tmp_path, HEAD + FIELDS, "demo.v1.toml")
    with pytest.raises(FormSpecError, match="demo version 1 also defined in"):
        load_forms(tmp_path)


# --- validate_values -----------------------------------------------------------------------------


def annex4_complete() -> tuple[dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {
        "name": "济南某某电线电缆有限公司",
        "address": {
            "province": "山东省",
            "city": "济南市",
            "county": "历城区",
            "town": "王舍人街道",
            "detail": "工业北路1号",
        },
        "uscc": GOOD_USCC,
        "legal_representative": "张三",
        "contact": "李四 0531-88001234",
        "business_status": "正常经营",
        "main_products": "电线电缆",
        "inspected_products": "BV 2.5mm² 电线",
        "licence_types": ["工业产品生产许可证"],
        "licence_numbers": "XK06-001-00001",
        "sampling_history": [{"year": 2023, "result": "合格", "follow_up": ""}],
        "inspection_history": [{"year": "2024", "result": "未发现问题", "disposal": ""}],
        "other_notes": "",
        "result": "未发现问题",
        "opinion": "同意",
        "inspectors": ["王五", "赵六"],
        "inspector_phone": "13800138000",
        "inspection_date": dt.date(2026, 11, 23),
    }
    answers: dict[str, Any] = {
        it.key: {"answer": "未发现问题", "note": ""} for it in load_form("annex4_producer").items()
    }
    return values, answers


def keys(problems: list[Problem]) -> list[str]:
    return [p.key for p in problems]


def test_complete_annex4_has_no_problems() -> None:
    values, answers = annex4_complete()
    assert validate_values(load_form("annex4_producer"), values, answers, inspectors=["王五", "赵六"]) == []


def test_empty_annex4_lists_required_fields_and_items_in_form_order() -> None:
    spec = load_form("annex4_producer")
    problems = validate_values(spec, {}, {})
    required = [
        "name",
        "address",
        "uscc",
        "contact",
        "business_status",
        "inspected_products",
        "result",
        "inspectors",
        "inspector_phone",
        "inspection_date",
    ]
    assert keys(problems) == required + [it.key for it in spec.items()]
    assert all(p.message for p in problems)
    assert problems[0] == Problem("name", "名称", "必填项未填写")
    assert problems[len(required)].message == "检查结果未选择"
    assert problems[len(required)].label == "1.1 许可证书标注的相关内容是否与实际一致"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("inspection_date", "2026-13-01", "日期格式不正确"),
        ("inspection_date", "明天", "日期格式不正确"),
        ("uscc", "91350100M000100Y44", "校验"),
        ("uscc", "123", "18位"),
        ("business_status", "停业", "不是可选项"),
        ("licence_types", ["许可证"], "不是可选项"),
        ("inspector_phone", "12345", "电话号码格式不正确"),
        ("inspector_phone", "12800138000", "手机号码格式不正确"),
        ("inspectors", ["王五"], "至少需要2名检查人员"),
        ("inspectors", ["王五", "王五"], "检查人员不能重复"),
        ("inspectors", ["王五", "钱七"], "“钱七”不是本所登记的检查人员"),
    ],
)
def test_invalid_values(key: str, value: Any, message: str) -> None:
    values, answers = annex4_complete()
    values[key] = value
    problems = validate_values(load_form("annex4_producer"), values, answers, inspectors=["王五", "赵六"])
    assert keys(problems) == [key]
    assert message in problems[0].message, problems[0].message


def test_date_accepts_iso_string_and_datetime() -> None:
    values, answers = annex4_complete()
    spec = load_form("annex4_producer")
    for good in ("2026-11-23", dt.datetime(2026, 11, 23, 9, 30)):
        values["inspection_date"] = good
        assert validate_values(spec, values, answers) == []


def test_other_choice_needs_its_text() -> None:
    values, answers = annex4_complete()
    spec = load_form("annex4_producer")
    values["business_status"] = "其他"
    problems = validate_values(spec, values, answers)
    assert keys(problems) == ["business_status_other"]
    assert "请填写具体情况" in problems[0].message
    values["business_status_other"] = "季节性停产"
    assert validate_values(spec, values, answers) == []


def test_dissent_needs_its_text_and_licence_its_number() -> None:
    values, answers = annex4_complete()
    spec = load_form("annex4_producer")
    values["opinion"] = "有异议"
    del values["licence_numbers"]
    assert keys(validate_values(spec, values, answers)) == ["licence_numbers", "opinion_text"]
    values["licence_types"] = []
    values["opinion_text"] = "对检查结果有异议"
    assert validate_values(spec, values, answers) == []


def test_found_problem_needs_a_note() -> None:
    values, answers = annex4_complete()
    spec = load_form("annex4_producer")
    answers["2.1"] = {"answer": "发现问题", "note": "  "}
    values["result"] = "发现问题待后续处理"  # else the form's rules flag the result too
    problems = validate_values(spec, values, answers)
    assert keys(problems) == ["2.1"]
    assert problems[0].message == "选择“发现问题”时须填写检查发现问题及处置意见"
    answers["2.1"] = {"answer": "发现问题", "note": "未见进货验收记录，责令整改"}
    assert validate_values(spec, values, answers) == []
    answers["2.1"] = "未发现问题"  # a plain string is an answer without a note
    values["result"] = "未发现问题"
    assert validate_values(spec, values, answers) == []


def test_not_applicable_only_where_the_annex_offers_it() -> None:
    spec = load_form("annex5_seller")
    answers = {it.key: "本条不适用" for it in spec.items()}
    bad = [p for p in validate_values(spec, {}, answers) if p.key[0].isdigit()]
    assert [p.key for p in bad] == [it.key for it in spec.items() if it.key != "2.1"]
    assert "不是本条可选的结果" in bad[0].message


def test_unknown_answer_key_is_reported() -> None:
    values, answers = annex4_complete()
    answers["9.9"] = "未发现问题"
    problems = validate_values(load_form("annex4_producer"), values, answers)
    assert keys(problems) == ["9.9"]


def test_history_rows_are_checked_cell_by_cell() -> None:
    values, answers = annex4_complete()
    spec = load_form("annex4_producer")
    values["sampling_history"] = [{"year": "二〇二三", "result": "合格"}, {}, {"year": "", "result": ""}]
    problems = validate_values(spec, values, answers)
    assert problems == [Problem("sampling_history[0].year", "近三年监督抽查情况 第1行 年度", "应填写整数")]
    values["sampling_history"] = [{"year": y} for y in (2021, 2022, 2023, 2024)]
    assert [p.message for p in validate_values(spec, values, answers)] == ["最多填写3行"]
    values["sampling_history"] = "2023 合格"
    assert [p.message for p in validate_values(spec, values, answers)] == ["表格数据格式不正确"]


def test_census_products_table() -> None:
    spec = load_form("annex3_census")
    values: dict[str, Any] = {
        "name": "某某五金店",
        "uscc": GOOD_USCC,
        "premises": "山东省济南市历城区王舍人街道",
        "domain": "流通",
        "status": "在产在营",
        "phone": "0531-88001234",
        "products": [
            {"name": "插座", "licence_type": "CCC", "certificate_no": "2020010201234567"},
            {"category": "电器附件", "licence_type": "生产许可"},
        ],
    }
    assert validate_values(spec, values, {}) == [
        Problem("products[1].name", "产品 第2行 产品名称", "必填项未填写"),
        Problem(
            "products[1].licence_type",
            "产品 第2行 证书类型",
            "“生产许可”不是可选项（可选：工业产品生产许可证、CCC、其他）",
        ),
    ]


def test_risk_report_sources_are_a_list() -> None:
    spec = load_form("annex6_risk")
    values: dict[str, Any] = {
        "sources": ["投诉、举报", "国外通报"],
        "product_name": "电动自行车",
        "description": "充电器过热",
    }
    assert validate_values(spec, values, {}) == []
    values["sources"] = "投诉、举报"
    assert keys(validate_values(spec, values, {})) == ["sources"]
    values["sources"] = []
    assert [p.message for p in validate_values(spec, values, {})] == ["必填项未填写"]


def test_task_checklist_remark_may_stand_in_for_the_result() -> None:
    spec = load_form("task_producer")
    values = {
        "filler": "王舍人市场监管所 王五",
        "fill_date": "2026-11-23",
        "tier": "乡",
        "grade": "D",
        "unit_name": "某某厂",
    }
    answers: dict[str, Any] = {it.key: "√" for it in spec.items()}
    answers["2.4"] = {"answer": None, "note": "本月无隐患"}
    answers["2.5"] = {"answer": None, "note": ""}
    answers["3.1"] = "是"
    problems = validate_values(spec, values, answers)
    assert [(p.key, p.message) for p in problems] == [
        ("2.5", "检查结果未选择"),
        ("3.1", "“是”不是本条可选的结果（可选：√、×）"),
    ]
    values["risk_points"] = [{"item": "原材料铜材含量", "result": "√"}, {"result": "×", "remark": "待核实"}]
    problems = validate_values(spec, values, {it.key: "×" for it in spec.items()})
    assert problems == [
        Problem(
            "risk_points[1].item", "关键风险点和风险管控事项 第2行 关键风险点或风险管控事项", "必填项未填写"
        )
    ]
