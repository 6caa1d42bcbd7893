"""Registry search on a PostgreSQL county: the same answers as SQLite's FTS5 path, through
trigram indexes the planner uses (a UNION of indexed branches), with JIT off."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select, text

from qsdesk.services import registry as reg
from qsdesk.services.node import InspectorSpec, init_node
from qsdesk.services.sync.rows import insert_many
from qsdesk.store import search
from qsdesk.store.db import Store, open_store
from qsdesk.store.models import Enterprise, Product
from tests.pg_server import KEY_PASSPHRASE
from tests.registry_data import fill_registry
from tests.services.test_registry import names

ALPHABET = "泰和电线缆五金华兴塑料明湖燃气具港沟路号AaBb1290"
#: a walk threshold no sample reaches: the indexed path whatever the terms
PG_NEVER = 10**9


@pytest.fixture
def pg_registry(tmp_path: Path, pg_url: str) -> Iterator[Store]:
    st_ = open_store(tmp_path / "county", url=pg_url)
    init_node(st_, kind="county", code="370112", name="历城区市场监管局",
              inspectors=[InspectorSpec.parse("张伟:13805310001:37011200101")], key_passphrase=KEY_PASSPHRASE)
    yield st_
    st_.close()


@pytest.mark.parametrize(("query", "expected"), [
    ("泰", {"济南泰和电线电缆有限公司", "历城区鲁泰五金门市部"}),
    ("泰和", {"济南泰和电线电缆有限公司"}),
    ("电线电缆", {"济南泰和电线电缆有限公司"}),
    ("张伟", {"济南华兴塑料制品厂"}),
    ("唐冶中路", {"济南明湖燃气具经营部"}),
    ("燃气灶", {"济南明湖燃气具经营部"}),
    ("9237", {"历城区鲁泰五金门市部", "济南明湖燃气具经营部"}),
    ("91370112613", {"济南华兴塑料制品厂"}),
    ("ma3c4", {"济南泰和电线电缆有限公司"}),
    ("港沟 肥料", {"济南泉城化肥有限公司"}),
    ("港沟 插", {"历城区鲁泰五金门市部"}),
    ("不存在的企业", set()),
    ("%", set()),
    ("a_c", set()),
])
def test_postgres_search_examples(pg_registry: Store, query: str, expected: set[str]) -> None:
    fill_registry(pg_registry)
    assert search.has_index(pg_registry.engine)
    assert names(pg_registry, reg.RegistryFilter(text=query)) == expected
    assert names(pg_registry, reg.RegistryFilter(text=query), use_index=False) == expected


def test_postgres_search_statement_reused_with_new_values(pg_registry: Store) -> None:
    fill_registry(pg_registry)
    seen = set()
    for q, want in (("电线电缆", {"济南泰和电线电缆有限公司"}), ("燃气灶", {"济南明湖燃气具经营部"})):
        stmt, params = reg.list_query(pg_registry.engine, reg.RegistryFilter(text=q))
        seen.add(id(stmt))
        with pg_registry.session() as s:
            assert {r.name for r in s.execute(stmt, params)} == want
    assert len(seen) == 1


def _bulk(store: Store, n: int, seed: int) -> None:
    rnd = random.Random(seed)
    word = "".join
    with store.transaction() as s:
        for i in range(n):
            e = Enterprise(name=word(rnd.choices(ALPHABET, k=rnd.randint(3, 10))) + f"{i:05d}",
                           uscc=f"9137{rnd.randrange(10**13):013d}X" if rnd.random() < 0.8 else None,
                           legal_rep=word(rnd.choices(ALPHABET, k=3)) if rnd.random() < 0.7 else None,
                           address=word(rnd.choices(ALPHABET, k=rnd.randint(5, 14))) if rnd.random() < 0.9 else None)
            s.add(e)
            s.flush()
            for _ in range(rnd.randint(0, 2)):
                s.add(Product(enterprise_id=e.id, name=word(rnd.choices(ALPHABET, k=rnd.randint(2, 6))),
                              deleted=rnd.random() < 0.15))


@pytest.fixture
def twin_registries(store: Store, pg_registry: Store) -> tuple[Store, Store]:
    """The same 300 enterprises in a SQLite station (FTS5) and a PostgreSQL county (pg_trgm)."""
    for st_ in (store, pg_registry):
        _bulk(st_, 300, seed=17)
    return store, pg_registry


@settings(max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.lists(st.text(alphabet=ALPHABET + "%_ ", min_size=1, max_size=5), min_size=1, max_size=3)
       .map(" ".join))
def test_postgres_search_same_results_as_sqlite_fts5(twin_registries: tuple[Store, Store], query: str) -> None:
    sqlite_store, pg = twin_registries
    assert search.has_index(sqlite_store.engine) and search.has_index(pg.engine)
    assert names(pg, reg.RegistryFilter(text=query)) == names(sqlite_store, reg.RegistryFilter(text=query))


def like_names(store: Store, query: str) -> set[str]:
    """The portable answer: every term a LIKE over the enterprise's columns and products."""
    with store.session() as s:
        return set(s.scalars(select(Enterprise.name).where(search.like_clause(query), Enterprise.deleted.is_(False))))


def _plan(store: Store, stmt: Any, params: dict[str, Any], *, scans: bool = True, sort: bool = True) -> str:
    """The plan of ``stmt`` when the planner may not read every row of a table (``scans``
    False: nor walk every entry of an index, which 22 letters in every row make cheap; ``sort``
    False: nor sort what it found, which a few hundred rows make cheap)."""
    with store.engine.connect() as c:
        if not sort:
            c.execute(text("SET enable_sort = off"))
        if not scans:
            c.execute(text("SET enable_indexscan = off"))
        c.execute(text("ANALYZE enterprise, enterprise_text"))  # what autovacuum does soon after a bulk write
        # a small table is cheaper to scan: forbid that to see what the shape lets the planner use
        c.execute(text("SET enable_seqscan = off"))
        compiled = stmt.compile(dialect=c.dialect)
        return "\n".join(r[0] for r in c.exec_driver_sql("EXPLAIN " + str(compiled), {**compiled.params, **params}))


@pytest.mark.parametrize(("query", "chars"), [("电线缆 华", "{电,线,缆,华}"), ("缆", "{缆}"), ("ab 港沟", "{a,b,港,沟}"),
                                              ("Ma3C", "{m,a,3,c}")])
def test_postgres_search_is_one_lookup_of_the_character_index(pg_registry: Store, query: str, chars: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """All the terms, whatever their length, are one lookup of the index over the characters
    of each enterprise's text (no branch per column, no scan of every enterprise, no JIT); the
    answer is the LIKE answer."""
    monkeypatch.setattr(search, "PG_WALK_HITS", PG_NEVER)  # 22 letters: every term is common
    _bulk(pg_registry, 500, seed=5)
    stmt, params = reg.list_query(pg_registry.engine, reg.RegistryFilter(text=query))
    with pg_registry.engine.connect() as c:
        assert c.execute(text("SHOW jit")).scalar() == "off"
    plan = _plan(pg_registry, stmt, params, scans=False)
    assert search.PG_TEXT_INDEX in plan and f"'{chars}'::text[]" in plan, plan
    assert "Seq Scan on enterprise" not in plan and " UNION " not in str(stmt).upper(), plan
    assert names(pg_registry, reg.RegistryFilter(text=query)) == like_names(pg_registry, query)


def test_postgres_short_term_statement_reused_with_new_values(pg_registry: Store) -> None:
    fill_registry(pg_registry)
    seen = set()
    for q, want in (("泰和", {"济南泰和电线电缆有限公司"}), ("张伟", {"济南华兴塑料制品厂"}), ("燃气灶", {"济南明湖燃气具经营部"})):
        stmt, params = reg.list_query(pg_registry.engine, reg.RegistryFilter(text=q))
        seen.add(id(stmt))
        with pg_registry.session() as s:
            assert {r.name for r in s.execute(stmt, params)} == want
    assert len(seen) == 1


def test_postgres_indexed_search_lists_each_enterprise_once_with_its_class(pg_registry: Store) -> None:
    """The index-driven statement joins the stored class (no product with every class row)."""
    fill_registry(pg_registry)
    for q in ("泰", "电线电缆", "港沟 插"):
        stmt, params = reg.list_query(pg_registry.engine, reg.RegistryFilter(text=q))
        with pg_registry.session() as s:
            ids = [r.id for r in s.execute(stmt, params)]
            assert s.scalar(text("SELECT count(*) FROM enterprise_class")) > 1
        assert ids and len(ids) == len(set(ids)), q


def _body(store: Store, enterprise_id: str) -> str | None:
    with store.engine.connect() as c:
        return c.execute(text("SELECT body FROM enterprise_text WHERE enterprise_id = :i"), {"i": enterprise_id}).scalar()


def test_postgres_enterprise_text_follows_every_write(pg_registry: Store) -> None:
    """The database keeps each enterprise's text current whoever writes: the program's
    sessions, the bundle import's COPY (:func:`insert_many`), a product renamed, moved,
    withdrawn or deleted, an enterprise renamed or deleted. Search sees each change at once."""
    def found(q: str) -> set[str]:
        return names(pg_registry, reg.RegistryFilter(text=q))

    with pg_registry.transaction() as s:
        a = Enterprise(name="济南甲电器有限公司", uscc="91370112MA3C4XYZ1K", legal_rep="王五", address="港沟路1号")
        b = Enterprise(name="济南乙五金商店", address="工业北路2号")
        s.add_all([a, b])
        s.flush()
        kettle = Product(enterprise_id=a.id, name="电热水壶")
        s.add(kettle)
    assert _body(pg_registry, a.id) == "济南甲电器有限公司\n91370112MA3C4XYZ1K\n王五\n港沟路1号\n电热水壶"
    assert _body(pg_registry, b.id) == "济南乙五金商店\n工业北路2号"
    assert found("水壶 港沟") == {"济南甲电器有限公司"}
    with pg_registry.transaction() as s:
        s.get(Product, kettle.id).name = "电饭锅"  # type: ignore[union-attr]
    assert found("水壶") == set() and found("饭锅 王五") == {"济南甲电器有限公司"}
    with pg_registry.transaction() as s:
        s.get(Product, kettle.id).enterprise_id = b.id  # type: ignore[union-attr]
    assert found("饭锅") == {"济南乙五金商店"} and "电饭锅" not in (_body(pg_registry, a.id) or "")
    with pg_registry.transaction() as s:
        s.get(Product, kettle.id).deleted = True  # type: ignore[union-attr]
    assert found("饭锅") == set()
    with pg_registry.transaction() as s:
        s.get(Enterprise, b.id).name = "济南丙灯具商店"  # type: ignore[union-attr]
        s.get(Enterprise, a.id).grade = "A"  # type: ignore[union-attr]  # no searched column: text untouched
    assert found("丙灯具") == {"济南丙灯具商店"} and found("五金") == set()
    # the import's bulk path (COPY on PostgreSQL)
    rows = [{c.key: None for c in Product.__table__.c}]
    with pg_registry.transaction() as s:
        template = s.get(Product, kettle.id)
        rows[0].update({c.key: getattr(template, c.key) for c in Product.__table__.c})
        rows[0].update(id="p-copied", name="防爆灯具", deleted=False)
        assert insert_many(s, Product.__table__, rows)
    assert found("防爆") == {"济南丙灯具商店"}
    with pg_registry.engine.begin() as c:  # a clerk's psql: deletes
        c.execute(text("DELETE FROM product WHERE id = 'p-copied'"))
    assert found("防爆") == set()
    with pg_registry.engine.begin() as c:
        c.execute(text("DELETE FROM enterprise_class WHERE enterprise_id = :i"), {"i": a.id})
        c.execute(text("DELETE FROM enterprise WHERE id = :i"), {"i": a.id})
    assert _body(pg_registry, a.id) is None and found("港沟") == set()


def test_postgres_without_the_text_index_search_is_a_like_scan(pg_registry: Store) -> None:
    """A database without the index (dropped by hand): the LIKE condition, the same answers."""
    fill_registry(pg_registry)
    with pg_registry.engine.begin() as c:
        c.execute(text(f"DROP INDEX {search.PG_TEXT_INDEX}"))
    search.forget_index(pg_registry.engine)
    try:
        assert not search.has_index(pg_registry.engine)
        for q, want in (("泰和", {"济南泰和电线电缆有限公司"}), ("燃气灶", {"济南明湖燃气具经营部"}),
                        ("港沟 插", {"历城区鲁泰五金门市部"})):
            assert names(pg_registry, reg.RegistryFilter(text=q)) == want
        assert search.index_source("泰和", pg_registry.engine) is None
    finally:
        search.forget_index(pg_registry.engine)


def test_postgres_common_term_is_read_in_name_order(pg_registry: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Terms many enterprises match are not read whole through the index and sorted: the list
    walks the enterprise texts in name order and checks each, and shows the same enterprises. A
    term common alone but rare with the other (燃气具 章丘路) keeps the index."""
    monkeypatch.setattr(search, "PG_SAMPLE", 1000)
    monkeypatch.setattr(search, "PG_WALK_HITS", 40)
    _bulk(pg_registry, 400, seed=3)
    with pg_registry.transaction() as s:
        for i in range(60):
            s.add(Enterprise(name=f"济南燃气具{i:03d}有限公司", address="历城区港沟路" if i % 30 else "章丘路"))
    with pg_registry.engine.begin() as c:
        c.execute(text("ANALYZE enterprise"))
        c.execute(text("ANALYZE enterprise_text"))
    engine = pg_registry.engine
    assert search.pg_walk(engine, "燃气具 港沟")
    assert not search.pg_walk(engine, "燃气具 章丘路") and not search.pg_walk(engine, "港沟 燃气具001")
    assert not search.pg_walk(engine, "") and not search.pg_walk(engine, "  ")
    stmt, params = reg.list_query(engine, reg.RegistryFilter(text="燃气具 港沟"))
    assert params["q0"] == "%燃气具%" and params["q1"] == "%港沟%"  # bound: reused as the user types
    with pg_registry.session() as s:
        walked = [r.name for r in s.execute(stmt, params)]
    assert len(walked) == 58 and walked == sorted(walked)
    assert set(walked) == like_names(pg_registry, "燃气具 港沟")
    # the walk's statement is reused with the next terms' values, as the indexed one is
    again, again_params = reg.list_query(engine, reg.RegistryFilter(text="有限公司 历城区"))
    assert again is stmt and search.pg_walk(engine, "有限公司 历城区")
    with pg_registry.session() as s:
        assert {r.name for r in s.execute(again, again_params)} == like_names(pg_registry, "有限公司 历城区")
    # the first page is read in name order through the texts' name index, not by sorting every match
    plan = _plan(pg_registry, stmt.limit(20), params, sort=False)
    assert "Index Scan using ix_enterprise_text_name on enterprise_text" in plan, plan
    assert not re.search(r"^\s*(->\s+)?Sort\s+\(", plan, re.M), plan  # at most an incremental sort by id
    # a rare combination keeps the index, with the same answer
    for q in ("燃气具001", "燃气具 章丘路"):
        rare, rare_params = reg.list_query(engine, reg.RegistryFilter(text=q))
        assert search.PG_TEXT_INDEX in _plan(pg_registry, rare, rare_params, scans=False), q
        with pg_registry.session() as s:
            got = {r.name for r in s.execute(rare, rare_params)}
        assert got == like_names(pg_registry, q) and got, q


def test_postgres_search_probe_runs_on_the_callers_connection(pg_registry: Store) -> None:
    """Given a connection, the list query's sample probe runs on it: a search and its first page
    take one connection from the pool, not one for the probe and another for the page, and find
    what the engine-bound query finds."""
    _bulk(pg_registry, 50, seed=5)
    with pg_registry.transaction() as s:
        s.add_all([Enterprise(name=f"济南第{i}五金有限公司", address="历城区港沟路" if i % 2 else "章丘区")
                   for i in range(6)])
    engine = pg_registry.engine
    flt = reg.RegistryFilter(text="有限公司 历城")
    with engine.connect() as c:
        by_engine = {r.name for r in c.execute(*reg.list_query(engine, flt))}
    checkouts: list[object] = []

    def checkout(*args: object) -> None:
        checkouts.append(args)

    event.listen(engine, "checkout", checkout)
    try:
        with engine.connect() as c:
            stmt, params = reg.list_query(c, flt)
            page = {r.name for r in c.execute(stmt, params)}
    finally:
        event.remove(engine, "checkout", checkout)
    assert len(checkouts) == 1
    assert page == by_engine == like_names(pg_registry, "有限公司 历城") and page


def _texts(store: Store) -> dict[str, tuple[str, str]]:
    with store.engine.connect() as c:
        return {i: (n, b) for i, n, b in c.execute(text("SELECT enterprise_id, name, body FROM enterprise_text"))}


def test_postgres_deferred_texts_are_written_once_at_the_end(pg_registry: Store) -> None:
    """Inside :func:`search.deferred_texts` inserted enterprises and products get their texts when
    the block ends (one statement); an update inside, and any insert after it, as at once."""
    with pg_registry.transaction() as s:
        old = Enterprise(name="济南甲电器有限公司", address="港沟路1号")
        s.add(old)
    with pg_registry.transaction() as s:
        with search.deferred_texts(s) as ids:
            new = Enterprise(name="济南乙五金商店", legal_rep="李四")
            s.add(new)
            s.flush()
            s.get(Enterprise, old.id).address = "港沟路2号"  # type: ignore[union-attr]  # an update: at once
            s.flush()
            s.add_all([Product(enterprise_id=new.id, name="防爆灯具"), Product(enterprise_id=old.id, name="电热水壶")])
            s.flush()
            inside = {i: b for i, b in s.execute(text("SELECT enterprise_id, body FROM enterprise_text"))}
            assert inside == {old.id: "济南甲电器有限公司\n港沟路2号"}  # the new product waits too
            ids.update({new.id, old.id})
        after = {i: b for i, b in s.execute(text("SELECT enterprise_id, body FROM enterprise_text"))}
        assert after == {old.id: "济南甲电器有限公司\n港沟路2号\n电热水壶", new.id: "济南乙五金商店\n李四\n防爆灯具"}
        later = Enterprise(name="济南丙灯具商店")
        s.add(later)
        s.flush()
        assert s.execute(text("SELECT body FROM enterprise_text WHERE enterprise_id = :i"),
                         {"i": later.id}).scalar() == "济南丙灯具商店"
    assert names(pg_registry, reg.RegistryFilter(text="灯具 李四")) == {"济南乙五金商店"}


def test_postgres_import_writes_every_text_as_the_triggers_would(tmp_path: Path, pg_registry: Store) -> None:
    """A station's year imported (texts deferred) leaves every enterprise the text a full
    recalculation gives, and a second bundle's new products reach their enterprises' texts."""
    from datetime import date

    from qsdesk.services.demo import generate
    from qsdesk.services.sync.exchange import export_bundle, import_bundle
    from tests.services.sync_helpers import COUNTY, STATION, add_enterprise, enrol_both, make_node

    station = make_node(tmp_path / "s", "station", STATION, "王舍人市场监管所", COUNTY)
    try:
        enrol_both(station, pg_registry, tmp_path / "usb")
        generate(station, enterprises=80, inspections=40, samplings=0, seed=5, today=date(2026, 11, 20))
        import_bundle(pg_registry, export_bundle(station, COUNTY, tmp_path / "usb").path)
        eid = add_enterprise(station)
        with station.transaction() as s:
            s.add(Product(enterprise_id=eid, name="防爆灯具"))
            some = s.scalars(select(Enterprise.id).where(Enterprise.id != eid)).first()
            s.add(Product(enterprise_id=some, name="电热水壶"))
        import_bundle(pg_registry, export_bundle(station, COUNTY, tmp_path / "usb").path)
    finally:
        station.close()
    imported = _texts(pg_registry)
    assert len(imported) == 81  # every enterprise of the station has its text
    assert "防爆灯具" in imported[eid][1] and "电热水壶" in imported[str(some)][1]
    with pg_registry.engine.begin() as c:
        c.execute(text("DELETE FROM enterprise_text"))
        c.execute(text("SELECT enterprise_text_refresh(ARRAY(SELECT id FROM enterprise))"))
    assert _texts(pg_registry) == imported
