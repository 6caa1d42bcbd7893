"""Shared fixtures: a fresh data directory with a set-up station node."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qsdesk.services.node import InspectorSpec, init_node  # noqa: E402
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
