"""Ledger queries through the peer's query system chaincode (qscc), and block decoding."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict

from google.protobuf.message import DecodeError

from ._protos import Message, common_pb2, identities_pb2, ledger_pb2, proposal_pb2, transaction_pb2
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


def block_height(evaluate: Evaluate, channel_id: str) -> int:
    info = ledger_pb2.BlockchainInfo.FromString(evaluate("GetChainInfo", [channel_id]))
    return int(info.height)


def get_block(evaluate: Evaluate, channel_id: str, number: int) -> Message:
    if number < 0:
        raise ValueError("block number must be >= 0")
    return common_pb2.Block.FromString(evaluate("GetBlockByNumber", [channel_id, str(number)]))


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
        except DecodeError:  # A malformed entry still gets a row; the rest of the block is useful.
            pass
        summaries.append(summary)
    return summaries
