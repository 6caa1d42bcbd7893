"""A county on PostgreSQL gives what a county on SQLite gives, cell for cell: the same station
bundle imported into both, then the county's monthly roll-up, annual lists, 双随机 draw (same
seed), registry filters and Excel exports compared."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from qsdesk.services import random_draw
from qsdesk.services import registry as reg
from qsdesk.services.annual_lists import build_lists
from qsdesk.services.demo import generate
from qsdesk.services.excel.exporter import export_registry
from qsdesk.services.monthly import compute_county
from qsdesk.services.node import init_node
from qsdesk.services.sync import county as county_views
from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.services.sync.identity import enrol_peer, export_identity
from qsdesk.store.db import Store, open_store
from tests.pg_server import key_passphrase
from tests.services.sync_helpers import synced_state

TODAY = date(2026, 11, 20)
COUNTY = "370112"


@pytest.fixture
def twin_counties(tmp_path: Path, pg_url: str) -> Iterator[tuple[Store, Store]]:
    """One station's demo year imported into a SQLite county and a PostgreSQL county (the same
    keys: one county identity, two databases)."""
    station = open_store(tmp_path / "station")
    init_node(station, kind="station", code=f"{COUNTY}001", name="王舍人市场监管所", parent_code=COUNTY)
    lite = open_store(tmp_path / "county-sqlite")
    init_node(lite, kind="county", code=COUNTY, name="历城区市场监管局")
    pg = open_store(tmp_path / "county-pg", url=pg_url)
    init_node(pg, kind="county", code=COUNTY, name="历城区市场监管局", key_passphrase=key_passphrase(pg))
    assert lite.data_dir is not None and pg.data_dir is not None
    for key in lite.data_dir.keys.iterdir():  # the PostgreSQL county uses the same identity
        (pg.data_dir.keys / key.name).write_bytes(key.read_bytes())
    with lite.session() as s1, pg.transaction() as s2:
        from qsdesk.store.models import Node

        mine = s1.scalars(select(Node).where(Node.is_self.is_(True))).one()
        other = s2.scalars(select(Node).where(Node.is_self.is_(True))).one()
        other.public_key, other.enc_public_key = mine.public_key, mine.enc_public_key
    for county in (lite, pg):
        enrol_peer(county, export_identity(station, tmp_path / "usb"))
    enrol_peer(station, export_identity(lite, tmp_path / "usb"))
    generate(station, enterprises=120, inspections=400, samplings=20, seed=3, today=TODAY)
    bundle = export_bundle(station, COUNTY, tmp_path / "usb")
    for county in (lite, pg):
        assert import_bundle(county, bundle.path).status == "applied"
    station.close()
    yield lite, pg
    lite.close()
    pg.close()


def test_postgres_county_holds_what_sqlite_county_holds(twin_counties: tuple[Store, Store]) -> None:
    lite, pg = twin_counties
    a, b = synced_state(lite), synced_state(pg)
    assert a["enterprise"] and a["inspection"]
    for table in a:
        if table != "audit_entry":
            assert a[table] == b[table], table
    assert county_views.counts_by_station(lite) == county_views.counts_by_station(pg)


def test_postgres_monthly_rollup_and_annual_lists_match_sqlite(twin_counties: tuple[Store, Store]) -> None:
    lite, pg = twin_counties
    with lite.session() as s1, pg.session() as s2:
        for month in (TODAY.month - 1, TODAY.month):
            (t1, sum1), (t2, sum2) = compute_county(s1, TODAY.year, month), compute_county(s2, TODAY.year, month)
            assert [t.unit for t in t1] == [t.unit for t in t2]
            for x, y in zip([*t1, sum1], [*t2, sum2], strict=True):
                diff = {k: (x.figures[k].value, y.figures[k].value) for k in x.figures
                        if x.figures[k].value != y.figures[k].value}
                assert not diff, (month, x.unit, diff)
                # the records behind each figure: the same ones (monthly.py lists them in the
                # database's order, which SQLite and PostgreSQL choose differently)
                for k in x.figures:
                    assert sorted(map(repr, x.figures[k].sources)) == sorted(map(repr, y.figures[k].sources)), k
        l1, l2 = build_lists(s1, TODAY.year, as_of=TODAY), build_lists(s2, TODAY.year, as_of=TODAY)
        assert asdict(l1) == asdict(l2)


def test_postgres_random_draw_same_seed_same_result(twin_counties: tuple[Store, Store]) -> None:
    lite, pg = twin_counties
    flt = random_draw.PoolFilter(domain="生产")
    with lite.session() as s1, pg.session() as s2:
        pool1, pool2 = random_draw.select_pool(s1, flt), random_draw.select_pool(s2, flt)
        people1, people2 = random_draw.active_inspector_ids(s1), random_draw.active_inspector_ids(s2)
    assert sorted(pool1) == sorted(pool2) and len(pool1) >= 5
    assert sorted(people1) == sorted(people2)
    team = min(2, len(people1))
    assert (random_draw.draw(pool1, people1, 5, "种子-2026-11", team)
            == random_draw.draw(pool2, people2, 5, "种子-2026-11", team))


def test_postgres_registry_filters_and_excel_match_sqlite(twin_counties: tuple[Store, Store], tmp_path: Path) -> None:
    lite, pg = twin_counties
    for flt in (reg.RegistryFilter(), reg.RegistryFilter(station=f"{COUNTY}001"),
                reg.RegistryFilter(domain="生产", grade="C"), reg.RegistryFilter(supervision_class="routine")):
        rows = []
        for st_ in (lite, pg):
            with st_.session() as s:
                rows.append(sorted(tuple(r) for r in s.execute(reg.list_statement(st_.engine, flt))))
        assert rows[0] == rows[1], flt
    sheets = []
    for name, st_ in (("lite", lite), ("pg", pg)):
        out = tmp_path / f"{name}.xlsx"
        export_registry(st_, out)
        ws = openpyxl.load_workbook(out, read_only=True).active
        sheets.append(sorted(tuple(r) for r in ws.iter_rows(values_only=True)))
    assert len(sheets[0]) > 100 and sheets[0] == sheets[1]
