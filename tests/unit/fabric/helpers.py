"""Test helpers: keys and certificates, independent protobuf encoders, hand-built envelopes."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from gateway.fabric import Identity
from tests._protos import common_pb2, proposal_pb2, proposal_response_pb2, transaction_pb2

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def make_cert(
    common_name: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None = None,
    *,
    ca: bool = False,
    dns_names: tuple[str, ...] = (),
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_name, issuer_key = issuer if issuer else (subject, key)
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_identity(msp_id: str = "HealthMSP") -> tuple[Identity, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    return Identity(msp_id=msp_id, certificate=pem(make_cert(f"user@{msp_id}", key))), key


def verify(public_key: ec.EllipticCurvePublicKey, signature: bytes, message: bytes) -> None:
    """What the peer's MSP does: ECDSA/SHA-256 over the message, and reject high-S."""
    public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    _, s = decode_dss_signature(signature)
    if s > P256_ORDER // 2:
        raise ValueError("high-S signature")


# -- protobuf wire format, written by hand so the tests do not trust the code under test --
def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, value: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def encode_rpc_status(code: int, message: str, details: list[tuple[str, bytes]]) -> bytes:
    """google.rpc.Status{code, message, details: [Any{type_url, value}]}."""
    out = _varint(1 << 3 | 0) + _varint(code) + _field(2, message.encode())
    for type_url, value in details:
        out += _field(3, _field(1, type_url.encode()) + _field(2, value))
    return out


# -- what the peer's Gateway returns from Endorse (see prepareTransaction in submit.go) ----------
def prepared_envelope(proposal_bytes: bytes, result: bytes, status: int = 200) -> Any:
    proposal = proposal_pb2.Proposal.FromString(proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    cc_payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
    action = proposal_pb2.ChaincodeAction(
        results=b"rwset",
        response=proposal_response_pb2.Response(status=status, payload=result),
    )
    response_payload = proposal_response_pb2.ProposalResponsePayload(
        proposal_hash=hashlib.sha256(proposal_bytes).digest(), extension=action.SerializeToString()
    )
    endorsed = transaction_pb2.ChaincodeEndorsedAction(
        proposal_response_payload=response_payload.SerializeToString(),
        endorsements=[proposal_response_pb2.Endorsement(endorser=b"peer", signature=b"sig")],
    )
    action_payload = transaction_pb2.ChaincodeActionPayload(
        chaincode_proposal_payload=proposal_pb2.ChaincodeProposalPayload(
            input=cc_payload.input
        ).SerializeToString(),
        action=endorsed,
    )
    transaction = transaction_pb2.Transaction(
        actions=[
            transaction_pb2.TransactionAction(
                header=header.signature_header, payload=action_payload.SerializeToString()
            )
        ]
    )
    payload = common_pb2.Payload(header=header, data=transaction.SerializeToString())
    return common_pb2.Envelope(payload=payload.SerializeToString())
