"""The form catalogue: where form files are found, which versions exist, and a parse cache.

A :class:`FormCatalog` searches the bundled forms (:func:`forms_dir`) and then its own extra
directories. Each opened store holds one (``store.forms``) whose extra directory is the data
directory's ``forms/``, where the form versions a county published are installed
(:mod:`qsdesk.services.form_versions`); two stores open in one process each see their own. The
module functions of :mod:`qsdesk.domain.formspec` (``load_form``…) use :data:`BUNDLED`, the
catalogue of the bundled forms alone.

Parsed specs are cached per ``(form id, version)`` and reloaded when a file that could hold the
form changes (its modification time), so a batch of 1,000 records parses the TOML once and a
newly installed version is seen at once.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from qsdesk.domain.formmodel import FormSpec, FormSpecError
from qsdesk.domain.formparse import load_file

__all__ = ["BUNDLED", "FormCatalog", "forms_dir"]


def forms_dir() -> Path:
    """The directory holding the bundled form files.

    In order: ``$QSDESK_FORMS_DIR``; ``sys._MEIPASS/forms`` in a PyInstaller build; the
    ``forms/`` directory at the top of a source checkout; ``forms/`` installed beside the
    package (package data).
    """
    env = os.environ.get("QSDESK_FORMS_DIR")
    if env:
        return Path(env)
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        candidate = Path(meipass) / "forms"
        if candidate.is_dir():
            return candidate
    here = Path(__file__).resolve()
    repo_forms = here.parents[2] / "forms"  # <root>/qsdesk/domain/formcatalog.py -> <root>/forms
    if repo_forms.is_dir():
        return repo_forms
    packaged = here.parents[1] / "forms"  # qsdesk/forms when shipped as package data
    if packaged.is_dir():
        return packaged
    return repo_forms


def _form_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.toml") if p.is_file())


def all_versions_in(dirs: Sequence[Path]) -> dict[tuple[str, int], FormSpec]:
    """Every form file in the directories, keyed by ``(id, version)``.

    Within one directory a version defined twice is an error; across directories the first
    directory's file is used."""
    out: dict[tuple[str, int], FormSpec] = {}
    for d in dirs:
        here: dict[tuple[str, int], FormSpec] = {}
        for path in _form_files(d):
            spec = load_file(path)
            k = (spec.id, spec.version)
            if k in here:
                raise FormSpecError(
                    path, "version", f"{spec.id} version {spec.version} also defined in {here[k].path}"
                )
            here[k] = spec
        for k, spec in here.items():
            out.setdefault(k, spec)
    return out


def newest_of(versions: dict[tuple[str, int], FormSpec]) -> dict[str, FormSpec]:
    """The newest version of every form id."""
    latest: dict[str, FormSpec] = {}
    for (form_id, version), spec in sorted(versions.items()):
        if form_id not in latest or version > latest[form_id].version:
            latest[form_id] = spec
    return latest


def newest_in(dirs: Sequence[Path], form_id: str) -> FormSpec:
    """The newest version of a form: the ``<id>.toml`` of highest version in the directories."""
    best: FormSpec | None = None
    for d in dirs:
        path = d / f"{form_id}.toml"
        if path.is_file():
            spec = load_file(path)
            if best is None or spec.version > best.version:
                best = spec
    if best is None:
        raise FormSpecError(dirs[0] / f"{form_id}.toml", "id", f"no form file for id {form_id!r}")
    return best


def version_in(dirs: Sequence[Path], form_id: str, version: int) -> FormSpec:
    """The given version of a form: ``<id>.toml`` if it is that version, else ``<id>.v<N>.toml``
    (each directory in turn)."""
    for d in dirs:
        for path in (d / f"{form_id}.toml", d / f"{form_id}.v{version}.toml"):
            if path.is_file():
                spec = load_file(path)
                if spec.version == version:
                    return spec
    raise FormSpecError(dirs[0] / f"{form_id}.v{version}.toml", "version", f"{form_id} version {version} not found")


class FormCatalog:
    """The forms one store sees: the bundled ones, then its installed county versions."""

    def __init__(self, extra_dirs: Sequence[str | os.PathLike[str]] = ()) -> None:
        self.extra_dirs: tuple[Path, ...] = tuple(Path(d) for d in extra_dirs)
        self._cache: dict[tuple[str, int | None], tuple[tuple[tuple[str, float], ...], FormSpec]] = {}
        self._lock = threading.Lock()

    def dirs(self) -> list[Path]:
        """Where forms are looked for by id: :func:`forms_dir`, then the extra directories."""
        out = [forms_dir()]
        out += [d for d in self.extra_dirs if d.is_dir() and d not in out]
        return out

    def _stamp(self, form_id: str) -> tuple[tuple[str, float], ...]:
        """The files a form id may load from and their modification times (a changed, added or
        removed file, or another forms directory, reloads)."""
        return tuple((str(p), p.stat().st_mtime) for d in self.dirs() for p in sorted(d.glob(f"{form_id}*.toml")))

    def spec(self, form_id: str, version: int | None = None) -> FormSpec:
        """The form a record names: that version when given (older records keep theirs), else
        the newest. :class:`FormSpecError` (key ``id`` or ``version``) when there is none."""
        key = (form_id, version or None)
        stamp = self._stamp(form_id)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        dirs = self.dirs()
        spec = version_in(dirs, form_id, version) if version else newest_in(dirs, form_id)
        with self._lock:
            self._cache[key] = (stamp, spec)
        return spec

    def all_versions(self) -> dict[tuple[str, int], FormSpec]:
        """Every version of every form, keyed by ``(id, version)``."""
        return all_versions_in(self.dirs())

    def newest(self) -> dict[str, FormSpec]:
        """The newest version of every form, keyed by form id."""
        return newest_of(self.all_versions())


#: The bundled forms alone (what ``formspec.load_form`` reads).
BUNDLED = FormCatalog()
