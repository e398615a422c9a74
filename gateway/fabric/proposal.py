"""Building the signed messages of the Gateway protocol, and reading results back out.

Everything here is pure (bytes in, bytes out) so it can be tested without a peer.
Layout follows Fabric's protoutil (CreateChaincodeProposalWithTxIDNonceAndTransient,
ComputeTxID) and the peer Gateway's prepareTransaction().
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from google.protobuf.timestamp_pb2 import Timestamp

from ._protos import (
    Message,
    ab_pb2,
    chaincode_pb2,
    common_pb2,
    gateway_pb2,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)

NONCE_LENGTH = 24

Arg = str | bytes


@dataclass(frozen=True)
class ProposalOptions:
    """What a proposal carries besides its function name.

    The parameters ``Contract.new_proposal``/``evaluate``/``submit``/``submit_async`` take
    after the function, positionally or by keyword, e.g.
    ``contract.submit("CreateCatalog", args=[text], endorsing_organizations=["HealthMSP"])``.
    The Go client's ``WithArguments``, ``WithTransient`` and ``WithEndorsingOrganizations``.
    """

    args: Sequence[Arg] = ()
    """The function's arguments, in order; str is sent UTF-8 encoded."""
    transient: Mapping[str, Arg] | None = None
    """Private inputs: seen by the endorsing chaincode, never written to the ledger."""
    endorsing_organizations: Sequence[str] | None = None
    """MSP IDs whose peers alone may run the proposal (to endorse, or to evaluate)."""

    def __post_init__(self) -> None:
        if isinstance(self.args, str | bytes):  # A lone string would become one arg per character.
            raise TypeError("args must be a sequence of str/bytes, not a single value")
        # Copies, so a caller's list changed later cannot change a proposal built from it.
        object.__setattr__(self, "args", tuple(self.args))
        if self.transient is not None:
            object.__setattr__(self, "transient", dict(self.transient))
        if self.endorsing_organizations is not None:
            object.__setattr__(self, "endorsing_organizations", tuple(self.endorsing_organizations))


@dataclass(frozen=True)
class TransactionContext:
    """The per-transaction values the creator commits to: nonce, and the tx ID derived from it."""

    nonce: bytes
    creator: bytes
    tx_id: str


def compute_tx_id(nonce: bytes, creator: bytes) -> str:
    # The peer recomputes this (protoutil.CheckTxID) and rejects a proposal whose tx ID differs.
    return hashlib.sha256(nonce + creator).hexdigest()


def new_transaction_context(creator: bytes) -> TransactionContext:
    nonce = os.urandom(NONCE_LENGTH)
    return TransactionContext(nonce=nonce, creator=creator, tx_id=compute_tx_id(nonce, creator))


def _as_bytes(value: Arg) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def _now() -> Timestamp:
    ns = time.time_ns()
    return Timestamp(seconds=ns // 1_000_000_000, nanos=ns % 1_000_000_000)


def build_proposal(
    context: TransactionContext,
    channel_id: str,
    chaincode_name: str,
    function: str,
    args: Sequence[Arg] = (),
    transient: Mapping[str, Arg] | None = None,
) -> bytes:
    """Serialized ``peer.Proposal`` invoking ``function(*args)`` on a chaincode."""
    if not channel_id or not chaincode_name or not function:
        raise ValueError("channel_id, chaincode_name and function are required")
    chaincode_id = chaincode_pb2.ChaincodeID(name=chaincode_name)
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.HeaderType.Value("ENDORSER_TRANSACTION"),
        version=0,
        timestamp=_now(),
        channel_id=channel_id,
        tx_id=context.tx_id,
        epoch=0,
        extension=proposal_pb2.ChaincodeHeaderExtension(chaincode_id=chaincode_id).SerializeToString(),
    )
    signature_header = common_pb2.SignatureHeader(creator=context.creator, nonce=context.nonce)
    header = common_pb2.Header(
        channel_header=channel_header.SerializeToString(),
        signature_header=signature_header.SerializeToString(),
    )
    # The peer ignores the spec's type for invocations (only lscc deploy specs were checked);
    # NODE matches what the official Node client sends, so proposals compare field for field.
    invocation = chaincode_pb2.ChaincodeInvocationSpec(
        chaincode_spec=chaincode_pb2.ChaincodeSpec(
            type=chaincode_pb2.ChaincodeSpec.Type.Value("NODE"),
            chaincode_id=chaincode_id,
            input=chaincode_pb2.ChaincodeInput(args=[function.encode(), *(_as_bytes(a) for a in args)]),
        )
    )
    payload = proposal_pb2.ChaincodeProposalPayload(
        input=invocation.SerializeToString(),
        TransientMap={k: _as_bytes(v) for k, v in (transient or {}).items()},
    )
    proposal = proposal_pb2.Proposal(header=header.SerializeToString(), payload=payload.SerializeToString())
    return bytes(proposal.SerializeToString())


def proposal_channel_and_tx_id(proposal_bytes: bytes) -> tuple[str, str]:
    """(channel ID, tx ID) named in a serialized ``peer.Proposal``'s channel header."""
    proposal = proposal_pb2.Proposal.FromString(proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    channel_header = common_pb2.ChannelHeader.FromString(header.channel_header)
    return str(channel_header.channel_id), str(channel_header.tx_id)


def envelope_channel_and_tx_id(envelope: Message) -> tuple[str, str]:
    """(channel ID, tx ID) of a ``common.Envelope``."""
    payload = common_pb2.Payload.FromString(envelope.payload)
    channel_header = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    return str(channel_header.channel_id), str(channel_header.tx_id)


def result_from_envelope(envelope: Message) -> bytes:
    """The chaincode response payload inside a prepared (endorsed) transaction envelope.

    Envelope.payload -> Payload.data -> Transaction.actions[0].payload -> ChaincodeActionPayload
    .action.proposal_response_payload -> ProposalResponsePayload.extension -> ChaincodeAction
    .response.payload. This is the endorsed (signed) result, the same one the peer evaluated.
    """
    payload = common_pb2.Payload.FromString(envelope.payload)
    transaction = transaction_pb2.Transaction.FromString(payload.data)
    if not transaction.actions:
        raise ValueError("prepared transaction has no actions")
    action_payload = transaction_pb2.ChaincodeActionPayload.FromString(transaction.actions[0].payload)
    response_payload = proposal_response_pb2.ProposalResponsePayload.FromString(
        action_payload.action.proposal_response_payload
    )
    chaincode_action = proposal_pb2.ChaincodeAction.FromString(response_payload.extension)
    return bytes(chaincode_action.response.payload)


def build_commit_status_request(channel_id: str, tx_id: str, creator: bytes) -> bytes:
    """Serialized ``gateway.CommitStatusRequest``; the signature covers exactly these bytes."""
    request = gateway_pb2.CommitStatusRequest(transaction_id=tx_id, channel_id=channel_id, identity=creator)
    return bytes(request.SerializeToString())


def build_chaincode_events_request(
    channel_id: str,
    chaincode_name: str,
    creator: bytes,
    start_block: int | None = None,
    after_transaction_id: str | None = None,
) -> bytes:
    """Serialized ``gateway.ChaincodeEventsRequest``.

    Without ``start_block`` the stream starts at the next block to commit. With
    ``after_transaction_id`` the peer starts at that transaction's block (when it finds it)
    and skips events up to and including that transaction's — which is how to resume.
    """
    if start_block is None:
        position = ab_pb2.SeekPosition(next_commit=ab_pb2.SeekNextCommit())
    else:
        if start_block < 0:
            raise ValueError("start_block must be >= 0")
        position = ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=start_block))
    request = gateway_pb2.ChaincodeEventsRequest(
        channel_id=channel_id,
        chaincode_id=chaincode_name,
        identity=creator,
        start_position=position,
        after_transaction_id=after_transaction_id or "",
    )
    return bytes(request.SerializeToString())
