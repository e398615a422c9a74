"""Decoding Fabric blocks and endorser transactions into the parts the checks need."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ._protos import (
    Message,
    common_pb2,
    kv_rwset_pb2,
    parse,
    proposal_pb2,
    proposal_response_pb2,
    rwset_pb2,
    transaction_pb2,
)
from .hashes import fabric_data_hash_of

VALIDATION_PARAMETER = "VALIDATION_PARAMETER"


@dataclass
class FabricBlock:
    number: int
    previous_hash: bytes
    data_hash: bytes
    envelopes: list[bytes]
    metadata: list[bytes]

    @property
    def computed_data_hash(self) -> bytes:
        return fabric_data_hash_of(self.envelopes)

    def signatures_metadata(self) -> Message:
        """``common.Metadata`` at index SIGNATURES: OrdererBlockMetadata value + orderer signatures."""
        index = int(common_pb2.SIGNATURES)
        if len(self.metadata) <= index:
            raise ValueError(f"block {self.number} has no SIGNATURES metadata")
        return parse(common_pb2.Metadata, self.metadata[index])

    def last_config(self) -> int:
        value = self.signatures_metadata().value
        return int(parse(common_pb2.OrdererBlockMetadata, value).last_config.index)

    def validation_flag(self, index: int) -> int:
        flags = self.metadata[int(common_pb2.TRANSACTIONS_FILTER)] if len(self.metadata) > 2 else b""
        if index >= len(flags):
            raise ValueError(f"block {self.number} has no validation flag for transaction {index}")
        return flags[index]


def parse_block(raw: bytes) -> tuple[FabricBlock, Message]:
    block = parse(common_pb2.Block, raw)
    if not block.HasField("header"):
        raise ValueError("the block has no header")
    parsed = FabricBlock(
        number=int(block.header.number),
        previous_hash=bytes(block.header.previous_hash),
        data_hash=bytes(block.header.data_hash),
        envelopes=[bytes(item) for item in block.data.data],
        metadata=[bytes(item) for item in block.metadata.metadata],
    )
    return parsed, block


@dataclass(frozen=True)
class Write:
    key: str
    value: bytes
    is_delete: bool


@dataclass
class FabricTx:
    """One envelope of a block: an endorser transaction with its single chaincode action."""

    index: int
    tx_id: str
    channel_id: str
    timestamp: datetime | None
    creator: bytes
    nonce: bytes
    payload: bytes
    signature: bytes
    chaincode: str  # from the proposal's chaincode header extension
    action_header: bytes
    chaincode_proposal_payload: bytes
    proposal_response_payload: bytes
    proposal_hash: bytes
    endorsements: list[tuple[bytes, bytes]]  # (endorser serialized identity, signature)
    action_chaincode: str  # from the endorsed ChaincodeAction
    response_status: int
    namespaces: dict[str, Message] = field(default_factory=dict)  # namespace -> kvrwset.KVRWSet

    @property
    def computed_tx_id(self) -> str:
        return hashlib.sha256(self.nonce + self.creator).hexdigest()

    @property
    def computed_proposal_hash(self) -> bytes:
        # The endorsed response names the hash of the proposal it answers: channel header,
        # the action's signature header and the chaincode proposal payload, in that order.
        header = parse(common_pb2.Payload, self.payload).header
        return hashlib.sha256(
            bytes(header.channel_header) + self.action_header + self.chaincode_proposal_payload
        ).digest()

    def writes(self, namespace: str) -> list[Write]:
        rwset = self.namespaces.get(namespace)
        if rwset is None:
            return []
        return [Write(str(w.key), bytes(w.value), bool(w.is_delete)) for w in rwset.writes]

    def validation_parameters(self, namespace: str) -> dict[str, bytes | None]:
        """Key -> the VALIDATION_PARAMETER it sets (None: cleared) in ``namespace``."""
        found: dict[str, bytes | None] = {}
        rwset = self.namespaces.get(namespace)
        if rwset is None:
            return found
        for write in rwset.metadata_writes:
            entries = {str(entry.name): bytes(entry.value) for entry in write.entries}
            found[str(write.key)] = entries.get(VALIDATION_PARAMETER) or None
        return found


def channel_header(envelope: bytes) -> Message:
    payload = parse(common_pb2.Payload, parse(common_pb2.Envelope, envelope).payload)
    return parse(common_pb2.ChannelHeader, payload.header.channel_header)


def find_tx(block: FabricBlock, tx_id: str) -> int | None:
    """The index of the first envelope with ``tx_id`` (a later duplicate is invalid on Fabric)."""
    for index, envelope in enumerate(block.envelopes):
        try:
            if channel_header(envelope).tx_id == tx_id:
                return index
        except Exception:
            continue
    return None


def parse_tx(envelope_bytes: bytes, index: int) -> FabricTx:
    envelope = parse(common_pb2.Envelope, envelope_bytes)
    payload = parse(common_pb2.Payload, envelope.payload)
    header = parse(common_pb2.ChannelHeader, payload.header.channel_header)
    if header.type != common_pb2.ENDORSER_TRANSACTION:
        raise ValueError(f"transaction {index} is not an endorser transaction (type {header.type})")
    signature_header = parse(common_pb2.SignatureHeader, payload.header.signature_header)
    extension = parse(proposal_pb2.ChaincodeHeaderExtension, header.extension)
    transaction = parse(transaction_pb2.Transaction, payload.data)
    if len(transaction.actions) != 1:
        raise ValueError(f"a transaction has exactly one action, not {len(transaction.actions)}")
    action = transaction.actions[0]
    action_payload = parse(transaction_pb2.ChaincodeActionPayload, action.payload)
    response = parse(
        proposal_response_pb2.ProposalResponsePayload, action_payload.action.proposal_response_payload
    )
    chaincode_action = parse(proposal_pb2.ChaincodeAction, response.extension)
    results = parse(rwset_pb2.TxReadWriteSet, chaincode_action.results)
    return FabricTx(
        index=index,
        tx_id=str(header.tx_id),
        channel_id=str(header.channel_id),
        timestamp=_time(header),
        creator=bytes(signature_header.creator),
        nonce=bytes(signature_header.nonce),
        payload=bytes(envelope.payload),
        signature=bytes(envelope.signature),
        chaincode=str(extension.chaincode_id.name),
        action_header=bytes(action.header),
        chaincode_proposal_payload=bytes(action_payload.chaincode_proposal_payload),
        proposal_response_payload=bytes(action_payload.action.proposal_response_payload),
        proposal_hash=bytes(response.proposal_hash),
        endorsements=[(bytes(e.endorser), bytes(e.signature)) for e in action_payload.action.endorsements],
        action_chaincode=str(chaincode_action.chaincode_id.name),
        response_status=int(chaincode_action.response.status),
        namespaces=_namespaces(results),
    )


def _namespaces(results: Message) -> dict[str, Message]:
    found: dict[str, Message] = {}
    for ns in results.ns_rwset:
        if str(ns.namespace) in found:
            raise ValueError(f"the write set names namespace {ns.namespace!r} twice")
        found[str(ns.namespace)] = parse(kv_rwset_pb2.KVRWSet, ns.rwset)
    return found


def _time(header: Message) -> datetime | None:
    if not header.HasField("timestamp"):
        return None
    return datetime.fromtimestamp(header.timestamp.seconds + header.timestamp.nanos / 1e9, tz=UTC)
