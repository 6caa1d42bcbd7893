"""The county's monthly roll-up asks each query once for all its stations: every station's table
is the table computed for that station alone, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from qsdesk.services.demo import generate
from qsdesk.services.monthly import compute_county, compute_monthly, station_origins, sum_tables
from qsdesk.services.node import init_node
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.services.sync.identity import enrol_peer, export_identity
from qsdesk.store.db import Store, open_store
from tests.pg_server import key_passphrase

TODAY = date(2026, 11, 20)
COUNTY = "370112"


def _county(tmp_path: Path, url: str | None) -> Store:
    county = open_store(tmp_path / "county", url=url) if url else open_store(tmp_path / "county")
    init_node(county, kind="county", code=COUNTY, name="历城区市场监管局", key_passphrase=key_passphrase(county))
    for i in range(2):
        st = open_store(tmp_path / f"s{i}")
        init_node(st, kind="station", code=f"{COUNTY}{i + 1:03d}", name=f"第{i + 1}所", parent_code=COUNTY)
        enrol_peer(county, export_identity(st, tmp_path / "usb"))
        enrol_peer(st, export_identity(county, tmp_path / "usb"))
        generate(st, enterprises=60, inspections=240, samplings=4, seed=20 + i, today=TODAY)
        bundle = export_bundle(st, COUNTY, tmp_path / "usb" / str(i))
        st.close()
        assert import_bundle(county, bundle.path).status == "applied"
    return county


@pytest.fixture
def sqlite_county(tmp_path: Path) -> Iterator[Store]:
    county = _county(tmp_path, None)
    yield county
    county.close()


@pytest.fixture
def postgres_county(tmp_path: Path, pg_url: str) -> Iterator[Store]:
    county = _county(tmp_path, pg_url)
    yield county
    county.close()


def _check(county: Store) -> None:
    with county.session() as s:
        # a code only found in the rows (a station no longer enrolled) is a station too
        moved = s.execute(text(
            "UPDATE inspection SET origin = '370112009' WHERE id IN (SELECT id FROM inspection WHERE origin = "
            "'370112002' AND status = 'sealed' AND inspected_on >= '2026-10-01' ORDER BY id LIMIT 3)"))
        assert moved.rowcount == 3
        assert [c for c, _ in station_origins(s)] == ["370112001", "370112002", "370112009"]
        seen = 0
        for month in (TODAY.month - 1, TODAY.month):
            tables, total = compute_county(s, TODAY.year, month)
            assert [t.origin for t in tables] == ["370112001", "370112002", "370112009"]
            alone = [compute_monthly(s, TODAY.year, month, origin=t.origin, unit=t.unit) for t in tables]
            for x, y in zip(tables, alone, strict=True):
                assert x.unit == y.unit
                for k in x.figures:
                    assert x.figures[k].value == y.figures[k].value, (month, x.origin, k)
                    assert sorted(x.figures[k].sources) == sorted(y.figures[k].sources), (month, x.origin, k)
                    seen += bool(x.figures[k].value)
            # the stations' rows are all the records here (the county made none): their sum is
            # the table of every record
            every = compute_monthly(s, TODAY.year, month)
            assert total.values() == every.values() == sum_tables(alone, TODAY.year, month).values()
        s.rollback()
    assert seen > 10  # the demo year fills many figures


def test_county_rollup_is_each_station_alone(sqlite_county: Store) -> None:
    _check(sqlite_county)


def test_postgres_county_rollup_is_each_station_alone(postgres_county: Store) -> None:
    _check(postgres_county)
