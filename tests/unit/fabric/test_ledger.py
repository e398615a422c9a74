from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gateway.fabric.ledger import (
    block_facts,
    block_height,
    block_summary,
    get_block,
    get_transaction_validation,
    transaction_writes,
)
from tests._protos import (
    chaincode_pb2,
    common_pb2,
    identities_pb2,
    kv_rwset_pb2,
    ledger_pb2,
    proposal_pb2,
    proposal_response_pb2,
    rwset_pb2,
    transaction_pb2,
)

WRITES = kv_rwset_pb2.KVRWSet(
    writes=[
        kv_rwset_pb2.KVWrite(key="\x00catalog\x00a\x00", value=b'{"id":"a"}'),
        kv_rwset_pb2.KVWrite(key="gone", is_delete=True),
    ],
    metadata_writes=[
        kv_rwset_pb2.KVMetadataWrite(
            key="\x00catalog\x00a\x00",
            entries=[kv_rwset_pb2.KVMetadataEntry(name="VALIDATION_PARAMETER", value=b"policy")],
        )
    ],
)


def endorsed_action(endorsers: Sequence[str], writes: bytes) -> bytes:
    """A transaction of one chaincode action: its write set in namespace citydir, endorsed."""
    results = rwset_pb2.TxReadWriteSet(
        ns_rwset=[rwset_pb2.NsReadWriteSet(namespace="citydir", rwset=writes)]
    ).SerializeToString()
    response = proposal_response_pb2.ProposalResponsePayload(
        extension=proposal_pb2.ChaincodeAction(results=results).SerializeToString()
    ).SerializeToString()
    endorsements = [
        proposal_response_pb2.Endorsement(
            endorser=identities_pb2.SerializedIdentity(mspid=msp, id_bytes=b"peer").SerializeToString()
        )
        for msp in endorsers
    ]
    action = transaction_pb2.ChaincodeActionPayload(
        action=transaction_pb2.ChaincodeEndorsedAction(
            proposal_response_payload=response, endorsements=endorsements
        )
    )
    return bytes(
        transaction_pb2.Transaction(
            actions=[transaction_pb2.TransactionAction(payload=action.SerializeToString())]
        ).SerializeToString()
    )


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
        ),
        data=endorsed_action([msp_id, "DataBureauMSP"], WRITES.SerializeToString()) if chaincode else b"",
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
        "endorsers": ["HealthMSP", "DataBureauMSP"],
    }
    assert rows[1]["creator_msp_id"] == "TransportMSP"
    assert rows[1]["validation_code"] == "MVCC_READ_CONFLICT"
    # A malformed entry still gets a row.
    assert rows[2]["index"] == 2
    assert rows[2]["validation_code"] == "INVALID_OTHER_REASON"
    assert rows[2]["tx_id"] == ""


def test_a_transactions_writes_and_validation_parameters() -> None:
    raw = make_block(5, None).SerializeToString()
    writes, validation = transaction_writes(raw, "tx-b", "citydir")
    assert writes == {"\x00catalog\x00a\x00": b'{"id":"a"}', "gone": None}
    assert validation == {"\x00catalog\x00a\x00": b"policy"}
    assert transaction_writes(raw, "tx-b", "other") == ({}, {})
    assert transaction_writes(raw, "tx-z", "citydir") == ({}, {})


def test_block_facts_hash_the_header_as_fabric_does() -> None:
    block = make_block(5, bytes([0, 0, 0]))
    block.header.previous_hash = bytes(32)
    block.header.data_hash = bytes(range(32))
    facts = block_facts(block.SerializeToString())
    # SHA-256 of DER SEQUENCE{INTEGER 5, OCTET STRING prev, OCTET STRING data}, worked out by hand:
    der = (
        bytes([0x30, 0x47, 0x02, 0x01, 0x05, 0x04, 0x20]) + bytes(32) + bytes([0x04, 0x20]) + bytes(range(32))
    )
    assert facts["hash"] == hashlib.sha256(der).hexdigest()
    assert (facts["number"], facts["data_hash"]) == (5, bytes(range(32)).hex())
    assert facts["config_block"] is None  # no orderer metadata in this block
    assert facts["transactions"][1]["endorsers"] == ["TransportMSP", "DataBureauMSP"]


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
