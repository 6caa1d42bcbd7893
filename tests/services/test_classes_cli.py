"""``qsdesk class``: the registry's class actions without a window; bad input → exit 2, nothing written."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from qsdesk.cli import main
from qsdesk.store.models import AuditEntry, ClassDecision, EnterpriseListing
from tests.services.sampling_factories import add_enterprise

USCC = "91370112MA3C0000XL"
NAME = "济南华光电器有限公司"
KEYS = re.compile(r"\b(routine|key|special|abnormal|serious|[a-z]+_[a-z_]+)\b")


def _out(capsys: pytest.CaptureFixture[str]) -> str:
    out = capsys.readouterr().out
    assert not KEYS.search(out), out
    return out


def test_decide_show_revoke(store, data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_enterprise(store, NAME, uscc=USCC)
    dd = ["--data-dir", str(data_dir)]
    assert main(["class", "show", *dd, USCC]) == 0
    assert "日常监管" in _out(capsys)
    assert main(["class", "decide", *dd, "--enterprise", NAME, "--reason", "投诉举报多", "--by", "王站长"]) == 0
    out = _out(capsys)
    assert "列为重点监管" in out and "王站长" in out and "现监管类别：重点监管" in out
    assert main(["class", "show", *dd, USCC]) == 0
    out = _out(capsys)
    assert "重点监管" in out and "投诉举报多" in out and "王站长 决定" in out
    with store.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "class_decision")).one()
        assert entry.actor == "王站长"
    assert main(["class", "revoke", *dd, "--enterprise", USCC, "--reason", "问题已整改", "--by", "王站长"]) == 0
    assert "现监管类别：日常监管" in _out(capsys)
    with store.session() as s:
        d = s.scalars(select(ClassDecision)).one()
        assert d.revoked_by == "王站长" and d.revoke_reason == "问题已整改"
    assert main(["class", "revoke", *dd, "--enterprise", USCC, "--reason", "再撤", "--by", "王站长"]) == 2
    assert "没有现行的监管类别决定" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["class", "decide", "--enterprise", USCC, "--reason", "x"], "--by"),
    (["class", "decide", "--enterprise", USCC, "--reason", "  ", "--by", "王站长"], "理由"),
    (["class", "decide", "--enterprise", "不存在的公司", "--reason", "x", "--by", "王站长"], "找不到企业"),
    (["class", "credit-risk", "--enterprise", USCC, "--level", "很高", "--basis", "通知"], "未知的信用风险等级"),
    (["class", "listing", "add", "--enterprise", USCC, "--list", "列黑", "--date", "2026-01-05",
      "--basis", "x"], "列异 或 列严"),
    (["class", "listing", "add", "--enterprise", USCC, "--list", "列异", "--date", "2026-13-05",
      "--basis", "x"], "YYYY-MM-DD"),
    (["class", "listing", "remove", "--enterprise", USCC, "--list", "列异", "--date", "2026-01-05",
      "--reason", "x"], "不在经营异常名录上"),
    (["class", "list-listings", "--out", "名单.csv"], ".xlsx 或 .pdf"),
])
def test_bad_input_exit_2_nothing_written(store, data_dir: Path, capsys: pytest.CaptureFixture[str],
                                           args: list[str], message: str) -> None:
    add_enterprise(store, NAME, uscc=USCC)
    with store.session() as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))
    try:
        code = main([*args, "--data-dir", str(data_dir)])
    except SystemExit as exc:  # argparse refuses before any command runs
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == before
        assert s.scalar(select(func.count()).select_from(ClassDecision)) == 0
        assert s.scalar(select(func.count()).select_from(EnterpriseListing)) == 0


def test_credit_risk_and_listings(store, data_dir: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    add_enterprise(store, NAME, uscc=USCC)
    dd = ["--data-dir", str(data_dir)]
    assert main(["class", "credit-risk", *dd, "--enterprise", USCC, "--level", "较高",
                 "--basis", "2026年信用风险分类结果"]) == 0
    out = _out(capsys)
    assert "信用风险等级：较高" in out
    assert main(["class", "show", *dd, USCC]) == 0
    assert "信用风险等级：较高" in _out(capsys)
    listed = (date.today() - timedelta(days=30)).isoformat()
    assert main(["class", "listing", "add", *dd, "--enterprise", USCC, "--list", "列严", "--date", listed,
                 "--basis", "济历市监列严〔2026〕3号", "--by", "李娜"]) == 0
    out = _out(capsys)
    assert "严重违法失信名单" in out and "现监管类别：日常监管" not in out
    with store.session() as s:
        assert s.scalars(select(EnterpriseListing.recorded_by)).one() == "李娜"
    xlsx = tmp_path / "名单.xlsx"
    assert main(["class", "list-listings", *dd, "--out", str(xlsx)]) == 0
    assert "1 条" in _out(capsys)
    ws = openpyxl.load_workbook(xlsx).active
    values = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert NAME in values and "严重违法失信名单" in values and "serious" not in values
    pdf = tmp_path / "名单.pdf"
    assert main(["class", "list-listings", *dd, "--out", str(pdf), "--current"]) == 0
    _out(capsys)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["class", "listing", "remove", *dd, "--enterprise", USCC, "--list", "列严",
                 "--date", date.today().isoformat(), "--reason", "信用修复"]) == 0
    assert "移出严重违法失信名单" in _out(capsys)
    assert main(["class", "credit-risk", *dd, "--enterprise", USCC, "--level", "未评定", "--basis", "复核"]) == 0
    out = _out(capsys)
    assert "信用风险等级：未评定" in out and "现监管类别：日常监管" in out


def test_export_registry_by_chinese_class(store, data_dir: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    add_enterprise(store, NAME, uscc=USCC)
    add_enterprise(store, "济南另一家有限公司", uscc="91370112MA3C0001X5")
    dd = ["--data-dir", str(data_dir)]
    assert main(["class", "decide", *dd, "--enterprise", USCC, "--reason", "投诉举报多", "--by", "王站长"]) == 0
    counts = {}
    for cls in ("重点", "日常", "特别监管"):
        out = tmp_path / f"{cls}.xlsx"
        assert main(["export-excel", "企业档案", "--class", cls, "--out", str(out), *dd]) == 0
        ws = openpyxl.load_workbook(out).active
        names = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str) and "公司" in c]
        counts[cls] = names
    assert counts == {"重点": [NAME], "日常": ["济南另一家有限公司"], "特别监管": []}
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["export-excel", "企业档案", "--class", "routine2", "--out", str(tmp_path / "x.xlsx"), *dd])
    assert exc.value.code == 2 and "日常、重点 或 特别" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()
