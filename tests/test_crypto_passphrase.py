"""Secrets sealed with a passphrase (the county's keys in its shared database)."""

from __future__ import annotations

import json

import pytest

from qsdesk import crypto


def test_sealed_opens_only_with_its_passphrase_and_context() -> None:
    sealed = crypto.seal_with_passphrase("县局的长口令-甲乙丙丁", b"-----BEGIN PRIVATE KEY-----", "key 370112 a")
    assert crypto.is_passphrase_sealed(sealed) and b"PRIVATE" not in sealed.encode()
    assert crypto.open_with_passphrase("县局的长口令-甲乙丙丁", sealed, "key 370112 a") == b"-----BEGIN PRIVATE KEY-----"
    with pytest.raises(crypto.CryptoError, match="密钥口令不正确"):
        crypto.open_with_passphrase("县局的长口令-甲乙丙", sealed, "key 370112 a")
    with pytest.raises(crypto.CryptoError, match="密钥口令不正确"):  # sealed for another node or file
        crypto.open_with_passphrase("县局的长口令-甲乙丙丁", sealed, "key 370112 b")
    # two seals of the same secret differ (salt and nonce)
    assert sealed != crypto.seal_with_passphrase("县局的长口令-甲乙丙丁", b"-----BEGIN PRIVATE KEY-----", "key 370112 a")


@pytest.mark.parametrize("change", [
    lambda d: d.update(sealed=d["sealed"][:-4] + "AAAA"),  # tampered ciphertext
    lambda d: d.update(n=2**30),  # a cost that would exhaust memory
    lambda d: d.update(salt="not base64!"),
    lambda d: d.pop("salt"),
])
def test_a_changed_or_broken_seal_is_refused_in_chinese(change) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(crypto.seal_with_passphrase("县局的长口令-甲乙丙丁", b"secret", "ctx"))
    change(data)
    with pytest.raises(crypto.CryptoError, match="密钥"):
        crypto.open_with_passphrase("县局的长口令-甲乙丙丁", json.dumps(data), "ctx")
    assert not crypto.is_passphrase_sealed("-----BEGIN PRIVATE KEY-----")
