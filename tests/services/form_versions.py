"""Build a forms directory where a county has shipped version 2 of annex 4 with one extra item."""

from __future__ import annotations

import shutil
from pathlib import Path

from qsdesk.domain import formspec

EXTRA_ITEM = '''
[[sections.groups.items]]
key = "6.3"
content = "是否建立产品质量安全追溯制度（县局补充）"
'''


def make_v2_forms_dir(tmp_path: Path) -> tuple[Path, str]:
    src = formspec.forms_dir()
    dst = tmp_path / "forms"
    shutil.copytree(src, dst)
    current = (dst / "annex4_producer.toml").read_text(encoding="utf-8")
    assert "\nversion = 1\n" in current
    shutil.copy(dst / "annex4_producer.toml", dst / "annex4_producer.v1.toml")
    v2 = current.replace("\nversion = 1\n", "\nversion = 2\n")
    anchor = 'content = "监督抽查不合格是否已按规定完成整改"\n'
    assert anchor in v2
    v2 = v2.replace(anchor, anchor + EXTRA_ITEM, 1)
    (dst / "annex4_producer.toml").write_text(v2, encoding="utf-8")
    return dst, "6.3"
