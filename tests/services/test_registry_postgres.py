"""Registry search on a PostgreSQL county: the same answers as SQLite's FTS5 path, through
trigram indexes the planner uses (a UNION of indexed branches), with JIT off."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from qsdesk.services import registry as reg
from qsdesk.services.node import InspectorSpec, init_node
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


def test_postgres_search_uses_trigram_indexes_and_no_jit(pg_registry: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "PG_WALK_HITS", PG_NEVER)  # 22 letters: every term is common
    _bulk(pg_registry, 500, seed=5)
    stmt, params = reg.list_query(pg_registry.engine, reg.RegistryFilter(text="电线缆 华"))
    with pg_registry.engine.connect() as c:
        assert c.execute(text("SHOW jit")).scalar() == "off"
        # Chinese makes trigrams under the database's UTF-8 ctype (under plain "C" it would not)
        assert len(c.execute(text("SELECT show_trgm('电线缆')")).scalar()) >= 1
        # a small table is cheaper to scan: forbid that to see what the shape lets the planner use
        c.execute(text("SET enable_seqscan = off"))
        compiled = stmt.compile(dialect=c.dialect)
        sql = str(compiled)
        assert " UNION " in sql.upper()
        plan = "\n".join(r[0] for r in c.exec_driver_sql("EXPLAIN " + sql, {**compiled.params, **params}))
    for index in search.PG_INDEXES:
        assert index in plan, plan
    assert "Seq Scan on enterprise" not in plan, plan


@pytest.mark.parametrize("query", ["电线 华", "缆", "ab 港沟"])
def test_postgres_short_terms_use_the_character_indexes(pg_registry: Store, query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A driver of one or two characters (no trigram) is served by the character indexes, not by
    a scan of every enterprise; the answer is the LIKE answer."""
    monkeypatch.setattr(search, "PG_WALK_HITS", PG_NEVER)
    _bulk(pg_registry, 500, seed=5)
    stmt, params = reg.list_query(pg_registry.engine, reg.RegistryFilter(text=query))
    with pg_registry.engine.connect() as c:
        c.execute(text("SET enable_seqscan = off"))
        compiled = stmt.compile(dialect=c.dialect)
        plan = "\n".join(r[0] for r in c.exec_driver_sql("EXPLAIN " + str(compiled), {**compiled.params, **params}))
    for index in search.PG_CHAR_INDEXES:
        assert index in plan, plan
    assert "Seq Scan on enterprise" not in plan, plan
    assert names(pg_registry, reg.RegistryFilter(text=query)) == names(
        pg_registry, reg.RegistryFilter(text=query), use_index=False)


def test_postgres_short_term_statement_reused_with_new_values(pg_registry: Store) -> None:
    fill_registry(pg_registry)
    seen = set()
    for q, want in (("泰和", {"济南泰和电线电缆有限公司"}), ("张伟", {"济南华兴塑料制品厂"})):
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


def test_postgres_without_character_indexes_short_terms_are_a_like_scan(pg_registry: Store) -> None:
    """A county database from before the character indexes: trigram search as before, a short
    driver through the LIKE condition, the same answers."""
    fill_registry(pg_registry)
    with pg_registry.engine.begin() as c:
        for index in search.PG_CHAR_INDEXES:
            c.execute(text(f"DROP INDEX {index}"))
    search.forget_index(pg_registry.engine)
    try:
        assert search.has_index(pg_registry.engine) and not search.has_short_index(pg_registry.engine)
        for q, want in (("泰和", {"济南泰和电线电缆有限公司"}), ("电线电缆", {"济南泰和电线电缆有限公司"}),
                        ("港沟 插", {"历城区鲁泰五金门市部"})):
            assert names(pg_registry, reg.RegistryFilter(text=q)) == want
            stmt, params = reg.list_query(pg_registry.engine, reg.RegistryFilter(text=q))
            with pg_registry.session() as s:
                assert {r.name for r in s.execute(stmt, params)} == want
        assert search.index_source("泰和", pg_registry.engine) is None
        assert search.index_source("电线电缆", pg_registry.engine) is not None
    finally:
        search.forget_index(pg_registry.engine)


def test_postgres_common_term_is_read_in_name_order(pg_registry: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Terms many enterprises match are not read whole through the indexes and sorted: the list
    walks the enterprises in name order and checks each, and shows the same enterprises. A term
    common alone but rare with the other (燃气具 章丘路) keeps the indexes."""
    monkeypatch.setattr(search, "PG_SAMPLE", 1000)
    monkeypatch.setattr(search, "PG_WALK_HITS", 40)
    _bulk(pg_registry, 400, seed=3)
    with pg_registry.transaction() as s:
        for i in range(60):
            s.add(Enterprise(name=f"济南燃气具{i:03d}有限公司", address="历城区港沟路" if i % 30 else "章丘路"))
    with pg_registry.engine.begin() as c:
        c.execute(text("ANALYZE enterprise"))
    engine = pg_registry.engine
    assert search.pg_sample(engine, "燃气具 港沟") == search.Sample(walk=True, order=["燃气具", "港沟"])
    # common alone, rare together: the indexes, driven by the term the sample matched least
    assert search.pg_sample(engine, "燃气具 章丘路") == search.Sample(walk=False, order=["章丘路", "燃气具"])
    assert search.pg_sample(engine, "港沟 燃气具001") == search.Sample(walk=False, order=["燃气具001", "港沟"])
    assert search.pg_sample(engine, "") is None and search.pg_sample(pg_registry.engine, "  ") is None
    stmt, params = reg.list_query(engine, reg.RegistryFilter(text="燃气具 港沟"))
    assert params == {} and " UNION " not in str(stmt.compile(dialect=engine.dialect)).upper()
    with pg_registry.session() as s:
        walked = [r.name for r in s.execute(stmt)]
    assert len(walked) == 58 and walked == sorted(walked)
    flt = reg.RegistryFilter(text="燃气具 港沟")
    assert set(walked) == names(pg_registry, flt, use_index=True) == names(pg_registry, flt, use_index=False)
    # the first page is read in name order through the name index, not by sorting every match
    with engine.connect() as c:
        c.execute(text("SET enable_seqscan = off"))
        compiled = stmt.limit(20).compile(dialect=c.dialect)
        plan = "\n".join(r[0] for r in c.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
    assert "Index Scan using ix_enterprise_name on enterprise" in plan, plan
    assert not re.search(r"^\s*(->\s+)?Sort\s+\(", plan, re.M), plan  # at most an incremental sort by id
    # a rare combination keeps the indexes, driven by its rarest term, with the same answer
    for q in ("燃气具001", "燃气具 章丘路"):
        rare, rare_params = reg.list_query(engine, reg.RegistryFilter(text=q))
        assert " UNION " in str(rare.compile(dialect=engine.dialect)).upper(), q
        with pg_registry.session() as s:
            got = {r.name for r in s.execute(rare, rare_params)}
        assert got == names(pg_registry, reg.RegistryFilter(text=q), use_index=False) and got, q
    assert rare_params["q0"] == "%章丘路%"
