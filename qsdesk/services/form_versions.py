"""Form versions a county publishes to its stations (issue 6, master data down).

A county ships a new version of a form (say annex 4 with an extra checklist item) as the TOML
text itself, in a synced :class:`~qsdesk.store.models.FormVersion` row. :func:`publish_form`
checks the file with the form loader before anything is stored; the row travels down in the
county's bundle; at every node that holds such rows :func:`install_forms` writes them into
``<data dir>/forms/`` with the loader's naming (``<id>.toml`` for the newest, ``<id>.v<N>.toml``
for the others). Every store's form catalogue (``store.forms``,
:class:`qsdesk.domain.formcatalog.FormCatalog`) searches that directory after the bundled forms,
so ``store.forms.spec(id)`` sees the new version while records made under an older version still
load theirs through ``store.forms.spec(id, version)``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from qsdesk.domain import formspec
from qsdesk.services import audit
from qsdesk.store.db import Store
from qsdesk.store.models import FormVersion, Node

log = logging.getLogger(__name__)


class FormPublishError(ValueError):
    """A form file that cannot be published; the message is Chinese."""


@dataclass(frozen=True)
class PublishedForm:
    id: str
    form_id: str
    version: int
    title: str
    sha256: str
    new_items: tuple[str, ...]  # checklist item keys not in the previous newest version


def data_forms_dir(store: Store) -> Path:
    if store.data_dir is None:
        raise FormPublishError("没有数据目录，无法安装表单版本")
    return store.data_dir.root / "forms"


def _check_text(text: str) -> formspec.FormSpec:
    """Load the TOML with the form loader from a temporary directory; its message on failure."""
    try:
        data = tomllib.loads(text)
        form_id = data.get("id")
    except tomllib.TOMLDecodeError:
        form_id = None
    name = f"{form_id}.toml" if isinstance(form_id, str) and form_id and "/" not in form_id else "form.toml"
    with tempfile.TemporaryDirectory(prefix="qsdesk-form-") as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        try:
            return formspec.load_form(path)
        except formspec.FormSpecError as exc:
            raise FormPublishError(f"表单文件有误，未发布：{exc}") from exc


def publish_form(store: Store, path: Path) -> PublishedForm:
    """Publish a form version at a county: checked, stored as a synced row, installed here."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise FormPublishError(f"无法读取表单文件 {path}：{exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormPublishError(f"表单文件 {Path(path).name} 不是 UTF-8 编码，未发布") from exc
    spec = _check_text(text)
    sha = hashlib.sha256(raw).hexdigest()
    known = formspec.load_all_versions(formspec.forms_dir())  # the bundled forms
    for r in list_versions(store):  # and those published here before
        known.setdefault((r.form_id, r.version), _check_text(r.toml))
    with store.transaction() as s:
        me = s.scalars(select(Node).where(Node.is_self.is_(True))).first()
        if me is None or me.kind != "county":
            raise FormPublishError("只有县级局可以发布表单版本")
        if (spec.id, spec.version) in known:
            raise FormPublishError(f"表单 {spec.id} 第 {spec.version} 版已存在：新版本请提高 version 后再发布")
        previous = max((v for (fid, v) in known if fid == spec.id), default=None)
        if previous is not None and spec.version < previous:
            raise FormPublishError(f"表单 {spec.id} 已有第 {previous} 版：新发布的版本号须更大")
        old_items = {i.key for i in known[(spec.id, previous)].items()} if previous is not None else set()
        row = FormVersion(form_id=spec.id, version=spec.version, toml=text, sha256=sha, issued_by=me.code)
        s.add(row)
        s.flush()
        audit.record(s, "create", "form_version", row.id, form_id=spec.id, version=spec.version, sha256=sha)
        rid = row.id
    install_forms(store)
    return PublishedForm(rid, spec.id, spec.version, spec.title, sha,
                         tuple(i.key for i in spec.items() if i.key not in old_items))


def list_versions(store: Store) -> list[FormVersion]:
    with store.session() as s:
        return list(s.scalars(select(FormVersion).where(FormVersion.deleted.is_(False))
                              .order_by(FormVersion.form_id, FormVersion.version)))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def install_forms(store: Store) -> list[str]:
    """Write every published form version held in the database into ``<data dir>/forms``.

    Idempotent: files already right are left alone, files that no longer match are rewritten or
    removed. A row whose text does not hash to its ``sha256`` or that the loader refuses is not
    installed (logged, and named in the returned problems). Returns the problems."""
    target = data_forms_dir(store)
    rows = list_versions(store)
    problems: list[str] = []
    good: dict[tuple[str, int], str] = {}
    for r in rows:
        if hashlib.sha256(r.toml.encode("utf-8")).hexdigest() != r.sha256:
            problems.append(f"表单 {r.form_id} 第 {r.version} 版：内容与校验值不符，未安装")
            continue
        try:
            spec = _check_text(r.toml)
        except FormPublishError as exc:
            problems.append(f"表单 {r.form_id} 第 {r.version} 版：{exc}")
            continue
        if (spec.id, spec.version) != (r.form_id, r.version):
            problems.append(f"表单 {r.form_id} 第 {r.version} 版：文件内的编号或版本与记录不符，未安装")
            continue
        good[(r.form_id, r.version)] = r.toml
    newest: dict[str, int] = {}
    for fid, v in good:
        newest[fid] = max(v, newest.get(fid, 0))
    wanted = {(f"{fid}.toml" if newest[fid] == v else f"{fid}.v{v}.toml"): text for (fid, v), text in good.items()}
    target.mkdir(parents=True, exist_ok=True)
    for p in target.glob("*.toml"):
        if p.name not in wanted:
            p.unlink()
    for name, text in wanted.items():
        p = target / name
        if not p.is_file() or p.read_text(encoding="utf-8") != text:
            _write_atomic(p, text)
    for msg in problems:
        log.warning("%s", msg)
    return problems
