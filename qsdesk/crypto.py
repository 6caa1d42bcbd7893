"""Signing, encryption and fingerprints for sync bundles and identity files.

* Signatures: Ed25519 over the exact bytes signed (the manifest, an identity file's body).
* Encryption to a recipient: one ephemeral X25519 key pair per bundle; the shared secret with the
  recipient's X25519 public key goes through HKDF-SHA256 (salt = ephemeral public key ‖ recipient
  public key, info = a context string naming sender, recipient and sequence number) to one
  AES-256-GCM key. Every encrypted member is ``nonce(12) ‖ ciphertext+tag`` with the member's
  name as associated data, so members cannot be swapped for one another.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENC_ALG = "X25519-HKDF-SHA256-AES256GCM"
_RAW = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class CryptoError(ValueError):
    """A signature or ciphertext did not check out; the message is Chinese."""


def b64e(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def public_raw(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(*_RAW)


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


def verify(public_key_b64: str, data: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(b64d(public_key_b64)).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def fingerprint(public_key_b64: str, enc_public_key_b64: str | None) -> str:
    """A short code two people read to each other to compare identities: ``ABCD-EF12-…`` (5×4)."""
    h = hashlib.sha256(b64d(public_key_b64) + (b64d(enc_public_key_b64) if enc_public_key_b64 else b""))
    hexd = h.hexdigest()[:20].upper()
    return "-".join(hexd[i : i + 4] for i in range(0, 20, 4))


def _derive(shared: bytes, eph_pub: bytes, recipient_pub: bytes, context: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=eph_pub + recipient_pub, info=context).derive(shared)


def new_sender_key(recipient_enc_public_b64: str, context: bytes) -> tuple[bytes, bytes]:
    """A fresh ephemeral key agreement: ``(AES key, ephemeral public key raw)``."""
    recipient_pub = b64d(recipient_enc_public_b64)
    eph = X25519PrivateKey.generate()
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_pub))
    eph_pub = public_raw(eph)
    return _derive(shared, eph_pub, recipient_pub, context), eph_pub


def recipient_key(own: X25519PrivateKey, eph_pub: bytes, context: bytes) -> bytes:
    shared = own.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    return _derive(shared, eph_pub, public_raw(own), context)


def seal(key: bytes, plaintext: bytes, aad: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad.encode("utf-8"))


def open_sealed(key: bytes, blob: bytes, aad: str) -> bytes:
    if len(blob) < 12 + 16:
        raise CryptoError(f"加密内容 {aad} 长度不对，已损坏")
    try:
        return AESGCM(key).decrypt(blob[:12], blob[12:], aad.encode("utf-8"))
    except InvalidTag as exc:
        raise CryptoError(f"加密内容 {aad} 无法解密：不是发给本单位的，或已被篡改") from exc


# --------------------------------------------------------------------------- passphrase sealing

#: scrypt cost for a passphrase-sealed secret (about 0.1 s and 32 MiB per try: guessing a
#: passphrase from a copied database is slow, opening it once per workstation is not)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
PASSPHRASE_KDF = "scrypt"


def _passphrase_key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def seal_with_passphrase(passphrase: str, plaintext: bytes, aad: str) -> str:
    """``plaintext`` encrypted under a key derived from ``passphrase`` (scrypt, AES-256-GCM with
    ``aad`` bound), as one JSON text that names its parameters."""
    import json

    salt = os.urandom(16)
    blob = seal(_passphrase_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P), plaintext, aad)
    return json.dumps({"kdf": PASSPHRASE_KDF, "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                       "salt": b64e(salt), "sealed": b64e(blob)}, sort_keys=True)


def is_passphrase_sealed(text: str) -> bool:
    """Whether ``text`` is what :func:`seal_with_passphrase` wrote."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("kdf") == PASSPHRASE_KDF


def open_with_passphrase(passphrase: str, text: str, aad: str) -> bytes:
    """The plaintext :func:`seal_with_passphrase` sealed; CryptoError (Chinese) when the passphrase
    is wrong or the text was changed."""
    import json

    try:
        data = json.loads(text)
        n, r, p = int(data["n"]), int(data["r"]), int(data["p"])
        salt, blob = b64d(data["salt"]), b64d(data["sealed"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CryptoError("加密保存的密钥已损坏") from exc
    if not (2**10 <= n <= 2**20 and 1 <= r <= 32 and 1 <= p <= 16):
        raise CryptoError("加密保存的密钥参数不对，已损坏")
    try:
        return open_sealed(_passphrase_key(passphrase, salt, n, r, p), blob, aad)
    except CryptoError as exc:
        raise CryptoError("密钥口令不正确") from exc
