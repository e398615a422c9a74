"""Fabric identities checked against the MSPs a channel configuration defines.

An identity is a ``msp.SerializedIdentity`` (MSP id + PEM certificate). It is valid when its
certificate chains, through the MSP's intermediate certificates, to one of the MSP's root
certificates, is not revoked by the MSP's CRLs, and (when a time is given) was within its
validity period then. Its roles come from NodeOUs: the organizational unit of the certificate
subject that the MSP configuration names for client, peer, admin or orderer.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from ._protos import identities_pb2, msp_config_pb2, msp_principal_pb2, parse

MEMBER = int(msp_principal_pb2.MSPRole.MEMBER)
ADMIN = int(msp_principal_pb2.MSPRole.ADMIN)
CLIENT = int(msp_principal_pb2.MSPRole.CLIENT)
PEER = int(msp_principal_pb2.MSPRole.PEER)
ORDERER = int(msp_principal_pb2.MSPRole.ORDERER)
ROLE_NAMES = {MEMBER: "member", ADMIN: "admin", CLIENT: "client", PEER: "peer", ORDERER: "orderer"}

_MAX_CHAIN = 8


@dataclass(frozen=True)
class NodeOU:
    ou: str
    certificate: bytes | None  # DER of the CA the OU is scoped to, when the config names one


@dataclass
class Msp:
    msp_id: str
    roots: list[x509.Certificate]
    intermediates: list[x509.Certificate]
    admins: set[bytes]  # DER
    node_ous: dict[int, NodeOU] | None  # None: NodeOUs are not enabled
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)

    def root_ders(self) -> set[bytes]:
        return {cert.public_bytes(Encoding.DER) for cert in self.roots}


@dataclass(frozen=True)
class Identity:
    raw: bytes
    msp_id: str
    certificate: x509.Certificate | None
    problem: str | None  # None: valid under its MSP
    roles: frozenset[int]
    subject: str
    root: bytes | None = None  # DER of the root CA the certificate chains to

    @property
    def valid(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        roles = ",".join(sorted(ROLE_NAMES[r] for r in self.roles if r != MEMBER)) or "member"
        return f"{self.msp_id} {roles} ({self.subject})"


def load_msp(value: bytes) -> Msp:
    """An ``msp.MSPConfig`` (the ``MSP`` value of an org's config group) of type FABRIC."""
    config = parse(msp_config_pb2.MSPConfig, value)
    if config.type != 0:
        raise ValueError(f"MSP type {config.type} is not supported (only FABRIC, type 0)")
    fabric = parse(msp_config_pb2.FabricMSPConfig, config.config)
    node_ous: dict[int, NodeOU] | None = None
    ous = fabric.fabric_node_ous
    if ous.enable:
        node_ous = {}
        for role, identifier in (
            (CLIENT, ous.client_ou_identifier),
            (PEER, ous.peer_ou_identifier),
            (ADMIN, ous.admin_ou_identifier),
            (ORDERER, ous.orderer_ou_identifier),
        ):
            if identifier.organizational_unit_identifier:
                scope = _der_of(bytes(identifier.certificate)) if identifier.certificate else None
                node_ous[role] = NodeOU(str(identifier.organizational_unit_identifier), scope)
    return Msp(
        msp_id=str(fabric.name),
        roots=[x509.load_pem_x509_certificate(bytes(pem)) for pem in fabric.root_certs],
        intermediates=[x509.load_pem_x509_certificate(bytes(pem)) for pem in fabric.intermediate_certs],
        admins={_der_of(bytes(pem)) for pem in fabric.admins},
        node_ous=node_ous,
        crls=[x509.load_pem_x509_crl(bytes(pem)) for pem in fabric.revocation_list],
    )


def _der_of(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)


def validate(raw: bytes, msps: Mapping[str, Msp], at: datetime | None = None) -> Identity:
    """The serialized identity ``raw``, checked against the MSP it names (never raises)."""
    try:
        return _validate(raw, msps, at)
    except Exception as error:
        return Identity(raw, "?", None, f"malformed identity ({_short(error)})", frozenset(), "?")


def _validate(raw: bytes, msps: Mapping[str, Msp], at: datetime | None) -> Identity:
    try:
        serialized = parse(identities_pb2.SerializedIdentity, raw)
        msp_id = str(serialized.mspid)
        certificate = x509.load_pem_x509_certificate(bytes(serialized.id_bytes))
    except Exception as error:
        return Identity(raw, "?", None, f"not a serialized identity ({_short(error)})", frozenset(), "?")
    subject = certificate.subject.rfc4514_string()
    msp = msps.get(msp_id)
    if msp is None:
        return Identity(
            raw, msp_id, certificate, f"MSP {msp_id} is not in the channel config", frozenset(), subject
        )
    chain, problem = certificate_chain(certificate, msp, at)
    if problem:
        return Identity(raw, msp_id, certificate, problem, frozenset(), subject)
    root = chain[-1].public_bytes(Encoding.DER)
    return Identity(raw, msp_id, certificate, None, _roles(certificate, chain, msp), subject, root)


def certificate_chain(
    certificate: x509.Certificate, msp: Msp, at: datetime | None = None
) -> tuple[list[x509.Certificate], str | None]:
    """The path from ``certificate`` up to one of ``msp``'s roots, or why there is none."""
    if _is_ca(certificate):
        return [certificate], "a CA certificate cannot be an identity"
    roots = msp.root_ders()
    chain = [certificate]
    current = certificate
    candidates = [*msp.intermediates, *msp.roots]
    for _ in range(_MAX_CHAIN):
        if current.public_bytes(Encoding.DER) in roots:
            return chain, _validity_problem(chain, msp, at)
        issuer = next((ca for ca in candidates if ca is not current and _issued_by(current, ca)), None)
        if issuer is None:
            return chain, f"certificate is not issued by a CA of {msp.msp_id}"
        chain.append(issuer)
        current = issuer
    return chain, f"certificate chain to {msp.msp_id}'s root is too long"


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    return bool(constraints.ca)


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    if not _is_ca(issuer):
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except Exception:
        return False
    return True


def _validity_problem(chain: list[x509.Certificate], msp: Msp, at: datetime | None) -> str | None:
    if at is not None:
        for cert in chain:
            if not cert.not_valid_before_utc <= at <= cert.not_valid_after_utc:
                return f"certificate {cert.subject.rfc4514_string()} was not valid at {at.isoformat()}"
    for cert, issuer in itertools.pairwise(chain):
        for crl in msp.crls:
            if crl.issuer == issuer.subject and crl.get_revoked_certificate_by_serial_number(
                cert.serial_number
            ):
                return f"certificate {cert.subject.rfc4514_string()} is revoked by {msp.msp_id}"
    return None


def _roles(certificate: x509.Certificate, chain: list[x509.Certificate], msp: Msp) -> frozenset[int]:
    roles = {MEMBER}
    if certificate.public_bytes(Encoding.DER) in msp.admins:
        roles.add(ADMIN)
    if msp.node_ous is not None:
        ous = {
            str(attr.value)
            for attr in certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
        }
        ders = {cert.public_bytes(Encoding.DER) for cert in chain[1:]}
        for role, node_ou in msp.node_ous.items():
            if node_ou.ou in ous and (node_ou.certificate is None or node_ou.certificate in ders):
                roles.add(role)
    return frozenset(roles)


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 80 else text[:77] + "..."
