"""The form catalogue: per-store directories, versions and the parse cache."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from qsdesk.domain import formspec
from qsdesk.domain.formcatalog import BUNDLED, FormCatalog

ROOT = Path(__file__).resolve().parents[2]


def _install_v2(data_forms: Path, extra: str) -> None:
    """A county's version 2 of annex 5 with one more item, installed as the loader names it."""
    text = (ROOT / "forms" / "annex5_seller.toml").read_text(encoding="utf-8")
    assert "\nversion = 1\n" in text
    anchor = "\n[[sections.groups.items]]\n"
    head, sep, tail = text.partition(anchor)
    v2 = head.replace("\nversion = 1\n", "\nversion = 2\n") + sep + f'key = "{extra}"\ncontent = "县局补充"\n\n' + \
        anchor.lstrip("\n") + tail
    data_forms.mkdir(parents=True, exist_ok=True)
    (data_forms / "annex5_seller.toml").write_text(v2, encoding="utf-8")


def test_each_catalogue_sees_its_own_installed_versions(tmp_path: Path) -> None:
    a, b = FormCatalog([tmp_path / "a" / "forms"]), FormCatalog([tmp_path / "b" / "forms"])
    _install_v2(tmp_path / "a" / "forms", "0.1")
    assert a.spec("annex5_seller").version == 2 and "0.1" in {i.key for i in a.spec("annex5_seller").items()}
    assert b.spec("annex5_seller").version == 1  # opening another store changes nothing here
    assert a.spec("annex5_seller", 1).version == 1  # old records keep their version
    assert a.newest()["annex5_seller"].version == 2 and b.newest()["annex5_seller"].version == 1
    assert set(a.all_versions()) >= {("annex5_seller", 1), ("annex5_seller", 2)}
    assert formspec.load_form("annex5_seller").version == 1  # the module functions: bundled only
    assert BUNDLED.dirs() == [formspec.forms_dir()]


def test_the_cache_parses_once_and_sees_a_newly_installed_file(tmp_path: Path) -> None:
    forms = FormCatalog([tmp_path / "forms"])
    first = forms.spec("annex5_seller")
    assert forms.spec("annex5_seller") is first  # cached
    assert forms.spec("annex5_seller", None) is first
    _install_v2(tmp_path / "forms", "0.2")
    second = forms.spec("annex5_seller")
    assert second.version == 2
    path = tmp_path / "forms" / "annex5_seller.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('content = "县局补充"', 'content = "县局补充二"'),
                    encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert forms.spec("annex5_seller").item("0.2").content == "县局补充二"
    shutil.rmtree(tmp_path / "forms")
    assert forms.spec("annex5_seller").version == 1


def test_a_missing_form_or_version_names_itself() -> None:
    with pytest.raises(formspec.FormSpecError) as info:
        BUNDLED.spec("annex9_nothing")
    assert info.value.key == "id"
    with pytest.raises(formspec.FormSpecError) as info:
        BUNDLED.spec("annex5_seller", 7)
    assert info.value.key == "version"

