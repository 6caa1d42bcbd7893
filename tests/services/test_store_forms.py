"""Each opened store holds its own form catalogue (no process-wide forms directory)."""

from __future__ import annotations

from pathlib import Path

from qsdesk.store.db import forms_of, open_store
from tests.domain.test_formcatalog import _install_v2


def test_a_store_holds_its_catalogue(tmp_path: Path) -> None:
    one, two = open_store(tmp_path / "one"), open_store(tmp_path / "two")
    try:
        _install_v2(tmp_path / "one" / "forms", "0.3")
        assert one.forms.spec("annex5_seller").version == 2
        assert two.forms.spec("annex5_seller").version == 1  # the last store opened does not win
        with one.session() as s:
            assert forms_of(s) is one.forms
    finally:
        one.close()
        two.close()
