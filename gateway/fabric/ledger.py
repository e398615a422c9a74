"""Ledger queries through the peer's query system chaincode (qscc), and block decoding."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict

from citydir_verify.hashes import fabric_block_header_hash
from google.protobuf.message import DecodeError

from ._protos import (
    Message,
    common_pb2,
    identities_pb2,
    kv_rwset_pb2,
    ledger_pb2,
    proposal_pb2,
    proposal_response_pb2,
    rwset_pb2,
    transaction_pb2,
)
from .commit import validation_code_name

QSCC = "qscc"

# Evaluates a qscc function with string arguments, returning its payload.
Evaluate = Callable[[str, Sequence[str]], bytes]


class TransactionSummary(TypedDict):
    index: int
    tx_id: str
    type: str
    timestamp: str | None
    creator_msp_id: str | None
    chaincode: str | None
    validation_code: str | None
    endorsers: list[str]  # the MSP ids of the peers whose endorsements the transaction carries


class BlockFacts(TypedDict):
    number: int
    hash: str  # hex: SHA-256 of the header's ASN.1 form, as the next block's previous_hash
    previous_hash: str
    data_hash: str
    config_block: int | None
    transactions: list[TransactionSummary]


def block_facts(raw: bytes) -> BlockFacts:
    """A serialized block's header hashes, config block in force and transactions."""
    block = common_pb2.Block.FromString(raw)
    number, previous, data = block_header(block)
    return BlockFacts(
        number=number,
        hash=fabric_block_header_hash(number, previous, data).hex(),
        previous_hash=previous.hex(),
        data_hash=data.hex(),
        config_block=last_config_index(block),
        transactions=block_summary(block),
    )


def block_height(evaluate: Evaluate, channel_id: str) -> int:
    info = ledger_pb2.BlockchainInfo.FromString(evaluate("GetChainInfo", [channel_id]))
    return int(info.height)


def get_block(evaluate: Evaluate, channel_id: str, number: int) -> Message:
    return common_pb2.Block.FromString(get_block_bytes(evaluate, channel_id, number))


def get_block_bytes(evaluate: Evaluate, channel_id: str, number: int) -> bytes:
    """The block as the peer stores it, serialized as ``peer channel fetch`` writes it."""
    if number < 0:
        raise ValueError("block number must be >= 0")
    return evaluate("GetBlockByNumber", [channel_id, str(number)])


def get_block_bytes_by_tx_id(evaluate: Evaluate, channel_id: str, tx_id: str) -> bytes:
    return evaluate("GetBlockByTxID", [channel_id, tx_id])


def get_transaction_validation(evaluate: Evaluate, channel_id: str, tx_id: str) -> tuple[str, int]:
    """(validation code name, block number) of a committed transaction.

    An unknown tx ID fails inside qscc, which the Gateway reports as a GatewayError whose
    ``chaincode_message()`` reads "Failed to get transaction with id ...".
    """
    processed = transaction_pb2.ProcessedTransaction.FromString(
        evaluate("GetTransactionByID", [channel_id, tx_id])
    )
    # qscc has no "block number by tx ID" that avoids fetching the block; we only read its header.
    block = common_pb2.Block.FromString(evaluate("GetBlockByTxID", [channel_id, tx_id]))
    return validation_code_name(int(processed.validationCode)), int(block.header.number)


def _timestamp(channel_header: Any) -> str | None:
    if not channel_header.HasField("timestamp"):
        return None
    ts = channel_header.timestamp
    moment = datetime.fromtimestamp(ts.seconds, tz=UTC).replace(microsecond=ts.nanos // 1000)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _header_type_name(value: int) -> str:
    try:
        return str(common_pb2.HeaderType.Name(value))
    except ValueError:
        return f"UNKNOWN_HEADER_TYPE_{value}"


def block_summary(block: Message) -> list[TransactionSummary]:
    """One entry per transaction in the block, in block order.

    ``validation_code`` comes from the block's TRANSACTIONS_FILTER metadata, which the
    committing peer fills in (None if the block has not been validated).
    """
    metadata = list(block.metadata.metadata)
    filter_index = common_pb2.BlockMetadataIndex.Value("TRANSACTIONS_FILTER")
    flags = bytes(metadata[filter_index]) if len(metadata) > filter_index else b""
    summaries: list[TransactionSummary] = []
    for index, envelope_bytes in enumerate(block.data.data):
        summary = TransactionSummary(
            index=index,
            tx_id="",
            type="UNKNOWN",
            timestamp=None,
            creator_msp_id=None,
            chaincode=None,
            validation_code=validation_code_name(flags[index]) if index < len(flags) else None,
            endorsers=[],
        )
        try:
            envelope = common_pb2.Envelope.FromString(envelope_bytes)
            payload = common_pb2.Payload.FromString(envelope.payload)
            channel_header = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
            summary["tx_id"] = str(channel_header.tx_id)
            summary["type"] = _header_type_name(int(channel_header.type))
            summary["timestamp"] = _timestamp(channel_header)
            if payload.header.signature_header:
                signature_header = common_pb2.SignatureHeader.FromString(payload.header.signature_header)
                if signature_header.creator:
                    creator = identities_pb2.SerializedIdentity.FromString(signature_header.creator)
                    summary["creator_msp_id"] = str(creator.mspid)
            if summary["type"] == "ENDORSER_TRANSACTION" and channel_header.extension:
                extension = proposal_pb2.ChaincodeHeaderExtension.FromString(channel_header.extension)
                summary["chaincode"] = str(extension.chaincode_id.name) or None
                summary["endorsers"] = _endorser_msps(payload)
        except DecodeError:  # A malformed entry still gets a row; the rest of the block is useful.
            pass
        summaries.append(summary)
    return summaries


def _actions(payload: Message) -> list[Message]:
    """The chaincode action payloads of an endorser transaction's payload."""
    transaction = transaction_pb2.Transaction.FromString(payload.data)
    return [transaction_pb2.ChaincodeActionPayload.FromString(a.payload) for a in transaction.actions]


def _endorser_msps(payload: Message) -> list[str]:
    msps: list[str] = []
    for action in _actions(payload):
        for endorsement in action.action.endorsements:
            msps.append(str(identities_pb2.SerializedIdentity.FromString(endorsement.endorser).mspid))
    return msps


def block_header(block: Message) -> tuple[int, bytes, bytes]:
    """(number, previous hash, data hash) of a block's header."""
    header = block.header
    return int(header.number), bytes(header.previous_hash), bytes(header.data_hash)


def last_config_index(block: Message) -> int | None:
    """The number of the config block in force, from the orderer's SIGNATURES metadata."""
    index = common_pb2.BlockMetadataIndex.Value("SIGNATURES")
    entries = list(block.metadata.metadata)
    if len(entries) <= index or not entries[index]:
        return None
    try:
        signatures = common_pb2.Metadata.FromString(entries[index])
        orderer = common_pb2.OrdererBlockMetadata.FromString(signatures.value)
    except DecodeError:
        return None
    return int(orderer.last_config.index)


def transaction_writes(
    raw: bytes, tx_id: str, namespace: str
) -> tuple[dict[str, bytes | None], dict[str, bytes | None]]:
    """A serialized block's transaction's writes in ``namespace``: key → value (None: delete),
    and key → validation parameter (its metadata writes; None: removed). Empty when the tx is
    not in the block."""
    writes: dict[str, bytes | None] = {}
    validation: dict[str, bytes | None] = {}
    for envelope_bytes in common_pb2.Block.FromString(raw).data.data:
        try:
            payload = common_pb2.Payload.FromString(common_pb2.Envelope.FromString(envelope_bytes).payload)
            if common_pb2.ChannelHeader.FromString(payload.header.channel_header).tx_id != tx_id:
                continue
        except DecodeError:  # a malformed entry is nobody's transaction
            continue
        for action in _actions(payload):
            response = proposal_response_pb2.ProposalResponsePayload.FromString(
                action.action.proposal_response_payload
            )
            results = proposal_pb2.ChaincodeAction.FromString(response.extension).results
            for ns in rwset_pb2.TxReadWriteSet.FromString(results).ns_rwset:
                if ns.namespace != namespace:
                    continue
                kv = kv_rwset_pb2.KVRWSet.FromString(ns.rwset)
                for write in kv.writes:
                    writes[str(write.key)] = None if write.is_delete else bytes(write.value)
                for meta in kv.metadata_writes:
                    entries = {e.name: bytes(e.value) for e in meta.entries}
                    validation[str(meta.key)] = entries.get(VALIDATION_PARAMETER) or None
        break
    return writes, validation


# The metadata entry holding a key's endorsement policy (state-based endorsement).
VALIDATION_PARAMETER = "VALIDATION_PARAMETER"
