"""Every field type of the registry has an editor, a PDF renderer and a converter."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from qsdesk.domain import fieldtypes
from qsdesk.domain.formspec import FIELD_TYPES, Field, load_forms
from qsdesk.services.printing import layout
from qsdesk.ui.forms import widget

#: A value of each type as a filled form stores it, and its plain text.
SAMPLES: dict[str, tuple[Any, str]] = {
    "text": ("济南示例食品有限公司", "济南示例食品有限公司"),
    "multiline": ("第一行\n第二行", "第一行\n第二行"),
    "date": ("2024-05-31", "2024-05-31"),
    "phone": ("0531-88888888", "0531-88888888"),
    "uscc": ("91350100M000100Y43", "91350100M000100Y43"),
    "number": (12.5, "12.5"),
    "integer": (2024, "2024"),
    "choice": ("甲", "甲"),
    "multichoice": (["甲", "乙"], "甲、乙"),
    "address": ({"province": "山东省", "city": "济南市", "county": "", "town": "", "detail": "经十路1号"},
                "山东省济南市 经十路1号"),
    "table": ([{"c": "电线"}, {"c": ""}], "电线"),
    "history": ([{"c": "2023"}], "2023"),
    "signature": ({"strokes": [[[0, 0], [1, 1]]]}, "已签名"),
    "attachment": ([{"filename": "照片.jpg"}], "照片.jpg"),
    "inspector": (["张三", "李四"], "张三、李四"),
}


def field_of(type_name: str) -> Field:
    kind = fieldtypes.field_type(type_name)
    return Field(key="f", label="字段", type=type_name,
                 choices=("甲", "乙") if kind.has_choices else (),
                 multiple=type_name in ("multichoice", "inspector"),
                 columns=(Field(key="c", label="列", type="text"),) if kind.tabular else ())


def test_the_registry_is_what_the_specs_may_use() -> None:
    assert set(fieldtypes.REGISTRY) == FIELD_TYPES == set(SAMPLES)
    used = {f.type for spec in load_forms().values() for f in spec.fields()}
    used |= {c.type for spec in load_forms().values() for f in spec.fields() for c in f.columns}
    assert used <= FIELD_TYPES


@pytest.mark.parametrize("type_name", sorted(fieldtypes.REGISTRY))
def test_every_type_has_an_editor(qapp, store, type_name: str) -> None:
    assert type_name in widget.EDITORS
    parent = QWidget()
    f = field_of(type_name)
    editor = widget.make_editor(f, parent, store=store, inspectors=[("i1", "张三", None), ("i2", "李四", None)])
    assert editor.focus_widget() is not None
    if type_name not in ("signature", "attachment"):  # set from strokes / files, not from a value
        value, _text = SAMPLES[type_name]
        editor.set_value(value)
        got = editor.value()
        kind = fieldtypes.field_type(type_name)
        if kind.tabular:
            assert kind.parse(got) == kind.parse(value)
        else:
            assert kind.to_text(f, got) == kind.to_text(f, value), (got, value)
    parent.deleteLater()


@pytest.mark.parametrize("type_name", sorted(fieldtypes.REGISTRY))
def test_every_type_has_a_renderer(type_name: str) -> None:
    from qsdesk.resources import register_reportlab_fonts

    register_reportlab_fonts()
    assert type_name in layout.RENDERERS
    f = field_of(type_name)
    value, text = SAMPLES[type_name]
    filled = layout.Filled(values={"f": value}, inspector_names={})
    printed = layout.format_text(f, value, filled, 200.0)
    assert isinstance(printed, str)
    if type_name in ("text", "phone", "uscc", "number", "integer", "attachment", "inspector"):
        assert printed == text
    if type_name == "date":
        assert printed == "2024 年 5 月 31 日"
    if type_name in ("choice", "multichoice"):  # every option printed, the chosen ones ticked
        assert f"{layout.box(True)}甲" in printed and f"{layout.box(type_name == 'multichoice')}乙" in printed


@pytest.mark.parametrize("type_name", sorted(fieldtypes.REGISTRY))
def test_every_type_converts_to_text_and_back(type_name: str) -> None:
    kind = fieldtypes.field_type(type_name)
    f = field_of(type_name)
    value, text = SAMPLES[type_name]
    assert kind.to_text(f, value) == text
    assert kind.validate(f, value, ["张三", "李四"]) is None
    assert kind.parse(None) is None and kind.parse("  ") is None
    if not kind.tabular and type_name not in ("address", "signature", "attachment", "inspector"):
        assert kind.to_text(f, kind.parse(text)) == text  # a typed or imported text reads back


@pytest.mark.parametrize("type_name", sorted(fieldtypes.REGISTRY))
def test_every_type_has_an_excel_converter(type_name: str) -> None:
    from qsdesk.services.excel.cells import CELL_TYPES
    from qsdesk.services.excel.fields import FieldSpec

    assert type_name in CELL_TYPES
    kind = fieldtypes.field_type(type_name)
    f = field_of(type_name)
    spec = FieldSpec("f", "字段", type_name, choices=f.choices)
    cell = CELL_TYPES[type_name]
    assert cell.column_kind in ("text", "code", "date", "number")
    assert cell.read(spec, None, {}) is None
    value, text = SAMPLES[type_name]
    if type_name in ("table", "history", "signature", "attachment"):  # never one cell of a list
        with pytest.raises(ValueError, match="不能从 Excel 单元格导入"):
            cell.read(spec, text, {})
        return
    if type_name == "inspector":  # one person per cell, stored as the inspector's id
        assert cell.read(spec, "张 三", {"张三": "i1"}) == "i1"
        with pytest.raises(ValueError, match="检查人员名单中没有“王五”"):
            cell.read(spec, "王五", {"张三": "i1"})
        return
    got = cell.read(spec, text, {})
    if type_name in ("choice", "multichoice"):
        with pytest.raises(ValueError, match="只能填：甲、乙"):
            cell.read(spec, "丙", {})
    if type_name == "address":
        assert got == {"detail": text}
    elif type_name == "number":  # amounts are kept to the fen
        assert got == Decimal(text)
    else:
        assert kind.to_text(f, got) == text, got
