"""Enterprise import from real .xlsx files carrying the defects station spreadsheets have."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from qsdesk.services.excel.exporter import export_errors
from qsdesk.services.excel.importer import ImportRefused, analyse, apply, import_file
from qsdesk.services.excel.reader import ExcelFileError
from qsdesk.store.models import AuditEntry, Enterprise, Inspector
from tests.services.excel_factory import HEADERS, bad_code, code, row, simple_book, snapshot


def _by_code(store, c: str) -> Enterprise:
    with store.session() as s:
        return s.scalars(select(Enterprise).where(Enterprise.uscc == c)).one()


def test_clean_sheet_with_title_blank_rows_totals_and_normalisation(store, tmp_path: Path) -> None:
    fw = code(3).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})  # full-width digits
    rows = [
        row(1),
        [None] * len(HEADERS),  # blank row inside the data
        row(2, 单位名称="济南第2机械\n有限公司", 地址="历城区\n工业北路 2号", 从业人数="３５人",
            包保日期="2023年11月8日"),
        row(3, 信用代码=f" {fw} ", 联系电话="０５３１－８８１２３４５６", 单位类型="生产、批发",
            包保日期="2024/1/9", **{"营业收入（万元）": "1,200万元"}),
        [None] * len(HEADERS),
        ["合计", None, None, None, None, None, None, None, 80, 1500],
        ["注：本表由王舍人所填报"],
    ]
    path = simple_book(tmp_path / "list.xlsx", rows)
    plan = analyse(store, path)
    assert plan.layout.header_row == 3
    assert not plan.errors, plan.errors
    assert len(plan.new) == 3 and plan.rows_read == 3
    assert {why for _, why in plan.skipped} == {"合计行", "表尾说明"}
    res = apply(store, plan)
    assert res.inserted == 3

    e2 = _by_code(store, code(2))
    assert e2.name == "济南第2机械有限公司"  # line break between Chinese characters dropped
    assert e2.address == "历城区工业北路 2号"
    assert e2.staff == 35
    assert e2.responsible_since == date(2023, 11, 8)
    e3 = _by_code(store, code(3))  # full-width code folded and validated
    assert e3.phone == "0531-88123456"
    assert e3.unit_types == "producer,wholesaler"
    assert e3.revenue_wan == Decimal("1200.00")
    assert e3.responsible_since == date(2024, 1, 9)
    assert e3.grade is not None and e3.rev == 1 and e3.change_seq > 0 and e3.origin == "370112001"
    with store.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert entry.detail["inserted"] == 3


def test_row_errors_refuse_everything_then_only_valid_rows(store, tmp_path: Path) -> None:
    rows = [
        row(1),
        row(2, 信用代码=bad_code(2)),
        row(3, 单位名称=None),
        row(4, 包保日期="2024年2月30日"),
        row(5, 单位类型="代理商"),
        row(6, 信用代码=code(1)),  # duplicate of row 1's code
        row(7, 从业人数="二十"),
        row(8),
        [99] + [None] * (len(HEADERS) - 1),  # a template's pre-numbered empty row: skipped
        row(9, 信用代码=913701120000000012),  # typed as a number: precision already lost
    ]
    path = simple_book(tmp_path / "bad.xlsx", rows)
    before = snapshot(store)
    plan = analyse(store, path)
    by_row = {e.row: e for e in plan.errors}
    first = 4  # title, 填报单位, header → data start at row 4
    assert set(by_row) == {first + 1, first + 2, first + 3, first + 4, first + 5, first + 6, first + 9}
    assert "存成了数字" in by_row[first + 9].reason
    assert by_row[first + 1].column == "信用代码" and "校验码" in by_row[first + 1].reason
    assert by_row[first + 1].value == bad_code(2)
    assert by_row[first + 2].column == "单位名称" and "不能为空" in by_row[first + 2].reason
    assert "日期不存在" in by_row[first + 3].reason
    assert "代理商" in by_row[first + 4].reason
    assert f"第 {first} 行" in by_row[first + 5].reason
    assert "整数" in by_row[first + 6].reason
    assert len(plan.new) == 2

    with pytest.raises(ImportRefused, match="未导入任何数据"):
        apply(store, plan)
    assert snapshot(store) == before

    report = export_errors(plan, tmp_path / "errors.xlsx")
    assert report == 7
    ws = load_workbook(tmp_path / "errors.xlsx").active
    got = [tuple(c.value for c in r) for r in ws.iter_rows(min_row=2)]
    assert (first + 1, "信用代码", bad_code(2), by_row[first + 1].reason) in got
    assert [c.value for c in ws[1]] == ["行号", "列", "单元格内容", "错误原因"]

    res = apply(store, plan, only_valid=True)
    assert (res.inserted, res.rejected_rows) == (2, 7)
    with store.session() as s:
        codes = set(s.scalars(select(Enterprise.uscc)))
    assert codes == {code(1), code(8)}


def test_merged_cells_in_data_refused_with_message(store, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(row(1))
    ws.append(row(2, 乡镇=None))
    ws.merge_cells("E2:E3")  # one town written once for two enterprises
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    before = snapshot(store)
    with pytest.raises(ExcelFileError, match="合并单元格（E2:E3）.*取消合并"):
        import_file(store, path)
    assert snapshot(store) == before


def test_hidden_sheets(store, tmp_path: Path) -> None:
    wb = Workbook()
    vis = wb.active
    vis.title = "说明"
    vis.append(["本工作簿数据见下一表"])
    hid = wb.create_sheet("企业名单")
    hid.append(HEADERS)
    hid.append(row(1))
    hid.sheet_state = "hidden"
    path = tmp_path / "hidden.xlsx"
    wb.save(path)
    before = snapshot(store)
    with pytest.raises(ExcelFileError, match="隐藏的工作表.*企业名单"):
        import_file(store, path)
    assert snapshot(store) == before

    # data on a visible sheet, an old copy hidden: the hidden one is ignored and said so
    wb2 = Workbook()
    data = wb2.active
    data.title = "名单"
    data.append(HEADERS)
    data.append(row(1))
    old = wb2.create_sheet("旧表")
    old.append(HEADERS)
    old.append(row(2))
    old.sheet_state = "veryHidden"
    p2 = tmp_path / "hidden2.xlsx"
    wb2.save(p2)
    plan, res = import_file(store, p2)
    assert any("旧表" in n and "隐藏" in n for n in plan.notices)
    assert res is not None and res.inserted == 1
    with store.session() as s:
        assert set(s.scalars(select(Enterprise.uscc))) == {code(1)}


@pytest.mark.parametrize("name,content,match", [
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, r"\.xls.*另存为"),
    ("renamed.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, r"\.xls"),
    ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "不是有效的 .xlsx"),
    ("list.csv", "企业名称,信用代码\n".encode(), "不是 Excel 工作簿"),
])
def test_wrong_file_formats(store, tmp_path: Path, name: str, content: bytes, match: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    before = snapshot(store)
    with pytest.raises(ExcelFileError, match=match):
        import_file(store, p)
    assert snapshot(store) == before


def test_no_header_found(store, tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(["甲", "乙", "丙"])
    wb.active.append([1, 2, 3])
    p = tmp_path / "nohead.xlsx"
    wb.save(p)
    with pytest.raises(ExcelFileError, match="没有找到表头行"):
        analyse(store, p)


def test_new_changed_unchanged_and_blank_never_erases(store, tmp_path: Path) -> None:
    import_file(store, simple_book(tmp_path / "a.xlsx", [row(1), row(2), row(3)]))
    before2 = _by_code(store, code(2))
    rows = [
        row(1),
        row(2, 联系电话="13900000000", 质量安全员=None),  # phone changed; blank officer kept
        row(3, 从业人数=1200),  # grade input changed
        row(4),
    ]
    plan = analyse(store, simple_book(tmp_path / "b.xlsx", rows))
    assert [p.values["uscc"] for p in plan.new] == [code(4)]
    assert [p.values["uscc"] for p, _ in plan.unchanged] == [code(1)]
    changes = {c.parsed.values["uscc"]: c.diffs for c in plan.changed}
    assert changes[code(2)] == {"phone": ("13805310002", "13900000000")}
    assert changes[code(3)] == {"staff": (23, 1200)}
    res = apply(store, plan)
    assert (res.inserted, res.updated, res.unchanged) == (1, 2, 1)
    after2 = _by_code(store, code(2))
    assert after2.phone == "13900000000" and after2.quality_officer == before2.quality_officer
    assert after2.rev == before2.rev + 1 and after2.change_seq > before2.change_seq
    assert _by_code(store, code(3)).grade == "A"  # producer with ≥1000 staff
    assert _by_code(store, code(1)).rev == 1


def test_mapping_correction_and_inspector_column(store, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["企业名称", "代码", "负责监管", "电话"])  # 代码/负责监管 are not known synonyms
    ws.append(["甲公司", code(1), "张伟", "13800000001"])
    ws.append(["乙公司", code(2), "王五", "13800000002"])
    p = tmp_path / "m.xlsx"
    wb.save(p)
    with pytest.raises(ExcelFileError, match="统一社会信用代码"):
        analyse(store, p)
    plan = analyse(store, p, mapping={1: "uscc", 2: "responsible"}, default_entry_reason="摸底排查")
    assert [(e.row, e.value) for e in plan.errors] == [(3, "王五")]
    apply(store, plan, only_valid=True)
    with store.session() as s:
        zhang = s.scalars(select(Inspector).where(Inspector.name == "张伟")).one()
        e = s.scalars(select(Enterprise)).one()
    assert e.responsible_inspector_id == zhang.id and e.phone == "13800000001"
    # no start date in the file: tracked from the import date, marked as assumed
    assert e.responsible_since == date.today() and e.responsible_since_assumed
    assert e.visits_since == date.today() and e.entry_reason == "摸底排查"


def test_first_entry_without_reason_is_an_error_row(store, tmp_path: Path) -> None:
    # 国市监质监发〔2023〕38号 四（一）: a new enterprise needs its 录入原因; a known one does not
    import_file(store, simple_book(tmp_path / "a.xlsx", [row(1)]))
    path = simple_book(tmp_path / "b.xlsx", [row(1, 录入原因=None, 法人="王一改"), row(2, 录入原因=None),
                                             row(3, 录入原因="实施监督抽查")])
    plan = analyse(store, path)
    assert [(e.row, e.column) for e in plan.errors] == [(5, "录入原因")]
    assert "国市监质监发〔2023〕38号 四（一）" in plan.errors[0].reason
    assert [p.values["uscc"] for p in plan.new] == [code(3)] and len(plan.changed) == 1
    with pytest.raises(ImportRefused):
        apply(store, plan)
    # one reason for the whole file, chosen at import time
    plan = analyse(store, path, default_entry_reason="摸底排查")
    assert not plan.errors
    apply(store, plan, today=date(2026, 3, 2))
    with store.session() as s:
        reasons = dict(s.execute(select(Enterprise.uscc, Enterprise.entry_reason)).all())
    assert reasons[code(2)] == "摸底排查" and reasons[code(3)] == "实施监督抽查"


def test_dry_run_writes_nothing(store, tmp_path: Path) -> None:
    before = snapshot(store)
    plan, res = import_file(store, simple_book(tmp_path / "a.xlsx", [row(1)]), dry_run=True)
    assert res is None and len(plan.new) == 1
    assert snapshot(store) == before
