"""Enrolment: exchanging public identities between a station and its county by file.

An identity file ``<code>.qsid`` is UTF-8 JSON ``{"body": {...}, "sig": b64}``: the body holds the
node's code, name, kind, parent code and both public keys; ``sig`` is the node's Ed25519 signature
of the canonical body (it proves the file was made by the holder of the signing key). People
compare the :func:`~qsdesk.services.sync.crypto.fingerprint` shown on both screens (by phone or
in person) before trusting an imported identity.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from qsdesk.services import audit
from qsdesk.services.node import load_signing_key
from qsdesk.services.sync import crypto
from qsdesk.services.sync.rows import canonical
from qsdesk.store.db import Store, utcnow
from qsdesk.store.models import Node

IDENTITY_FORMAT = "qsdesk-identity"
IDENTITY_SUFFIX = ".qsid"


class EnrolError(ValueError):
    """An identity file that cannot be enrolled; the message is Chinese."""


@dataclass(frozen=True)
class Identity:
    code: str
    name: str
    kind: str
    parent_code: str | None
    public_key: str
    enc_public_key: str

    @property
    def fingerprint(self) -> str:
        return crypto.fingerprint(self.public_key, self.enc_public_key)

    def body(self) -> dict[str, Any]:
        return {
            "format": IDENTITY_FORMAT, "version": 1, "code": self.code, "name": self.name, "kind": self.kind,
            "parent_code": self.parent_code, "public_key": self.public_key, "enc_public_key": self.enc_public_key,
        }


def self_node(store: Store) -> Node:
    node = store.self_node()
    if node is None or not node.public_key or not node.enc_public_key:
        raise EnrolError("本机尚未初始化为单位节点，请先运行初始化（qsdesk init）")
    return node


def own_identity(store: Store) -> Identity:
    n = self_node(store)
    return Identity(n.code, n.name, n.kind, n.parent_code, n.public_key or "", n.enc_public_key or "")


def node_fingerprint(node: Node) -> str:
    return crypto.fingerprint(node.public_key or "", node.enc_public_key)


def export_identity(store: Store, directory: Path) -> Path:
    """Write this node's signed identity file into ``directory``; returns its path."""
    ident = own_identity(store)
    body = ident.body()
    sig = crypto.sign(load_signing_key(store), canonical(body))
    path = directory / f"{ident.code}{IDENTITY_SUFFIX}"
    tmp = path.with_name(path.name + ".partial")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(json.dumps({"body": body, "sig": crypto.b64e(sig)}, ensure_ascii=False, indent=1).encode())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        why = "磁盘已满" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise EnrolError(f"写出登记文件到 {directory} 失败（{why}），没有留下不完整的文件：请检查U盘后重试") from exc
    return path


def read_identity(path: Path) -> Identity:
    """Parse and check an identity file (self-signature included)."""
    try:
        doc = json.loads(path.read_bytes())
        body = doc["body"]
        sig = crypto.b64d(doc["sig"])
    except FileNotFoundError as exc:
        raise EnrolError(f"找不到登记文件 {path}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise EnrolError(f"{path.name} 不是有效的单位登记文件") from exc
    if not isinstance(body, dict) or body.get("format") != IDENTITY_FORMAT:
        raise EnrolError(f"{path.name} 不是有效的单位登记文件")
    try:
        ident = Identity(str(body["code"]), str(body["name"]), str(body["kind"]), body.get("parent_code"),
                         str(body["public_key"]), str(body["enc_public_key"]))
        ok = crypto.verify(ident.public_key, canonical(body), sig) and len(crypto.b64d(ident.enc_public_key)) == 32
    except (KeyError, ValueError) as exc:
        raise EnrolError(f"{path.name} 内容不完整") from exc
    if not ok:
        raise EnrolError(f"{path.name} 的签名校验失败：文件已被改动或损坏")
    return ident


def enrol_peer(store: Store, path: Path, *, replace: bool = False) -> tuple[Identity, bool]:
    """Enrol the node described by an identity file. Returns ``(identity, changed)``.

    Enrolling the same identity again changes nothing. A known code with different keys is
    refused unless ``replace`` (a reinstalled peer), which the audit trail records.
    """
    ident = read_identity(path)
    me = self_node(store)
    if ident.code == me.code:
        raise EnrolError("这是本单位自己的登记文件，请导入对方单位的登记文件")
    _check_relation(me, ident)
    with store.transaction() as s:
        node = s.get(Node, ident.code)
        if node is not None and node.is_self:
            raise EnrolError("这是本单位自己的登记文件，请导入对方单位的登记文件")
        if node is not None and node.public_key == ident.public_key and node.enc_public_key == ident.enc_public_key:
            return ident, False
        if node is not None and not replace:
            raise EnrolError(
                f"单位 {ident.code}（{node.name}）已登记，但密钥不同（原指纹 {node_fingerprint(node)}，"
                f"新指纹 {ident.fingerprint}）。确认对方重新安装过后，用“替换”重新登记"
            )
        if node is None:
            node = Node(code=ident.code, is_self=False)
            s.add(node)
        node.name, node.kind, node.parent_code = ident.name, ident.kind, ident.parent_code
        node.public_key, node.enc_public_key = ident.public_key, ident.enc_public_key
        node.enrolled_at = utcnow()
        audit.record(s, "import", "node", None, what="enrol", code=ident.code, fingerprint=ident.fingerprint,
                     replaced=bool(replace) or None)
    return ident, True


def _check_relation(me: Node, ident: Identity) -> None:
    """A station syncs only with its own county, a county only with its own stations."""
    if me.kind == "station":
        if ident.kind != "county" or ident.code != me.parent_code:
            raise EnrolError(
                f"本所只能登记上级县级局（{me.parent_code or '未设置'}）；{ident.name}（{ident.code}）"
                f"是{'县级局' if ident.kind == 'county' else '市场监管所'}，不能登记")
    elif me.kind == "county" and (ident.kind != "station" or ident.parent_code != me.code):
        raise EnrolError(
            f"县级局只能登记本局下属的市场监管所；{ident.name}（{ident.code}）"
            f"{'是县级局' if ident.kind == 'county' else f'的上级单位为 {ident.parent_code}'}，不能登记")


def peers(store: Store) -> list[Node]:
    with store.session() as s:
        return list(s.scalars(select(Node).where(Node.is_self.is_(False)).order_by(Node.code)))
