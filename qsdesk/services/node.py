"""Setting up an installation as a node (station or county bureau) and its identity keys.

At ``init`` a node gets two key pairs: Ed25519 to sign the bundles it sends and X25519 so that
personal data in bundles can be encrypted to it. The private keys live in ``keys/`` of the data
directory with owner-only permissions; the public halves are stored on the node row.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.orm import Session

from qsdesk.crypto import (
    CryptoError,
    b64e,
    is_passphrase_sealed,
    open_with_passphrase,
    public_raw,
    seal_with_passphrase,
)
from qsdesk.paths import ENCRYPTION_KEY_FILE, SIGNING_KEY_FILE
from qsdesk.services import audit
from qsdesk.store.db import Store, utcnow
from qsdesk.store.models import Inspector, Node, Setting

NODE_KINDS = {"station": "市场监管所", "county": "县级市场监管局"}
_CODE_RE = re.compile(r"^[0-9A-Za-z_-]{2,32}$")

#: On a shared database (a county's PostgreSQL) the private keys are also kept in the local,
#: never-synced ``setting`` table, so a second workstation gets them from there (``qsdesk
#: connect``) instead of by copying files. They are kept sealed with the key passphrase chosen
#: at ``init`` (:func:`qsdesk.crypto.seal_with_passphrase`): a database role, a ``pg_dump`` or a
#: copied backup alone does not give away the county's identity.
KEY_SETTINGS = {SIGNING_KEY_FILE: "node_key.signing", ENCRYPTION_KEY_FILE: "node_key.encryption"}
#: the shortest key passphrase accepted (it guards the keys against anyone who can read the
#: database, offline: scrypt slows guessing, length does the rest)
KEY_PASSPHRASE_MIN = 10


#: Said when a command needs an initialised node and the database holds none.
NOT_INITIALISED = "该数据库尚未初始化：第一台工作站请运行 qsdesk init"


class SetupError(ValueError):
    """A set-up request a user can fix; the message is Chinese."""


@dataclass(frozen=True)
class InspectorSpec:
    name: str
    phone: str | None = None
    badge_no: str | None = None

    @classmethod
    def parse(cls, text: str) -> InspectorSpec:
        """``姓名[:电话[:执法证号]]``"""
        parts = [p.strip() for p in text.split(":")]
        if not parts[0]:
            raise SetupError(f"检查人员格式错误：{text!r}，应为 姓名[:电话[:执法证号]]")
        return cls(parts[0], parts[1] if len(parts) > 1 and parts[1] else None,
                   parts[2] if len(parts) > 2 and parts[2] else None)


def _write_private(path: Path, pem: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(path, 0o600)


def validate_setup(kind: str, code: str, name: str, parent_code: str | None = None) -> None:
    if kind not in NODE_KINDS:
        raise SetupError(f"单位类型应为 station（市场监管所）或 county（县级局），而不是 {kind!r}")
    if not _CODE_RE.match(code or ""):
        raise SetupError(f"单位代码 {code!r} 无效：应为 2–32 位字母、数字、下划线或短横线")
    if not (name or "").strip():
        raise SetupError("单位名称不能为空")
    if parent_code is not None and parent_code != "" and not _CODE_RE.match(parent_code):
        raise SetupError(f"上级单位代码 {parent_code!r} 无效")


def init_node(
    store: Store,
    *,
    kind: str,
    code: str,
    name: str,
    parent_code: str | None = None,
    inspectors: list[InspectorSpec] | None = None,
    key_passphrase: str | None = None,
) -> Node:
    """Make this installation a node. Refuses a data directory that already is one.

    ``key_passphrase``: on a shared database (PostgreSQL) required, and the private keys are
    stored in the database sealed with it for the other workstations (:data:`KEY_SETTINGS`); on
    a station's own SQLite file not used (the keys stay in the data directory only).
    """
    validate_setup(kind, code, name, parent_code)
    shared = store.engine.dialect.name != "sqlite"
    if shared:
        check_key_passphrase(key_passphrase)
    elif key_passphrase is not None:
        raise SetupError("密钥口令只用于县级局的 PostgreSQL 共享数据库")
    if store.self_node() is not None:
        raise SetupError("该数据目录已完成初始化，不能重复初始化")
    if store.data_dir is None:
        raise SetupError("没有数据目录，无法保存密钥")
    existing = [n for n in (SIGNING_KEY_FILE, ENCRYPTION_KEY_FILE) if (store.data_dir.keys / n).exists()]
    if existing:
        # the keys of a node set up earlier (perhaps on another database): new ones would make
        # every bundle sent to it undecryptable and every bundle it signed unverifiable
        raise SetupError(f"数据目录 {store.data_dir.root} 已有本单位密钥，不能重复初始化；"
                         "如需连接已初始化的数据库，请直接使用该数据目录")
    sign = Ed25519PrivateKey.generate()
    enc = X25519PrivateKey.generate()
    node = Node(
        code=code,
        name=name.strip(),
        kind=kind,
        is_self=True,
        parent_code=parent_code or None,
        public_key=b64e(public_raw(sign)),
        enc_public_key=b64e(public_raw(enc)),
        enrolled_at=utcnow(),
    )
    store.set_origin(code)
    with store.transaction() as s:
        s.add(node)
        for spec in inspectors or []:
            s.add(Inspector(name=spec.name, phone=spec.phone, badge_no=spec.badge_no, station_code=code))
        audit.record(s, "create", "node", code, kind=kind, name=name.strip(),
                     inspectors=len(inspectors or []) or None)
        pem = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        keys = store.data_dir.keys
        pems = {SIGNING_KEY_FILE: sign.private_bytes(*pem), ENCRYPTION_KEY_FILE: enc.private_bytes(*pem)}
        if shared:
            assert key_passphrase is not None
            for file, key in KEY_SETTINGS.items():
                s.add(Setting(key=key, value=seal_with_passphrase(key_passphrase, pems[file], _key_aad(code, file))))
        # keys are written inside the transaction: if writing fails, the node row is rolled back
        for file, data in pems.items():
            _write_private(keys / file, data)
    return node


def check_key_passphrase(passphrase: str | None) -> str:
    """The key passphrase, or SetupError (Chinese) when there is none or it is too short."""
    if not passphrase:
        raise SetupError("县级局共享数据库中的单位密钥要用口令加密保存：请设置密钥口令")
    if len(passphrase) < KEY_PASSPHRASE_MIN:
        raise SetupError(f"密钥口令至少 {KEY_PASSPHRASE_MIN} 个字符")
    return passphrase


def _key_aad(code: str, file: str) -> str:
    """What a sealed key is bound to: a key sealed for one node or file opens as no other."""
    return f"qsdesk node key {code} {file}"


def connect_workstation(store: Store, key_passphrase: str) -> Node:
    """Make this data directory another workstation of the node whose database ``store`` opened:
    the node's private keys are unsealed with ``key_passphrase`` and written into ``keys/``.
    Refuses a database without a node or without stored keys, a wrong passphrase, and a data
    directory holding other keys; nothing is written then.

    A database from before keys were sealed holds them as plain PEM: they are sealed now with
    the passphrase given (at least :data:`KEY_PASSPHRASE_MIN` characters), which from then on
    every further workstation needs.
    """
    node = store.self_node()
    if node is None:
        raise SetupError(NOT_INITIALISED)
    if store.data_dir is None:
        raise SetupError("没有数据目录，无法保存密钥")
    with store.session() as s:
        values = {file: row.value for file, row in _key_rows(s, "无法连接为另一台工作站").items()}
    legacy = [file for file, value in values.items() if not is_passphrase_sealed(value)]
    if legacy:
        check_key_passphrase(key_passphrase)
    pems = _unseal(node, values, key_passphrase)
    keys = store.data_dir.keys
    for file, data in pems.items():
        path = keys / file
        if path.exists() and path.read_bytes() != data:
            raise SetupError(f"数据目录 {store.data_dir.root} 已有其他单位的密钥，不能连接到该数据库；请换一个数据目录")
    _check_keys_match(node, pems)
    with store.transaction() as s:
        for file in legacy:
            row = s.get(Setting, KEY_SETTINGS[file])
            assert row is not None
            row.value = seal_with_passphrase(key_passphrase, pems[file], _key_aad(node.code, file))
        for file, data in pems.items():
            _write_private(keys / file, data)
        audit.record(s, "create", "node", node.code, workstation=str(store.data_dir.root),
                     keys_sealed=len(legacy) or None)
    return node


def change_key_passphrase(store: Store, old: str, new: str) -> None:
    """Seal the county's private keys in its database with ``new`` instead of ``old`` (a clerk who
    knew it left, or it was written down where it should not be). ``old`` must open them (keys an
    earlier version stored in plain need none); ``new`` obeys the rule of :func:`init_node`.
    Workstations already connected keep their keys; a workstation connected from now on needs
    ``new``. Nothing is written when anything is refused."""
    node = store.self_node()
    if node is None:
        raise SetupError(NOT_INITIALISED)
    check_key_passphrase(new)
    if new == old:
        raise SetupError("新密钥口令与原口令相同")
    with store.transaction() as s:
        rows = _key_rows(s, "没有可修改的密钥口令")
        pems = _unseal(node, {file: row.value for file, row in rows.items()}, old)
        _check_keys_match(node, pems)
        for file, row in rows.items():
            row.value = seal_with_passphrase(new, pems[file], _key_aad(node.code, file))
        audit.record(s, "update", "node", node.code, field="key_passphrase")


def _key_rows(s: Session, refused: str) -> dict[str, Setting]:
    """The settings holding the node's sealed private keys, by key file; SetupError ending in
    ``refused`` (what cannot be done) when the database holds none."""
    rows = {file: s.get(Setting, key) for file, key in KEY_SETTINGS.items()}
    present = {file: row for file, row in rows.items() if row is not None}
    if len(present) != len(KEY_SETTINGS):
        raise SetupError(f"该数据库中没有保存单位密钥（仅 PostgreSQL 县级局数据库保存），{refused}")
    return present


def _unseal(node: Node, values: dict[str, str], passphrase: str) -> dict[str, bytes]:
    """The node's private keys (PEM) from the values stored in the database: opened with
    ``passphrase``, or as they are where an earlier version stored them in plain. SetupError
    (Chinese) when the passphrase does not open them."""
    try:
        return {file: open_with_passphrase(passphrase, value, _key_aad(node.code, file))
                if is_passphrase_sealed(value) else value.encode("ascii") for file, value in values.items()}
    except CryptoError as exc:
        raise SetupError(str(exc)) from None


def _check_keys_match(node: Node, pems: dict[str, bytes]) -> None:
    """The unsealed keys are the node's: their public halves are the ones on the node row."""
    for file, want in ((SIGNING_KEY_FILE, node.public_key), (ENCRYPTION_KEY_FILE, node.enc_public_key)):
        key = serialization.load_pem_private_key(pems[file], None)
        if not isinstance(key, Ed25519PrivateKey | X25519PrivateKey) or b64e(public_raw(key)) != want:
            raise SetupError("数据库中保存的单位密钥与本单位的公钥不符，无法连接；请联系第一台工作站核对")


def load_signing_key(store: Store) -> Ed25519PrivateKey:
    assert store.data_dir is not None
    key = serialization.load_pem_private_key((store.data_dir.keys / SIGNING_KEY_FILE).read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def load_encryption_key(store: Store) -> X25519PrivateKey:
    assert store.data_dir is not None
    key = serialization.load_pem_private_key((store.data_dir.keys / ENCRYPTION_KEY_FILE).read_bytes(), None)
    assert isinstance(key, X25519PrivateKey)
    return key
