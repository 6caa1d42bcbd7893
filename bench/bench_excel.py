"""Excel import and export at county size, each against openpyxl's own bare read/write of the same
sheet in the same run.

    python bench/bench_excel.py                      # 100,000-row import, 200,000-row export
    python bench/bench_excel.py --rows 20000 --export-rows 40000

Import: a sheet of ``--rows`` enterprises (a title row, half of the rows already in the registry,
a tenth of those with a changed phone, the rest new) is analysed (header detection, cleaning,
validation of every credit code, match by code) and applied in one transaction. Baseline:
``load_workbook(read_only=True)`` iterating every row's values. Targets (issue 7): import ≤ 30 s,
export ≤ 20 s.

Export: the registry of ``--export-rows`` enterprises (streamed from the database, formatted,
codes as text, real dates). Baseline: a write-only workbook of the same rows as plain values.

The import reads with python-calamine and the export writes its own xlsx XML
(``qsdesk.services.excel.xlsx_writer``); the baselines stay openpyxl's bare read and write, as
the issue asks, so a ratio below 1 means faster than openpyxl alone.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from openpyxl import Workbook, load_workbook  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from qsdesk.domain.uscc import check_digit  # noqa: E402
from qsdesk.services.demo import generate  # noqa: E402
from qsdesk.services.excel.exporter import export_registry, registry_rows  # noqa: E402
from qsdesk.services.excel.fields import ENTERPRISE_FIELDS  # noqa: E402
from qsdesk.services.excel.importer import analyse, apply  # noqa: E402
from qsdesk.services.node import init_node  # noqa: E402
from qsdesk.store.db import open_store  # noqa: E402
from qsdesk.store.models import Enterprise  # noqa: E402

TOWNS = ["王舍人街道", "东风街道", "全福街道", "洪家楼街道", "唐冶街道", "港沟街道", "郭店街道"]


def report(name: str, seconds: float, baseline: float) -> None:
    ratio = seconds / baseline if baseline > 0 else float("inf")
    print(f"{name:<48} {seconds:9.3f} s   baseline {baseline:9.3f} s   ratio {ratio:6.2f}×", flush=True)


def new_code(rng: random.Random) -> str:
    body = f"91370112{rng.randrange(10**8, 10**9)}"
    return body + check_digit(body)


def make_sheet(path: Path, existing: list[tuple[Any, ...]], rows: int, seed: int) -> None:
    """Half the rows are registry rows as an export writes them (a tenth with a new phone), half new."""
    rng = random.Random(seed)
    headers = [f.header for f in ENTERPRISE_FIELDS]
    col = {f.key: i for i, f in enumerate(ENTERPRISE_FIELDS)}
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业名单")
    ws.append(["历城区工业产品生产销售单位名录"])
    ws.append(headers)
    half = min(len(existing), rows // 2)
    seen = {r[col["uscc"]] for r in existing}
    for r in rng.sample(existing, half):
        out = list(r)
        if rng.random() < 0.1:
            out[col["phone"]] = f"1{rng.randrange(30, 90)}{rng.randrange(10**7, 10**8)}"
        ws.append(out)
    for n in range(half, rows):
        code = new_code(rng)
        while code in seen:
            code = new_code(rng)
        seen.add(code)
        out = [None] * len(headers)
        values = {
            "uscc": code, "name": f"济南{n}号{rng.choice(['机械', '电器', '五金', '建材', '纺织'])}有限公司",
            "legal_rep": f"王{n % 97}", "town": rng.choice(TOWNS), "address": f"历城区工业北路{n}号",
            "phone": f"1{rng.randrange(30, 90)}{rng.randrange(10**7, 10**8)}",
            "unit_types": rng.choice(["生产", "零售", "批发", "生产、零售"]), "staff": rng.randrange(1, 2000),
            "revenue_wan": round(rng.uniform(1, 50000), 2),
            "responsible_since": f"{rng.randrange(2019, 2026)}年{rng.randrange(1, 13)}月1日",
            "quality_officer": f"赵{n % 89}",
        }
        for k, v in values.items():
            out[col[k]] = v
        ws.append(out)
    wb.save(path)


def bare_read(path: Path) -> int:
    wb = load_workbook(path, read_only=True, data_only=True)
    n = 0
    for _row in wb.worksheets[0].iter_rows(values_only=True):
        n += 1
    wb.close()
    return n


def calamine_read(path: Path) -> int:
    """What the import's own reader (python-calamine) needs to read the same sheet, for reference."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    n = len(wb.get_sheet_by_index(0).to_python(skip_empty_area=False))
    wb.close()
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--export-rows", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    preload = max(args.export_rows - args.rows // 2, args.rows // 2)

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp, "data"))
        init_node(store, kind="station", code="370112001", name="基准测试所")
        t0 = time.perf_counter()
        generate(store, enterprises=preload, inspections=0, samplings=0, seed=args.seed)
        print(f"(set-up: {preload} enterprises in the registry in {time.perf_counter() - t0:.1f} s)", flush=True)
        with store.session() as s:
            existing = [r for r in registry_rows(s) if r[0]]
        sheet = Path(tmp, "import.xlsx")
        make_sheet(sheet, existing, args.rows, args.seed)

        t0 = time.perf_counter()
        n_read = bare_read(sheet)
        t_bare_read = time.perf_counter() - t0

        t0 = time.perf_counter()
        calamine_read(sheet)
        print(f"(for reference: the import's reader, python-calamine, reads the sheet in "
              f"{time.perf_counter() - t0:.1f} s)", flush=True)

        t0 = time.perf_counter()
        plan = analyse(store, sheet)
        t_analyse = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = apply(store, plan)
        t_apply = time.perf_counter() - t0
        assert not plan.errors, plan.errors[:5]
        print(f"(import: {n_read} rows read; {plan.summary()}; "
              f"written: +{res.inserted} new, {res.updated} updated)", flush=True)
        report(f"import {args.rows} rows: analyse (validate+match)", t_analyse, t_bare_read)
        report(f"import {args.rows} rows: analyse + write", t_analyse + t_apply, t_bare_read)

        with store.session() as s:
            total = s.scalar(select(func.count()).select_from(Enterprise))
        out = Path(tmp, "export.xlsx")
        t0 = time.perf_counter()
        n = export_registry(store, out)
        t_export = time.perf_counter() - t0
        assert calamine_read(out) == n + 1, "the exported sheet does not read back"

        with store.session() as s:
            rows = list(registry_rows(s))
        t0 = time.perf_counter()
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("企业档案")
        for r in rows:
            ws.append(r)
        wb.save(Path(tmp, "bare.xlsx"))
        t_bare_write = time.perf_counter() - t0
        report(f"export registry {n} rows (of {total})", t_export, t_bare_write)
        store.close()
        ok_import = t_analyse + t_apply <= 30 * args.rows / 100_000
        ok_export = t_export <= 20 * args.export_rows / 200_000
        print(f"targets (scaled to the sizes run): import ≤ 30 s/100k {'met' if ok_import else 'MISSED'}, "
              f"export ≤ 20 s/200k {'met' if ok_export else 'MISSED'}", flush=True)


if __name__ == "__main__":
    main()
