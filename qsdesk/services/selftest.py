"""``qsdesk selftest``: is this installation able to work? Used after install and upgrade."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from qsdesk import __version__
from qsdesk.crypto import b64e, public_raw
from qsdesk.store.db import Store, integrity_check, open_store
from qsdesk.store.migrate import current_revision, head_revision
from qsdesk.store.models import SYNCED_MODELS


@dataclass
class SelftestReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def run_selftest(data_dir: Path | str | None, database_url: str | None = None) -> SelftestReport:
    """Open (and migrate) the database and check schema, integrity, keys, forms and the font."""
    r = SelftestReport()
    r.lines.append(f"qsdesk {__version__}")
    try:
        store = open_store(data_dir, url=database_url)
    except Exception as exc:  # noqa: BLE001 - reported, not raised: this is a diagnosis tool
        r.problems.append(f"数据库无法打开：{exc}")
        return r
    try:
        r.lines.append(f"数据库：{store.engine.url.render_as_string(hide_password=True)}")
        rev, head = current_revision(store.engine), head_revision()
        r.lines.append(f"表结构版本：{rev}（程序版本 {head}）")
        if rev != head:
            r.problems.append(f"表结构版本 {rev} 与程序要求的 {head} 不一致")
        r.problems += [f"完整性检查：{p}" for p in integrity_check(store.engine)]
        node = store.self_node()
        if node is None:
            r.lines.append("节点：尚未初始化（运行 qsdesk init 或在程序中完成首次设置）")
        else:
            kind = "市场监管所" if node.kind == "station" else "县级局"
            r.lines.append(f"节点：{kind} {node.name}（{node.code}）")
            r.problems += _check_keys(store, node.public_key)
        with store.session() as s:
            # SyncMixin declares no __tablename__ (each concrete model does): the ignore below
            counts = {m.__tablename__: s.scalar(select(func.count()).select_from(m))  # type: ignore[attr-defined]
                      for m in SYNCED_MODELS}
        from qsdesk.services.audit_text import table_text

        r.lines.append("记录数：" + "，".join(f"{table_text(k)} {v}" for k, v in counts.items()))
    finally:
        store.close()
    r.problems += _check_forms(r)
    r.problems += _check_font(r)
    return r


def _check_keys(store: Store, public_key_b64: str | None) -> list[str]:
    from qsdesk.services.node import load_signing_key

    try:
        key = load_signing_key(store)
    except (OSError, ValueError, AssertionError) as exc:
        return [f"签名私钥无法读取：{exc}"]
    if b64e(public_raw(key)) != public_key_b64:
        return ["签名私钥与本节点登记的公钥不匹配"]
    return []


def _check_forms(r: SelftestReport) -> list[str]:
    try:
        from qsdesk.domain.formspec import load_forms

        forms = load_forms()
    except Exception as exc:  # noqa: BLE001
        return [f"表单定义无法加载：{exc}"]
    r.lines.append("表单：" + "，".join(f"{f.title}（第{f.version}版）" for f in forms.values()))
    return [] if forms else ["没有找到表单定义（forms/ 目录）"]


def _check_font(r: SelftestReport) -> list[str]:
    try:
        from qsdesk.resources import font_path

        path = font_path()
    except Exception as exc:  # noqa: BLE001
        return [f"中文字体缺失：{exc}"]
    if not Path(path).is_file():
        return [f"中文字体缺失：{path}"]
    r.lines.append(f"字体：{Path(path).name}")
    return []
