"""Signing: a :data:`Signer` turns a SHA-256 digest into a DER-encoded ECDSA signature.

Keeping the signer a plain callable lets callers plug in an HSM or a remote signer; the
private key never has to live in this process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)

Signer = Callable[[bytes], bytes]
"""Takes the SHA-256 digest of the message, returns a DER ECDSA signature."""

# Curve orders of the curves Fabric's MSP accepts for ECDSA.
_CURVE_ORDERS: dict[str, int] = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
}


def digest(message: bytes) -> bytes:
    """SHA-256, the hash Fabric's default MSP uses for signatures and transaction IDs."""
    return hashlib.sha256(message).digest()


def new_private_key_signer(private_key: ec.EllipticCurvePrivateKey) -> Signer:
    """A :data:`Signer` for an EC private key (P-256, or P-384)."""
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"unsupported private key type {type(private_key).__name__}; an EC key is required")
    order = _CURVE_ORDERS.get(private_key.curve.name)
    if order is None:
        raise ValueError(f"unsupported curve {private_key.curve.name}")
    algorithm = ec.ECDSA(Prehashed(hashes.SHA256()))

    def sign(message_digest: bytes) -> bytes:
        r, s = decode_dss_signature(private_key.sign(message_digest, algorithm))
        # Fabric rejects high-S signatures (they are malleable), so fold s into the lower half.
        if s > order // 2:
            s = order - s
        return encode_dss_signature(r, s)

    return sign


def load_private_key(key_path: str | Path, password: bytes | None = None) -> ec.EllipticCurvePrivateKey:
    """Read a PEM private key file (e.g. an MSP's ``keystore/*_sk``)."""
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=password)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"{key_path}: not an EC private key")
    return key
