from __future__ import annotations

import hashlib
import time
from typing import TypedDict

import pytest

from gateway.fabric.proposal import (
    NONCE_LENGTH,
    build_chaincode_events_request,
    build_commit_status_request,
    build_proposal,
    compute_tx_id,
    envelope_channel_and_tx_id,
    new_transaction_context,
    proposal_channel_and_tx_id,
    result_from_envelope,
)
from tests._protos import ab_pb2, chaincode_pb2, common_pb2, gateway_pb2, proposal_pb2

from .helpers import make_identity, prepared_envelope


class ProposalFields(TypedDict):
    """What a decoded proposal says, field by field."""

    type: int
    version: int
    epoch: int
    timestamp: float
    channel_id: str
    tx_id: str
    extension_chaincode: str
    creator: bytes
    nonce: bytes
    spec_chaincode: str
    spec_type: int
    args: list[bytes]
    transient: dict[str, bytes]


def decode(proposal_bytes: bytes) -> ProposalFields:
    proposal = proposal_pb2.Proposal.FromString(proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    channel_header = common_pb2.ChannelHeader.FromString(header.channel_header)
    signature_header = common_pb2.SignatureHeader.FromString(header.signature_header)
    extension = proposal_pb2.ChaincodeHeaderExtension.FromString(channel_header.extension)
    payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
    spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(payload.input).chaincode_spec
    return {
        "type": channel_header.type,
        "version": channel_header.version,
        "epoch": channel_header.epoch,
        "timestamp": channel_header.timestamp.seconds + channel_header.timestamp.nanos / 1e9,
        "channel_id": channel_header.channel_id,
        "tx_id": channel_header.tx_id,
        "extension_chaincode": extension.chaincode_id.name,
        "creator": signature_header.creator,
        "nonce": signature_header.nonce,
        "spec_chaincode": spec.chaincode_id.name,
        "spec_type": spec.type,
        "args": list(spec.input.args),
        "transient": dict(payload.TransientMap),
    }


def test_tx_id_is_hex_sha256_of_nonce_then_creator() -> None:
    assert compute_tx_id(b"n", b"c") == hashlib.sha256(b"nc").hexdigest()
    identity, _ = make_identity()
    context = new_transaction_context(identity.serialize())
    assert len(context.nonce) == NONCE_LENGTH == 24
    assert context.tx_id == hashlib.sha256(context.nonce + identity.serialize()).hexdigest()
    assert new_transaction_context(identity.serialize()).tx_id != context.tx_id  # fresh nonce


def test_proposal_decodes_to_exactly_what_was_set() -> None:
    identity, _ = make_identity("HealthMSP")
    context = new_transaction_context(identity.serialize())
    proposal_bytes = build_proposal(
        context,
        "citydir",
        "citydir",
        "CreateCatalog",
        ['{"id":"health-beds"}', b"\x00raw"],
        {"secret": b"\x01\x02", "text": "value"},
    )
    fields = decode(proposal_bytes)
    assert fields["type"] == common_pb2.ENDORSER_TRANSACTION
    assert fields["version"] == 0
    assert fields["epoch"] == 0
    assert abs(float(fields["timestamp"]) - time.time()) < 5
    assert fields["channel_id"] == "citydir"
    assert fields["tx_id"] == context.tx_id
    assert fields["extension_chaincode"] == "citydir"
    assert fields["creator"] == identity.serialize()
    assert fields["nonce"] == context.nonce
    assert len(fields["nonce"]) == 24
    # The tx ID the peer recomputes from the header matches the one we claim.
    assert compute_tx_id(fields["nonce"], fields["creator"]) == fields["tx_id"]
    assert fields["spec_chaincode"] == "citydir"
    assert fields["spec_type"] == chaincode_pb2.ChaincodeSpec.NODE
    assert fields["args"] == [b"CreateCatalog", b'{"id":"health-beds"}', b"\x00raw"]
    assert fields["transient"] == {"secret": b"\x01\x02", "text": b"value"}
    assert proposal_channel_and_tx_id(proposal_bytes) == ("citydir", context.tx_id)


def test_proposal_without_args_or_transient() -> None:
    identity, _ = make_identity()
    context = new_transaction_context(identity.serialize())
    fields = decode(build_proposal(context, "ch", "cc", "Ping"))
    assert fields["args"] == [b"Ping"]
    assert fields["transient"] == {}


def test_proposal_requires_names() -> None:
    context = new_transaction_context(b"creator")
    with pytest.raises(ValueError):
        build_proposal(context, "", "cc", "Fn")
    with pytest.raises(ValueError):
        build_proposal(context, "ch", "cc", "")


def test_result_is_extracted_from_prepared_envelope() -> None:
    identity, _ = make_identity()
    context = new_transaction_context(identity.serialize())
    proposal_bytes = build_proposal(context, "citydir", "citydir", "CreateCatalog", ["{}"], {"k": b"v"})
    envelope = prepared_envelope(proposal_bytes, b'{"id":"health-beds","version":1}')
    assert result_from_envelope(envelope) == b'{"id":"health-beds","version":1}'
    assert envelope_channel_and_tx_id(envelope) == ("citydir", context.tx_id)


def test_result_extraction_rejects_envelope_without_actions() -> None:
    payload = common_pb2.Payload(data=b"")
    with pytest.raises(ValueError, match="no actions"):
        result_from_envelope(common_pb2.Envelope(payload=payload.SerializeToString()))


def test_commit_status_request() -> None:
    request = gateway_pb2.CommitStatusRequest.FromString(build_commit_status_request("citydir", "abc", b"me"))
    assert (request.channel_id, request.transaction_id, request.identity) == ("citydir", "abc", b"me")


def test_chaincode_events_request_positions() -> None:
    fresh = gateway_pb2.ChaincodeEventsRequest.FromString(
        build_chaincode_events_request("citydir", "citydir", b"me")
    )
    assert fresh.start_position.WhichOneof("Type") == "next_commit"
    assert fresh.after_transaction_id == ""
    assert (fresh.channel_id, fresh.chaincode_id, fresh.identity) == ("citydir", "citydir", b"me")

    resume = gateway_pb2.ChaincodeEventsRequest.FromString(
        build_chaincode_events_request("citydir", "citydir", b"me", start_block=7, after_transaction_id="tx")
    )
    assert resume.start_position == ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=7))
    assert resume.after_transaction_id == "tx"

    genesis = gateway_pb2.ChaincodeEventsRequest.FromString(
        build_chaincode_events_request("citydir", "citydir", b"me", start_block=0)
    )
    assert genesis.start_position.WhichOneof("Type") == "specified"
    with pytest.raises(ValueError):
        build_chaincode_events_request("citydir", "citydir", b"me", start_block=-1)
