"""Key-level endorsement policies (state-based endorsement).

A key's validation parameter is a marshalled ``common.SignaturePolicyEnvelope``; once set,
a later write to that key is valid only when endorsed as the policy says, whatever the
chaincode-level policy. We only ever need "a peer of each of these MSPs".
"""

from __future__ import annotations

from ._protos import msp_principal_pb2, policies_pb2


def peer_of(*msp_ids: str) -> bytes:
    """A policy satisfied by one peer of every given MSP (AND of all of them).

    MSPs are de-duplicated and sorted so the bytes are the same on every peer.
    """
    msps = sorted(set(msp_ids))
    if not msps:
        raise ValueError("peer_of needs at least one MSP id")
    identities = [
        msp_principal_pb2.MSPPrincipal(
            principal_classification=msp_principal_pb2.MSPPrincipal.ROLE,
            principal=msp_principal_pb2.MSPRole(
                msp_identifier=msp, role=msp_principal_pb2.MSPRole.PEER
            ).SerializeToString(deterministic=True),
        )
        for msp in msps
    ]
    rule = policies_pb2.SignaturePolicy(
        n_out_of=policies_pb2.SignaturePolicy.NOutOf(
            n=len(msps),
            rules=[policies_pb2.SignaturePolicy(signed_by=index) for index in range(len(msps))],
        )
    )
    envelope = policies_pb2.SignaturePolicyEnvelope(version=0, rule=rule, identities=identities)
    data: bytes = envelope.SerializeToString(deterministic=True)
    return data


def required_peers(policy: bytes) -> tuple[int, list[str]]:
    """(how many signatures, MSPs whose peer must sign) of a policy made by ``peer_of``."""
    envelope = policies_pb2.SignaturePolicyEnvelope()
    envelope.ParseFromString(policy)
    msps: list[str] = []
    for identity in envelope.identities:
        if identity.principal_classification != msp_principal_pb2.MSPPrincipal.ROLE:
            raise ValueError("not a role principal")
        role = msp_principal_pb2.MSPRole()
        role.ParseFromString(identity.principal)
        if role.role != msp_principal_pb2.MSPRole.PEER:
            raise ValueError("not a peer role")
        msps.append(str(role.msp_identifier))
    return int(envelope.rule.n_out_of.n), msps
