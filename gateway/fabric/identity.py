"""Client identity: who signs, as the peer's MSP sees it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._protos import identities_pb2


@dataclass(frozen=True)
class Identity:
    """An MSP member: the MSP ID and its PEM-encoded X.509 certificate.

    ``serialize()`` gives the ``msp.SerializedIdentity`` bytes Fabric calls the *creator*;
    they go into every signature header and determine the transaction ID.
    """

    msp_id: str
    certificate: bytes

    def __post_init__(self) -> None:
        if isinstance(self.certificate, str):  # PEM text is a common slip; accept it.
            object.__setattr__(self, "certificate", self.certificate.encode())
        if not self.msp_id:
            raise ValueError("msp_id is required")
        if not self.certificate:
            raise ValueError("certificate is required")

    def serialize(self) -> bytes:
        message = identities_pb2.SerializedIdentity(mspid=self.msp_id, id_bytes=self.certificate)
        return bytes(message.SerializeToString())


def load_identity(msp_id: str, cert_path: str | Path) -> Identity:
    """Read a PEM certificate file (e.g. an MSP's ``signcerts/cert.pem``)."""
    return Identity(msp_id=msp_id, certificate=Path(cert_path).read_bytes())
