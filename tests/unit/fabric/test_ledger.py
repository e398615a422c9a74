from __future__ import annotations

from collections.abc import Sequence

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.fabric.ledger import block_height, block_summary, get_block, get_transaction_validation
from tests._protos import chaincode_pb2, common_pb2, identities_pb2, ledger_pb2, proposal_pb2, transaction_pb2


def envelope(tx_id: str, header_type: int, msp_id: str, chaincode: str | None, seconds: int) -> bytes:
    extension = (
        proposal_pb2.ChaincodeHeaderExtension(
            chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode)
        ).SerializeToString()
        if chaincode
        else b""
    )
    channel_header = common_pb2.ChannelHeader(
        type=header_type,
        channel_id="citydir",
        tx_id=tx_id,
        timestamp=Timestamp(seconds=seconds, nanos=250_000_000),
        extension=extension,
    )
    creator = identities_pb2.SerializedIdentity(mspid=msp_id, id_bytes=b"cert").SerializeToString()
    payload = common_pb2.Payload(
        header=common_pb2.Header(
            channel_header=channel_header.SerializeToString(),
            signature_header=common_pb2.SignatureHeader(creator=creator, nonce=b"n").SerializeToString(),
        )
    )
    return bytes(common_pb2.Envelope(payload=payload.SerializeToString(), signature=b"s").SerializeToString())


def make_block(number: int, codes: bytes | None) -> common_pb2.Block:
    block = common_pb2.Block(
        header=common_pb2.BlockHeader(number=number),
        data=common_pb2.BlockData(
            data=[
                envelope("tx-a", common_pb2.ENDORSER_TRANSACTION, "HealthMSP", "citydir", 1_767_225_600),
                envelope("tx-b", common_pb2.ENDORSER_TRANSACTION, "TransportMSP", "citydir", 1_767_225_601),
                b"\xff\xfe not an envelope",
            ]
        ),
    )
    metadata = [b""] * 5
    if codes is not None:
        metadata[common_pb2.TRANSACTIONS_FILTER] = codes
    block.metadata.metadata.extend(metadata)
    return block


def test_block_summary_decodes_each_transaction() -> None:
    block = make_block(5, bytes([transaction_pb2.VALID, transaction_pb2.MVCC_READ_CONFLICT, 255]))
    rows = block_summary(block)
    assert rows[0] == {
        "index": 0,
        "tx_id": "tx-a",
        "type": "ENDORSER_TRANSACTION",
        "timestamp": "2026-01-01T00:00:00.250Z",
        "creator_msp_id": "HealthMSP",
        "chaincode": "citydir",
        "validation_code": "VALID",
    }
    assert rows[1]["creator_msp_id"] == "TransportMSP"
    assert rows[1]["validation_code"] == "MVCC_READ_CONFLICT"
    # A malformed entry still gets a row.
    assert rows[2]["index"] == 2
    assert rows[2]["validation_code"] == "INVALID_OTHER_REASON"
    assert rows[2]["tx_id"] == ""


def test_block_summary_without_validation_metadata() -> None:
    rows = block_summary(make_block(1, None))
    assert [r["validation_code"] for r in rows] == [None, None, None]


def test_config_transaction_has_no_chaincode() -> None:
    block = common_pb2.Block(
        data=common_pb2.BlockData(data=[envelope("", common_pb2.CONFIG, "OrdererMSP", None, 0)])
    )
    (row,) = block_summary(block)
    assert row["type"] == "CONFIG"
    assert row["chaincode"] is None
    assert row["creator_msp_id"] == "OrdererMSP"


class FakeQscc:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, function: str, args: Sequence[str]) -> bytes:
        self.calls.append((function, list(args)))
        if function == "GetChainInfo":
            return bytes(ledger_pb2.BlockchainInfo(height=42).SerializeToString())
        if function == "GetBlockByNumber":
            return bytes(make_block(int(args[1]), b"\x00\x00\x00").SerializeToString())
        if function == "GetTransactionByID":
            processed = transaction_pb2.ProcessedTransaction(
                validationCode=transaction_pb2.MVCC_READ_CONFLICT
            )
            return bytes(processed.SerializeToString())
        if function == "GetBlockByTxID":
            return bytes(make_block(17, b"\x00\x0b\x00").SerializeToString())
        raise AssertionError(function)


def test_qscc_helpers() -> None:
    qscc = FakeQscc()
    assert block_height(qscc, "citydir") == 42
    assert get_block(qscc, "citydir", 3).header.number == 3
    assert get_transaction_validation(qscc, "citydir", "tx-b") == ("MVCC_READ_CONFLICT", 17)
    assert qscc.calls == [
        ("GetChainInfo", ["citydir"]),
        ("GetBlockByNumber", ["citydir", "3"]),
        ("GetTransactionByID", ["citydir", "tx-b"]),
        ("GetBlockByTxID", ["citydir", "tx-b"]),
    ]
    with pytest.raises(ValueError):
        get_block(qscc, "citydir", -1)
