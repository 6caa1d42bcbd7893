"""The bundle file: writing it safely, reading it suspiciously.

A bundle ``<from>-<to>-<seq>.qsb`` is a zip archive (format described in ``docs/sync.md``):

``manifest.json``
    UTF-8 JSON: ``format`` ("qsdesk-bundle"), ``version`` (1), ``kind`` ("data" or "receipt"),
    ``from``/``to`` (node codes), ``seq`` (per sender→recipient, from 1), ``range``
    (``{"after": a, "upto": b}``: the sender's change numbers this bundle carries, or null),
    ``ack`` (what the sender has applied of the recipient's changes), ``created_at``, ``counts``
    (rows per table), ``attachments`` (sha256 → size, mime), ``members`` (name → sha256, size of
    every other member) and ``encryption`` (algorithm and the ephemeral X25519 public key).
``manifest.sig``
    The raw 64-byte Ed25519 signature of the exact ``manifest.json`` bytes.
``data/<table>.jsonl``
    AES-256-GCM of the deflated JSONL of the rows' other columns (version 1: plain JSONL).
``private/<table>.jsonl.enc``
    AES-256-GCM of a JSONL with the personal columns of the same rows, same order.
``attachments/<sha256>``
    AES-256-GCM of an attachment's bytes (``sha256`` is of the plain bytes).

Reading checks, before anything is decrypted or applied: the archive opens, every member name is
one of the allowed shapes (no absolute path, no ``..``, no backslash, no link, no duplicate), the
manifest is signed by the enrolled sender, every member is listed with its exact size and SHA-256
and nothing unlisted is present, and the row counts match.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from qsdesk.services.sync import crypto
from qsdesk.services.sync.row_values import INT_MAX, refuse_constant, strict_json_float
from qsdesk.services.sync.rows import TABLES, EncodedRows

FORMAT = "qsdesk-bundle"
#: 2: the rows' public columns are encrypted too (deflated, then sealed); 1 (still read): they
#: were plain JSONL.
VERSION = 2
#: What the key derivation's context says (unchanged since version 1).
_KEY_CONTEXT_VERSION = 1
#: The most a member may hold once decrypted and inflated.
MAX_INFLATED = 512 * 1024 * 1024
SUFFIX = ".qsb"
PARTIAL_SUFFIX = ".partial"

MAX_MANIFEST = 8 * 1024 * 1024
MAX_MEMBER = 1024 * 1024 * 1024
MAX_TOTAL = 2 * 1024 * 1024 * 1024
#: A member may inflate to at most this many times its compressed size (beyond the first MiB):
#: real JSONL shrinks about 8 to 20 times, a zip bomb a thousand times.
MAX_RATIO = 100
RATIO_FREE = 1024 * 1024

_MEMBER_RE = re.compile(r"^(?:data/([a-z_]{1,64})\.jsonl|private/([a-z_]{1,64})\.jsonl\.enc|attachments/([0-9a-f]{64}))$")


class BundleError(ValueError):
    """A bundle that must not be applied. ``reason`` is a short code, the message is Chinese."""

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        self.reason = reason


def bundle_name(from_code: str, to_code: str, seq: int) -> str:
    return f"{from_code}-{to_code}-{seq}{SUFFIX}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def context(from_code: str, to_code: str, seq: int) -> bytes:
    return f"{FORMAT}/{_KEY_CONTEXT_VERSION}|{from_code}|{to_code}|{seq}".encode()


def strict_loads(data: bytes | str) -> Any:
    """``json.loads`` that refuses ``NaN``, ``Infinity`` and numbers too large for a float."""
    return json.loads(data, parse_float=strict_json_float, parse_constant=refuse_constant)


def decode_jsonl(data: bytes, member: str) -> list[dict[str, Any]]:
    lines = [line for line in data.split(b"\n") if line]
    try:  # one parse of the whole member is much faster than one per line
        objs = strict_loads(b"[" + b",".join(lines) + b"]")
    except ValueError:
        objs = None
    if objs is None or len(objs) != len(lines):
        objs = []
        for n, line in enumerate(lines, 1):
            try:
                objs.append(strict_loads(line))
            except ValueError as exc:
                raise BundleError(f"数据包成员 {member} 第 {n} 行不是有效的 JSON（{exc}；NaN、无穷大等不是有效数值），"
                                  "未导入任何内容", "corrupt") from exc
    for n, obj in enumerate(objs, 1):
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            raise BundleError(f"数据包成员 {member} 第 {n} 行缺少记录编号", "corrupt")
    return objs


# --------------------------------------------------------------------------------------- writing


@dataclass
class OutgoingBundle:
    """Everything that goes into one bundle before it is encrypted and signed."""

    kind: str
    from_code: str
    to_code: str
    seq: int
    range_after: int | None = None
    range_upto: int | None = None
    ack: dict[str, int] = field(default_factory=dict)
    created_at: str = ""
    tables: dict[str, EncodedRows] = field(default_factory=dict)  # see rows.TableEncoder / encode_pairs
    attachments: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # sha → (bytes, mime)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return bundle_name(self.from_code, self.to_code, self.seq)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def build_members(out: OutgoingBundle, recipient_enc_public_b64: str) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Encrypt and lay out the members; returns ``(members, manifest)`` (manifest not yet signed)."""
    key, eph_pub = crypto.new_sender_key(recipient_enc_public_b64, context(out.from_code, out.to_code, out.seq))
    members: dict[str, bytes] = {}
    counts: dict[str, int] = {}
    for table, rows in out.tables.items():
        if not rows.count:
            continue
        counts[table] = rows.count
        pub_name = f"data/{table}.jsonl"
        # the whole payload is for the recipient only: deflated (JSONL shrinks ~8x), then sealed
        members[pub_name] = crypto.seal(key, zlib.compress(rows.public, 1), pub_name)
        name = f"private/{table}.jsonl.enc"
        members[name] = crypto.seal(key, rows.private, name)
    attachments: dict[str, Any] = {}
    for sha, (data, mime) in sorted(out.attachments.items()):
        name = f"attachments/{sha}"
        members[name] = crypto.seal(key, data, name)
        attachments[sha] = {"size": len(data), "mime": mime}
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "kind": out.kind,
        "from": out.from_code,
        "to": out.to_code,
        "seq": out.seq,
        "range": None if out.range_upto is None else {"after": out.range_after or 0, "upto": out.range_upto},
        "ack": out.ack,
        "created_at": out.created_at,
        "counts": counts,
        "attachments": attachments,
        "members": {n: {"sha256": sha256_hex(b), "size": len(b)} for n, b in sorted(members.items())},
        "encryption": {"alg": crypto.ENC_ALG, "ephemeral_public_key": crypto.b64e(eph_pub)},
        **out.extra,
    }
    return members, manifest


def write_bundle(
    out: OutgoingBundle,
    directory: Path,
    signing_key: Ed25519PrivateKey,
    recipient_enc_public_b64: str,
) -> tuple[Path, str, dict[str, Any]]:
    """Write the bundle into ``directory`` safely; returns ``(path, sha256 of manifest, manifest)``.

    The archive is written to ``<name>.partial``, flushed and fsynced, read back and checked
    (signature, every member's hash), and only then renamed to its final name. Any failure removes
    the partial file, so an interrupted write never leaves a file that looks like a bundle.
    """
    members, manifest = build_members(out, recipient_enc_public_b64)
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    signature = crypto.sign(signing_key, manifest_bytes)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / out.file_name
    if final.exists():
        raise BundleError(f"目标位置已有同名数据包 {final.name}，请换一个文件夹", "exists")
    tmp = directory / (out.file_name + PARTIAL_SUFFIX)
    try:
        with open(tmp, "wb") as fh:
            # only the manifest is deflated; the members are encrypted (their rows were deflated
            # at level 1 before sealing: ~8x smaller, in under half the time of level 6)
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                zf.writestr("manifest.json", manifest_bytes)
                zf.writestr("manifest.sig", signature, compress_type=zipfile.ZIP_STORED)
                for name, data in members.items():  # encrypted: nothing left to compress
                    zf.writestr(name, data, compress_type=zipfile.ZIP_STORED)
            fh.flush()
            os.fsync(fh.fileno())
        file_bytes = tmp.read_bytes()
        raw = read_archive(io.BytesIO(file_bytes))
        if raw.manifest_bytes != manifest_bytes or not crypto.verify(
            crypto.b64e(crypto.public_raw(signing_key)), raw.manifest_bytes, raw.signature
        ):
            raise BundleError("写入后回读校验失败：数据包与写入内容不一致", "write")
        os.replace(tmp, final)
        _fsync_dir(directory)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise BundleError(f"写入数据包失败（{exc.strerror or exc}）：请检查U盘是否已拔出或已满，然后重新导出",
                              "write") from exc
        raise
    return final, sha256_hex(manifest_bytes), manifest


# --------------------------------------------------------------------------------------- reading


@dataclass
class RawBundle:
    """A bundle whose structure and member hashes have been checked (signature not yet)."""

    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: bytes
    members: dict[str, bytes]

    @property
    def from_code(self) -> str:
        return str(self.manifest["from"])

    @property
    def to_code(self) -> str:
        return str(self.manifest["to"])

    @property
    def seq(self) -> int:
        return int(self.manifest["seq"])

    @property
    def kind(self) -> str:
        return str(self.manifest["kind"])


def _check_name(info: zipfile.ZipInfo) -> None:
    name = info.filename
    if name.startswith(("/", "\\")) or "\\" in name or re.match(r"^[A-Za-z]:", name):
        raise BundleError(f"数据包含有绝对路径成员 {name!r}，已拒绝（可能是恶意文件）", "path")
    if ".." in name.split("/"):
        raise BundleError(f"数据包含有越界路径成员 {name!r}，已拒绝（可能是恶意文件）", "path")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise BundleError(f"数据包含有链接成员 {name!r}，已拒绝", "path")
    if name not in ("manifest.json", "manifest.sig") and not _MEMBER_RE.match(name):
        raise BundleError(f"数据包含有不认识的成员 {name!r}，已拒绝", "path")


def check_inflation(info: zipfile.ZipInfo, limit: int) -> None:
    """Refuse a member whose header promises more than ``limit`` bytes or an implausible ratio.

    Python's zipfile never inflates beyond the header's ``file_size``, so checking the header
    before reading caps the memory a bomb can take."""
    if info.file_size > limit:
        raise BundleError(f"数据包成员 {info.filename} 过大（{info.file_size} 字节），已拒绝", "size")
    if info.file_size > RATIO_FREE and info.file_size > info.compress_size * MAX_RATIO:
        raise BundleError(f"数据包成员 {info.filename} 的压缩比异常（可能是“压缩炸弹”），已拒绝", "size")


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    check_inflation(info, limit)
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        # bad CRC, broken deflate stream, a flag bit turned into "encrypted", an unknown method
        raise BundleError(f"数据包成员 {info.filename} 已损坏（已被改动或拷贝不完整）", "hash") from exc
    if len(data) != info.file_size or len(data) > limit:
        raise BundleError(f"数据包成员 {info.filename} 大小不符", "size")
    return data


def read_archive(
    source: Path | io.BytesIO, verify: Callable[[dict[str, Any], bytes, bytes], None] | None = None
) -> RawBundle:
    """Open a bundle and check its structure and member hashes. Raises :class:`BundleError`.

    ``verify(manifest, manifest_bytes, signature)`` is called once the manifest has been read and
    before any other member is inflated: an unsigned or foreign file costs no more than its
    manifest (at most :data:`MAX_MANIFEST`)."""
    try:
        buf: io.BytesIO = io.BytesIO(source.read_bytes()) if isinstance(source, Path) else source
        try:
            zf = zipfile.ZipFile(buf)
        except zipfile.BadZipFile as exc:
            raise BundleError("数据包不完整或已损坏（可能拷贝时被中断），请重新拷贝或让对方重新导出", "truncated") from exc
        with zf:
            infos = zf.infolist()
            seen: set[str] = set()
            for info in infos:
                _check_name(info)
                if info.filename in seen:
                    raise BundleError(f"数据包含有重复成员 {info.filename!r}，已拒绝", "path")
                seen.add(info.filename)
            if "manifest.json" not in seen or "manifest.sig" not in seen:
                raise BundleError("数据包缺少清单或签名（manifest.json / manifest.sig），不是有效的数据包", "corrupt")
            if sum(i.file_size for i in infos) > MAX_TOTAL:
                raise BundleError("数据包解压后过大，已拒绝", "size")
            by_name = {i.filename: i for i in infos}
            manifest_bytes = _read_member(zf, by_name["manifest.json"], MAX_MANIFEST)
            signature = _read_member(zf, by_name["manifest.sig"], 64)
            try:
                manifest = strict_loads(manifest_bytes)
            except ValueError as exc:
                raise BundleError("数据包清单已损坏（不是有效的 JSON）", "corrupt") from exc
            _check_manifest_shape(manifest)
            if verify is not None:
                verify(manifest, manifest_bytes, signature)
            listed: dict[str, Any] = manifest["members"]
            extra = seen - set(listed) - {"manifest.json", "manifest.sig"}
            if extra:
                raise BundleError(f"数据包含有清单未列出的成员：{', '.join(sorted(extra))}", "corrupt")
            members: dict[str, bytes] = {}
            for name, meta in listed.items():
                if name not in by_name:
                    raise BundleError(f"数据包缺少成员 {name}（文件不完整）", "truncated")
                info = by_name[name]
                if info.file_size != meta["size"]:
                    raise BundleError(f"数据包成员 {name} 大小与清单不符（已被改动或损坏）", "size")
                try:
                    data = _read_member(zf, info, MAX_MEMBER)
                except zipfile.BadZipFile as exc:
                    raise BundleError(f"数据包成员 {name} 已损坏", "hash") from exc
                if sha256_hex(data) != meta["sha256"]:
                    raise BundleError(f"数据包成员 {name} 校验值不符（已被改动或损坏）", "hash")
                members[name] = data
    except BundleError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, KeyError, TypeError,
            RuntimeError, NotImplementedError) as exc:
        raise BundleError("数据包不完整或已损坏，无法读取（可能拷贝时被中断）", "truncated") from exc
    except OSError as exc:
        raise BundleError(f"无法读取数据包：{exc.strerror or exc}", "io") from exc
    return RawBundle(manifest, manifest_bytes, signature, members)


def _check_manifest_shape(m: Any) -> None:
    ok = (
        isinstance(m, dict)
        and m.get("format") == FORMAT
        and isinstance(m.get("version"), int)
        and isinstance(m.get("from"), str)
        and isinstance(m.get("to"), str)
        and isinstance(m.get("seq"), int)
        and m.get("kind") in ("data", "receipt")
        and isinstance(m.get("members"), dict)
        and isinstance(m.get("counts"), dict)
        and isinstance(m.get("attachments"), dict)
        and isinstance(m.get("encryption"), dict)
        and isinstance(m.get("ack"), dict)
    )
    if not ok:
        raise BundleError("数据包清单内容不完整，不是有效的数据包", "corrupt")
    if not _manifest_numbers_ok(m):
        raise BundleError("数据包清单中的序号、范围或数量无效（应为 0 到 2^63-1 之间的整数），不是有效的数据包", "corrupt")
    if m["version"] > VERSION:
        raise BundleError(f"数据包格式版本 {m['version']} 比本程序新，请先升级程序", "version")
    for name, meta in m["members"].items():
        if not isinstance(meta, dict) or not isinstance(meta.get("sha256"), str) or not isinstance(
            meta.get("size"), int
        ):
            raise BundleError(f"数据包清单中成员 {name} 的信息不完整", "corrupt")
        if not _MEMBER_RE.match(name):
            raise BundleError(f"数据包清单列出了不允许的成员 {name!r}", "path")


def _count(v: Any, low: int = 0) -> bool:
    return type(v) is int and low <= v <= INT_MAX


def _manifest_numbers_ok(m: dict[str, Any]) -> bool:
    """Every number a signed manifest carries is a whole number the database can hold."""
    if not _count(m["seq"], 1) or not _count(m["version"], 1):
        return False
    rng = m.get("range")
    if rng is not None:
        if not isinstance(rng, dict) or not _count(rng.get("after")) or not _count(rng.get("upto")):
            return False
        if rng["after"] > rng["upto"]:
            return False
    for key in ("change_seq", "seq"):
        if key in m["ack"] and not _count(m["ack"][key]):
            return False
    if not all(isinstance(t, str) and _count(n) for t, n in m["counts"].items()):
        return False
    return all(isinstance(a, dict) and _count(a.get("size")) for a in m["attachments"].values())


def inflate(data: bytes, name: str) -> bytes:
    """Inflate a decrypted member, never beyond :data:`MAX_INFLATED` (streamed: a bomb stops
    at the cap instead of filling the memory)."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, MAX_INFLATED + 1)
    except zlib.error as exc:
        raise BundleError(f"数据包成员 {name} 已损坏（无法解压）", "corrupt") from exc
    if len(out) > MAX_INFLATED or d.unconsumed_tail:
        raise BundleError(f"数据包成员 {name} 解压后过大，已拒绝", "size")
    if not d.eof:
        raise BundleError(f"数据包成员 {name} 不完整（无法解压）", "corrupt")
    return out


@dataclass
class DecodedBundle:
    raw: RawBundle
    tables: dict[str, list[dict[str, Any]]]  # public + personal columns merged, JSON values
    attachments: dict[str, bytes]


def decode(raw: RawBundle, own_enc_key: X25519PrivateKey) -> DecodedBundle:
    """Decrypt the personal columns and attachments and check the counts against the manifest."""
    m = raw.manifest
    enc = m["encryption"]
    if enc.get("alg") != crypto.ENC_ALG:
        raise BundleError(f"不支持的加密方式 {enc.get('alg')!r}", "version")
    try:
        eph = crypto.b64d(str(enc.get("ephemeral_public_key", "")))
        key = crypto.recipient_key(own_enc_key, eph, context(raw.from_code, raw.to_code, raw.seq))
    except ValueError as exc:
        raise BundleError("数据包的加密信息已损坏", "corrupt") from exc
    tables: dict[str, list[dict[str, Any]]] = {}
    for table, count in m["counts"].items():
        if table not in TABLES:
            raise BundleError(f"数据包含有本程序不认识的数据表 {table!r}，请先升级程序", "version")
        pub_name, priv_name = f"data/{table}.jsonl", f"private/{table}.jsonl.enc"
        if pub_name not in raw.members or priv_name not in raw.members:
            raise BundleError(f"数据包缺少数据表 {table} 的成员", "corrupt")
        try:
            if m["version"] >= 2:
                pub_bytes = inflate(crypto.open_sealed(key, raw.members[pub_name], pub_name), pub_name)
            else:
                pub_bytes = raw.members[pub_name]
            pub = decode_jsonl(pub_bytes, pub_name)
            priv = decode_jsonl(crypto.open_sealed(key, raw.members[priv_name], priv_name), priv_name)
        except crypto.CryptoError as exc:
            raise BundleError(str(exc), "decrypt") from exc
        if len(pub) != count or len(priv) != count:
            raise BundleError(f"数据表 {table} 的记录数与清单不符（清单 {count} 条，实际 {len(pub)} 条）", "count")
        merged = []
        for a, b in zip(pub, priv, strict=True):
            if a["id"] != b["id"]:
                raise BundleError(f"数据表 {table} 的加密部分与明文部分不对应", "corrupt")
            merged.append({**a, **b})
        tables[table] = merged
    listed_tables = {n.split("/", 1)[1].split(".", 1)[0] for n in raw.members if n.startswith(("data/", "private/"))}
    if listed_tables - set(m["counts"]):
        raise BundleError("数据包清单的记录数与成员不对应", "count")
    attachments: dict[str, bytes] = {}
    for sha, meta in m["attachments"].items():
        name = f"attachments/{sha}"
        if name not in raw.members:
            raise BundleError(f"数据包缺少附件 {sha[:12]}…", "corrupt")
        try:
            data = crypto.open_sealed(key, raw.members[name], name)
        except crypto.CryptoError as exc:
            raise BundleError(str(exc), "decrypt") from exc
        if sha256_hex(data) != sha or len(data) != int(meta.get("size", -1)):
            raise BundleError(f"附件 {sha[:12]}… 的内容与编号不符", "hash")
        attachments[sha] = data
    extra_att = {n for n in raw.members if n.startswith("attachments/")} - {f"attachments/{s}" for s in attachments}
    if extra_att:
        raise BundleError("数据包含有清单未登记的附件", "corrupt")
    return DecodedBundle(raw, tables, attachments)
