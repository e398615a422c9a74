"""Identities for the embedded ledger, where there is no cryptogen: one CA per org, and each
org's admin and client certificate with its NodeOU role, at the paths cryptogen would use.

The contract reads only the certificate (MSP id, OU role, CN); nothing verifies the chain on
the embedded ledger, so these certificates name who acts, and prove nothing (see README).
Idempotent: an org whose identities exist is left as it is.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from network.lib.layout import ORGS, USERS, Layout

VALID_FOR = timedelta(days=3650)


def _name(org: str, cn: str, ou: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    if ou:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(parts)


def _certificate(
    subject: x509.Name,
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    signer: ec.EllipticCurvePrivateKey,
    ca: bool,
) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(signer, hashes.SHA256())
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def generate(layout: Layout) -> None:
    for o, org in enumerate(ORGS):
        domain = org.domain
        if all(layout.user(o, role).cert.is_file() for role, _ in USERS):
            continue
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name(domain, f"ca.{domain}")
        ca_cert = _certificate(ca_name, ca_name, ca_key, ca_key, ca=True)
        _write(
            layout.org_dir(o) / "ca" / f"ca.{domain}-cert.pem",
            ca_cert.public_bytes(serialization.Encoding.PEM),
            0o644,
        )
        for role, user in USERS:
            key = ec.generate_private_key(ec.SECP256R1())
            cert = _certificate(_name(domain, f"{user}@{domain}", role), ca_name, key, ca_key, ca=False)
            target = layout.user(o, role)
            pem_key = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            _write(target.key, pem_key, 0o600)
            _write(target.cert, cert.public_bytes(serialization.Encoding.PEM), 0o644)


if __name__ == "__main__":
    generate(Layout.from_env())
