"""ECDSA over SHA-256, as Fabric and the embedded node sign."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509 import Certificate

# Group orders of the curves Fabric's MSPs issue keys on; Fabric accepts only "low-S" signatures
# (s <= order / 2), so that a signature cannot be re-shaped into a second valid one.
_ORDERS = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
    ),
}


def verify_ecdsa(
    certificate: Certificate, signature: bytes, message: bytes, *, low_s: bool = True
) -> str | None:
    """None when ``signature`` (DER) is the certificate key's over SHA-256(message); else why not."""
    key = certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return "the certificate's key is not an ECDSA key"
    try:
        _, s = decode_dss_signature(signature)
    except ValueError:
        return "the signature is not DER-encoded ECDSA"
    order = _ORDERS.get(key.curve.name)
    if low_s and order is not None and s > order // 2:
        return "the signature is not in low-S form (Fabric rejects it)"
    try:
        key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "the signature does not verify"
    return None
