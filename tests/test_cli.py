"""The command line: init → demo → selftest, and one clear line with nothing written on bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qsdesk.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qsdesk", *args], capture_output=True, text=True, timeout=120)


def test_init_demo_selftest(tmp_path: Path) -> None:
    d = str(tmp_path / "x")
    r = run("--data-dir", d, "init", "--kind", "station", "--code", "370112001", "--name", "王舍人市场监管所",
            "--parent-code", "370112", "--inspector", "张伟:13805310001:37011200101")
    assert r.returncode == 0, r.stderr
    assert "已初始化" in r.stdout and "公钥指纹" in r.stdout
    key = tmp_path / "x" / "keys" / "signing_ed25519.pem"
    assert key.stat().st_mode & 0o077 == 0  # owner-only
    r = run("demo", "--data-dir", d, "--enterprises", "200", "--seed", "4")
    assert r.returncode == 0, r.stderr
    assert "企业 200" in r.stdout
    r = run("selftest", "--data-dir", d)
    assert r.returncode == 0, r.stderr
    assert "自检通过" in r.stdout and "企业档案 200" in r.stdout


def test_init_twice_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path / "x")
    assert main(["--data-dir", d, "init", "--kind", "county", "--code", "370112", "--name", "历城区局"]) == 0
    assert main(["--data-dir", d, "init", "--kind", "county", "--code", "370112", "--name", "历城区局"]) == 2
    assert "重复初始化" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["init", "--kind", "station", "--code", "a b", "--name", "所"], "单位代码"),
    (["init", "--kind", "station", "--code", "370112001", "--name", "  "], "单位名称"),
    (["init", "--kind", "station", "--code", "370112001", "--name", "所", "--inspector", "::"], ""),
    (["demo", "--enterprises", "-5"], "不能为负数"),
    (["demo", "--enterprises", "abc"], "应为整数"),
])
def test_bad_arguments_one_line_nothing_written(tmp_path: Path, args: list[str], message: str) -> None:
    d = tmp_path / "x"
    r = run("--data-dir", str(d), *args)
    assert r.returncode == 2
    err = r.stderr.strip()
    assert len(err.splitlines()) == 1 and message in err
    assert "Traceback" not in r.stderr
    assert not d.exists()


def test_demo_needs_init(tmp_path: Path) -> None:
    r = run("demo", "--data-dir", str(tmp_path / "x"), "--enterprises", "5")
    assert r.returncode == 2 and "请先运行 qsdesk init" in r.stderr


def test_selftest_detects_corruption(tmp_path: Path) -> None:
    d = tmp_path / "x"
    assert main(["--data-dir", str(d), "init", "--kind", "station", "--code", "s1", "--name", "所"]) == 0
    (d / "keys" / "signing_ed25519.pem").write_text("garbage")
    r = run("selftest", "--data-dir", str(d))
    assert r.returncode == 1 and "签名私钥" in r.stderr
