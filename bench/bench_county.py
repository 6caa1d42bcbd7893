"""A county hub on PostgreSQL at county scale, every figure beside a raw baseline of the same run.

    python bench/bench_county.py                                   # 20 stations × (5,000 + 20,000)
    python bench/bench_county.py --stations 3 --search-enterprises 200000
    QSDESK_BENCH_PG_URL=postgresql://me@host/db python bench/bench_county.py   # an existing server

Without ``QSDESK_BENCH_PG_URL`` a throwaway PostgreSQL is started as the tests do
(``tests/pg_server.py``: Debian's ``postgresql`` binaries, ``fsync=off``) but with PostgreSQL's
default ``shared_buffers`` (128 MB, as a county's server has; the tests trim it to 32 MB); with it, the URL names a
server database from which a new scratch database is created and dropped again.

Figures (issue 17, targets in brackets):

* **imports**: each station's year (demo data: 5,000 enterprises with products and assignments,
  20,000 inspections) exported and imported into the county's PostgreSQL, against the same rows
  inserted into an empty database of the same schema with psycopg ``executemany`` (and with
  ``COPY``), one transaction per station [all imports ≤ 60 s, ≤ 2× executemany]. The three run
  one after the other, each into its own database, and what autovacuum still has to do for a
  phase's rows is done (``VACUUM ANALYZE``, not timed) before the next starts: on a two-core
  machine, autovacuum of the baselines' databases took a core from the imports running beside
  them. Autovacuum of the county's own rows during the imports is the county's cost and stays;
* **search**: the registry's two-term search (first page of 100) over ``--search-enterprises``
  enterprises, against the same SQL sent through psycopg (the sample probe that chooses the
  query, then the page) [≤ 50 ms, ≤ 1.5×];
* **roll-up / annual lists** over all stations [roll-up ≤ 1 s];
* **list jump**: the registry list model at that size, Ctrl+End (count + the last page), against
  the raw ``count(*)`` plus the same page through psycopg.

Preparing the stations (demo data and export on SQLite) is not measured and takes about 30 s per
station on a two-core machine.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from qsdesk.services.demo import generate  # noqa: E402
from qsdesk.services.node import init_node  # noqa: E402
from qsdesk.services.sync.exchange import export_bundle, import_bundle  # noqa: E402
from qsdesk.services.sync.identity import enrol_peer, export_identity  # noqa: E402
from qsdesk.services.sync.rows import TABLES  # noqa: E402
from qsdesk.store import dburl  # noqa: E402
from qsdesk.store.db import Store, make_engine, open_store  # noqa: E402
from qsdesk.store.migrate import upgrade_to_head  # noqa: E402
from tests.pg_server import key_passphrase  # noqa: E402

COUNTY = "370112"
TODAY = date(2026, 11, 20)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def report(name: str, seconds: float, baseline: float, target: float | None = None,
           ratio_target: float | None = None) -> None:
    ratio = seconds / baseline if baseline > 0 else float("inf")
    verdict = ""
    if target is not None:
        verdict += "  OK" if seconds <= target else f"  OVER {target:g} s"
    if ratio_target is not None:
        verdict += "" if ratio <= ratio_target else f"  RATIO OVER {ratio_target:g}×"
    unit, scale = ("ms", 1000.0) if seconds < 1 and baseline < 1 else ("s", 1.0)
    print(f"{name:<44} {seconds * scale:10.3f} {unit}   baseline {baseline * scale:10.3f} {unit}   "
          f"ratio {ratio:6.2f}×{verdict}   [{load()}]", flush=True)


@contextmanager
def scratch_databases() -> Iterator[Callable[[], str]]:
    """A factory of empty scratch databases (URLs), dropped at the end."""
    made: list[str] = []
    env = os.environ.get("QSDESK_BENCH_PG_URL")
    if env:
        base = dburl.normalize(env)
        admin = create_engine(base, isolation_level="AUTOCOMMIT")

        def new() -> str:
            name = f"qsdesk_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            made.append(name)
            return make_url(base).set(database=name).render_as_string(hide_password=False)

        try:
            yield new
        finally:
            with admin.connect() as c:
                for name in made:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        return
    from tests.pg_server import running_server

    # PostgreSQL's own memory settings (a county's server), not the test suite's trimmed ones
    with running_server({"shared_buffers": "128MB"}) as server:
        yield lambda: server.url(server.create_database("qsdesk_bench"))


def prepare_stations(root: Path, county: Store, n: int, enterprises: int, inspections: int) -> list[tuple[Path, Path]]:
    """Each station: set up, demo data, enrolled with the county, exported. (station db, bundle)"""
    out = []
    for i in range(n):
        code = f"{COUNTY}{i + 1:03d}"
        st = open_store(root / code)
        init_node(st, kind="station", code=code, name=f"第{i + 1}市场监管所", parent_code=COUNTY)
        enrol_peer(county, export_identity(st, root / "usb"))
        enrol_peer(st, export_identity(county, root / "usb"))
        t0 = time.perf_counter()
        generate(st, enterprises=enterprises, inspections=inspections, samplings=0, seed=100 + i, today=TODAY)
        bundle = export_bundle(st, COUNTY, root / "usb" / code)
        st.close()
        print(f"# station {code}: {bundle.total} rows prepared in {time.perf_counter() - t0:.1f} s", flush=True)
        out.append((root / code / "qsdesk.db", bundle.path))
    return out


def _pg_columns(conn: Any, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        (table,))]


def raw_rows(db: Path, tables: list[str], pg_cols: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """The station's synced rows, converted to what PostgreSQL takes (booleans, JSON text)."""
    src = sqlite3.connect(db)
    data = {}
    for t in tables:
        cols = [c for c in pg_cols[t]]
        types = {r[1]: (r[2] or "").upper() for r in src.execute(f"PRAGMA table_info({t})")}
        rows = src.execute(f"SELECT {','.join(chr(34) + c + chr(34) for c in cols)} FROM {t} WHERE change_seq > 0")
        bools = [i for i, c in enumerate(cols) if types.get(c) == "BOOLEAN"]
        out = []
        for r in rows:
            if bools:
                r = list(r)
                for i in bools:
                    r[i] = None if r[i] is None else bool(r[i])
            out.append(tuple(r))
        data[t] = out
    src.close()
    return data


def raw_insert(url: str, data: dict[str, list[tuple[Any, ...]]], pg_cols: dict[str, list[str]],
               copy: bool) -> float:
    """The same rows into the database of ``url`` with psycopg, one transaction."""
    import psycopg

    u = make_url(url)
    conn = psycopg.connect(**_conninfo(u))
    t0 = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur:
        for t, rows in data.items():
            cols = ",".join(f'"{c}"' for c in pg_cols[t])
            if copy:
                with cur.copy(f"COPY {t} ({cols}) FROM STDIN") as cp:
                    for r in rows:
                        cp.write_row(r)
            else:
                ph = ",".join(["%s"] * len(pg_cols[t]))
                cur.executemany(f"INSERT INTO {t} ({cols}) VALUES ({ph}) ON CONFLICT (id) DO NOTHING", rows)
    took = time.perf_counter() - t0
    conn.close()
    return took


def _conninfo(u: Any) -> dict[str, Any]:
    info: dict[str, Any] = {"dbname": u.database, "user": u.username, "options": "-c jit=off"}
    if u.password:
        info["password"] = u.password
    host = u.host or u.query.get("host")
    port = u.port or u.query.get("port")
    if host:
        info["host"] = host
    if port:
        info["port"] = port
    return info


def settle(url: str) -> None:
    """Finish the background work a phase left in its database (not timed): ``VACUUM ANALYZE``
    does what autovacuum would otherwise do while the next phase is being timed."""
    import psycopg

    with psycopg.connect(**_conninfo(make_url(url)), autocommit=True) as c:
        c.execute("VACUUM ANALYZE")


def timed(fn: Callable[[], Any], repeat: int = 5) -> float:
    fn()  # warm
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def timed_pair(ours: Callable[[], Any], raw: Callable[[], Any], repeat: int = 15) -> tuple[float, float]:
    """Medians of ``ours`` and ``raw``, run alternately (after a warm run each), so that the
    machine's drift (another process, a checkpoint) falls on both alike: a few milliseconds
    timed five times in a row, one after the other, moved a ratio between 0.9× and 1.8×."""
    ours()
    raw()
    a, b = [], []
    for _ in range(repeat):
        for fn, runs in ((ours, a), (raw, b)):
            t0 = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - t0)
    return statistics.median(a), statistics.median(b)


def add_enterprises(url: str, n: int) -> None:
    """Fill the registry up to ``n`` enterprises with COPY (for the search and list figures)."""
    import psycopg

    conn = psycopg.connect(**_conninfo(make_url(url)))
    have = conn.execute("SELECT count(*) FROM enterprise").fetchone()[0]
    import random

    rnd = random.Random(7)
    # names and addresses drawn from 2,500 common characters (a registry's real variety) and a
    # few trade words, so trigrams are as selective as in a real registry
    common = [chr(0x4E00 + i) for i in range(0, 20000, 8)]
    trades = ["电线电缆", "五金", "塑料制品", "燃气具", "化肥", "食品", "机械", "纺织", "印刷", "包装", "建材"]

    def words(k: int) -> str:
        return "".join(rnd.choices(common, k=k))

    with conn.transaction(), conn.cursor() as cur, cur.copy(
            "COPY enterprise (id, name, uscc, legal_rep, address, town, unit_types, individual_business, "
            "supervision_class, extra, rev, updated_at, origin, deleted, change_seq) FROM STDIN") as cp:
        for i in range(max(0, n - have)):
            name = "济南" + words(2) + rnd.choice(trades) + ("有限公司" if i % 3 else "经营部")
            cp.write_row((str(uuid.uuid4()), name, f"91370112MA{i:07d}X", words(3),
                          "济南市历城区" + words(2) + f"路{i % 500}号", "港沟街道", "retailer",
                          False, "routine", "{}", 1, "2026-11-01 00:00:00+00", f"{COUNTY}999", False, 1))
    conn.commit()
    # what autovacuum does soon after a bulk load: flushes the GIN indexes' pending lists (each
    # search would scan them) and refreshes the planner's statistics
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE enterprise, enterprise_text")
    conn.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stations", type=int, default=20)
    ap.add_argument("--enterprises", type=int, default=5_000)
    ap.add_argument("--inspections", type=int, default=20_000)
    ap.add_argument("--search-enterprises", type=int, default=200_000)
    args = ap.parse_args()
    print(f"# {args.stations} stations × ({args.enterprises} enterprises, {args.inspections} inspections); {load()}",
          flush=True)
    with tempfile.TemporaryDirectory() as tmp, scratch_databases() as new_db:
        root = Path(tmp)
        county_url = new_db()
        county = open_store(root / "county", url=county_url)
        init_node(county, kind="county", code=COUNTY, name="基准测试县局", key_passphrase=key_passphrase(county))
        stations = prepare_stations(root, county, args.stations, args.enterprises, args.inspections)

        # ---- imports vs raw executemany / COPY of the same rows: three phases, each into its
        # own database, the background work a phase leaves (autovacuum of what it inserted)
        # finished before the next starts, so no phase pays for another's
        raw_url, copy_url = new_db(), new_db()
        for u in (raw_url, copy_url):
            e = make_engine(u)
            upgrade_to_head(e)
            e.dispose()
        import psycopg

        with psycopg.connect(**_conninfo(make_url(raw_url))) as c:
            pg_cols = {t: _pg_columns(c, t) for t in TABLES}
        settle(county_url)
        print(f"# imports start: {load()}", flush=True)
        t_import = 0.0
        rows = 0
        for _db, bundle in stations:
            t0 = time.perf_counter()
            rep = import_bundle(county, bundle)
            one = time.perf_counter() - t0
            assert rep.status == "applied", rep.summary()
            t_import += one
            rows += rep.total("new")
            print(f"#   {bundle.name}: {rep.total('new')} rows, import {one:.2f} s [{load()}]", flush=True)
        settle(county_url)
        t_base = {}
        for label, url, copy in (("executemany", raw_url, False), ("COPY", copy_url, True)):
            took = []
            for db, _bundle in stations:
                took.append(raw_insert(url, raw_rows(db, list(TABLES), pg_cols), pg_cols, copy=copy))
            settle(url)
            t_base[label] = sum(took)
            print(f"#   raw {label}: " + " ".join(f"{t:.2f}" for t in took) + " s", flush=True)
        t_raw, t_copy = t_base["executemany"], t_base["COPY"]
        n = max(1, args.stations)
        print(f"# {args.stations} station-years imported: {rows} rows; per station: import {t_import / n:.2f} s, "
              f"executemany {t_raw / n:.2f} s, COPY {t_copy / n:.2f} s; "
              f"{rows / t_import:,.0f} rows/s imported")
        print(f"{'raw COPY of the same rows':<44} {t_copy:10.3f} s   (import/COPY {t_import / t_copy:.2f}×)")
        report(f"{args.stations} imports vs raw executemany", t_import, t_raw, target=60.0 * args.stations / 20,
               ratio_target=2.0)

        # ---- roll-up and annual lists over all stations
        from qsdesk.services.annual_lists import build_lists
        from qsdesk.services.monthly import compute_county

        def rollup() -> None:
            with county.session() as s:
                compute_county(s, TODAY.year, TODAY.month)

        def annual() -> None:
            with county.session() as s:
                build_lists(s, TODAY.year, as_of=TODAY)

        with psycopg.connect(**_conninfo(make_url(county_url))) as c:
            def raw_rollup() -> None:
                c.execute("SELECT origin, status, count(*) FROM inspection WHERE inspected_on >= %s "
                          "GROUP BY origin, status", (date(TODAY.year, TODAY.month, 1),)).fetchall()
            t_rollup, t_raw_rollup = timed(rollup, 3), timed(raw_rollup, 3)
        report(f"monthly roll-up, {args.stations} stations", t_rollup, t_raw_rollup, target=1.0)
        print(f"{'annual lists, all stations':<44} {timed(annual, 2):10.3f} s", flush=True)

        # ---- registry search over --search-enterprises
        add_enterprises(county_url, args.search_enterprises)
        from qsdesk.services import registry as reg
        from qsdesk.store import search

        # every term is one lookup of the index over each enterprise's text (migration 0004);
        # terms many enterprises match are read in name order instead (search.pg_walk)
        with county.engine.connect() as c:
            some = str(c.execute(text("SELECT name FROM enterprise WHERE origin = :o ORDER BY id LIMIT 1 OFFSET 777"),
                                 {"o": f"{COUNTY}999"}).scalar())
        # a fragment of one enterprise's name and a word every address has (what a clerk types);
        # a two-character fragment of one name, alone and with a second short term; a trade word
        # in one name of eleven with a word every address has (18k matches: read in name order),
        # and two common words whose combination is rare (电线 in many names, 港沟 in many
        # addresses, both in a few hundred)
        for query, target in ((f"{some[2:6]} 历城", 0.050), (some[2:4], 0.050), (f"{some[3:5]} 历城", 0.050),
                              ("燃气具 历城", 0.050), ("电线 港沟", 0.050)):
            flt = reg.RegistryFilter(text=query)
            stmt, params = reg.list_query(county.engine, flt)

            def ours(flt: reg.RegistryFilter = flt) -> None:
                with county.reading() as c2:  # the probe and the page on one connection
                    stmt2, params2 = reg.list_query(c2, flt)
                    c2.execute(stmt2.limit(100), params2).fetchall()

            # the raw baseline sends what the program sends: the sample probe that chooses the
            # query (qsdesk.store.search.pg_walk), then the first page
            probe, probe_params = search.sample_query(search.terms(query))
            sent = [(probe, probe_params), (stmt.limit(100), params)]
            raw_sql = []
            for statement, given in sent:
                compiled = statement.compile(dialect=county.engine.dialect)
                raw_sql.append((str(compiled), {**compiled.params, **given}))
            with psycopg.connect(**_conninfo(make_url(county_url))) as c:
                def raw_search(c: Any = c, raw_sql: list[tuple[str, dict[str, Any]]] = raw_sql) -> None:
                    for sql, values in raw_sql:
                        c.execute(sql, values).fetchall()
                t_search, t_raw_search = timed_pair(ours, raw_search)
            report(f"search '{query}' over {args.search_enterprises} enterprises", t_search, t_raw_search,
                   target=target, ratio_target=1.5 if target else None)

        # ---- list jump at that size (Ctrl+End: count, then the last page only)
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        from qsdesk.ui.query_model import Column, QueryTableModel

        QApplication.instance() or QApplication([])
        list_stmt, _ = reg.list_query(county.engine, reg.RegistryFilter())

        def jump() -> None:
            m = QueryTableModel(county, [Column("name", "企业名称")], list_stmt, page_size=100)
            n = m.rowCount()
            m.data(m.index(n - 1, 0))
            m.close()

        lc = list_stmt.compile(dialect=county.engine.dialect)
        with psycopg.connect(**_conninfo(make_url(county_url))) as c:
            total = c.execute("SELECT count(*) FROM enterprise WHERE NOT deleted").fetchone()[0]

            def raw_jump() -> None:
                c.execute("SELECT count(*) FROM enterprise WHERE NOT deleted").fetchone()
                c.execute(str(lc) + f" LIMIT 100 OFFSET {max(0, total - 100)}", lc.params).fetchall()
            t_raw_jump = timed(raw_jump, 3)
        report(f"list Ctrl+End at {total} rows", timed(jump, 3), t_raw_jump)
        county.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
