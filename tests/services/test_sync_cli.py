"""The sync commands, run in-process the way a user types them."""

from __future__ import annotations

from pathlib import Path

import pytest

from qsdesk.cli import main
from tests.services.sync_helpers import COUNTY, STATION, snapshot


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_enrol_export_import_receipt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    st, co, usb = str(tmp_path / "st"), str(tmp_path / "co"), tmp_path / "usb"
    assert _run(capsys, "init", "--data-dir", st, "--kind", "station", "--code", STATION, "--name", "王舍人所",
                "--parent-code", COUNTY, "--inspector", "张伟:13805310001")[0] == 0
    assert _run(capsys, "init", "--data-dir", co, "--kind", "county", "--code", COUNTY, "--name", "历城区局")[0] == 0

    code, out, _ = _run(capsys, "enrol", "--data-dir", st, "--export", str(usb))
    assert code == 0 and "指纹" in out and (usb / f"{STATION}.qsid").exists()
    station_fp = out.strip().splitlines()[-1].split("指纹 ")[1]
    _run(capsys, "enrol", "--data-dir", co, "--export", str(usb))

    # no enrolment yet: clear one-line error, exit 2
    code, _, err = _run(capsys, "export-bundle", "--data-dir", st, "--to", COUNTY, "--out", str(usb))
    assert code == 2 and "尚未登记" in err and len(err.strip().splitlines()) == 1

    code, out, _ = _run(capsys, "enrol", "--data-dir", co, "--import", str(usb / f"{STATION}.qsid"))
    assert code == 0 and station_fp in out
    assert _run(capsys, "enrol", "--data-dir", st, "--import", str(usb / f"{COUNTY}.qsid"))[0] == 0

    code, out, _ = _run(capsys, "export-bundle", "--data-dir", st, "--to", COUNTY, "--out", str(usb))
    assert code == 0 and "第 1 号" in out
    bundle = usb / f"{STATION}-{COUNTY}-1.qsb"
    assert bundle.exists()

    code, out, _ = _run(capsys, "import-bundle", "--data-dir", co, str(bundle), "--preview")
    assert code == 0 and out.startswith("将导入")
    code, out, _ = _run(capsys, "import-bundle", "--data-dir", co, str(bundle), "--receipt-out", str(usb))
    assert code == 0 and "已导入" in out and "已写回执" in out
    code, out, _ = _run(capsys, "import-bundle", "--data-dir", co, str(bundle))
    assert code == 0 and "已导入过" in out

    code, out, _ = _run(capsys, "import-bundle", "--data-dir", st, str(usb / f"{COUNTY}-{STATION}-1.qsb"))
    assert code == 0 and "回执" in out
    code, out, _ = _run(capsys, "sync-status", "--data-dir", st)
    assert code == 0 and "已发 1 号" in out and "未处理冲突：0 条" in out
    code, out, _ = _run(capsys, "conflicts", "--data-dir", co)
    assert code == 0 and "没有未处理的冲突" in out


def test_bad_bundle_exits_2_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from qsdesk.store.db import open_store

    co = str(tmp_path / "co")
    _run(capsys, "init", "--data-dir", co, "--kind", "county", "--code", COUNTY, "--name", "历城区局")
    junk = tmp_path / f"{STATION}-{COUNTY}-1.qsb"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    store = open_store(co)
    before = snapshot(store)
    store.close()
    code, out, err = _run(capsys, "import-bundle", "--data-dir", co, str(junk))
    assert code == 2 and "不完整" in err and out == ""
    store = open_store(co)
    assert snapshot(store) == before
    store.close()
    code, _, err = _run(capsys, "export-bundle", "--data-dir", co, "--to", STATION, "--out", str(tmp_path),
                        "--range", "9:3")
    assert code == 2 and "范围" in err
