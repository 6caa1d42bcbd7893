"""Shared fixtures: a fresh data directory with a set-up station node."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hypothesis import settings  # noqa: E402

from qsdesk.services.node import InspectorSpec, init_node  # noqa: E402

# Tests do not time things (speed lives in bench/): no per-example deadline, which otherwise
# fails property tests at random on a loaded 2-core CI machine.
settings.register_profile("qsdesk", deadline=None)
settings.load_profile("qsdesk")
from qsdesk.store.db import Store, open_store  # noqa: E402

STATION_CODE = "370112001"
STATION_NAME = "历城区市场监管局王舍人市场监管所"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    """An opened, migrated store whose node is a station with two inspectors."""
    st = open_store(data_dir)
    init_node(
        st,
        kind="station",
        code=STATION_CODE,
        name=STATION_NAME,
        parent_code="370112",
        inspectors=[InspectorSpec.parse("张伟:13805310001:37011200101"),
                    InspectorSpec.parse("李娜:13805310002:37011200102")],
    )
    yield st
    st.close()


from tests import audit_guard  # noqa: E402
from tests.pg_server import KEY_PASSPHRASE, key_passphrase  # noqa: E402

audit_guard.install()


@pytest.fixture(autouse=True)
def _county_key_passphrase_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    """``qsdesk init``/``connect`` on PostgreSQL ask for the key passphrase at a prompt: answer it
    with the test passphrase (every other prompt still reads the captured, empty terminal)."""
    import getpass

    typed = getpass.getpass

    def prompt(text: str = "Password: ", stream: Any = None) -> str:
        return KEY_PASSPHRASE if "密钥口令" in text else typed(text, stream)

    monkeypatch.setattr(getpass, "getpass", prompt)


@pytest.fixture(autouse=True)
def _every_service_write_is_audited() -> Iterator[None]:
    """Fail a test whose service calls committed record changes without an audit entry."""
    audit_guard.violations.clear()
    yield
    found = list(audit_guard.violations)
    audit_guard.violations.clear()
    assert not found, "write paths without an audit entry:\n" + "\n".join(found)


#: Seconds a message box may stay open in a test before the watchdog closes it.
MODAL_LIMIT_S = 30.0
stuck_dialogs: list[str] = []


@pytest.fixture(scope="session", autouse=True)
def _modal_watchdog(qapp):  # type: ignore[no-untyped-def]
    """A test that leaves a message box waiting for a click (e.g. "尚未保存" when a widget is
    closed at teardown) would block its worker for ever: a timer that keeps running inside the
    dialog's own event loop closes it after MODAL_LIMIT_S and records it, and the test fails."""
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    first_seen: dict[int, float] = {}

    def sweep() -> None:
        now = time.monotonic()
        for w in QApplication.topLevelWidgets():
            if (isinstance(w, QMessageBox) and w.isVisible()
                    and now - first_seen.setdefault(id(w), now) > MODAL_LIMIT_S):
                stuck_dialogs.append(f"{w.windowTitle()}: {w.text()}")
                w.reject()

    timer = QTimer()
    timer.timeout.connect(sweep)
    timer.start(1000)
    yield
    timer.stop()


@pytest.fixture(autouse=True)
def _no_stuck_dialogs() -> Iterator[None]:
    stuck_dialogs.clear()
    yield
    found = list(stuck_dialogs)
    stuck_dialogs.clear()
    assert not found, "a message box waited for a click and was closed by the watchdog:\n" + "\n".join(found)


# ---------------------------------------------------------------- PostgreSQL (a county hub)
# A real server started by the tests (tests/pg_server.py); one per test worker, stopped and
# removed at the end of the session. Tests that use it have `postgres` in their names.


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """The session's throwaway PostgreSQL. Missing binaries fail the tests under CI (``make
    test`` must run them); elsewhere they are skipped with the reason."""
    from tests.pg_server import PgUnavailable, must_run, running_server

    try:
        ctx = running_server()
        server = ctx.__enter__()
    except PgUnavailable as exc:
        if must_run():
            pytest.fail(f"PostgreSQL for the tests: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL for the tests: {exc}")
    try:
        yield server
    finally:
        ctx.__exit__(None, None, None)


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:  # type: ignore[no-untyped-def]
    """A database migrated to the newest schema once per session; :func:`pg_url` copies it
    (CREATE DATABASE … TEMPLATE is a file copy: far faster than migrating each time)."""
    from qsdesk.store.db import make_engine
    from qsdesk.store.migrate import upgrade_to_head

    name = pg_server.create_database("qsdesk_template")
    engine = make_engine(pg_server.url(name))
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    return name


@pytest.fixture
def pg_url(pg_server, pg_template) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """URL of a fresh, migrated, empty database on the session's server (dropped afterwards)."""
    name = pg_server.create_database(template=pg_template)
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def pg_empty_url(pg_server) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """URL of a fresh database with no tables at all (for migrations from empty)."""
    name = pg_server.create_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def pg_store(tmp_path: Path, pg_url: str) -> Iterator[Store]:
    """A county node whose database is PostgreSQL (its data directory holds the keys)."""
    st = open_store(tmp_path / "county", url=pg_url)
    init_node(st, kind="county", code="370112", name="历城区市场监管局", key_passphrase=key_passphrase(st))
    yield st
    st.close()
