"""The speed paths of the Excel import and export give exactly what the plain paths give.

The import converts cells through per-column fast paths (falling back to the full cleaning);
they must agree with ``_Validator.convert`` on any input. The export writes its own xlsx XML;
openpyxl and the import's reader must read back every kind of value it writes.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from qsdesk.domain.uscc import check_digit
from qsdesk.services.excel.fields import ENTERPRISE_FIELDS, FIELDS_BY_KEY
from qsdesk.services.excel.importer import _row_kind, _Validator
from qsdesk.services.excel.reader import detect_layout, iter_data_rows, open_workbook
from qsdesk.services.excel.xlsx_writer import XlsxWriter
from tests.services.excel_factory import code

# characters the cleaning treats specially, mixed with ordinary ones
_TRICKY = (" \t\n\r\v\f\u3000\u00a0\u2028\x85\x1f０９ＡＺａｚ－—-+()（）转,/、" "abcXYZ019" "济南公司计合"
           "*＊:：")
_texts = st.text(alphabet=st.sampled_from(_TRICKY), max_size=24)
_cells = st.one_of(_texts, st.integers(-5, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                   st.just(code(5)), st.just(code(5).lower()), st.just(" " + code(6)))


def _outcome(fn: Any, raw: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(raw)
    except ValueError as exc:
        return "error", str(exc)


_VALIDATOR = _Validator({"张伟": "id-zhang"})
_SPECS = [f for f in ENTERPRISE_FIELDS if f.importable]
_CONVERTERS = {f.key: _VALIDATOR.converter(f) for f in _SPECS}


@pytest.mark.parametrize("spec", _SPECS, ids=lambda f: f.key)
@given(raw=_cells)
def test_column_fast_paths_agree_with_convert(spec, raw: Any) -> None:
    fast = _outcome(_CONVERTERS[spec.key], raw)
    slow = _outcome(lambda r: _VALIDATOR.convert(spec, r), raw)
    assert fast == slow
    if fast[0] == "ok":  # a memoised column answers the same again
        assert _outcome(_CONVERTERS[spec.key], raw) == slow


def test_text_fast_path_limits_length() -> None:
    conv = _VALIDATOR.converter(FIELDS_BY_KEY["legal_rep"])
    with pytest.raises(ValueError, match="超过 64 个字"):
        conv("甲" * 65)


def _row_kind_reference(values: tuple[Any, ...]) -> str | None:
    """The plain definition the fast _row_kind must match."""
    from qsdesk.services.excel.normalize import header_key

    words = ("合计", "总计", "小计", "共计", "累计")
    footers = ("注", "说明", "填表", "制表", "审核", "备注", "单位负责人", "填报", "统计人", "负责人：")
    texts = [str(v).strip() for v in values if v is not None and str(v).strip() != ""]
    if not texts:
        return "blank"
    for t in texts[:3]:
        k = header_key(t)
        if k in words or any(k.startswith(w) for w in words):
            return "total"
    if len(texts) == 1 and header_key(texts[0]).startswith(footers):
        return "footer"
    return None


_row_cells = st.one_of(st.none(), st.integers(0, 99), st.sampled_from(
    ["合计", " 合 计 ", "总计：", "小计(元)", "累计", "注：本表", "说明", "填报人", "负责人：王", "甲公司", "", "  ",
     "共计", "设计院", "合\u3000计"]))


@given(values=st.lists(_row_cells, max_size=8))
def test_row_kind_matches_plain_definition(values: list[Any]) -> None:
    assert _row_kind(tuple(values)) == _row_kind_reference(tuple(values))


# --------------------------------------------------------------------------- export writer


def test_writer_values_read_back_by_openpyxl_and_by_the_import_reader(tmp_path: Path) -> None:
    out = tmp_path / "w.xlsx"
    wb = XlsxWriter(out)
    rows: list[list[Any]] = [
        [code(1), "甲 & <乙> \"公司\"", 12, 2.5, date(2024, 3, 5), datetime(2024, 3, 5, 8, 30), True,
         Decimal("1200.50"), "0012"],
        [913701120000000012, "  前后空格 ", -3, 1e16, None, None, False, Decimal("7"), 12],
        ["X", "控制\x01字符\x1f去掉", None, float("nan"), date(1900, 1, 1), None, None, None, ""],
    ]
    n = wb.write_sheet("名单<1>", ["代码", "名称", "数量", "小数", "日期", "时间", "是否", "金额", "编号"], rows,
                       widths=[22, 30, 8, 8, 12, 18, 6, 10, 8],
                       codes=[True, False, False, False, False, False, False, False, True])
    wb.write_sheet("第二页", ["甲"], [])
    wb.save()
    assert n == 3 and out.exists() and not out.with_name("w.xlsx.part").exists()
    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None

    book = load_workbook(out)
    assert book.sheetnames == ["名单<1>", "第二页"]
    ws = book["名单<1>"]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 22 and ws.column_dimensions["B"].width == 30
    assert [c.value for c in ws[1]] == ["代码", "名称", "数量", "小数", "日期", "时间", "是否", "金额", "编号"]
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFDDEBF7" and ws["A1"].alignment.wrap_text
    r2 = [c.value for c in ws[2]]
    assert r2 == [code(1), "甲 & <乙> \"公司\"", 12, 2.5, datetime(2024, 3, 5), datetime(2024, 3, 5, 8, 30),
                  True, 1200.5, "0012"]
    assert ws["A2"].data_type == "s" and ws["A2"].number_format == "@"
    assert ws["I2"].data_type == "s" and ws["I2"].number_format == "@"
    assert ws["E2"].is_date and ws["E2"].number_format == "yyyy-mm-dd"
    r3 = [c.value for c in ws[3]]
    assert r3[:4] == ["913701120000000012", "  前后空格 ", -3, 1e16]  # a number in a code column: text
    assert ws["A3"].data_type == "s" and r3[6] is False and r3[7] == 7 and r3[8] == "12"
    r4 = [c.value for c in ws[4]]
    assert r4[1] == "控制字符去掉" and r4[3] == "nan" and r4[4] == datetime(1900, 1, 1)
    assert ws.max_row == 4
    assert book["第二页"].max_row == 1

    reader = open_workbook(out)
    try:
        rows_back = list(reader.iter_rows("名单<1>", min_row=2))
    finally:
        reader.close()
    assert rows_back[0][:4] == (code(1), "甲 & <乙> \"公司\"", 12, 2.5)
    assert rows_back[0][4] in (date(2024, 3, 5), datetime(2024, 3, 5))
    assert rows_back[1][1] == "  前后空格 "


def test_writer_failure_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"

    def rows() -> Any:
        yield ["a"]
        raise RuntimeError("database gone")

    wb = XlsxWriter(out)
    with pytest.raises(RuntimeError):
        wb.write_sheet("表", ["甲"], rows())
    wb.discard()
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="工作表名称无效"):
        XlsxWriter(tmp_path / "y.xlsx").write_sheet("a/b", [], [])


def test_writer_without_path_saves_through_a_temporary_file(tmp_path: Path) -> None:
    wb = XlsxWriter()
    wb.write_sheet("表", ["甲", "乙"], [[1, "x"]])
    wb.save(tmp_path / "sub" / "t.xlsx")
    assert load_workbook(tmp_path / "sub" / "t.xlsx").active["B2"].value == "x"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["t.xlsx"]


# --------------------------------------------------------------------------- import reader


def test_reader_keeps_sheet_positions_when_data_starts_off_a1(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws["C3"] = "企业名称"
    ws["D3"] = "统一社会信用代码"
    ws["C4"] = "甲公司"
    ws["D4"] = code(1)
    ws["E4"] = 35.0
    ws["F4"] = datetime(2024, 3, 5)
    p = tmp_path / "off.xlsx"
    wb.save(p)
    book = open_workbook(p)
    try:
        layout = detect_layout(book)
        assert layout.header_row == 3
        assert [(c.index, c.letter, c.field.key if c.field else None) for c in layout.columns] == [
            (2, "C", "name"), (3, "D", "uscc")]
        (rno, values), = list(iter_data_rows(book, layout))
        assert rno == 4
        assert values[:4] == (None, None, "甲公司", code(1))
        assert values[4] == 35 and type(values[4]) is int  # a whole number comes back as int
        assert values[5] in (date(2024, 3, 5), datetime(2024, 3, 5))
    finally:
        book.close()


_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_codes = st.text(alphabet=st.sampled_from(_ALPHABET + "IOZSVa -"), min_size=16, max_size=19)


@given(raw=st.one_of(_codes, st.builds(lambda body: body + check_digit(body),
                                       st.text(alphabet=st.sampled_from(_ALPHABET), min_size=17, max_size=17))))
def test_credit_code_fast_check_agrees_with_domain_validate(raw: str) -> None:
    from qsdesk.domain.uscc import validate

    conv = _CONVERTERS["uscc"]
    assert _outcome(conv, raw) == _outcome(lambda r: _VALIDATOR.convert(FIELDS_BY_KEY["uscc"], r), raw)
    assert _outcome(conv, raw)[0] == _outcome(validate, raw)[0]


def test_imported_rows_are_stored_as_the_orm_stores_them(store, tmp_path: Path) -> None:
    """The import writes through the driver directly: same stored values and types as the ORM."""
    from sqlalchemy import text

    from qsdesk.services.excel.importer import import_file
    from qsdesk.store.models import Enterprise
    from tests.services.excel_factory import row, simple_book

    import_file(store, simple_book(tmp_path / "a.xlsx", [row(1), row(2, 联系电话="1")]))
    import_file(store, simple_book(tmp_path / "b.xlsx", [row(2, 联系电话="13900000000", 地址="新地址")]))
    with store.transaction() as s:
        imported = s.scalars(select(Enterprise).where(Enterprise.uscc == code(1))).one()
        twin = Enterprise(**{c.key: getattr(imported, c.key) for c in Enterprise.__table__.columns
                             if c.key not in ("id", "uscc")}, uscc=code(9))
        s.add(twin)
    cols = ", ".join(f"typeof({c.name}), {c.name}" for c in Enterprise.__table__.columns
                     if c.name not in ("id", "uscc", "updated_at", "change_seq"))
    with store.session() as s:
        a = s.execute(text(f"SELECT {cols}, typeof(updated_at), length(updated_at) FROM enterprise WHERE uscc = :c"),
                      {"c": code(1)}).one()
        b = s.execute(text(f"SELECT {cols}, typeof(updated_at), length(updated_at) FROM enterprise WHERE uscc = :c"),
                      {"c": code(9)}).one()
        assert tuple(a) == tuple(b)
        updated = s.scalars(select(Enterprise).where(Enterprise.uscc == code(2))).one()
        assert updated.phone == "13900000000" and updated.address == "新地址" and updated.rev == 2
        hits = s.execute(text("SELECT count(*) FROM enterprise_search WHERE body LIKE '%新地址%'")).scalar()
        assert hits == 1  # the search index follows the changed address


def test_chart_sheet_before_the_data_is_passed_over(store, tmp_path: Path) -> None:
    from openpyxl.chart import BarChart, Reference

    from qsdesk.services.excel.importer import import_file
    from tests.services.excel_factory import HEADERS, row

    wb = Workbook()
    data = wb.active
    data.title = "名单"
    data.append(HEADERS)
    data.append(row(1))
    chart_sheet = wb.create_chartsheet("图表", 0)
    chart = BarChart()
    chart.add_data(Reference(data, min_col=9, min_row=1, max_row=2), titles_from_data=True)
    chart_sheet.add_chart(chart)
    p = tmp_path / "chart.xlsx"
    wb.save(p)
    plan, res = import_file(store, p)
    assert plan.layout.sheet == "名单" and res is not None and res.inserted == 1
    assert not any("多个工作表" in n for n in plan.notices)  # a chart is not a second list


def test_core_write_path_without_update_from(store, tmp_path: Path, monkeypatch) -> None:
    """SQLite before 3.33 (no UPDATE … FROM) and other databases write through SQLAlchemy Core."""
    import types

    from qsdesk.services.excel import import_apply, importer
    from qsdesk.store.models import Enterprise
    from tests.services.excel_factory import row, simple_book

    monkeypatch.setattr(import_apply, "sqlite3", types.SimpleNamespace(sqlite_version_info=(3, 31, 1)))
    importer.import_file(store, simple_book(tmp_path / "a.xlsx", [row(1), row(2)]))
    _plan, res = importer.import_file(store, simple_book(tmp_path / "b.xlsx", [
        row(1, 地址="新地址"), row(2, 联系电话="13900000000"), row(3)]))
    assert res is not None and (res.inserted, res.updated) == (1, 2)
    with store.session() as s:
        got = {e.uscc: (e.address, e.phone, e.rev) for e in s.scalars(select(Enterprise))}
    assert got[code(1)] == ("新地址", "13805310001", 2)
    assert got[code(2)][1:] == ("13900000000", 2) and got[code(3)][2] == 1
