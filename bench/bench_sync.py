"""Sync bundles at a station's yearly size, against a raw sqlite3 upsert of the same rows.

    python bench/bench_sync.py                          # 5,000 enterprises, 20,000 inspections
    python bench/bench_sync.py --enterprises 1000 --inspections 4000

A station (demo data: enterprises with products and responsible-supervisor assignments,
inspections) exports everything to its county (collect, serialise, encrypt personal columns, zip,
sign, fsync, read back and verify, rename); the county imports it (structure and hash checks,
signature, decryption, merge planning against what it holds, one transaction) and then imports
the same file again (must be refused as already imported and change nothing).

Baseline, in the same run: the same rows, read from the station's database with sqlite3, upserted
into an empty database of the same schema with ``executemany`` of ``INSERT … ON CONFLICT(id) DO
UPDATE`` in one transaction — the least any import has to do. Targets (issue 6): export ≤ 5 s,
import ≤ 10 s, re-import ≤ 2 s.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from qsdesk.services.demo import generate  # noqa: E402
from qsdesk.services.node import init_node  # noqa: E402
from qsdesk.services.sync.exchange import export_bundle, import_bundle  # noqa: E402
from qsdesk.services.sync.identity import enrol_peer, export_identity  # noqa: E402
from qsdesk.services.sync.rows import TABLES  # noqa: E402
from qsdesk.store.db import open_store  # noqa: E402

TARGETS = {"export": 5.0, "import": 10.0, "re-import": 2.0}


def report(name: str, seconds: float, cpu: float, baseline: float, rows: int) -> None:
    """Wall time (what the user waits), CPU time of this process (steadier on a busy machine)."""
    ratio = seconds / baseline if baseline > 0 else float("inf")
    target = TARGETS.get(name.split()[0])
    verdict = "" if target is None else ("  OK" if seconds <= target else f"  OVER TARGET {target:.0f} s")
    print(f"{name:<24} {seconds:8.3f} s (cpu {cpu:7.3f} s) {rows / seconds:9.0f} rows/s   baseline "
          f"{baseline:8.3f} s {rows / baseline:9.0f} rows/s   ratio {ratio:5.2f}×{verdict}", flush=True)


def raw_upsert(src_db: Path, dst_db: Path, tables: list[str]) -> tuple[float, float, int]:
    src = sqlite3.connect(src_db)
    data = {t: src.execute(f"SELECT * FROM {t} WHERE change_seq > 0").fetchall() for t in tables}
    cols = {t: [d[1] for d in src.execute(f"PRAGMA table_info({t})")] for t in tables}
    src.close()
    dst = sqlite3.connect(dst_db)
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=FULL")
    dst.execute("PRAGMA foreign_keys=ON")
    t0, c0 = time.perf_counter(), time.process_time()
    with dst:
        for t in tables:
            c = [f'"{x}"' for x in cols[t]]
            sets = ",".join(f"{x}=excluded.{x}" for x in c if x != '"id"')
            dst.executemany(
                f"INSERT INTO {t} ({','.join(c)}) VALUES ({','.join('?' * len(c))}) "
                f"ON CONFLICT(id) DO UPDATE SET {sets}",
                data[t],
            )
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    dst.close()
    return took, cpu, sum(len(v) for v in data.values())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--enterprises", type=int, default=5_000)
    ap.add_argument("--inspections", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        station = open_store(root / "station")
        init_node(station, kind="station", code="370112001", name="基准测试所", parent_code="370112")
        county = open_store(root / "county")
        init_node(county, kind="county", code="370112", name="基准测试县局")
        enrol_peer(county, export_identity(station, root / "usb"))
        enrol_peer(station, export_identity(county, root / "usb"))
        t0 = time.perf_counter()
        generate(station, enterprises=args.enterprises, inspections=args.inspections, samplings=0, seed=11)
        print(f"# demo data generated in {time.perf_counter() - t0:.1f} s", flush=True)

        raw_dir = root / "raw"
        open_store(raw_dir).close()  # same migrated schema, empty
        t_raw, c_raw, raw_rows = raw_upsert(root / "station" / "qsdesk.db", raw_dir / "qsdesk.db", list(TABLES))

        t0, c0 = time.perf_counter(), time.process_time()
        res = export_bundle(station, "370112", root / "usb")
        t_export, c_export = time.perf_counter() - t0, time.process_time() - c0
        rows = res.total
        size = res.path.stat().st_size

        t0, c0 = time.perf_counter(), time.process_time()
        rep = import_bundle(county, res.path)
        t_import, c_import = time.perf_counter() - t0, time.process_time() - c0
        assert rep.status == "applied" and rep.total("new") == rows, rep.summary()

        t0, c0 = time.perf_counter(), time.process_time()
        again = import_bundle(county, res.path)
        t_again, c_again = time.perf_counter() - t0, time.process_time() - c0
        assert again.status == "already"
        station.close()
        county.close()

    print(f"# sync: {args.enterprises} enterprises, {args.inspections} inspections: {rows} rows "
          f"({', '.join(f'{t} {n}' for t, n in res.counts.items())}); bundle {size / 1e6:.1f} MB; "
          f"baseline upserted {raw_rows} rows")
    print(f"{'raw sqlite3 upsert':<24} {t_raw:8.3f} s (cpu {c_raw:7.3f} s) {raw_rows / t_raw:9.0f} rows/s")
    report("export (station)", t_export, c_export, t_raw, rows)
    report("import (county)", t_import, c_import, t_raw, rows)
    report("re-import same bundle", t_again, c_again, t_raw, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
