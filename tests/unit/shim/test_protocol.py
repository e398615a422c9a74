"""The stream protocol: registration, transactions, routing, concurrency, several peers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from chaincode.shim.api import ERROR, OK, ChaincodeStub, Response
from chaincode.shim.server import ChaincodeServer
from tests._protos import Message, chaincode_pb2, chaincode_shim_pb2, identities_pb2
from tests.unit.shim.conftest import PACKAGE_ID, ScriptedContract
from tests.unit.shim.fake_peer import CHANNEL, FakePeer, tx_id

Msg = chaincode_shim_pb2.ChaincodeMessage


def test_registers_with_the_package_id_before_anything_else(peer: FakePeer) -> None:
    first = peer.received[0]
    assert first.type == Msg.REGISTER
    assert chaincode_pb2.ChaincodeID.FromString(first.payload).name == PACKAGE_ID
    assert peer.registered_as == PACKAGE_ID


def test_transaction_completes_with_response_and_event(contract: ScriptedContract, peer: FakePeer) -> None:
    def ping(stub: ChaincodeStub) -> Response:
        stub.set_event("Ignored", b"first")
        stub.set_event("Pinged", b'{"n":1}')  # one event per transaction: the last wins
        return Response(status=OK, message="fine", payload=b'{"ok":true}')

    contract.functions["Ping"] = ping
    txid = tx_id("ping")
    final, response = peer.invoke("Ping", "{}", tx_id=txid)

    assert final.type == Msg.COMPLETED
    assert (final.txid, final.channel_id) == (txid, CHANNEL)
    assert (response.status, response.message, response.payload) == (200, "fine", b'{"ok":true}')
    assert final.HasField("chaincode_event")
    assert (final.chaincode_event.event_name, final.chaincode_event.payload) == ("Pinged", b'{"n":1}')


def test_failed_response_carries_no_event(contract: ScriptedContract, peer: FakePeer) -> None:
    def refuse(stub: ChaincodeStub) -> Response:
        stub.set_event("Nope", b"")
        return Response(status=ERROR, message='{"code":"FORBIDDEN","message":"no"}')

    contract.functions["Refuse"] = refuse
    final, response = peer.invoke("Refuse")
    assert final.type == Msg.COMPLETED
    assert response.status == 500
    assert json.loads(response.message)["code"] == "FORBIDDEN"
    assert not final.HasField("chaincode_event")


def test_init_message_runs_contract_init(contract: ScriptedContract, peer: FakePeer) -> None:
    final, response = peer.invoke("anything", init=True)
    assert final.type == Msg.COMPLETED
    assert response.payload == b"initialised"
    assert contract.init_calls == 1


def test_contract_exception_becomes_status_500_internal(contract: ScriptedContract, peer: FakePeer) -> None:
    def broken(stub: ChaincodeStub) -> Response:
        raise KeyError("department")

    contract.functions["Broken"] = broken
    final, response = peer.invoke("Broken")
    assert final.type == Msg.COMPLETED
    assert response.status == 500
    assert json.loads(response.message) == {"code": "INTERNAL", "message": "'department'"}


def test_peer_error_surfaces_as_exception_and_status_500(contract: ScriptedContract, peer: FakePeer) -> None:
    seen: list[str] = []

    def read(stub: ChaincodeStub) -> Response:
        try:
            stub.get_state("dept~health")
        except Exception as exc:
            seen.append(type(exc).__name__)
            raise
        return Response(status=OK)

    contract.functions["Read"] = read
    peer.errors["dept~health"] = "no ledger context"
    _, response = peer.invoke("Read")

    assert seen == ["PeerError"]
    assert response.status == 500
    body = json.loads(response.message)
    assert body["code"] == "INTERNAL"
    assert "no ledger context" in body["message"]


def test_decodes_timestamp_creator_and_transient_from_the_signed_proposal(
    contract: ScriptedContract, peer: FakePeer
) -> None:
    def whoami(stub: ChaincodeStub) -> Response:
        creator = identities_pb2.SerializedIdentity.FromString(stub.get_creator())
        body = {
            "msp": creator.mspid,
            "ts": stub.get_tx_timestamp().isoformat(),
            "transient": {k: v.decode() for k, v in stub.get_transient().items()},
            "args": [a.decode() for a in stub.get_args()],
        }
        return Response(status=OK, payload=json.dumps(body).encode())

    contract.functions["WhoAmI"] = whoami
    creator = identities_pb2.SerializedIdentity(mspid="TransportMSP", id_bytes=b"pem").SerializeToString()
    when = datetime(2026, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
    _, response = peer.invoke(
        "WhoAmI", '{"x":1}', creator=creator, transient={"secret": b"s3cr3t"}, timestamp=when
    )

    assert json.loads(response.payload) == {
        "msp": "TransportMSP",
        "ts": "2026-03-14T09:26:53.589793+00:00",
        "transient": {"secret": "s3cr3t"},
        "args": ["WhoAmI", '{"x":1}'],
    }


def test_keepalive_is_echoed(peer: FakePeer) -> None:
    peer.send(Msg(type=Msg.KEEPALIVE))
    echoed = peer.keepalives.get(timeout=5)
    assert echoed.type == Msg.KEEPALIVE


def test_concurrent_transactions_with_answers_out_of_order(
    contract: ScriptedContract, peer: FakePeer
) -> None:
    def echo_read(stub: ChaincodeStub) -> Response:
        _, params = stub.get_function_and_parameters()
        value = stub.get_state(params[0]) or b""
        stub.put_state("seen~" + params[0], value)
        return Response(status=OK, payload=value)

    contract.functions["Read"] = echo_read
    peer.state.update({"a": b"value-a", "b": b"value-b"})
    tx_a, tx_b = tx_id("a"), tx_id("b")
    peer.held.update({tx_a, tx_b})

    done_a = peer.execute(["Read", "a"], tx_id=tx_a)
    done_b = peer.execute(["Read", "b"], tx_id=tx_b)
    # Both transactions are now blocked on their GET_STATE at the same time ...
    first, second = peer.held_requests.get(timeout=5), peer.held_requests.get(timeout=5)
    by_tx = {first.txid: first, second.txid: second}
    assert set(by_tx) == {tx_a, tx_b}
    # ... and the peer answers B before A.
    peer.answer(by_tx[tx_b])
    peer.answer(by_tx[tx_a])
    peer.answer(peer.held_requests.get(timeout=5))  # the two PUT_STATEs, in whatever order
    peer.answer(peer.held_requests.get(timeout=5))

    final_a, final_b = done_a.result(5), done_b.result(5)
    assert final_a.type == final_b.type == Msg.COMPLETED
    assert peer.state["seen~a"] == b"value-a"
    assert peer.state["seen~b"] == b"value-b"


def test_many_concurrent_transactions_on_one_stream(contract: ScriptedContract, peer: FakePeer) -> None:
    def work(stub: ChaincodeStub) -> Response:
        _, params = stub.get_function_and_parameters()
        shared = stub.get_state("shared") or b""
        stub.put_state("k" + params[0], params[0].encode())
        return Response(status=OK, payload=shared + params[0].encode())

    contract.functions["Work"] = work
    peer.state["shared"] = b"s-"
    ids = [tx_id(f"w{i}") for i in range(8)]
    peer.held.update(ids)
    futures = [peer.execute(["Work", str(i)], tx_id=ids[i]) for i in range(8)]
    # All eight wait on their GET_STATE at once: they are in flight on the stream together ...
    held = [peer.held_requests.get(timeout=5) for _ in range(8)]
    assert {request.txid for request in held} == set(ids)
    for request in reversed(held):  # ... and each goes on when its own answer comes, in any order
        peer.answer(request)
    for _ in range(8):
        peer.answer(peer.held_requests.get(timeout=5))  # the PUT_STATEs
    for i, future in enumerate(futures):
        final = future.result(5)
        assert final.type == Msg.COMPLETED
        assert chaincode_payload(final) == f"s-{i}".encode()
    assert {peer.state[f"k{i}"] for i in range(8)} == {str(i).encode() for i in range(8)}


def test_two_peers_stream_at_once(contract: ScriptedContract, connect: Callable[..., FakePeer]) -> None:
    contract.functions["Get"] = lambda stub: Response(status=OK, payload=stub.get_state("where") or b"")
    peer1, peer2 = connect(), connect()
    peer1.state["where"], peer2.state["where"] = b"peer1", b"peer2"
    tx1, tx2 = tx_id("p1"), tx_id("p2")
    peer1.held.add(tx1)

    future1 = peer1.execute(["Get"], tx_id=tx1)
    held = peer1.held_requests.get(timeout=5)  # peer1's transaction waits on its peer ...
    _, response2 = peer2.invoke("Get", tx_id=tx2)  # ... while peer2's runs to completion
    peer1.answer(held)

    assert response2.payload == b"peer2"
    assert chaincode_payload(future1.result(5)) == b"peer1"
    assert peer1.registered_as == peer2.registered_as == PACKAGE_ID


def test_stop_finishes_running_transactions_refuses_new_ones_and_closes_streams(
    contract: ScriptedContract, server: ChaincodeServer, peer: FakePeer
) -> None:
    contract.functions["Get"] = lambda stub: Response(status=OK, payload=stub.get_state("k") or b"")
    peer.state["k"] = b"v"
    running = tx_id("running")
    peer.held.add(running)
    future = peer.execute(["Get"], tx_id=running)
    held = peer.held_requests.get(timeout=5)

    stopper = threading.Thread(target=server.stop, kwargs={"grace": 5.0})
    stopper.start()
    deadline = time.monotonic() + 5
    while server.accepting_transactions and time.monotonic() < deadline:
        time.sleep(0.01)

    refused = peer.execute(["Get"]).result(5)
    assert refused.type == Msg.ERROR
    assert b"shutting down" in refused.payload
    peer.answer(held)  # the running transaction still completes
    assert chaincode_payload(future.result(5)) == b"v"
    stopper.join(timeout=10)
    assert not stopper.is_alive()
    assert peer.wait_closed(timeout=5)


def chaincode_payload(final: Message) -> bytes:
    from tests._protos import proposal_response_pb2

    payload: bytes = proposal_response_pb2.Response.FromString(final.payload).payload
    return payload


def test_an_unanswered_request_closes_the_stream_and_fails_its_transaction(
    contract: ScriptedContract,
) -> None:
    contract.functions["Get"] = lambda stub: Response(status=OK, payload=stub.get_state("k") or b"")
    server = ChaincodeServer(contract, "127.0.0.1:0", PACKAGE_ID, request_timeout=0.4)
    peer = FakePeer(f"127.0.0.1:{server.port}").connect()
    try:
        lost = tx_id("lost")
        peer.held.add(lost)  # the peer never answers this transaction's GET_STATE
        future = peer.execute(["Get"], tx_id=lost)
        peer.held_requests.get(timeout=5)
        # The chaincode cannot tell a slow answer from a lost one on a stream it is blocked on,
        # so it ends the stream; the peer would dial again and fail the transaction itself.
        assert peer.wait_closed(timeout=5)
        with pytest.raises(ConnectionError):  # no COMPLETED came for it before the stream ended
            future.result(5)
    finally:
        peer.close()
        server.stop(grace=1.0)


def test_ledger_requests_from_another_thread_are_refused(contract: ScriptedContract, peer: FakePeer) -> None:
    errors: list[str] = []

    def from_thread(stub: ChaincodeStub) -> Response:
        def read() -> None:
            try:
                stub.get_state("k")
            except Exception as exc:
                errors.append(type(exc).__name__)

        worker = threading.Thread(target=read)
        worker.start()
        worker.join(5)
        return Response(status=OK, payload=stub.get_state("k") or b"")

    contract.functions["Threaded"] = from_thread
    peer.state["k"] = b"v"
    final, response = peer.invoke("Threaded")
    assert final.type == Msg.COMPLETED
    assert errors == ["ProtocolError"]  # only the transaction itself is answered
    assert response.payload == b"v"


def test_megabyte_messages_cross_both_ways(contract: ScriptedContract, peer: FakePeer) -> None:
    # Far above HTTP/2's 16 KiB frames and 64 KiB default windows: split, and paced by the
    # flow control of both sides.
    peer.state["big"] = bytes(range(256)) * 4096  # 1 MiB in the peer's answer to GET_STATE
    contract.functions["Echo"] = lambda stub: Response(
        status=OK, payload=(stub.get_state("big") or b"") + stub.get_function_and_parameters()[1][0].encode()
    )
    argument = "a" * 2_000_000  # 2 MB in the transaction itself
    final, response = peer.invoke("Echo", argument, timeout=20)
    assert final.type == Msg.COMPLETED
    assert response.payload == bytes(range(256)) * 4096 + argument.encode()


def test_streams_beyond_the_limit_are_refused_resource_exhausted(contract: ScriptedContract) -> None:
    import grpc

    server = ChaincodeServer(contract, "127.0.0.1:0", PACKAGE_ID, max_streams=1)
    first = FakePeer(f"127.0.0.1:{server.port}").connect()
    second = FakePeer(f"127.0.0.1:{server.port}")
    try:
        with pytest.raises(TimeoutError):
            second.connect(timeout=2)
        assert second.wait_closed(timeout=5)
        assert second.stream_error is not None
        assert second.stream_error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        _, response = first.invoke("anything", init=True)  # the first stream still serves
        assert response.status == 200
    finally:
        first.close()
        second.close()
        server.stop(grace=1.0)
