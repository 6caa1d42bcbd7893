"""Benchmark runner (``make bench``): every figure is printed with its ratio to a raw baseline
measured in the same run on the same machine, so the numbers mean something on any PC.

    python bench/run.py                 # all benchmarks
    python bench/run.py insert          # only bench/run.py's own bulk-insert figure
    python bench/run.py printing sync   # bench/bench_printing.py, bench/bench_sync.py

Each ``bench/bench_<name>.py`` is a script with its own data generator; it is run in its own
process (so memory figures don't mix) and prints its own lines.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from qsdesk.services.demo import generate  # noqa: E402
from qsdesk.services.node import init_node  # noqa: E402
from qsdesk.store.db import open_store  # noqa: E402

BULK_TABLES = ("enterprise", "product", "supervisor_assignment")


def report(name: str, seconds: float, baseline: float, unit: str = "s") -> None:
    ratio = seconds / baseline if baseline > 0 else float("inf")
    print(f"{name:<48} {seconds:9.3f} {unit}   baseline {baseline:9.3f} {unit}   ratio {ratio:6.2f}×",
          flush=True)


def bench_insert(enterprises: int) -> None:
    """Bulk insert of N demo enterprises (with products and assignments) vs raw sqlite3 executemany
    of exactly the same rows into the same schema (same indexes and triggers)."""
    with tempfile.TemporaryDirectory() as tmp:
        gen_dir, raw_dir = Path(tmp, "gen"), Path(tmp, "raw")
        store = open_store(gen_dir)
        init_node(store, kind="station", code="370112001", name="基准测试所")
        t0 = time.perf_counter()
        summary = generate(store, enterprises=enterprises, inspections=0, samplings=0, seed=7)
        t_gen = time.perf_counter() - t0
        store.close()

        raw_store = open_store(raw_dir)  # same migrated schema, empty
        raw_store.close()
        src = sqlite3.connect(gen_dir / "qsdesk.db")
        dst = sqlite3.connect(raw_dir / "qsdesk.db")
        dst.execute("PRAGMA journal_mode=WAL")
        dst.execute("PRAGMA synchronous=FULL")
        data = {t: src.execute(f"SELECT * FROM {t}").fetchall() for t in BULK_TABLES}
        cols = {t: [d[1] for d in src.execute(f"PRAGMA table_info({t})")] for t in BULK_TABLES}
        src.close()
        t0 = time.perf_counter()
        with dst:
            for t in BULK_TABLES:
                marks = ",".join("?" * len(cols[t]))
                dst.executemany(f"INSERT INTO {t} ({','.join(cols[t])}) VALUES ({marks})", data[t])
        t_raw = time.perf_counter() - t0
        dst.close()
    rows = summary.enterprises + summary.products + summary.assignments
    print(f"# bulk insert: {summary.enterprises} enterprises, {summary.products} products, "
          f"{summary.assignments} assignments ({rows} rows)")
    report(f"demo generator, {enterprises} enterprises", t_gen, t_raw)
    print(f"{'  rows/s generator vs raw executemany':<48} {rows / t_gen:9.0f}      baseline {rows / t_raw:9.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="insert and/or bench_<name> scripts (default: all)")
    parser.add_argument("--enterprises", type=int, default=200_000)
    args = parser.parse_args()
    scripts = {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}
    names = args.names or ["insert", *scripts]
    unknown = [n for n in names if n != "insert" and n not in scripts]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; have: insert, {', '.join(scripts)}")
    failed = 0
    for name in names:
        print(f"\n== {name}", flush=True)
        if name == "insert":
            bench_insert(args.enterprises)
        else:
            failed += subprocess.call([sys.executable, str(scripts[name])]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
