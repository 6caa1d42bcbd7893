"""Property: whatever order a county imports a set of bundles in, it ends in the same state."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from qsdesk.services.sync.bundle import BundleError
from qsdesk.services.sync.exchange import export_bundle, import_bundle, write_receipt
from qsdesk.store.db import Store, open_store
from qsdesk.store.models import Enterprise, Product
from tests.services.sync_helpers import COUNTY, STATION, STATION2, enrol_both, make_node, synced_state

CODES = (STATION, STATION2)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("sync_template")
    county = make_node(root / "county", "county", COUNTY, "历城区市场监管局")
    s1 = make_node(root / STATION, "station", STATION, "王舍人市场监管所", COUNTY)
    s2 = make_node(root / STATION2, "station", STATION2, "遥墙市场监管所", COUNTY)
    enrol_both(s1, county, root / "usb")
    enrol_both(s2, county, root / "usb")
    for st_ in (county, s1, s2):
        st_.close()
    yield root


op = st.one_of(
    st.tuples(st.just("new"), st.just(0), st.just(0)),
    st.tuples(st.just("edit"), st.integers(0, 3), st.integers(1, 500)),
    st.tuples(st.just("delete"), st.integers(0, 3), st.just(0)),
)
#: A round: one station makes some changes, exports (incrementally or since the last receipt),
#: and maybe gets a receipt back from the county.
round_ = st.tuples(st.integers(0, 1), st.lists(op, min_size=1, max_size=4), st.booleans(), st.booleans())


def _ids(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(Enterprise.id).order_by(Enterprise.name)))


def _import_all(county: Store, bundles: list[Path]) -> None:
    """Import like a person would: what is refused for a gap is tried again after the others."""
    pending = list(bundles)
    while pending:
        left = []
        for b in pending:
            try:
                import_bundle(county, b)
            except BundleError as exc:
                assert exc.reason == "gap", str(exc)
                left.append(b)
        assert len(left) < len(pending), "no bundle could be imported"
        pending = left


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(round_, min_size=2, max_size=6), data=st.data())
def test_any_import_order_converges(template: Path, rounds: list[tuple], data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("county", "county_b", *CODES):
            shutil.copytree(template / ("county" if name == "county_b" else name), root / name)
        county, county_b = open_store(root / "county"), open_store(root / "county_b")
        stations = [open_store(root / c) for c in CODES]
        usb = root / "usb"
        bundles: list[Path] = []
        last_upto = [0, 0]
        counter = 0
        try:
            for i, ops, incremental, receipt in rounds:
                station = stations[i]
                for kind, k, value in ops:
                    ids = _ids(station)
                    if kind == "new" or not ids:
                        counter += 1
                        with station.transaction() as s:
                            e = Enterprise(name=f"企业{counter:03d}", unit_types="retailer", phone="13800000000")
                            s.add(e)
                            s.flush()
                            s.add(Product(enterprise_id=e.id, name=f"产品{counter}"))
                        continue
                    with station.transaction() as s:
                        e = s.get(Enterprise, ids[k % len(ids)])
                        assert e is not None
                        if kind == "edit":
                            e.staff = value
                        else:
                            e.deleted = not e.deleted
                res = export_bundle(station, COUNTY, usb, since=last_upto[i] if incremental else None)
                last_upto[i] = res.range_upto or 0
                bundles.append(res.path)
                if receipt:  # the reference county imports what it has so far and answers
                    _import_all(county, [b for b in bundles if b.name.startswith(CODES[i] + "-")])
                    import_bundle(stations[i], write_receipt(county, CODES[i], usb).path)
            for i, station in enumerate(stations):
                bundles.append(export_bundle(station, COUNTY, usb, since=None).path)
                last_upto[i] = 0
            order = data.draw(st.permutations(bundles))
            _import_all(county, bundles)
            _import_all(county_b, list(order))
            a, b = synced_state(county), synced_state(county_b)
            for table in ("enterprise", "product", "inspector"):
                assert a[table] == b[table], table
            # and the county holds exactly what each station holds
            for station in stations:
                mine = synced_state(station)
                for table in ("enterprise", "product"):
                    assert set(mine[table]) <= set(a[table]), table
            assert len(a["enterprise"]) == sum(len(synced_state(s_)["enterprise"]) for s_ in stations)
        finally:
            for s_ in (county, county_b, *stations):
                s_.close()
