"""Caller identity: MSP from the SerializedIdentity, role from the NodeOU, subject from the CN."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chaincode.directory.errors import DirectoryError
from chaincode.directory.identity import caller_of
from chaincode.shim.api import ChaincodeStub
from tests._protos import identities_pb2

from .helpers import BUREAU_ADMIN, HEALTH, HEALTH_NO_ROLE, HEALTH_PEER, Directory, build_city, department


class _Creator:
    def __init__(self, creator: bytes) -> None:
        self._creator = creator

    def get_creator(self) -> bytes:
        return self._creator


def _stub(creator: bytes) -> ChaincodeStub:
    """A stub that knows only its creator, all that caller_of reads."""
    return cast(ChaincodeStub, _Creator(creator))


def _identity(msp: str, ous: list[str], cn: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou) for ou in ous]
        + [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(datetime(2026, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2027, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    return bytes(identities_pb2.SerializedIdentity(mspid=msp, id_bytes=pem).SerializeToString())


def test_role_is_the_first_node_ou_and_subject_the_cn() -> None:
    caller = caller_of(_stub(_identity("HealthMSP", ["department1", "client", "admin"], "frank")))
    assert (caller.msp_id, caller.role, caller.subject) == ("HealthMSP", "client", "frank")
    assert caller.actor() == {"msp_id": "HealthMSP", "role": "client", "subject": "frank"}


def test_unknown_ou_means_no_role() -> None:
    caller = caller_of(_stub(_identity("HealthMSP", ["auditor"], "gina")))
    assert caller.role is None and caller.actor()["role"] == "none"


@pytest.mark.parametrize("creator", [b"", b"\x0a\x03Foo\x12\x05notpem", b"\xff\xff"])
def test_unreadable_creator_is_forbidden(creator: bytes) -> None:
    with pytest.raises(DirectoryError) as raised:
        caller_of(_stub(creator))
    assert raised.value.code == "FORBIDDEN"


def test_peers_and_roleless_callers_only_read() -> None:
    city = build_city()
    for who in (HEALTH_PEER, HEALTH_NO_ROLE):
        assert city.ok(who, "GetCatalog", {"id": "beds"})["id"] == "beds"
        city.fail(who, "PublishCatalog", {"id": "beds"}, "FORBIDDEN")
        city.fail(
            who,
            "RequestAccess",
            {
                "requester_id": "health",
                "catalog_id": "dibao",
                "items": [],
                "purpose": "p",
                "legal_basis": "b",
                "requested_until": "2027-12-31",
            },
            "FORBIDDEN",
        )


def test_decisions_record_the_callers_subject(directory: Directory) -> None:
    created = directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("health", HEALTH))
    suspended = directory.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": created["id"], "reason": "audit"})
    assert suspended["suspension"]["by"] == {"msp_id": "DataBureauMSP", "role": "admin", "subject": "alice"}
