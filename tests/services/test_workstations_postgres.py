"""Several clerks on one county database: a second workstation gets the keys from the database
(``qsdesk connect``) and the attachments from the shared folder; two connections editing one
record end in a refusal, never a lost update (optimistic ``rev`` checked at write time)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from qsdesk.cli import main
from qsdesk.services import attachments
from qsdesk.store.db import ConcurrentEditError, Store, expect_rev, open_store
from qsdesk.store.models import Enterprise

INIT = ["init", "--kind", "county", "--code", "370112", "--name", "历城区市场监管局"]


@pytest.fixture(autouse=True)
def _own_pgpass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))


def _add(store: Store, name: str = "济南华鲁电器有限公司") -> str:
    with store.transaction() as s:
        e = Enterprise(name=name, address="历城区工业北路88号")
        s.add(e)
    return e.id


def _address(store: Store, eid: str) -> tuple[str | None, int]:
    with store.session() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        return e.address, e.rev


def test_postgres_second_workstation_gets_keys_and_attachments(tmp_path: Path, pg_url: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    shared = tmp_path / "share"
    shared.mkdir()
    w1, w2 = tmp_path / "w1", tmp_path / "w2"
    assert main(["--data-dir", str(w1), "--database-url", pg_url, *INIT, "--attachments-dir", str(shared)]) == 0
    first = capsys.readouterr().out
    assert main(["--data-dir", str(w2), "--database-url", pg_url, "connect", "--attachments-dir", str(shared)]) == 0
    out = capsys.readouterr().out
    fingerprint = [line for line in first.splitlines() if line.startswith("公钥指纹")][0].split("：")[1][:20]
    assert fingerprint in out
    for name in ("signing_ed25519.pem", "encryption_x25519.pem"):
        assert (w1 / "keys" / name).read_bytes() == (w2 / "keys" / name).read_bytes()
        assert (w2 / "keys" / name).stat().st_mode & 0o077 == 0
    assert main(["--data-dir", str(w2), "selftest"]) == 0  # the keys match the node's public key
    s1, s2 = open_store(w1), open_store(w2)
    try:
        assert s2.engine.dialect.name == "postgresql"
        assert s1.data_dir is not None and s1.data_dir.attachments == shared.resolve()
        photo = tmp_path / "photo.jpg"
        photo.write_bytes(b"\xff\xd8 photo " * 50)
        info = attachments.import_file(s1, photo)
        assert attachments.read_bytes(s2, info.sha256) == photo.read_bytes()
    finally:
        s1.close()
        s2.close()


def test_postgres_connect_refusals(tmp_path: Path, pg_url: str, pg_empty_url: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    # a database nobody initialised
    assert main(["--data-dir", str(tmp_path / "a"), "--database-url", pg_empty_url, "connect"]) == 2
    assert "尚未初始化" in capsys.readouterr().err
    # a data directory that is already another node
    assert main(["--data-dir", str(tmp_path / "w1"), "--database-url", pg_url, *INIT]) == 0
    assert main(["--data-dir", str(tmp_path / "st"), "init", "--kind", "station", "--code", "s1",
                 "--name", "所"]) == 0
    keys = (tmp_path / "st" / "keys" / "signing_ed25519.pem").read_bytes()
    capsys.readouterr()
    assert main(["--data-dir", str(tmp_path / "st"), "--database-url", pg_url, "connect"]) == 2
    err = capsys.readouterr().err
    assert "其他单位的密钥" in err and err.count("\n") == 1
    assert (tmp_path / "st" / "keys" / "signing_ed25519.pem").read_bytes() == keys


@pytest.fixture
def two_connections(tmp_path: Path, pg_store: Store) -> Iterator[tuple[Store, Store]]:
    """The county store and a second workstation's store: two engines, two real connections."""
    other = open_store(tmp_path / "w2", url=pg_store.engine.url.render_as_string(hide_password=False))
    yield pg_store, other
    other.close()


def _edit_after_other_saved(a: Store, b: Store) -> None:
    eid = _add(a)
    with pytest.raises(ConcurrentEditError) as exc, a.transaction() as s:
        e = s.get(Enterprise, eid)
        assert e is not None and e.rev == 1
        with b.transaction() as s2:  # the other clerk saves meanwhile
            e2 = s2.get(Enterprise, eid)
            assert e2 is not None
            e2.address = "县局核实的地址"
        e.address = "本工作站的修改"
    assert "其他人修改" in str(exc.value)
    assert _address(a, eid) == ("县局核实的地址", 2)  # theirs kept, nothing lost


def test_postgres_concurrent_edit_refused_with_two_connections(two_connections: tuple[Store, Store]) -> None:
    _edit_after_other_saved(*two_connections)


def test_concurrent_edit_refused_on_sqlite_as_on_postgres(tmp_path: Path, store: Store) -> None:
    other = open_store(tmp_path / "data")
    try:
        _edit_after_other_saved(store, other)
    finally:
        other.close()


def test_postgres_overlapping_transactions_wait_then_refuse(two_connections: tuple[Store, Store]) -> None:
    """B reads, A writes and holds the row, B's write waits for A's commit and is refused."""
    a, b = two_connections
    eid = _add(a)
    b_read = threading.Event()
    a_flushed = threading.Event()
    outcome: list[BaseException | None] = []

    def clerk_b() -> None:
        try:
            with b.transaction() as s:
                e = s.get(Enterprise, eid)
                assert e is not None
                b_read.set()
                a_flushed.wait(10)
                e.address = "B 的修改"
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    t = threading.Thread(target=clerk_b)
    t.start()
    assert b_read.wait(10)
    with a.transaction() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        e.address = "A 的修改"
        s.flush()  # A holds the row lock until commit
        a_flushed.set()
        t.join(0.5)
        assert t.is_alive()  # B waits for A instead of overwriting
    t.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], ConcurrentEditError)
    assert _address(a, eid) == ("A 的修改", 2)


def test_postgres_form_opened_before_another_save_is_refused(two_connections: tuple[Store, Store]) -> None:
    """A form opened at rev 1, the record saved elsewhere, then the form saved: refused."""
    a, b = two_connections
    eid = _add(a)
    opened_rev = _address(a, eid)[1]
    with b.transaction() as s:
        e = s.get(Enterprise, eid)
        assert e is not None
        e.address = "另一台工作站的修改"
    with pytest.raises(ConcurrentEditError), a.transaction() as s:
        expect_rev(s, "enterprise", eid, opened_rev)
        e = s.get(Enterprise, eid)
        assert e is not None
        e.address = "表单里的旧内容"
    assert _address(a, eid)[0] == "另一台工作站的修改"
    # opened again at the new revision, it saves
    with a.transaction() as s:
        expect_rev(s, "enterprise", eid, 2)
        e = s.get(Enterprise, eid)
        assert e is not None
        e.address = "重新打开后的修改"
    with a.session() as s:
        assert s.scalar(select(Enterprise.rev).where(Enterprise.id == eid)) == 3


def _stdin(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


def test_postgres_keys_in_the_database_are_sealed_with_the_key_passphrase(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from sqlalchemy import text

    from qsdesk.services.node import KEY_SETTINGS

    w1, w2 = tmp_path / "w1", tmp_path / "w2"
    _stdin(monkeypatch, "县局的长口令-甲乙丙丁")
    assert main(["--data-dir", str(w1), "--database-url", pg_url, *INIT, "--key-passphrase-stdin"]) == 0
    store = open_store(w1)
    try:
        with store.engine.connect() as c:
            stored = dict(c.execute(text("SELECT key, value FROM setting WHERE key LIKE 'node_key.%'")).all())
    finally:
        store.close()
    assert set(stored) == set(KEY_SETTINGS.values())
    pem = (w1 / "keys" / "signing_ed25519.pem").read_text()
    for value in stored.values():  # nothing of the private key readable by whoever reads the database
        assert "PRIVATE KEY" not in value and pem.splitlines()[1][:24] not in value
        assert '"kdf": "scrypt"' in value
    capsys.readouterr()

    # a wrong passphrase: one line, exit 2, nothing written in the new data directory
    _stdin(monkeypatch, "猜的口令-1234567890")
    assert main(["--data-dir", str(w2), "--database-url", pg_url, "connect", "--key-passphrase-stdin"]) == 2
    err = capsys.readouterr().err
    assert "密钥口令不正确" in err and err.count("\n") == 1
    assert not list((w2 / "keys").glob("*.pem"))
    # the right one
    _stdin(monkeypatch, "县局的长口令-甲乙丙丁")
    assert main(["--data-dir", str(w2), "--database-url", pg_url, "connect", "--key-passphrase-stdin"]) == 0
    for name in ("signing_ed25519.pem", "encryption_x25519.pem"):
        assert (w1 / "keys" / name).read_bytes() == (w2 / "keys" / name).read_bytes()


def test_postgres_init_refuses_a_short_or_mistyped_key_passphrase(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import getpass

    _stdin(monkeypatch, "short")
    assert main(["--data-dir", str(tmp_path / "w1"), "--database-url", pg_url, *INIT, "--key-passphrase-stdin"]) == 2
    assert "至少 10 个字符" in capsys.readouterr().err
    answers = iter(["县局的长口令-甲乙丙丁", "县局的长口令-甲乙丙"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="", stream=None: next(answers))
    assert main(["--data-dir", str(tmp_path / "w1"), "--database-url", pg_url, *INIT]) == 2
    assert "两次输入的密钥口令不一致" in capsys.readouterr().err
    store = open_store(tmp_path / "w1", url=pg_url)
    try:
        assert store.self_node() is None  # the database was left as it was
    finally:
        store.close()
    # a station's own SQLite file keeps its keys in the data directory only
    assert main(["--data-dir", str(tmp_path / "st"), *INIT, "--key-passphrase-stdin"]) == 2
    assert "只用于县级局的 PostgreSQL" in capsys.readouterr().err


def test_postgres_keys_stored_in_plain_by_an_earlier_version_are_sealed_at_the_next_connect(
        tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from qsdesk.crypto import is_passphrase_sealed
    from qsdesk.services.node import KEY_SETTINGS
    from qsdesk.store.models import Setting

    w1 = tmp_path / "w1"
    assert main(["--data-dir", str(w1), "--database-url", pg_url, *INIT]) == 0
    store = open_store(w1)
    try:
        with store.transaction() as s:  # as versions before the sealing stored them
            for file, key in KEY_SETTINGS.items():
                row = s.get(Setting, key)
                assert row is not None
                row.value = (w1 / "keys" / file).read_text()
    finally:
        store.close()
    assert main(["--data-dir", str(tmp_path / "w2"), "--database-url", pg_url, "connect"]) == 0  # typed: the test passphrase
    store = open_store(w1)
    try:
        with store.session() as s:
            values = [s.get(Setting, key) for key in KEY_SETTINGS.values()]
        assert all(v is not None and is_passphrase_sealed(v.value) for v in values)
    finally:
        store.close()
    assert main(["--data-dir", str(tmp_path / "w3"), "--database-url", pg_url, "connect"]) == 0
    assert (tmp_path / "w3" / "keys" / "signing_ed25519.pem").read_bytes() == (
        w1 / "keys" / "signing_ed25519.pem").read_bytes()


def test_postgres_key_passphrase_can_be_changed_by_the_chief(
        tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``qsdesk key-passphrase``: the chief gives the old passphrase and a new one; from then on a
    new workstation connects with the new one only. A wrong old one, a short new one, or a user
    who is not the chief: one line, exit 2, the keys sealed as before."""
    from qsdesk.services.accounts import create_account
    from qsdesk.services.node import KEY_SETTINGS
    from qsdesk.store.models import AuditEntry, Setting

    w1 = tmp_path / "w1"
    old, new = "县局的长口令-甲乙丙丁", "新的县局口令-戊己庚辛"
    _stdin(monkeypatch, old)
    assert main(["--data-dir", str(w1), "--database-url", pg_url, *INIT, "--key-passphrase-stdin"]) == 0
    store = open_store(w1)
    try:
        chief = create_account(store, "zhang", "所长的密码-123", role="chief")
        create_account(store, "li", "检查员的密码-123", by=chief)
        with store.session() as s:
            sealed = {key: s.get(Setting, key).value for key in KEY_SETTINGS.values()}  # type: ignore[union-attr]
    finally:
        store.close()
    capsys.readouterr()
    change = ["--data-dir", str(w1), "key-passphrase", "--password-stdin", "--key-passphrase-stdin", "--user"]
    for who, lines, said in (
            ("li", ["检查员的密码-123", old, new], "只有所长"),
            ("zhang", ["所长的密码-123", "猜的口令-1234567890", new], "密钥口令不正确"),
            ("zhang", ["所长的密码-123", old, "short"], "至少 10 个字符"),
            ("zhang", ["所长的密码-123", old, old], "与原口令相同")):
        _stdin(monkeypatch, *lines)
        assert main([*change, who]) == 2, said
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1, err
    store = open_store(w1)
    try:
        with store.session() as s:
            assert {key: s.get(Setting, key).value for key in KEY_SETTINGS.values()} == sealed  # type: ignore[union-attr]
    finally:
        store.close()

    _stdin(monkeypatch, "所长的密码-123", old, new)
    assert main([*change, "zhang"]) == 0
    assert "密钥口令已修改" in capsys.readouterr().out
    _stdin(monkeypatch, old)
    assert main(["--data-dir", str(tmp_path / "w2"), "--database-url", pg_url, "connect", "--key-passphrase-stdin"]) == 2
    assert "密钥口令不正确" in capsys.readouterr().err
    _stdin(monkeypatch, new)
    assert main(["--data-dir", str(tmp_path / "w3"), "--database-url", pg_url, "connect", "--key-passphrase-stdin"]) == 0
    assert (tmp_path / "w3" / "keys" / "signing_ed25519.pem").read_bytes() == (
        w1 / "keys" / "signing_ed25519.pem").read_bytes()
    store = open_store(w1)
    try:
        with store.session() as s:
            entries = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "node",
                                                         AuditEntry.action == "update")).all()
        assert [(e.actor, e.detail) for e in entries] == [("zhang", {"field": "key_passphrase"})]
    finally:
        store.close()
