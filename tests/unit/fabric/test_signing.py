from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from gateway.fabric import Identity, load_identity, load_private_key, new_private_key_signer
from tests._protos import identities_pb2

from .helpers import P256_ORDER, key_pem, make_cert, make_identity, pem

P384_ORDER = int(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
)


def test_signature_verifies_over_the_message_whose_digest_was_signed() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    sign = new_private_key_signer(key)
    message = b"proposal bytes"
    signature = sign(hashlib.sha256(message).digest())
    key.public_key().verify(signature, message, ec.ECDSA(hashes.SHA256()))  # raises if invalid


def test_signature_does_not_verify_for_another_message() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    signature = new_private_key_signer(key)(hashlib.sha256(b"a").digest())
    with pytest.raises(InvalidSignature):
        key.public_key().verify(signature, b"b", ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize(("curve", "order"), [(ec.SECP256R1(), P256_ORDER), (ec.SECP384R1(), P384_ORDER)])
def test_signatures_are_always_low_s(curve: ec.EllipticCurve, order: int) -> None:
    key = ec.generate_private_key(curve)
    sign = new_private_key_signer(key)
    for i in range(200):
        message = f"message {i}".encode()
        signature = sign(hashlib.sha256(message).digest())
        _, s = decode_dss_signature(signature)
        assert 0 < s <= order // 2
        key.public_key().verify(signature, message, ec.ECDSA(hashes.SHA256()))


def test_high_s_raw_signatures_occur_so_normalisation_is_exercised() -> None:
    # Guard against the low-S test passing vacuously: raw ECDSA gives high S about half the time.
    key = ec.generate_private_key(ec.SECP256R1())
    raw_high = sum(
        decode_dss_signature(key.sign(bytes([i]), ec.ECDSA(hashes.SHA256())))[1] > P256_ORDER // 2
        for i in range(64)
    )
    assert raw_high > 0


def test_non_ec_and_unsupported_curves_are_rejected() -> None:
    with pytest.raises(TypeError):
        new_private_key_signer(ed25519.Ed25519PrivateKey.generate())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unsupported curve"):
        new_private_key_signer(ec.generate_private_key(ec.SECP256K1()))


def test_identity_serializes_to_serialized_identity() -> None:
    identity, _ = make_identity("HealthMSP")
    decoded = identities_pb2.SerializedIdentity.FromString(identity.serialize())
    assert decoded.mspid == "HealthMSP"
    assert decoded.id_bytes == identity.certificate


def test_identity_is_frozen_and_accepts_pem_text() -> None:
    identity = Identity(msp_id="HealthMSP", certificate="-----BEGIN CERTIFICATE-----\n")  # type: ignore[arg-type]
    assert identity.certificate == b"-----BEGIN CERTIFICATE-----\n"
    with pytest.raises(AttributeError):
        identity.msp_id = "Other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        Identity(msp_id="", certificate=b"x")


def test_pem_loaders(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key_sk"
    cert_path.write_bytes(pem(make_cert("user", key)))
    key_path.write_bytes(key_pem(key))

    identity = load_identity("HealthMSP", cert_path)
    assert identity == Identity("HealthMSP", cert_path.read_bytes())
    loaded = load_private_key(str(key_path))
    assert loaded.private_numbers() == key.private_numbers()
    signature = new_private_key_signer(loaded)(hashlib.sha256(b"m").digest())
    key.public_key().verify(signature, b"m", ec.ECDSA(hashes.SHA256()))
