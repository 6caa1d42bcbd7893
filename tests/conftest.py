"""Shared fixtures: a fresh data directory with a set-up station node."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

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

audit_guard.install()


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
