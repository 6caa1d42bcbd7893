"""Supervision classes of a county's enterprises: recalculate all of them, against one raw SQL pass.

    python bench/bench_classes.py                      # 200,000 enterprises
    python bench/bench_classes.py --enterprises 20000

Data (built here): demo enterprises (credit risk on most of them), one sampling per twenty
enterprises (non-conforming ones among them), one decided punishment case per ten enterprises
(some 从重处罚, some 不予处罚), one verified risk report per fifty.

Measured, each as the wall time the user waits:

* **recalculate all** — :func:`qsdesk.services.classes.recompute_all` one year later (a
  rule-relevant change for every enterprise: every 1-year window has moved): read every input,
  classify every enterprise, write the changed classes, one transaction. This is what "compute at
  start / when the day changes" pays at worst (the day change itself only recalculates the rows
  whose ``valid_until`` has come: measured as **day change**).
* **compute on read** — the same gathering and classifying without writing: what every dashboard
  count or class filter would cost if the class were computed when read.
* **stored read** — the per-class count and a class-filtered first registry page from the stored
  class (what the dashboard and the registry actually do).

Baseline, in the same run: one raw ``sqlite3`` pass over the same input rows (enterprise credit
risk and status, decided cases, verified/closed risk reports, samplings), fetched into Python — the
least any computation of the classes has to read. The ratio tells how far the recalculation is
from reading its inputs once.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import select  # noqa: E402

from qsdesk.domain.workdays import add_years  # noqa: E402
from qsdesk.services import classes  # noqa: E402
from qsdesk.services import registry as reg  # noqa: E402
from qsdesk.services.demo import _bulk, generate  # noqa: E402
from qsdesk.services.node import init_node  # noqa: E402
from qsdesk.store.db import open_store, utcnow  # noqa: E402
from qsdesk.store.models import EnforcementCase, Enterprise, RiskReport  # noqa: E402

RAW_INPUTS = (
    "SELECT id, credit_risk, abnormal_status FROM enterprise WHERE deleted = 0",
    "SELECT enterprise_id, decided_on, heavier, kind, cause, penalty FROM enforcement_case "
    "WHERE deleted = 0 AND decided_on IS NOT NULL",
    "SELECT enterprise_id, id, reported_on, \"values\", description, status FROM risk_report "
    "WHERE deleted = 0 AND status IN ('verified', 'closed')",
    "SELECT enterprise_id, sampled_on, result, major_hazard, level FROM sampling WHERE deleted = 0 "
    "ORDER BY sampled_on, id",
)


def report(name: str, seconds: float, baseline: float, note: str = "") -> None:
    ratio = seconds / baseline if baseline > 0 else float("inf")
    print(f"{name:<34} {seconds:9.3f} s   baseline {baseline:8.3f} s   ratio {ratio:7.1f}×  {note}", flush=True)


def raw_pass(db: Path) -> tuple[float, int]:
    con = sqlite3.connect(db)
    t0 = time.perf_counter()
    n = sum(len(con.execute(q).fetchall()) for q in RAW_INPUTS)
    took = time.perf_counter() - t0
    con.close()
    return took, n


def add_cases_and_risks(store, today: date, seed: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    with store.session() as s:
        ids = list(s.scalars(select(Enterprise.id).order_by(Enterprise.id)))
    cases, risks = [], []
    for eid in rng.sample(ids, len(ids) // 10):
        decided = today - timedelta(days=rng.randrange(1, 700))
        penalty = rng.choice(("fine", "fine", "warning", "not_punished"))
        cases.append(dict(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), enterprise_id=eid,
                          filed_on=decided - timedelta(days=30), decided_on=decided, kind="quality",
                          penalty=penalty, heavier=rng.random() < 0.2, cause="产品质量违法"))
    for eid in rng.sample(ids, len(ids) // 50):
        risks.append(dict(id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), enterprise_id=eid,
                          form_id="annex6_risk", form_version=1,
                          reported_on=today - timedelta(days=rng.randrange(1, 700)),
                          status="verified", values={"major": rng.random() < 0.3}, sources=["其他"]))
    now = utcnow()
    with store.transaction() as s:
        _bulk(s, EnforcementCase, cases, now, store.origin)
        _bulk(s, RiskReport, risks, now, store.origin)
        classes.refresh(s, [c["enterprise_id"] for c in cases] + [r["enterprise_id"] for r in risks],
                        as_of=today, audit_changes=False)
    return len(cases), len(risks)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--enterprises", type=int, default=200_000)
    args = ap.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp))
        init_node(store, kind="county", code="370112", name="历城区市场监管局")
        t0 = time.perf_counter()
        generate(store, enterprises=args.enterprises, seed=7, inspections=0, samplings=args.enterprises // 20,
                 today=today)
        n_cases, n_risks = add_cases_and_risks(store, today, 7)
        print(f"data: {args.enterprises} enterprises, {args.enterprises // 20} samplings, {n_cases} cases, "
              f"{n_risks} risk reports ({time.perf_counter() - t0:.1f} s to build)", flush=True)
        with store.session() as s:
            print(f"classes today: {classes.counts(s)}", flush=True)

        db = Path(tmp) / "qsdesk.db"
        raw_pass(db)  # warm the page cache for both sides alike
        baseline, rows = raw_pass(db)
        print(f"raw SQL pass: {rows} input rows", flush=True)

        later = add_years(today, 1)
        with store.session() as s:
            t0 = time.perf_counter()
            inputs = classes.gather(s)
            computed = {eid: classes.compute(inp, later) for eid, inp in inputs.items()}
            on_read = time.perf_counter() - t0
        report("compute on read (all, no write)", on_read, baseline, f"{len(computed)} enterprises")

        t0 = time.perf_counter()
        with store.transaction() as s:
            changed = classes.recompute_all(s, later, audit_changes=False)
        full = time.perf_counter() - t0
        report("recalculate all (1 year later)", full, baseline, f"{changed} classes changed")
        with store.session() as s:
            print(f"classes a year later: {classes.counts(s)}", flush=True)

        t0 = time.perf_counter()
        changed = classes.ensure_current(store, later + timedelta(days=1))
        day = time.perf_counter() - t0
        report("day change (due rows only)", day, baseline, f"{changed} classes changed")

        t0 = time.perf_counter()
        with store.session() as s:
            counts = classes.counts(s)
            page = s.execute(reg.list_statement(store.engine, reg.RegistryFilter(supervision_class="key"))
                             .limit(100)).all()
        stored = time.perf_counter() - t0
        report("stored read (counts + first page)", stored, baseline,
               f"{sum(counts.values())} counted, {len(page)} rows")
        print(f"compute on read / stored read: {on_read / stored:.0f}× — every dashboard refresh and "
              "class filter would pay the compute; the stored class pays it once per change", flush=True)
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
