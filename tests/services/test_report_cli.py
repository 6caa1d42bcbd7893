"""``report`` commands for the monthly table: period stated, filing, marking sent, later rectification,
county settings; bad input → exit 2, nothing written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from qsdesk.cli import main
from qsdesk.store.models import Activity, CountySetting, Enterprise, Inspection, Inspector, MonthlyReport


def _inspection(store) -> str:
    with store.transaction() as s:
        e = Enterprise(name="济南甲电器有限公司", unit_types="producer")
        s.add(e)
        s.flush()
        i1 = s.scalars(select(Inspector.id)).first()
        i = Inspection(enterprise_id=e.id, form_id="annex4_producer", form_version=1, status="sealed",
                       inspected_on=date(2026, 10, 9), inspector1_id=i1, problems_found=3, problems_fixed=0)
        s.add(i)
        s.flush()
        return i.id


def test_monthly_file_mark_sent_and_rectify(store, data_dir: Path, tmp_path: Path, capsys) -> None:
    iid = _inspection(store)
    dd = ["--data-dir", str(data_dir)]
    assert main(["report", "rectify", *dd, iid, "--on", "2026-10-20", "--count", "4"]) == 2
    assert "只有 3 条" in capsys.readouterr().err
    assert main(["report", "rectify", *dd, iid, "--on", "2026-10-20", "--count", "2", "--note", "已整改"]) == 0
    capsys.readouterr()
    assert main(["report", "monthly", *dd, "--month", "2026-10", "--out", str(tmp_path / "m.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "统计区间：2026年10月01日至2026年10月31日" in out and "整改问题隐患（条）：2" in out
    assert "_" not in out.split("\n", 1)[1]  # no program keys (the first line names the file)
    assert main(["report", "file", *dd, "--month", "2026-13"]) == 2
    assert main(["report", "file", *dd, "--month", "2026-10"]) == 0
    assert "待随同步包报送" in capsys.readouterr().out
    today = date.today().isoformat()
    assert main(["report", "mark-sent", *dd, "--month", "2026-10", "--on", today, "--note", "纸质"]) == 0
    assert f"已报送（{today} 标记报送）" in capsys.readouterr().out
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(MonthlyReport)) == 1
        assert s.scalar(select(func.sum(Activity.quantity)).where(Activity.kind == "rectification")) == 2


def test_settings_are_shown_with_defaults_and_set_only_at_the_county(store, data_dir: Path, capsys) -> None:
    dd = ["--data-dir", str(data_dir)]
    assert main(["report", "settings", *dd]) == 0
    out = capsys.readouterr().out
    assert "月报报送截止日：23 日（默认）" in out and "宝山区实施方案" in out
    assert main(["report", "settings", *dd, "--set", "月报报送截止日=20"]) == 2  # a station may not
    assert "县级局" in capsys.readouterr().err
    assert main(["report", "settings", *dd, "--set", "没有这项=3"]) == 2
    assert main(["report", "settings", *dd, "--set", "月报报送截止日=40"]) == 2
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(CountySetting)) == 0
