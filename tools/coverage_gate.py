"""Coverage gate of `make test`: no package of qsdesk may drop below its floor.

``make test`` runs the suite with ``--cov=qsdesk --cov-branch`` (pytest-cov, also under xdist);
this script reads the resulting ``.coverage`` and compares each package with
``tests/coverage_floor.json``::

    {"qsdesk/domain": {"lines": 97.1, "branches": 95.0}, ...}

``lines`` is the share of statements run, ``branches`` the share of branch arcs taken (both in
per cent). A package is a directory directly under ``qsdesk/`` (its subpackages included);
``qsdesk`` itself stands for the top-level modules. The floors only go up: after a run that
covers more, ``--ratchet`` raises them to the measured values less :data:`MARGIN` (rounded down
to 0.1) and never lowers one. The margin absorbs what varies between two runs of the same code
(paths taken only when a race or a timer goes one way, a test process killed on purpose), so the
gate fails on lost tests, not on noise. Exit 1 when a package is below its floor or has none.

    .venv/bin/python tools/coverage_gate.py [--data .coverage] [--ratchet]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ROOT / "tests" / "coverage_floor.json"
#: percentage points a ratcheted floor stays below the run that set it
MARGIN = 0.5


@dataclass
class Totals:
    statements: int = 0
    covered_lines: int = 0
    branches: int = 0
    covered_branches: int = 0

    @property
    def lines(self) -> float:
        return 100.0 * self.covered_lines / self.statements if self.statements else 100.0

    @property
    def branch(self) -> float:
        return 100.0 * self.covered_branches / self.branches if self.branches else 100.0


def package_of(path: str) -> str | None:
    """``qsdesk/<package>`` (or ``qsdesk`` for a top-level module) of a measured file."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.resolve().relative_to(ROOT)
        except ValueError:  # measured outside this checkout (another worktree's copy)
            return None
    parts = p.parts
    if not parts or parts[0] != "qsdesk":
        return None
    return "qsdesk" if len(parts) == 2 else f"qsdesk/{parts[1]}"


def measure(data_file: Path) -> dict[str, Totals]:
    cov = coverage.Coverage(data_file=str(data_file))
    cov.load()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        # ignore_errors: a test may compile code under a made-up file name (no source to report)
        cov.json_report(outfile=str(out), ignore_errors=True)
        files = json.loads(out.read_text(encoding="utf-8"))["files"]
    totals: dict[str, Totals] = {}
    for name, info in files.items():
        pkg = package_of(name)
        if pkg is None:
            continue
        s = info["summary"]
        t = totals.setdefault(pkg, Totals())
        t.statements += s["num_statements"]
        t.covered_lines += s["covered_lines"]
        t.branches += s.get("num_branches", 0)
        t.covered_branches += s.get("covered_branches", 0)
    return totals


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / ".coverage", help="coverage data file")
    ap.add_argument("--floors", type=Path, default=FLOORS)
    ap.add_argument("--ratchet", action="store_true", help="raise the floors to what this run measured")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"coverage gate: no coverage data at {args.data} (run pytest with --cov=qsdesk --cov-branch)",
              file=sys.stderr)
        return 1
    totals = measure(args.data)
    floors: dict[str, dict[str, float]] = json.loads(args.floors.read_text(encoding="utf-8"))
    failed = False
    for pkg in sorted(set(totals) | set(floors)):
        t = totals.get(pkg, Totals())
        floor = floors.get(pkg)
        if floor is None:
            status = "NO FLOOR"
            failed = failed or not args.ratchet
        else:
            low = [k for k, v in (("lines", t.lines), ("branches", t.branch)) if v + 1e-9 < floor.get(k, 0.0)]
            status = "BELOW " + "/".join(low) if low else "ok"
            failed = failed or bool(low)
        want = f"floor {floor['lines']:.1f} / {floor['branches']:.1f}" if floor else ""
        print(f"{pkg:18} lines {t.lines:5.1f}  branches {t.branch:5.1f}   {want:22} {status}")
        if args.ratchet:
            cur = floors.setdefault(pkg, {"lines": 0.0, "branches": 0.0})
            cur["lines"] = max(cur["lines"], math.floor((t.lines - MARGIN) * 10) / 10)
            cur["branches"] = max(cur["branches"], math.floor((t.branch - MARGIN) * 10) / 10)
    if args.ratchet:
        args.floors.write_text(json.dumps(dict(sorted(floors.items())), indent=2) + "\n", encoding="utf-8")
        print(f"floors written to {args.floors}")
    if failed:
        print("coverage gate: a package is below its floor or has none in tests/coverage_floor.json; add "
              "tests (never lower a floor), or give a new package its floor with --ratchet", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
