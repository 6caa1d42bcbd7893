"""The CLI commands: import-excel, export-excel, report monthly / annual."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from qsdesk.cli import main
from tests.services.excel_factory import bad_code, code, row, simple_book, snapshot


def test_import_refuses_with_errors_then_only_valid(store, data_dir: Path, tmp_path: Path, capsys) -> None:
    path = simple_book(tmp_path / "in.xlsx", [row(1), row(2, 信用代码=bad_code(2))])
    before = snapshot(store)
    dd = ["--data-dir", str(data_dir)]
    assert main(["import-excel", str(path), *dd, "--errors", str(tmp_path / "err.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "第 5 行 [信用代码]" in err and "未导入任何数据" in err
    assert snapshot(store) == before
    assert load_workbook(tmp_path / "err.xlsx").active["A2"].value == 5

    assert main(["import-excel", str(path), *dd, "--dry-run"]) == 2
    assert "试运行：有 1 行数据有错误" in capsys.readouterr().err
    assert snapshot(store) == before
    assert main(["import-excel", str(path), *dd, "--only-valid"]) == 0
    assert "新增 1" in capsys.readouterr().out


def test_import_needs_entry_reason_for_new_units(store, data_dir: Path, tmp_path: Path, capsys) -> None:
    # 国市监质监发〔2023〕38号 四（一）: a first entry names its reason; --entry-reason gives one for the file
    path = simple_book(tmp_path / "in.xlsx", [row(1, 录入原因=None), row(2)])
    before = snapshot(store)
    dd = ["--data-dir", str(data_dir)]
    assert main(["import-excel", str(path), *dd]) == 2
    err = capsys.readouterr().err
    assert "第 4 行 [录入原因]" in err and "国市监质监发〔2023〕38号 四（一）" in err
    assert snapshot(store) == before
    assert main(["import-excel", str(path), *dd, "--entry-reason", "实施监督抽查"]) == 0
    assert "新增 2" in capsys.readouterr().out
    from sqlalchemy import select

    from qsdesk.store.models import Enterprise

    with store.session() as s:
        assert sorted(s.scalars(select(Enterprise.entry_reason))) == ["实施监督抽查", "摸底排查"]


def test_import_bad_file_is_one_line(store, data_dir: Path, tmp_path: Path, capsys) -> None:
    p = tmp_path / "old.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    assert main(["import-excel", str(p), "--data-dir", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "另存为" in err


def test_export_and_reports(store, data_dir: Path, tmp_path: Path, capsys) -> None:
    dd = ["--data-dir", str(data_dir)]
    assert main(["import-excel", str(simple_book(tmp_path / "in.xlsx", [row(1), row(2)])), *dd]) == 0
    out = tmp_path / "reg.xlsx"
    assert main(["export-excel", "registry", "--out", str(out), "--search", "第2", *dd]) == 0
    ws = load_workbook(out).active
    assert ws.max_row == 2 and ws["A2"].value == code(2)
    assert main(["export-excel", "ledger", "--out", str(tmp_path / "l.xlsx"), "--year", "2026", *dd]) == 0
    assert main(["report", "monthly", "--month", "2026-10", "--out", str(tmp_path / "m.xlsx"), *dd]) == 0
    assert "检查生产单位（家次）：0" in capsys.readouterr().out
    assert main(["report", "monthly", "--month", "2026-13", "--out", str(tmp_path / "m.xlsx"), *dd]) == 2
    assert main(["report", "monthly", "--month", "2026-10", "--out", str(tmp_path / "m.pdf"), *dd]) == 0
    assert (tmp_path / "m.pdf").read_bytes()[:5] == b"%PDF-"
    assert main(["report", "monthly", "--month", "2026-10", "--out", str(tmp_path / "m.doc"), *dd]) == 2
    assert main(["report", "annual", "--year", "2026", "--out", str(tmp_path / "a.xlsx"), *dd]) == 0
    assert main(["export-excel", "lists", "--out", str(tmp_path / "x.xlsx"), *dd]) == 2


def test_header_only_sheet_is_refused(store, data_dir: Path, tmp_path: Path, capsys) -> None:
    path = simple_book(tmp_path / "empty.xlsx", [])
    before = snapshot(store)
    for extra in ([], ["--dry-run"], ["--only-valid"]):
        assert main(["import-excel", str(path), "--data-dir", str(data_dir), *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "没有数据行" in err and "第 3 行" in err
    assert snapshot(store) == before


def test_excel_error_value_cell_refused_by_the_cli(store, data_dir: Path, tmp_path: Path, capsys) -> None:
    path = simple_book(tmp_path / "na.xlsx", [row(1, 地址="#N/A"), row(2)])
    before = snapshot(store)
    assert main(["import-excel", str(path), "--data-dir", str(data_dir), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "第 4 行 [地址] “#N/A”：单元格是 Excel 错误值" in err
    assert "试运行：有 1 行数据有错误" in err.strip().splitlines()[-1]
    assert main(["import-excel", str(path), "--data-dir", str(data_dir)]) == 2
    assert snapshot(store) == before
