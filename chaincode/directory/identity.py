"""Who submitted the transaction, read from the creator's X.509 certificate.

The role is the certificate's NodeOU (subject OU ``admin``/``client``/``peer``/``orderer``),
the subject its CN. What a creator's bytes say never changes, so the last few parsed are kept:
parsing a certificate cost about 20 µs of each transaction, and a city's callers are few.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.x509.oid import NameOID
from google.protobuf.message import DecodeError

from chaincode.shim.api import ChaincodeStub

from ._protos import identities_pb2
from .errors import forbidden

ROLES = ("admin", "client", "peer", "orderer")


@dataclass(frozen=True)
class Caller:
    msp_id: str
    role: str | None  # None: the certificate carries no NodeOU role we know
    subject: str

    def actor(self) -> dict[str, str]:
        """The ``by`` object stored with decisions."""
        return {"msp_id": self.msp_id, "role": self.role or "none", "subject": self.subject}

    def describe(self) -> str:
        return f"{self.subject or 'unnamed identity'} ({self.role or 'no role'} of {self.msp_id})"


def caller_of(stub: ChaincodeStub) -> Caller:
    return _caller(bytes(stub.get_creator()))


@lru_cache(maxsize=256)  # a refused creator raises, and is not kept
def _caller(creator: bytes) -> Caller:
    identity = identities_pb2.SerializedIdentity()
    try:
        identity.ParseFromString(creator)
        cert = x509.load_pem_x509_certificate(bytes(identity.id_bytes))
    except (DecodeError, ValueError) as exc:
        raise forbidden("the transaction creator is not an X.509 identity this contract understands") from exc
    if not identity.mspid:
        raise forbidden("the transaction creator has no MSP id")
    return Caller(msp_id=str(identity.mspid), role=_role(cert), subject=_common_name(cert))


def _role(cert: x509.Certificate) -> str | None:
    for attribute in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME):
        if attribute.value in ROLES:
            return str(attribute.value)
    return None


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""
