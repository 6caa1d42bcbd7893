"""Every command that changes data identifies its user by password (``qsdesk.cli.identify``), the
way the window's login does; reading needs none. A wrong password, an unknown user or a missing
``--user`` is one line, exit 2, and the database is unchanged. Chief-only actions read the role
from the store. An installation without any account (right after ``init``) runs without one."""

from __future__ import annotations

import argparse
import io
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, update

from qsdesk.cli import build_parser, main
from qsdesk.services.accounts import create_account
from qsdesk.services.county_settings import DEFS
from qsdesk.store.db import Store, open_store
from qsdesk.store.models import Account, AuditEntry
from tests.services.sync_helpers import COUNTY, make_node

CHIEF, CHIEF_PW = "zhangwei", "abc12345"
INSPECTOR, INSPECTOR_PW = "lina", "def12345"

#: Every command (and sub-command) that changes data: each takes ``--user``. A new command must be
#: added here or to READ_ONLY, so nobody adds a writing command that skips the login by mistake.
WRITES = {
    "demo", "restore", "account", "enrol", "export-bundle", "import-bundle", "receipt", "conflicts",
    "import-excel", "report file", "report mark-sent", "report rectify", "report settings",
    "sampling add", "sampling conclude", "sampling deliver", "sampling step-done", "sampling close",
    "draw create", "publish-form", "notices", "key-products", "holidays", "key-passphrase",
    "class decide", "class revoke", "class credit-risk", "class listing add", "class listing remove",
}
#: Commands that only read (or set up an installation that has no account yet: init, connect).
READ_ONLY = {
    "init", "connect", "selftest", "backup", "audit", "print inspection", "print enterprise", "print risk",
    "print checklist", "print inspections", "print blank", "sync-status", "export-excel", "report monthly",
    "report annual", "sampling list", "sampling steps", "sampling overdue", "sampling tracking",
    "draw verify", "draw export", "form-versions", "check-records", "class show", "class list-listings",
}


def _leaves(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return {prefix.strip(): parser}
    out: dict[str, argparse.ArgumentParser] = {}
    for name, sub in subs[0].choices.items():
        out.update(_leaves(sub, f"{prefix} {name}"))
    return out


def test_every_command_is_classified_and_every_write_takes_a_user() -> None:
    leaves = _leaves(build_parser())
    assert set(leaves) == WRITES | READ_ONLY, set(leaves) ^ (WRITES | READ_ONLY)
    for name, p in leaves.items():
        options = {o for a in p._actions for o in a.option_strings}
        if name in WRITES:
            assert {"--user", "--password-stdin"} <= options, name
        else:
            assert "--user" not in options, name


def _cli(monkeypatch: pytest.MonkeyPatch, stdin: str, *argv: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def _dump(root: str) -> list[str]:
    """The database as SQL, less the accounts' wrong-try counters (the login throttle)."""
    conn = sqlite3.connect(f"file:{root}/qsdesk.db?mode=ro", uri=True)
    try:
        return [line for line in conn.iterdump() if not line.startswith('INSERT INTO "account"')]
    finally:
        conn.close()


@pytest.fixture()
def accounts_root(store: Store, tmp_path: Path) -> str:
    chief = create_account(store, CHIEF, CHIEF_PW, "chief")
    create_account(store, INSPECTOR, INSPECTOR_PW, "inspector", by=chief)
    root = str(store.data_dir.root)  # type: ignore[union-attr]
    store.close()
    return root


def _write_commands(tmp: Path) -> list[list[str]]:
    """One invocation of each writing command, with arguments that pass the argument parser."""
    tmp.mkdir(exist_ok=True)
    missing = str(tmp / "无此文件")
    setting = f"{DEFS[0].label}={DEFS[0].minimum}"
    return [
        ["demo", "--enterprises", "3"],
        ["restore", missing],
        ["account", "add", "--username", "wq", "--role", "检查人员"],
        ["enrol", "--import", missing],
        ["export-bundle", "--to", "370112", "--out", str(tmp)],
        ["import-bundle", missing],
        ["receipt", "--to", "370112", "--out", str(tmp)],
        ["conflicts", "--resolve", "x", "--choose", "保留"],
        ["import-excel", missing],
        ["report", "file", "--month", "2026-10"],
        ["report", "mark-sent", "--month", "2026-10", "--on", "2026-11-02"],
        ["report", "rectify", "x", "--on", "2026-11-02", "--count", "1"],
        ["report", "settings", "--set", setting],
        ["sampling", "add", "--producer", "x", "--product", "电线", "--result", "合格", "--sampled-on", "2026-10-01"],
        ["sampling", "conclude", "x", "--result", "合格"],
        ["sampling", "deliver", "x", "--on", "2026-10-01"],
        ["sampling", "step-done", "x"],
        ["sampling", "close", "x"],
        ["draw", "create", "--title", "十月抽查", "--count", "1"],
        ["publish-form", missing],
        ["notices", "--add", "关于开展电线电缆专项检查的通知"],
        ["key-products", "add", "电线电缆"],
        ["holidays", "set", missing],
        ["key-passphrase"],
        ["class", "decide", "--enterprise", "x", "--reason", "投诉举报多", "--by", "张伟"],
        ["class", "revoke", "--enterprise", "x", "--reason", "已整改", "--by", "张伟"],
        ["class", "credit-risk", "--enterprise", "x", "--level", "较高", "--basis", "省局通知"],
        ["class", "listing", "add", "--enterprise", "x", "--list", "列异", "--date", "2026-10-01", "--basis", "x"],
        ["class", "listing", "remove", "--enterprise", "x", "--list", "列异", "--date", "2026-10-01",
         "--reason", "x"],
    ]


def test_every_write_command_refuses_without_user_or_with_a_wrong_password(
        accounts_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    commands = _write_commands(tmp_path / "out")
    assert {" ".join(c[:3] if c[0] == "class" and c[1] == "listing" else c[:2] if c[0] in (
        "report", "sampling", "draw", "class") else c[:1]) for c in commands} == WRITES
    before = _dump(accounts_root)
    for argv in commands:
        full = [*argv, "--data-dir", accounts_root]
        assert _cli(monkeypatch, "", *full) == 2, argv
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "请用 --user" in err, (argv, err)
        assert _cli(monkeypatch, "wrong999\n", *full, "--user", CHIEF, "--password-stdin") == 2, argv
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "用户名或密码错误" in err, (argv, err)
        # an unknown user name: the same answer
        assert _cli(monkeypatch, "wrong999\n", *full, "--user", "nobody", "--password-stdin") == 2, argv
        assert "用户名或密码错误" in capsys.readouterr().err
        # (a correct password would reset the counter; keep the throttle from starting)
        with sqlite3.connect(f"{accounts_root}/qsdesk.db") as c:
            c.execute("UPDATE account SET failed_count = 0, last_failed_at = NULL")
        assert _dump(accounts_root) == before, argv


def test_reading_needs_no_password(accounts_root: str, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["sync-status"], ["notices"], ["key-products", "list"], ["holidays", "list"],
                 ["report", "settings"], ["sampling", "list"], ["import-bundle", "x.qsb", "--preview"]):
        code = _cli(monkeypatch, "", *argv, "--data-dir", accounts_root)
        err = capsys.readouterr().err
        assert "--user" not in err and "密码" not in err, (argv, err)
        assert code in (0, 2), argv  # the preview of a missing file is its own one-line error


def _county(tmp_path: Path, accounts: bool = True) -> str:
    st = make_node(tmp_path / "county", "county", COUNTY, "历城区市场监管局")
    if accounts:
        chief = create_account(st, CHIEF, CHIEF_PW, "chief")
        create_account(st, INSPECTOR, INSPECTOR_PW, "inspector", by=chief)
    root = str(st.data_dir.root)  # type: ignore[union-attr]
    st.close()
    return root


def test_a_correct_password_acts_as_that_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    accounts_root = _county(tmp_path)
    title = "关于开展电线电缆专项检查的通知"
    assert _cli(monkeypatch, INSPECTOR_PW + "\n", "notices", "--add", title, "--data-dir", accounts_root,
                "--user", INSPECTOR, "--password-stdin") == 0, capsys.readouterr().err
    assert _cli(monkeypatch, CHIEF_PW + "\n", "key-products", "add", "电线电缆", "--data-dir", accounts_root,
                "--as-user", CHIEF, "--password-stdin") == 0, capsys.readouterr().err
    st = open_store(accounts_root)
    try:
        with st.session() as s:
            entries = [(e.action, e.table_name, e.actor) for e in s.scalars(select(AuditEntry))]
    finally:
        st.close()
    assert ("create", "notice", INSPECTOR) in entries
    assert ("create", "key_product", CHIEF) in entries
    assert ("login", "account", INSPECTOR) in entries and ("login", "account", CHIEF) in entries


@pytest.mark.parametrize("argv, refusal", [
    (["account", "add", "--username", "wq"], "只有所长可以添加账号"),
    (["conflicts", "--resolve", "x", "--choose", "保留"], "只有所长可以处理同步冲突"),
    (["export-bundle", "--to", "370112", "--out", "OUT", "--all"], "只有所长可以把一个所的全部记录发回该所"),
    (["enrol", "--import", "x.qsid", "--replace"], "只有所长可以替换已登记单位的密钥"),
    (["restore", "x.db"], "只有所长可以恢复数据库"),
])
def test_chief_only_actions_read_the_role_from_the_store(
        accounts_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], argv: list[str], refusal: str) -> None:
    argv = [str(tmp_path) if a == "OUT" else a for a in argv]
    def data(lines: list[str]) -> list[str]:  # less the login's audit entry and its change number
        return [line for line in lines if not ("audit_entry" in line and "'login'" in line)
                and not line.startswith('INSERT INTO "counter" VALUES(\'change_seq\'')]

    before = _dump(accounts_root)
    stdin = INSPECTOR_PW + "\n" + "new12345x\n"
    assert _cli(monkeypatch, stdin, *argv, "--data-dir", accounts_root, "--user", INSPECTOR,
                "--password-stdin") == 2
    assert refusal in capsys.readouterr().err
    # the inspector logged in (audited), nothing else changed
    after = _dump(accounts_root)
    assert data(after) == data(before)
    assert len(after) == len(before) + 1  # the login entry


def test_without_any_account_commands_run_and_a_deactivated_account_still_counts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = _county(tmp_path, accounts=False)
    # right after init: no account at all, the command runs as 命令行
    assert _cli(monkeypatch, "", "key-products", "add", "电线电缆", "--data-dir", root) == 0
    # naming a user there is refused rather than ignored
    assert _cli(monkeypatch, "x\n", "key-products", "add", "插座", "--data-dir", root, "--user", CHIEF,
                "--password-stdin") == 2
    assert "还没有任何账号" in capsys.readouterr().err
    st = open_store(root)
    create_account(st, CHIEF, CHIEF_PW, "chief")
    with st.transaction() as s:  # every account switched off (by hand, in the database)
        s.execute(update(Account).values(active=False))
    st.close()
    before = _dump(root)
    assert _cli(monkeypatch, "", "key-products", "add", "插座", "--data-dir", root) == 2
    assert "请用 --user" in capsys.readouterr().err
    assert _cli(monkeypatch, CHIEF_PW + "\n", "key-products", "add", "插座", "--data-dir", root, "--user", CHIEF,
                "--password-stdin") == 2
    assert "用户名或密码错误" in capsys.readouterr().err
    assert _dump(root) == before
