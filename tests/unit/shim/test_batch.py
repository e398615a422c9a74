"""Fabric 3.1's batching, negotiated in READY: WRITE_BATCH_STATE and GET_STATE_MULTIPLE.

The peer offers them in READY's ChaincodeAdditionalParams (core.yaml
``chaincode.runtimeParams``); the shim uses them only when offered, as fabric-chaincode-go does
(shim/handler.go handleEstablished, sendBatch; shim/batch.go): writes wait in the stub, one per
key and kind with the last one winning, and go to the peer after the contract returned, in
batches of at most the offered size (never below 100), before COMPLETED.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from chaincode.shim.api import OK, ChaincodeStub, Response
from chaincode.shim.stub import PeerFeatures
from tests._protos import chaincode_pb2, chaincode_shim_pb2
from tests.unit.shim.conftest import ScriptedContract
from tests.unit.shim.fake_peer import FakePeer, tx_id
from tests.unit.shim.test_stub import run

Msg = chaincode_shim_pb2.ChaincodeMessage
WRITES = (Msg.PUT_STATE, Msg.DEL_STATE, Msg.PUT_STATE_METADATA)


def ready(**params: object) -> bytes:
    return bytes(chaincode_pb2.ChaincodeAdditionalParams(**params).SerializeToString())


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (b"", PeerFeatures()),  # a peer before 2.5/3.0: READY without a payload
        (b"\xff\xff\xff", PeerFeatures()),  # unreadable: nothing offered
        (ready(use_write_batch=False, max_size_write_batch=1000), PeerFeatures()),
        (ready(use_write_batch=True, max_size_write_batch=1000), PeerFeatures(write_batch=1000)),
        (ready(use_write_batch=True, max_size_write_batch=5), PeerFeatures(write_batch=100)),
        (ready(use_get_multiple_keys=True), PeerFeatures(get_multiple=100)),
        (
            ready(
                use_write_batch=True,
                max_size_write_batch=300,
                use_get_multiple_keys=True,
                max_size_get_multiple_keys=2000,
            ),
            PeerFeatures(write_batch=300, get_multiple=2000),
        ),
    ],
)
def test_ready_payload_is_read_as_the_go_shim_reads_it(payload: bytes, expected: PeerFeatures) -> None:
    assert PeerFeatures.from_ready(payload) == expected


def writes_body(stub: ChaincodeStub) -> object:
    stub.put_state("a", b"1")
    stub.put_state("b", b"2")
    stub.set_state_validation_parameter("a", b"policy-a")
    stub.del_state("old")
    stub.put_state("b", b"3")  # the last write of a key wins, in the key's first place
    return None


def test_writes_go_in_one_write_batch_before_completed(
    contract: ScriptedContract, connect: Callable[..., FakePeer]
) -> None:
    peer = connect(write_batch=1000)
    peer.state.update({"old": b"x"})
    txid = tx_id("batch")
    run(contract, peer, writes_body, txid=txid)
    sent = [m.type for m in peer.requests_of(txid)]
    assert sent == [Msg.WRITE_BATCH_STATE, Msg.COMPLETED]  # no single write message at all
    (batch,) = peer.requests_of(txid, Msg.WRITE_BATCH_STATE)
    records = chaincode_shim_pb2.WriteBatchState.FromString(batch.payload).rec
    record = chaincode_shim_pb2.WriteRecord
    assert [(r.type, r.key, r.value) for r in records] == [
        (record.PUT_STATE, "a", b"1"),
        (record.PUT_STATE, "b", b"3"),
        (record.PUT_STATE_METADATA, "a", b""),
        (record.DEL_STATE, "old", b""),
    ]
    assert (records[2].metadata.metakey, records[2].metadata.value) == ("VALIDATION_PARAMETER", b"policy-a")
    assert peer.state == {"a": b"1", "b": b"3"} and peer.metadata == {
        "a": {"VALIDATION_PARAMETER": b"policy-a"}
    }


def test_without_the_offer_every_write_is_its_own_message(
    contract: ScriptedContract, connect: Callable[..., FakePeer]
) -> None:
    peer = connect()  # READY offers nothing
    peer.state.update({"old": b"x"})
    txid = tx_id("single")
    run(contract, peer, writes_body, txid=txid)
    sent = [m.type for m in peer.requests_of(txid)]
    assert sent == [
        Msg.PUT_STATE,
        Msg.PUT_STATE,
        Msg.PUT_STATE_METADATA,
        Msg.DEL_STATE,
        Msg.PUT_STATE,
        Msg.COMPLETED,
    ]
    assert peer.state == {"a": b"1", "b": b"3"}


def test_a_large_write_set_is_split_at_the_offered_size(
    contract: ScriptedContract, connect: Callable[..., FakePeer]
) -> None:
    peer = connect(write_batch=100)
    txid = tx_id("split")

    def many(stub: ChaincodeStub) -> object:
        for i in range(250):
            stub.put_state(f"k{i:03d}", b"v")
        return None

    run(contract, peer, many, txid=txid)
    batches = peer.requests_of(txid, Msg.WRITE_BATCH_STATE)
    sizes = [len(chaincode_shim_pb2.WriteBatchState.FromString(b.payload).rec) for b in batches]
    assert sizes == [100, 100, 50]
    assert sorted(peer.state) == [f"k{i:03d}" for i in range(250)]


def test_a_failed_response_sends_no_batch(
    contract: ScriptedContract, connect: Callable[..., FakePeer]
) -> None:
    peer = connect(write_batch=1000)

    def fails(stub: ChaincodeStub) -> Response:
        stub.put_state("a", b"1")
        return Response(status=500, message="no")

    contract.functions["Fails"] = fails
    txid = tx_id("fails")
    final, response = peer.invoke("Fails", tx_id=txid)
    assert final.type == Msg.COMPLETED and response.status == 500
    assert peer.requests_of(txid, Msg.WRITE_BATCH_STATE, *WRITES) == []
    assert peer.state == {}


def test_a_batch_the_peer_refuses_fails_the_transaction(
    contract: ScriptedContract, connect: Callable[..., FakePeer]
) -> None:
    """Writes after a paginated query: with batching the peer refuses them at the batch."""
    peer = connect(write_batch=1000)

    def page_then_write(stub: ChaincodeStub) -> Response:
        stub.get_state_by_range_with_pagination("", "", 10, "")
        stub.put_state("x", b"1")
        return Response(status=OK)

    contract.functions["PageThenWrite"] = page_then_write
    final, response = peer.invoke("PageThenWrite")
    assert final.type == Msg.ERROR and response is None
    assert final.payload.decode().startswith("failed send batch: ")
    assert "paginated query" in final.payload.decode()
    assert "x" not in peer.state


@pytest.mark.parametrize("offered", [0, 100])
def test_get_multiple_states(
    contract: ScriptedContract, connect: Callable[..., FakePeer], offered: int
) -> None:
    peer = connect(get_multiple=offered)
    peer.state.update({"a": b"1", "c": b"3"})
    txid = tx_id("multi")

    def body(stub: ChaincodeStub) -> object:
        return [v.decode() if v is not None else None for v in stub.get_multiple_states(["a", "b", "c"])]

    assert run(contract, peer, body, txid=txid) == ["1", None, "3"]
    if offered:
        (request,) = peer.requests_of(txid, Msg.GET_STATE_MULTIPLE, Msg.GET_STATE)
        assert request.type == Msg.GET_STATE_MULTIPLE
        assert list(chaincode_shim_pb2.GetStateMultiple.FromString(request.payload).keys) == ["a", "b", "c"]
    else:
        requests = peer.requests_of(txid, Msg.GET_STATE_MULTIPLE, Msg.GET_STATE)
        assert [chaincode_shim_pb2.GetState.FromString(r.payload).key for r in requests] == ["a", "b", "c"]
        assert {r.type for r in requests} == {Msg.GET_STATE}


def test_get_multiple_states_splits_at_the_offered_size(
    contract: ScriptedContract, connect: Callable[..., FakePeer]
) -> None:
    peer = connect(get_multiple=100)
    peer.state.update({f"k{i:03d}": str(i).encode() for i in range(0, 250, 2)})
    txid = tx_id("multi-split")

    def body(stub: ChaincodeStub) -> object:
        values = stub.get_multiple_states([f"k{i:03d}" for i in range(250)])
        return [i for i, v in enumerate(values) if v is not None and v == str(i).encode()]

    assert run(contract, peer, body, txid=txid) == list(range(0, 250, 2))
    assert len(peer.requests_of(txid, Msg.GET_STATE_MULTIPLE)) == 3


def test_the_directory_writes_the_same_with_and_without_batching() -> None:
    """The contract's write set (values, policies, event) does not depend on the peer's offer."""
    from bench.chaincode_cpu import Bench, catalog, setup

    written = []
    for features in (PeerFeatures(), PeerFeatures(write_batch=100, get_multiple=100)):
        bench = Bench(features)
        setup(bench, 3, 0)
        bench.run("shim", bench.health_admin, "CreateCatalog", catalog("bench-new-000001", 1))
        bench.run("shim", bench.health_admin, "UpdateCatalog", {"id": "bench-cpu-00001", "description": "x"})
        messages = sum(bench.messages.values())
        written.append((dict(bench.state.values), dict(bench.state.policies), messages))
    (plain_state, plain_policies, plain_messages), (state, policies, messages) = written
    assert state == plain_state and policies == plain_policies
    assert "\x00catalog\x00bench-new-000001\x00" in state and messages < plain_messages
