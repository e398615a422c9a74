"""What a transaction learns from the client's signed proposal: who, when, and transient data.

The peer forwards the SignedProposal with every INIT/TRANSACTION message. Layers:
SignedProposal.proposal_bytes -> Proposal{header, payload};
Header{channel_header -> ChannelHeader{type, timestamp, tx_id, channel_id},
signature_header -> SignatureHeader{creator, nonce}};
payload -> ChaincodeProposalPayload{input, TransientMap}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chaincode.shim import protos
from chaincode.shim.errors import ProtocolError

# As the Go shim: chaincode runs for endorser transactions, and for config only in system paths.
_ACCEPTED_HEADER_TYPES = frozenset(
    {protos.common.HeaderType.Value("ENDORSER_TRANSACTION"), protos.common.HeaderType.Value("CONFIG")}
)


@dataclass(frozen=True)
class ProposalContext:
    creator: bytes = b""
    transient: dict[str, bytes] = field(default_factory=dict)
    timestamp: datetime | None = None  # None only when the peer sent no proposal


def decode_proposal(signed_proposal: Any | None) -> ProposalContext:
    """Decode the parts of a SignedProposal the stub exposes; ProtocolError when malformed."""
    if signed_proposal is None or not signed_proposal.proposal_bytes:
        return ProposalContext()
    try:
        proposal = protos.proposal.Proposal.FromString(signed_proposal.proposal_bytes)
        if not proposal.header:
            raise ProtocolError("proposal has no header")
        header = protos.common.Header.FromString(proposal.header)
        channel_header = protos.common.ChannelHeader.FromString(header.channel_header)
        signature_header = protos.common.SignatureHeader.FromString(header.signature_header)
        payload = protos.proposal.ChaincodeProposalPayload.FromString(proposal.payload)
    except ProtocolError:
        raise
    except Exception as exc:  # protobuf's DecodeError, among others
        raise ProtocolError(f"malformed signed proposal: {exc}") from exc
    if channel_header.type not in _ACCEPTED_HEADER_TYPES:
        raise ProtocolError(f"unexpected channel header type {channel_header.type}")
    return ProposalContext(
        creator=bytes(signature_header.creator),
        transient={name: bytes(value) for name, value in payload.TransientMap.items()},
        timestamp=to_datetime(channel_header.timestamp),
    )


def to_datetime(timestamp: Any) -> datetime:
    """A google.protobuf.Timestamp as an aware UTC datetime (microsecond precision)."""
    result: datetime = timestamp.ToDatetime(tzinfo=UTC)
    return result
