"""Dead-code gate of `make test`: vulture over the program, its tests, benchmarks and tools.

A function only tests call still counts as used (it is the API the tests pin), but only
findings inside ``qsdesk/`` are reported: the tests' fixtures and helpers are pytest's business.
Reviewed exceptions live in ``tools/vulture_whitelist.py``. Exit 1 when anything is reported.

    .venv/bin/python tools/dead_code.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from vulture import Vulture

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ["qsdesk", "tests", "bench", "tools", "build/make_deb.py", "build/glibc_scan.py", "build/qsdesk_entry.py",
           "build/make_icon.py"]
EXCLUDED = ["qsdesk/store/migrations/versions/"]  # alembic calls upgrade()/downgrade() by name
MIN_CONFIDENCE = 60


def main() -> int:
    v = Vulture()
    paths = [str(ROOT / p) for p in SCANNED if (ROOT / p).exists()]
    v.scavenge(paths, exclude=[str(ROOT / e) + "*" for e in EXCLUDED])
    program = ROOT / "qsdesk"
    found = [item for item in v.get_unused_code(min_confidence=MIN_CONFIDENCE)
             if Path(item.filename).resolve().is_relative_to(program)]
    for item in sorted(found, key=lambda i: (str(i.filename), i.first_lineno)):
        print(item.get_report())
    if found:
        print(f"\n{len(found)} unused name(s) in qsdesk/: delete them, or add a reviewed entry to "
              "tools/vulture_whitelist.py when something outside our code uses them", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
