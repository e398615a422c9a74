"""Shared fixtures data and zip surgery for the verifier's tests."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ._protos import common_pb2, configtx_pb2, msp_config_pb2

DATA = Path(__file__).parent / "data"
PACKAGE_ROOT = Path(__file__).resolve().parents[3] / "verify"

# The genesis block hash of the channel the fixtures come from, written down independently of the
# bundles (``peer channel getinfo`` / block 1's previous hash): what the city would publish.
GENESIS = "f03a0698a036e7c94b0ec544a421ea3e79ef79feda60b1e4ead9c724ae39d4c1"


def fixture(name: str) -> bytes:
    return (DATA / name).read_bytes()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rezip(files: Mapping[str, bytes], extra: list[tuple[str, bytes]] | None = None) -> bytes:
    """A zip of ``files`` in order (plus ``extra`` members, duplicates allowed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in [*files.items(), *(extra or [])]:
            archive.writestr(name, body)
    return out.getvalue()


def replaced(data: bytes, name: str, body: bytes | None) -> bytes:
    """``data`` with member ``name`` replaced by ``body`` (or removed when None)."""
    files = members(data)
    if body is None:
        del files[name]
    else:
        files[name] = body
    return rezip(files)


def flipped(body: bytes, position: int, mask: int) -> bytes:
    return body[:position] + bytes([body[position] ^ mask]) + body[position + 1 :]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m citydir_verify ARGS`` in a fresh interpreter, the package from the source tree."""
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "citydir_verify", *args], capture_output=True, text=True, env=env, timeout=60
    )


def cli(*args: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of the CLI run in this process: as run_cli, without the start-up."""
    import contextlib

    from citydir_verify.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def config_root_certificates(bundle: bytes) -> dict[str, bytes]:
    """MSP id -> PEM root certificate, read from the bundle's genesis block with the protobufs."""
    block = common_pb2.Block()
    block.ParseFromString(members(bundle)["config/0.block"])
    envelope = common_pb2.Envelope()
    envelope.ParseFromString(block.data.data[0])
    payload = common_pb2.Payload()
    payload.ParseFromString(envelope.payload)
    config = configtx_pb2.ConfigEnvelope()
    config.ParseFromString(payload.data)
    roots: dict[str, bytes] = {}
    for section in ("Orderer", "Application"):
        for group in config.config.channel_group.groups[section].groups.values():
            msp = msp_config_pb2.MSPConfig()
            msp.ParseFromString(group.values["MSP"].value)
            fabric = msp_config_pb2.FabricMSPConfig()
            fabric.ParseFromString(msp.config)
            roots[str(fabric.name)] = bytes(fabric.root_certs[0])
    return roots


@dataclass(frozen=True)
class NodeKey:
    """An embedded node's identity: a P-256 key and its self-signed certificate (made per test run)."""

    key: ec.EllipticCurvePrivateKey
    certificate: bytes

    @property
    def identity(self) -> bytes:
        return self.certificate

    def sign(self, message: bytes) -> bytes:
        return self.key.sign(message, ec.ECDSA(hashes.SHA256()))


def new_node_key(name: str = "embedded node") -> NodeKey:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return NodeKey(key, cert.public_bytes(serialization.Encoding.PEM))
