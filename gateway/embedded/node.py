"""The embedded node's signing identity: one ECDSA P-256 key and a self-signed certificate.

The node signs each block's hash as it commits it, and each evidence bundle's manifest. That
proves which node vouches for a block, not that anyone else saw it: on the embedded ledger the
operator of this node is the only witness (the verifier says so). Kept beside the ledger file
(``<ledger>.node.pem``, 0600, key then certificate), created once; processes that open the same
ledger race to create it and all end up with the one that won.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_FOR = timedelta(days=3650)


@dataclass(frozen=True)
class NodeIdentity:
    key: ec.EllipticCurvePrivateKey
    certificate_pem: bytes

    @property
    def identity(self) -> bytes:
        """What a bundle names as its signer: the node's certificate (PEM)."""
        return self.certificate_pem

    def sign(self, message: bytes) -> bytes:
        """DER ECDSA over SHA-256(message)."""
        return self.key.sign(message, ec.ECDSA(hashes.SHA256()))


def node_identity_path(ledger_path: Path) -> Path:
    return ledger_path.with_name(ledger_path.name + ".node.pem")


def load_or_create(ledger_path: Path, channel: str) -> NodeIdentity:
    path = node_identity_path(ledger_path)
    if not path.exists():
        _create(path, channel)
    return _load(path.read_bytes())


def _load(pem: bytes) -> NodeIdentity:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the embedded node's key is not an EC key")
    start = pem.index(b"-----BEGIN CERTIFICATE-----")
    return NodeIdentity(key, pem[start:])


def _create(path: Path, channel: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"citydir embedded ledger ({channel})"),
            x509.NameAttribute(NameOID.COMMON_NAME, "embedded node"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ) + cert.public_bytes(serialization.Encoding.PEM)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".node-")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process created it first: theirs wins
            os.link(temp, path)  # atomic
    finally:
        os.unlink(temp)
