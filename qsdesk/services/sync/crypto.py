"""Moved to :mod:`qsdesk.crypto` (the store checks backups' keys with it, and the store imports no
service); kept so ``from qsdesk.services.sync import crypto`` keeps working."""

from qsdesk.crypto import (
    ENC_ALG,
    CryptoError,
    b64d,
    b64e,
    fingerprint,
    new_sender_key,
    open_sealed,
    public_raw,
    recipient_key,
    seal,
    sign,
    verify,
)

__all__ = ["ENC_ALG", "CryptoError", "b64d", "b64e", "fingerprint", "new_sender_key", "open_sealed", "public_raw",
           "recipient_key", "seal", "sign", "verify"]
