"""The sync conflict view (page and CLI) names fields in Chinese and never shows the legacy class
columns of Enterprise (the class lives in enterprise_class and is never stale on screen)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qsdesk.cli import main
from qsdesk.services.sync.exchange import export_bundle, import_bundle, write_receipt
from qsdesk.store.models import Enterprise
from qsdesk.ui.pages.sync import SyncPage
from tests.services.sync_helpers import COUNTY, STATION, Pair, add_enterprise, make_pair
from tests.test_no_program_keys import assert_clean


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    p = make_pair(tmp_path)
    yield p
    p.close()


def _conflict(pair: Pair) -> str:
    eid = add_enterprise(pair.station)
    import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
    import_bundle(pair.station, write_receipt(pair.county, STATION, pair.usb).path)
    with pair.county.transaction() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        e.address, e.supervision_class, e.unit_types = "县局核实的地址", "key", "producer,retailer"
    with pair.station.transaction() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        e.staff, e.supervision_class = 4, "special"
    import_bundle(pair.county, export_bundle(pair.station, COUNTY, pair.usb).path)
    return eid


def test_conflict_page_and_cli_in_chinese(pair: Pair, qtbot, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    _conflict(pair)
    page = SyncPage(pair.county)
    qtbot.addWidget(page)
    page.select_conflict(0)
    rows = [[page.conflict_detail.item(r, c).text() for c in range(3)] for r in range(page.conflict_detail.rowCount())]
    fields = [r[0] for r in rows]
    assert "住所（经营场所）" in fields and "从业人员" in fields and "单位类型" in fields
    assert "监管类别" not in fields and "其他字段" not in fields  # the legacy column is not shown at all
    assert not any("key" in r or "special" in r for r in rows)
    unit = next(r for r in rows if r[0] == "单位类型")
    assert "生产、零售" in unit
    assert_clean({"conflict page": "\n".join("\t".join(r) for r in rows if r[0] != "修改时间")})
    assert main(["conflicts", "--data-dir", str(pair.county.data_dir.root)]) == 0
    out = capsys.readouterr().out
    assert "企业" in out and "住所（经营场所）" in out and "监管类别" not in out
    assert_clean({"conflicts cli": out})
    assert main(["sync-status", "--data-dir", str(pair.county.data_dir.root)]) == 0
    bundle = export_bundle(pair.station, COUNTY, pair.usb).path
    assert main(["import-bundle", "--data-dir", str(pair.county.data_dir.root), str(bundle), "--preview"]) == 0
    out = capsys.readouterr().out.replace(str(pair.usb), "目录")
    assert "未处理冲突：1 条" in out and "将导入" in out
    assert_clean({"sync cli": out})
