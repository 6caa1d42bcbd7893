"""The CLI obeys the GUI's roles; chief rights come from the store; enrolment checks the relation;
unknown user names cost the same time; the data directory is owner-only at every start."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest

from qsdesk.cli import main
from qsdesk.services.accounts import AccountError, User, create_account, list_accounts, login, reset_password
from qsdesk.services.sync.identity import EnrolError, enrol_peer, export_identity
from qsdesk.store.db import Store, open_store
from tests.services.sync_helpers import COUNTY, STATION, STATION2, make_node


def _cli(monkeypatch: pytest.MonkeyPatch, stdin: str, *argv: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def test_account_add_needs_the_chiefs_password(store: Store, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    root = str(store.data_dir.root)  # type: ignore[union-attr]
    create_account(store, "zhangwei", "abc12345", "chief")
    store.close()
    base = ["account", "add", "--data-dir", root, "--username", "lina", "--password-stdin"]
    assert _cli(monkeypatch, "def12345\n", *base) == 2  # no --as-user: refused
    assert "--user" in capsys.readouterr().err
    assert _cli(monkeypatch, "wrong999\ndef12345\n", *base, "--as-user", "zhangwei") == 2
    assert "用户名或密码错误" in capsys.readouterr().err
    st = open_store(root)
    try:
        assert [a.username for a in list_accounts(st)] == ["zhangwei"]
    finally:
        st.close()
    assert _cli(monkeypatch, "abc12345\ndef12345\n", *base, "--as-user", "zhangwei") == 0
    assert _cli(monkeypatch, "def12345\nghi12345\n", "account", "add", "--data-dir", root, "--username", "wq",
                "--password-stdin", "--as-user", "lina") == 2  # an inspector cannot add accounts
    assert "只有所长" in capsys.readouterr().err


def test_chief_rights_come_from_the_store_not_the_callers_object(store: Store) -> None:
    chief = create_account(store, "zhangwei", "abc12345", "chief")
    create_account(store, "lina", "def12345", "inspector", by=chief)
    forged = User("lina", "chief", None)  # says chief; the store says inspector
    with pytest.raises(AccountError, match="只有所长"):
        create_account(store, "wq", "abc12345", "chief", by=forged)
    with pytest.raises(AccountError, match="只有所长"):
        reset_password(store, forged, "zhangwei", "new12345")
    with pytest.raises(AccountError, match="只有所长"):
        create_account(store, "wq", "abc12345", "chief", by=User("ghost", "chief", None))
    login(store, "lina", "def12345")  # lina is at the keyboard: the chief's name does not help
    with pytest.raises(AccountError, match="只有所长"):
        create_account(store, "wq", "abc12345", "inspector", by=chief)


def test_conflict_resolution_needs_a_chief_login(store: Store, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = str(store.data_dir.root)  # type: ignore[union-attr]
    chief = create_account(store, "zhangwei", "abc12345", "chief")
    create_account(store, "lina", "def12345", "inspector", by=chief)
    store.close()
    base = ["conflicts", "--data-dir", root, "--resolve", "x", "--choose", "kept"]
    assert _cli(monkeypatch, "", *base) == 2
    assert "--user" in capsys.readouterr().err
    assert _cli(monkeypatch, "def12345\n", *base, "--user", "lina", "--password-stdin") == 2
    assert "只有所长" in capsys.readouterr().err
    assert _cli(monkeypatch, "nope1234\n", *base, "--user", "zhangwei", "--password-stdin") == 2
    assert "密码错误" in capsys.readouterr().err
    # the chief gets as far as the conflict itself (which does not exist)
    assert _cli(monkeypatch, "abc12345\n", *base, "--user", "zhangwei", "--password-stdin") == 2
    assert "找不到这条冲突记录" in capsys.readouterr().err


def test_enrolment_checks_kind_and_parent(tmp_path: Path) -> None:
    co = make_node(tmp_path / "c", "county", COUNTY, "历城区市场监管局")
    other_co = make_node(tmp_path / "oc", "county", "370102", "历下区市场监管局")
    s1 = make_node(tmp_path / "s1", "station", STATION, "王舍人市场监管所", COUNTY)
    s2 = make_node(tmp_path / "s2", "station", STATION2, "遥墙市场监管所", COUNTY)
    foreign = make_node(tmp_path / "f", "station", "370102001", "外区所", "370102")
    usb = tmp_path / "usb"
    try:
        with pytest.raises(EnrolError, match="只能登记上级县级局"):
            enrol_peer(s1, export_identity(s2, usb))  # a station cannot enrol another station
        with pytest.raises(EnrolError, match="只能登记上级县级局"):
            enrol_peer(s1, export_identity(other_co, usb))  # nor another county
        with pytest.raises(EnrolError, match="下属"):
            enrol_peer(co, export_identity(foreign, usb))  # a county only its own stations
        with pytest.raises(EnrolError, match="下属"):
            enrol_peer(co, export_identity(other_co, usb))
        enrol_peer(s1, export_identity(co, usb))
        enrol_peer(co, export_identity(s1, usb))
    finally:
        for st in (co, other_co, s1, s2, foreign):
            st.close()


def test_unknown_user_costs_as_much_as_a_known_one(store: Store) -> None:
    create_account(store, "zhangwei", "abc12345", "chief")

    def timed(name: str) -> float:
        best = 1e9
        for _ in range(3):
            t = time.perf_counter()
            with pytest.raises(AccountError):
                login(store, name, "wrong1234")
            best = min(best, time.perf_counter() - t)
        return best

    known, unknown = timed("zhangwei"), timed("nobody")
    assert unknown > 0.5 * known, (known, unknown)


def test_data_directory_is_owner_only_at_every_start(store: Store) -> None:
    dd = store.data_dir
    assert dd is not None
    store.close()
    os.chmod(dd.root, 0o755)
    os.chmod(dd.attachments, 0o755)
    photo = dd.attachments / ("a" * 64)
    photo.write_bytes(b"x")
    os.chmod(photo, 0o644)
    os.chmod(dd.db_path, 0o644)
    again = open_store(dd.root)
    again.close()
    for p, want in ((dd.root, 0o700), (dd.attachments, 0o700), (photo, 0o600), (dd.db_path, 0o600)):
        assert p.stat().st_mode & 0o777 == want, p
