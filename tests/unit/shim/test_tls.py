"""The server with TLS and mutual TLS, as the peer dials it when connection.json sets tls_required."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chaincode.shim.api import OK, Response
from chaincode.shim.server import ChaincodeServer, TlsConfig
from tests.unit.shim.conftest import PACKAGE_ID, ScriptedContract
from tests.unit.shim.fake_peer import FakePeer


class Pki:
    """A throwaway CA issuing the chaincode's server certificate and a peer's client certificate."""

    def __init__(self) -> None:
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "citydir-test-ca")])
        self.ca_cert = (
            self._builder(name, name, self.ca_key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.ca_key, hashes.SHA256())
        )

    def issue(self, common_name: str) -> tuple[bytes, bytes]:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        san = x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
        )
        cert = (
            self._builder(subject, self.ca_cert.subject, key.public_key())
            .add_extension(san, critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return cert.public_bytes(serialization.Encoding.PEM), key_pem

    @property
    def ca_pem(self) -> bytes:
        return self.ca_cert.public_bytes(serialization.Encoding.PEM)

    @staticmethod
    def _builder(
        subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
    ) -> x509.CertificateBuilder:
        now = datetime.now(UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(hours=1))
        )


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


@pytest.fixture
def mtls_server(pki: Pki) -> Iterator[ChaincodeServer]:
    contract = ScriptedContract()
    contract.functions["Ping"] = lambda stub: Response(status=OK, payload=b"pong")
    cert, key = pki.issue("citydir-ccaas")
    server = ChaincodeServer(
        contract, "127.0.0.1:0", PACKAGE_ID, TlsConfig(cert=cert, key=key, client_ca=pki.ca_pem)
    )
    yield server
    server.stop(grace=1.0)


def test_mutual_tls_peer_with_client_certificate_can_transact(pki: Pki, mtls_server: ChaincodeServer) -> None:
    client_cert, client_key = pki.issue("peer0.health")
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.ca_pem, private_key=client_key, certificate_chain=client_cert
    )
    peer = FakePeer(f"localhost:{mtls_server.port}", credentials=credentials).connect()
    try:
        _, response = peer.invoke("Ping")
        assert response.payload == b"pong"
    finally:
        peer.close()


def test_mutual_tls_rejects_a_peer_without_client_certificate(pki: Pki, mtls_server: ChaincodeServer) -> None:
    credentials = grpc.ssl_channel_credentials(root_certificates=pki.ca_pem)
    peer = FakePeer(f"localhost:{mtls_server.port}", credentials=credentials)
    try:
        with pytest.raises(TimeoutError):
            peer.connect(timeout=1.0)
        assert peer.registered_as is None
    finally:
        peer.close()
