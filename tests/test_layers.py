"""The layers, checked on the source (an import-linter contract written as a test).

``ui`` → ``services`` → ``store`` → ``domain``: no import points up, the GUI builds no queries
(it imports neither the models nor SQLAlchemy; :mod:`qsdesk.ui.query_model` alone executes the
statements the services hand over) and reaches the store only through its handle.
Imports inside functions count as much as those at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "qsdesk"

#: what the GUI may import from the store: the handle and its errors, the value it reports changes
#: with, the first look at start-up (before SQLAlchemy is loaded) and the data-directory backups
UI_STORE_ALLOWED = ("qsdesk.store.db", "qsdesk.store.changes", "qsdesk.store.peek", "qsdesk.store.backup")
#: the one GUI module that executes statements (built by the services)
UI_SQL_ALLOWED = ("qsdesk/ui/query_model.py",)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports (``from a import b`` yields ``a`` and ``a.b``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
            out += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return out


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _violations(package: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    bad = []
    for path in _files(package):
        rel = path.relative_to(ROOT.parent).as_posix()
        for line, name in _imports(path):
            if _under(name, *forbidden) and not _under(name, *allowed):
                bad.append(f"{rel}:{line} imports {name}")
    return sorted(set(bad))


def test_ui_imports_no_models_and_only_the_store_handle() -> None:
    assert _violations("ui", ("qsdesk.store",), UI_STORE_ALLOWED) == []


def test_ui_builds_no_queries() -> None:
    bad = [v for v in _violations("ui", ("sqlalchemy",)) if not v.startswith(UI_SQL_ALLOWED)]
    assert bad == []


def test_services_do_not_import_the_gui() -> None:
    assert _violations("services", ("qsdesk.ui", "PySide6")) == []


def test_store_imports_neither_services_nor_gui() -> None:
    assert _violations("store", ("qsdesk.services", "qsdesk.ui", "qsdesk.commands", "PySide6")) == []


def test_domain_is_pure() -> None:
    assert _violations("domain", ("qsdesk.store", "qsdesk.services", "qsdesk.ui", "qsdesk.commands",
                                  "PySide6", "sqlalchemy", "alembic")) == []


@pytest.mark.parametrize("snippet, expected", [
    ("from qsdesk.store.models import Enterprise\n", ["qsdesk.store.models", "qsdesk.store.models.Enterprise"]),
    ("def f():\n    import sqlalchemy.orm\n", ["sqlalchemy.orm"]),
    ("from qsdesk.store import models\n", ["qsdesk.store", "qsdesk.store.models"]),
    ("from . import x\n", []),
])
def test_the_check_sees_every_import_form(tmp_path: Path, snippet: str, expected: list[str]) -> None:
    """The scanner finds imports at the top, inside functions and as ``from package import
    module`` (else a forbidden import could slip through in another spelling)."""
    f = tmp_path / "m.py"
    f.write_text(snippet, encoding="utf-8")
    assert [name for _line, name in _imports(f)] == expected
    found = [n for _l, n in _imports(f) if _under(n, "qsdesk.store") and not _under(n, *UI_STORE_ALLOWED)]
    assert bool(found) == snippet.startswith("from qsdesk.store")


def test_every_module_is_under_500_lines_or_says_why() -> None:
    """Issue 19: a file longer than 500 lines says in its docstring why it is one file."""
    too_long = []
    for path in sorted(ROOT.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") <= 500:
            continue
        doc = ast.get_docstring(ast.parse(text)) or ""
        if "longer than 500 lines" not in doc.lower():
            too_long.append(f"{path.relative_to(ROOT.parent)} ({text.count(chr(10))} lines)")
    assert not too_long, too_long
