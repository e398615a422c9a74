"""PeerStub's ledger calls, checked on the wire: what the chaincode asks, what it makes of the answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from google.protobuf import timestamp_pb2

from chaincode.shim.api import KV, OK, ChaincodeStub, QueryMetadata, Response, create_composite_key
from tests._protos import Message, chaincode_shim_pb2, kv_query_result_pb2, msp_principal_pb2, policies_pb2
from tests.unit.shim.conftest import ScriptedContract
from tests.unit.shim.fake_peer import FakePeer, tx_id

Msg = chaincode_shim_pb2.ChaincodeMessage


def run(
    contract: ScriptedContract,
    peer: FakePeer,
    body: Callable[[ChaincodeStub], object],
    *,
    txid: str | None = None,
) -> Any:
    """Run ``body(stub)`` as a transaction; returns what it returned (JSON round trip)."""

    def function(stub: ChaincodeStub) -> Response:
        return Response(status=OK, payload=json.dumps(body(stub)).encode())

    contract.functions["Body"] = function
    final, response = peer.invoke("Body", tx_id=txid or tx_id("body"))
    assert final.type == Msg.COMPLETED
    assert response.status == 200, response.message
    return json.loads(response.payload)


def test_get_put_del_on_the_wire(contract: ScriptedContract, peer: FakePeer) -> None:
    peer.state.update({"dept~health": b'{"id":"health"}', "dept~old": b"x"})
    txid = tx_id("crud")

    def body(stub: ChaincodeStub) -> object:
        found = stub.get_state("dept~health")
        missing = stub.get_state("dept~nope")
        stub.put_state("dept~transport", b'{"id":"transport"}')
        stub.del_state("dept~old")
        return [found.decode() if found else None, missing]

    assert run(contract, peer, body, txid=txid) == ['{"id":"health"}', None]
    gets = [chaincode_shim_pb2.GetState.FromString(m.payload) for m in peer.requests_of(txid, Msg.GET_STATE)]
    assert [(g.key, g.collection) for g in gets] == [("dept~health", ""), ("dept~nope", "")]
    put, delete = peer.writes_of(txid)
    assert put.type == Msg.PUT_STATE and delete.type == Msg.DEL_STATE
    put_state = chaincode_shim_pb2.PutState.FromString(put.payload)
    assert (put_state.key, put_state.value, put_state.collection) == (
        "dept~transport",
        b'{"id":"transport"}',
        "",
    )
    assert chaincode_shim_pb2.DelState.FromString(delete.payload).key == "dept~old"
    assert peer.state == {"dept~health": b'{"id":"health"}', "dept~transport": b'{"id":"transport"}'}


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [("k", b"", "must not be empty"), ("", b"v", "key must not be empty"), ("\ud800", b"v", "UTF-8")],
)
def test_put_state_guards(
    contract: ScriptedContract, peer: FakePeer, key: str, value: bytes, problem: str
) -> None:
    def bad_put(stub: ChaincodeStub) -> Response:
        stub.put_state(key, value)
        return Response(status=OK)

    contract.functions["BadPut"] = bad_put
    txid = tx_id("guard")
    _, response = peer.invoke("BadPut", tx_id=txid)
    assert response.status == 500
    assert problem in json.loads(response.message)["message"]
    assert peer.requests_of(txid, Msg.PUT_STATE) == []  # refused before reaching the peer


def test_range_follows_has_more_across_batches(contract: ScriptedContract, peer: FakePeer) -> None:
    peer.state.update({f"cat~{i}": f"v{i}".encode() for i in range(5)})
    peer.state[create_composite_key("cat", ["0"])] = b"composite"  # never part of a simple range
    txid = tx_id("range")

    result = run(contract, peer, lambda stub: [kv.key for kv in stub.get_state_by_range("", "")], txid=txid)

    assert result == [f"cat~{i}" for i in range(5)]
    (query,) = peer.requests_of(txid, Msg.GET_STATE_BY_RANGE)
    request = chaincode_shim_pb2.GetStateByRange.FromString(query.payload)
    assert (request.startKey, request.endKey, request.metadata) == ("\x01", "", b"")
    nexts = peer.requests_of(txid, Msg.QUERY_STATE_NEXT)
    assert len(nexts) == 2  # batches of 2: 2 + 2 + 1
    first_id = chaincode_shim_pb2.QueryResponse.FromString(peer.reply_to(query).payload).id
    assert {chaincode_shim_pb2.QueryStateNext.FromString(m.payload).id for m in nexts} == {first_id}
    # Exhausted iterators were already released by the peer: no QUERY_STATE_CLOSE round trip.
    assert peer.requests_of(txid, Msg.QUERY_STATE_CLOSE) == []


def test_bounded_range_and_values(contract: ScriptedContract, peer: FakePeer) -> None:
    peer.state.update({"a": b"1", "b": b"2", "c": b"3"})
    result = run(
        contract, peer, lambda stub: [[kv.key, kv.value.decode()] for kv in stub.get_state_by_range("b", "c")]
    )
    assert result == [["b", "2"]]


def test_abandoned_iterator_is_closed_before_completion(contract: ScriptedContract, peer: FakePeer) -> None:
    peer.state.update({f"k{i}": b"v" for i in range(5)})
    txid = tx_id("abandon")

    def first_only(stub: ChaincodeStub) -> object:
        return next(iter(stub.get_state_by_range("k", "l"))).key

    assert run(contract, peer, first_only, txid=txid) == "k0"
    types = [m.type for m in peer.requests_of(txid)]
    assert types[-2:] == [Msg.QUERY_STATE_CLOSE, Msg.COMPLETED]
    (close,) = peer.requests_of(txid, Msg.QUERY_STATE_CLOSE)
    assert chaincode_shim_pb2.QueryStateClose.FromString(close.payload).id in peer.closed_iterators


def test_paginated_range_uses_bookmarks(contract: ScriptedContract, peer: FakePeer) -> None:
    peer.state.update({f"d{i}": str(i).encode() for i in range(5)})
    pages: list[object] = []
    bookmark = ""
    while True:
        txid = tx_id("page")

        def page_of(stub: ChaincodeStub, b: str = bookmark) -> object:
            return _page(stub.get_state_by_range_with_pagination("d", "e", 2, b))

        page = run(contract, peer, page_of, txid=txid)
        (query,) = peer.requests_of(txid, Msg.GET_STATE_BY_RANGE)
        metadata = chaincode_shim_pb2.QueryMetadata.FromString(
            chaincode_shim_pb2.GetStateByRange.FromString(query.payload).metadata
        )
        assert (metadata.pageSize, metadata.bookmark) == (2, bookmark)
        pages.append(page)
        bookmark = page["bookmark"]
        if not bookmark:
            break
    assert pages == [
        {"keys": ["d0", "d1"], "count": 2, "bookmark": "d2"},
        {"keys": ["d2", "d3"], "count": 2, "bookmark": "d4"},
        {"keys": ["d4"], "count": 1, "bookmark": ""},
    ]


def test_partial_composite_key_query(contract: ScriptedContract, peer: FakePeer) -> None:
    for dept, catalog in [
        ("health", "beds"),
        ("health", "clinics"),
        ("healthcare", "x"),
        ("transport", "buses"),
    ]:
        peer.state[create_composite_key("catalog~dept", [dept, catalog])] = catalog.encode()
    peer.state["plain"] = b"p"
    txid = tx_id("composite")

    def body(stub: ChaincodeStub) -> object:
        rows = stub.get_state_by_partial_composite_key("catalog~dept", ["health"])
        return [stub.split_composite_key(kv.key) for kv in rows]

    assert run(contract, peer, body, txid=txid) == [
        ["catalog~dept", ["health", "beds"]],
        ["catalog~dept", ["health", "clinics"]],
    ]
    (query,) = peer.requests_of(txid, Msg.GET_STATE_BY_RANGE)
    request = chaincode_shim_pb2.GetStateByRange.FromString(query.payload)
    assert request.startKey == "\x00catalog~dept\x00health\x00"
    assert request.endKey == "\x00catalog~dept\x00health\x00\U0010ffff"


def test_partial_composite_key_pagination(contract: ScriptedContract, peer: FakePeer) -> None:
    for n in range(3):
        peer.state[create_composite_key("grant~catalog", ["beds", f"g{n}"])] = b"g"
    peer.state[create_composite_key("grant~catalog", ["clinics", "g9"])] = b"g"

    def body(stub: ChaincodeStub) -> object:
        first, meta = stub.get_state_by_partial_composite_key_with_pagination(
            "grant~catalog", ["beds"], 2, ""
        )
        rest, end = stub.get_state_by_partial_composite_key_with_pagination(
            "grant~catalog", ["beds"], 2, meta.bookmark
        )
        return [[stub.split_composite_key(kv.key)[1][1] for kv in first + rest], meta.bookmark, end.bookmark]

    keys, bookmark, end = run(contract, peer, body)
    assert keys == ["g0", "g1", "g2"]
    assert bookmark == create_composite_key("grant~catalog", ["beds", "g2"])
    assert end == ""


def test_paginated_query_after_write_is_refused_by_the_peer(
    contract: ScriptedContract, peer: FakePeer
) -> None:
    def write_then_page(stub: ChaincodeStub) -> Response:
        stub.put_state("x", b"1")
        stub.get_state_by_range_with_pagination("", "", 10, "")
        return Response(status=OK)

    contract.functions["WriteThenPage"] = write_then_page
    _, response = peer.invoke("WriteThenPage")
    assert response.status == 500
    assert "read-only transaction" in json.loads(response.message)["message"]
    assert "x" not in peer.state  # a failed proposal writes nothing


def test_range_rejects_composite_namespace_and_bad_page_size(
    contract: ScriptedContract, peer: FakePeer
) -> None:
    for call in (
        lambda stub: list(stub.get_state_by_range("\x00cat", "")),
        lambda stub: stub.get_state_by_range_with_pagination("a", "b", 0, ""),
    ):

        def bad(stub: ChaincodeStub, c: Callable[[ChaincodeStub], object] = call) -> Response:
            c(stub)  # raises: the stub refuses the call
            return Response(status=OK)  # had it not, the test would see 200, not 500

        contract.functions["Bad"] = bad
        _, response = peer.invoke("Bad")
        assert response.status == 500


def test_history_newest_first_with_timestamps(contract: ScriptedContract, peer: FakePeer) -> None:
    def modification(tx: str, second: int, value: bytes, deleted: bool) -> Message:
        ts = timestamp_pb2.Timestamp()
        ts.FromDatetime(datetime(2026, 1, 2, 3, 4, second, 500000, tzinfo=UTC))
        return kv_query_result_pb2.KeyModification(tx_id=tx, value=value, timestamp=ts, is_delete=deleted)

    peer.history["dept~health"] = [
        modification("tx3", 30, b"", True),
        modification("tx2", 20, b'{"v":2}', False),
        modification("tx1", 10, b'{"v":1}', False),
    ]
    txid = tx_id("history")

    def body(stub: ChaincodeStub) -> object:
        return [
            [m.tx_id, m.timestamp.isoformat(), m.value.decode(), m.is_delete]
            for m in stub.get_history_for_key("dept~health")
        ]

    assert run(contract, peer, body, txid=txid) == [
        ["tx3", "2026-01-02T03:04:30.500000+00:00", "", True],
        ["tx2", "2026-01-02T03:04:20.500000+00:00", '{"v":2}', False],
        ["tx1", "2026-01-02T03:04:10.500000+00:00", '{"v":1}', False],
    ]
    (query,) = peer.requests_of(txid, Msg.GET_HISTORY_FOR_KEY)
    assert chaincode_shim_pb2.GetHistoryForKey.FromString(query.payload).key == "dept~health"
    assert len(peer.requests_of(txid, Msg.QUERY_STATE_NEXT)) == 1  # 3 results in batches of 2


def test_key_level_endorsement_policy_round_trip(contract: ScriptedContract, peer: FakePeer) -> None:
    policy = health_admin_policy()
    txid = tx_id("kle")

    def set_policy(stub: ChaincodeStub) -> object:
        stub.set_state_validation_parameter("catalog~beds", policy)
        return None

    run(contract, peer, set_policy, txid=txid)
    (write,) = peer.writes_of(txid)
    assert write.type == Msg.PUT_STATE_METADATA
    put = chaincode_shim_pb2.PutStateMetadata.FromString(write.payload)
    assert (put.key, put.collection) == ("catalog~beds", "")
    assert put.metadata.metakey == "VALIDATION_PARAMETER"
    assert put.metadata.value == policy  # byte for byte

    read_txid = tx_id("kle-read")
    found = run(
        contract,
        peer,
        lambda stub: [
            (stub.get_state_validation_parameter("catalog~beds") or b"").hex(),
            stub.get_state_validation_parameter("catalog~other"),
        ],
        txid=read_txid,
    )
    assert found == [policy.hex(), None]
    (query,) = peer.requests_of(read_txid, Msg.GET_STATE_METADATA)[:1]
    assert chaincode_shim_pb2.GetStateMetadata.FromString(query.payload).key == "catalog~beds"


def health_admin_policy() -> bytes:
    """A real SignaturePolicyEnvelope: one signature of a HealthMSP admin."""
    role = msp_principal_pb2.MSPRole(msp_identifier="HealthMSP", role=msp_principal_pb2.MSPRole.ADMIN)
    principal = msp_principal_pb2.MSPPrincipal(
        principal_classification=msp_principal_pb2.MSPPrincipal.ROLE, principal=role.SerializeToString()
    )
    rule = policies_pb2.SignaturePolicy(
        n_out_of=policies_pb2.SignaturePolicy.NOutOf(n=1, rules=[policies_pb2.SignaturePolicy(signed_by=0)])
    )
    envelope = policies_pb2.SignaturePolicyEnvelope(version=0, rule=rule, identities=[principal])
    data: bytes = envelope.SerializeToString()
    return data


def _page(result: tuple[list[KV], QueryMetadata]) -> dict[str, object]:
    records, metadata = result
    return {
        "keys": [kv.key for kv in records],
        "count": metadata.fetched_records_count,
        "bookmark": metadata.bookmark,
    }
