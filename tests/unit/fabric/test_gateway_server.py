"""End to end against an in-process fake Gateway gRPC server (no Fabric network needed)."""

from __future__ import annotations

import hashlib
import inspect
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.fabric import (
    ChaincodeEvent,
    CommitError,
    CommitStatusError,
    Contract,
    EndorseError,
    ErrorDetail,
    Gateway,
    GatewayError,
    Identity,
    ProposalOptions,
    SubmitError,
    chaincode_message,
    connect,
    new_grpc_channel,
    new_private_key_signer,
)
from tests._protos import chaincode_pb2, gateway_pb2, proposal_pb2, transaction_pb2

from .fake_gateway import CHAINCODE_ERROR, FakeGateway, event, start_server
from .helpers import key_pem, make_cert, make_identity, pem


@dataclass
class Peer:
    fake: FakeGateway
    server: grpc.Server
    channel: grpc.Channel
    address: str


@dataclass
class User:
    identity: Identity
    key: ec.EllipticCurvePrivateKey


@pytest.fixture
def user() -> User:
    identity, key = make_identity("HealthMSP")
    return User(identity, key)


@pytest.fixture
def peers(user: User) -> Iterator[list[Peer]]:
    started: list[Peer] = []
    for name in ("peer0", "peer1"):
        fake = FakeGateway(user.key.public_key(), user.identity.serialize(), name)
        server, port = start_server(fake)
        address = f"127.0.0.1:{port}"
        started.append(Peer(fake, server, new_grpc_channel(address), address))
    yield started
    for peer in started:
        peer.channel.close()
        peer.server.stop(grace=None)


@pytest.fixture
def gw(peers: list[Peer], user: User) -> Iterator[Gateway]:
    gateway = connect(peers[0].channel, user.identity, new_private_key_signer(user.key))
    yield gateway
    gateway.close()


def dead_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


# -- evaluate / submit -------------------------------------------------------------------------
def test_evaluate(gw: Gateway, peers: list[Peer]) -> None:
    contract = gw.get_network("citydir").get_contract("citydir")
    assert contract.evaluate("GetCatalog", args=['{"id":"x"}']) == b'GetCatalog|{"id":"x"}'
    (request,) = peers[0].fake.requests
    assert request.channel_id == "citydir"
    assert list(request.target_organizations) == []


def test_evaluate_with_transient_and_target_orgs(gw: Gateway, peers: list[Peer]) -> None:
    contract = gw.get_network("citydir").get_contract("citydir")
    result = contract.evaluate(
        "Transient", transient={"secret": b"s3"}, endorsing_organizations=["HealthMSP"]
    )
    assert result == b"s3"
    assert list(peers[0].fake.requests[0].target_organizations) == ["HealthMSP"]


def test_proposal_options_also_go_positionally(gw: Gateway, peers: list[Peer]) -> None:
    # As tests/integration/directory_client.py calls them: (function, args, transient, orgs).
    contract = gw.get_network("citydir").get_contract("citydir")
    assert contract.evaluate("Transient", [], {"secret": b"s3"}, ["HealthMSP"]) == b"s3"
    assert list(peers[0].fake.requests[0].target_organizations) == ["HealthMSP"]
    result, commit = contract.submit_async("CreateCatalog", ["{}"], None, ["HealthMSP"])
    assert result == b"CreateCatalog|{}"
    assert list(peers[0].fake.requests[1].endorsing_organizations) == ["HealthMSP"]
    assert commit.status().successful
    assert contract.submit("CreateCatalog", ["{}"]) == b"CreateCatalog|{}"
    with pytest.raises(TypeError):
        contract.evaluate("Ping", (), None, None, "one too many")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        contract.evaluate("Ping", arguments=["{}"])  # type: ignore[call-arg]


def test_proposal_options_are_one_type() -> None:
    options = ProposalOptions(args=["a"], transient={"k": "v"}, endorsing_organizations=["HealthMSP"])
    assert (options.args, options.transient, options.endorsing_organizations) == (
        ("a",),
        {"k": "v"},
        ("HealthMSP",),
    )
    expected = list(inspect.signature(ProposalOptions).parameters)
    for method in (Contract.new_proposal, Contract.evaluate, Contract.submit, Contract.submit_async):
        assert list(inspect.signature(method).parameters) == ["self", "function", *expected]


def test_submit_endorses_orders_and_waits_for_commit(gw: Gateway, peers: list[Peer]) -> None:
    contract = gw.get_network("citydir").get_contract("citydir")
    assert contract.submit("CreateCatalog", args=["{}"]) == b"CreateCatalog|{}"
    assert peers[0].fake.calls == ["Endorse", "Submit", "CommitStatus"]
    endorse, submit, status = peers[0].fake.requests
    assert endorse.transaction_id == submit.transaction_id
    assert gateway_pb2.CommitStatusRequest.FromString(status.request).transaction_id == endorse.transaction_id


def test_submit_async_and_commit_status(gw: Gateway, peers: list[Peer]) -> None:
    network = gw.get_network("citydir")
    result, commit = network.get_contract("citydir").submit_async("CreateCatalog", args=["a", "b"])
    assert result == b"CreateCatalog|a|b"
    status = commit.status()
    assert status.tx_id == commit.tx_id
    assert (status.code, status.code_name, status.successful, status.block_number) == (0, "VALID", True, 9)
    assert commit.status() is status  # final, so cached
    assert peers[0].fake.calls.count("CommitStatus") == 1
    assert network.get_commit_status(commit.tx_id).code_name == "VALID"


def test_proposal_steps(gw: Gateway, peers: list[Peer]) -> None:
    contract = gw.get_network("citydir").get_contract("citydir", contract_name="directory")
    proposal = contract.new_proposal("Ping", args=["{}"], endorsing_organizations=["HealthMSP"])
    proposed = gateway_pb2.ProposedTransaction.FromString(proposal.bytes())
    assert proposed.transaction_id == proposal.tx_id
    assert list(proposed.endorsing_organizations) == ["HealthMSP"]
    assert proposal.digest() == hashlib.sha256(proposed.proposal.proposal_bytes).digest()
    transaction = proposal.endorse()
    assert transaction.tx_id == proposal.tx_id
    assert transaction.result == b"directory:Ping|{}"
    assert list(peers[0].fake.requests[0].endorsing_organizations) == ["HealthMSP"]
    commit = transaction.submit()
    assert commit.status().successful


# -- failures --------------------------------------------------------------------------------------
def test_evaluate_chaincode_error(gw: Gateway) -> None:
    contract = gw.get_network("citydir").get_contract("citydir")
    with pytest.raises(GatewayError) as info:
        contract.evaluate("Fail")
    err = info.value
    assert err.code == grpc.StatusCode.UNKNOWN
    assert err.details == [
        ErrorDetail(
            "peer0.health.citydir.local:7051", "HealthMSP", f"chaincode response 500, {CHAINCODE_ERROR}"
        )
    ]
    assert chaincode_message(err) == CHAINCODE_ERROR


def test_endorse_error_has_per_endorser_details(gw: Gateway) -> None:
    contract = gw.get_network("citydir").get_contract("citydir")
    proposal = contract.new_proposal("Fail")
    with pytest.raises(EndorseError) as info:
        proposal.endorse()
    err = info.value
    assert err.code == grpc.StatusCode.ABORTED
    assert err.tx_id == proposal.tx_id
    assert [d.address for d in err.details] == [
        "peer0.health.citydir.local:7051",
        "peer1.health.citydir.local:8051",
    ]
    assert chaincode_message(err) == CHAINCODE_ERROR
    with pytest.raises(EndorseError):
        contract.submit("Fail")


def test_commit_invalid_raises_commit_error(gw: Gateway, peers: list[Peer]) -> None:
    peers[0].fake.commit_codes["UpdateCatalog"] = transaction_pb2.MVCC_READ_CONFLICT
    contract = gw.get_network("citydir").get_contract("citydir")
    with pytest.raises(CommitError) as info:
        contract.submit("UpdateCatalog", args=["{}"])
    err = info.value
    assert err.code_name == "MVCC_READ_CONFLICT"
    assert err.code == transaction_pb2.MVCC_READ_CONFLICT
    assert err.block_number == 9
    assert len(err.tx_id) == 64
    # submit_async leaves the decision to the caller.
    _, commit = contract.submit_async("UpdateCatalog", args=["{}"])
    status = commit.status()
    assert (status.successful, status.code_name) == (False, "MVCC_READ_CONFLICT")


def test_orderer_rejection_is_submit_error(gw: Gateway) -> None:
    transaction = gw.get_network("citydir").get_contract("citydir").new_proposal("OrdererRejects").endorse()
    with pytest.raises(SubmitError) as info:
        transaction.submit()
    assert info.value.code == grpc.StatusCode.ABORTED
    assert info.value.tx_id == transaction.tx_id


def test_commit_status_deadline(peers: list[Peer], user: User) -> None:
    gateway = connect(
        peers[0].channel, user.identity, new_private_key_signer(user.key), commit_status_timeout=0.2
    )
    with pytest.raises(CommitStatusError) as info:
        gateway.get_network("citydir").get_commit_status("f" * 64)
    assert info.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert info.value.tx_id == "f" * 64


def test_wrong_key_is_rejected_by_the_peer(peers: list[Peer], user: User) -> None:
    other_key = ec.generate_private_key(ec.SECP256R1())
    gateway = connect(peers[0].channel, user.identity, new_private_key_signer(other_key))
    with pytest.raises(GatewayError) as info:
        gateway.get_network("citydir").get_contract("citydir").evaluate("Ping")
    assert info.value.code == grpc.StatusCode.PERMISSION_DENIED


# -- failover --------------------------------------------------------------------------------------
def test_failover_from_unreachable_peer(peers: list[Peer], user: User) -> None:
    dead = new_grpc_channel(dead_address())
    try:
        gateway = connect([dead, peers[0].channel], user.identity, new_private_key_signer(user.key))
        contract = gateway.get_network("citydir").get_contract("citydir")
        assert contract.evaluate("Ping") == b"Ping"
        assert contract.submit("CreateCatalog", args=["{}"]) == b"CreateCatalog|{}"
        assert peers[0].fake.calls == ["Evaluate", "Endorse", "Submit", "CommitStatus"]
    finally:
        dead.close()


def test_failover_when_peer_reports_unavailable(peers: list[Peer], user: User) -> None:
    peers[0].fake.unavailable = True
    gateway = connect([p.channel for p in peers], user.identity, new_private_key_signer(user.key))
    network = gateway.get_network("citydir")
    assert network.get_contract("citydir").evaluate("Ping") == b"Ping"
    assert peers[0].fake.calls == ["Evaluate"]
    assert peers[1].fake.calls == ["Evaluate"]
    # The working peer is now preferred: the down one is not tried first again.
    network.get_contract("citydir").submit("CreateCatalog", args=["{}"])
    assert peers[0].fake.calls == ["Evaluate"]
    assert peers[1].fake.calls == ["Evaluate", "Endorse", "Submit", "CommitStatus"]


def test_all_peers_unavailable(peers: list[Peer], user: User) -> None:
    for peer in peers:
        peer.fake.unavailable = True
    gateway = connect([p.channel for p in peers], user.identity, new_private_key_signer(user.key))
    with pytest.raises(EndorseError) as info:
        gateway.get_network("citydir").get_contract("citydir").submit("CreateCatalog")
    assert info.value.code == grpc.StatusCode.UNAVAILABLE


def test_submit_does_not_fail_over(peers: list[Peer], user: User) -> None:
    signer = new_private_key_signer(user.key)
    endorsed = connect(peers[1].channel, user.identity, signer).get_network("citydir")
    transaction = endorsed.get_contract("citydir").new_proposal("CreateCatalog").endorse()

    peers[0].fake.unavailable = True
    gateway = connect([p.channel for p in peers], user.identity, signer)
    resubmit = gateway.new_signed_transaction(transaction.bytes(), signer(transaction.digest()))
    with pytest.raises(SubmitError) as info:
        resubmit.submit()
    assert info.value.code == grpc.StatusCode.UNAVAILABLE
    assert "Submit" not in peers[1].fake.calls


# -- offline signing -------------------------------------------------------------------------------
def test_offline_signing_flow_without_signer(peers: list[Peer], user: User) -> None:
    sign = new_private_key_signer(user.key)  # held "elsewhere"
    gateway = connect(peers[0].channel, user.identity, None)
    contract = gateway.get_network("citydir").get_contract("citydir")

    unsigned = contract.new_proposal("CreateCatalog", args=["{}"])
    with pytest.raises(RuntimeError, match="no signer"):
        unsigned.endorse()
    proposal = gateway.new_signed_proposal(unsigned.bytes(), sign(unsigned.digest()))
    assert proposal.tx_id == unsigned.tx_id
    assert proposal.channel_id == "citydir"

    endorsed = proposal.endorse()
    transaction = gateway.new_signed_transaction(endorsed.bytes(), sign(endorsed.digest()))
    assert transaction.result == b"CreateCatalog|{}"
    assert transaction.tx_id == proposal.tx_id

    unsigned_commit = transaction.submit()
    commit = gateway.new_signed_commit(unsigned_commit.bytes(), sign(unsigned_commit.digest()))
    assert commit.tx_id == proposal.tx_id
    assert commit.status().successful

    peers[0].fake.event_blocks = {3: [event("citydir", "t1", "CatalogCreated")]}
    request = gateway.get_network("citydir").new_chaincode_events_request("citydir", start_block=0)
    signed = gateway.new_signed_chaincode_events_request(request.bytes(), sign(request.digest()))
    with signed.events() as events:
        assert next(events).tx_id == "t1"


# -- events ----------------------------------------------------------------------------------------
def ledger_with_events(fake: FakeGateway) -> None:
    fake.event_blocks = {
        2: [event("citydir", "t1", "CatalogCreated"), event("other", "o1", "X")],
        4: [
            event("citydir", "t2", "CatalogUpdated"),
            event("citydir", "t3", "CatalogPublished", b'{"id":"c"}'),
        ],
        5: [event("other", "o2", "Y")],
        7: [event("citydir", "t4", "GrantRevoked")],
    }
    fake.ledger_height = 6


def test_chaincode_events_stream_and_resume(gw: Gateway, peers: list[Peer]) -> None:
    ledger_with_events(peers[0].fake)
    network = gw.get_network("citydir")
    with network.chaincode_events("citydir", start_block=0) as events:
        seen = [next(events) for _ in range(3)]
    assert seen == [
        ChaincodeEvent(2, "t1", "citydir", "CatalogCreated", b"{}"),
        ChaincodeEvent(4, "t2", "citydir", "CatalogUpdated", b"{}"),
        ChaincodeEvent(4, "t3", "citydir", "CatalogPublished", b'{"id":"c"}'),
    ]
    # Resume after t2 (mid-block): t3 is next, nothing is repeated.
    last = seen[1]
    with network.chaincode_events(
        "citydir", start_block=last.block_number, after_transaction_id=last.tx_id
    ) as events:
        assert [next(events).tx_id, next(events).tx_id] == ["t3", "t4"]
    # Default start: the next block committed.
    with network.chaincode_events("citydir") as events:
        assert next(events).tx_id == "t4"
    request = gateway_pb2.ChaincodeEventsRequest.FromString(peers[0].fake.requests[-1].request)
    assert request.start_position.WhichOneof("Type") == "next_commit"


def test_close_ends_iteration_and_the_server_stream(gw: Gateway, peers: list[Peer]) -> None:
    ledger_with_events(peers[0].fake)
    events = gw.get_network("citydir").chaincode_events("citydir", start_block=7)
    assert next(events).tx_id == "t4"
    # next() now blocks waiting for new blocks; closing from another thread releases it.
    timer = threading.Timer(0.2, events.close)
    timer.start()
    with pytest.raises(StopIteration):
        next(events)
    timer.join()
    assert peers[0].fake.stream_ended.wait(5)
    assert list(events) == []


def test_gateway_close_stops_streams(gw: Gateway, peers: list[Peer]) -> None:
    ledger_with_events(peers[0].fake)
    events = gw.get_network("citydir").chaincode_events("citydir", start_block=0)
    assert next(events).tx_id == "t1"
    gw.close()
    assert list(events) == []
    with pytest.raises(RuntimeError, match="closed"):
        gw.get_network("citydir").get_contract("citydir").evaluate("Ping")


def test_events_fail_over_from_unreachable_peer(peers: list[Peer], user: User) -> None:
    ledger_with_events(peers[0].fake)
    dead = new_grpc_channel(dead_address())
    try:
        gateway = connect([dead, peers[0].channel], user.identity, new_private_key_signer(user.key))
        with gateway.get_network("citydir").chaincode_events("citydir", start_block=7) as events:
            assert next(events).tx_id == "t4"
    finally:
        dead.close()


def test_events_stream_error_is_gateway_error(peers: list[Peer], user: User) -> None:
    peers[0].fake.unavailable = True
    gateway = connect(peers[0].channel, user.identity, new_private_key_signer(user.key))
    events = gateway.get_network("citydir").chaincode_events("citydir")
    with pytest.raises(GatewayError) as info:
        next(events)
    assert info.value.code == grpc.StatusCode.UNAVAILABLE


# -- ledger (qscc) -----------------------------------------------------------------------------------
def test_ledger_queries_via_qscc(gw: Gateway, peers: list[Peer]) -> None:
    network = gw.get_network("citydir")
    assert network.block_height() == 10
    assert network.get_block(4).header.number == 4
    assert network.get_transaction_validation("a" * 64) == ("VALID", 9)
    invoked = []
    for request in peers[0].fake.requests:
        proposal = proposal_pb2.Proposal.FromString(request.proposed_transaction.proposal_bytes)
        payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
        spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(payload.input).chaincode_spec
        invoked.append((spec.chaincode_id.name, [a.decode() for a in spec.input.args]))
    assert peers[0].fake.calls == ["Evaluate"] * 4
    assert invoked == [
        ("qscc", ["GetChainInfo", "citydir"]),
        ("qscc", ["GetBlockByNumber", "citydir", "4"]),
        ("qscc", ["GetTransactionByID", "citydir", "a" * 64]),
        ("qscc", ["GetBlockByTxID", "citydir", "a" * 64]),
    ]


# -- TLS -------------------------------------------------------------------------------------------
def test_tls_channel_with_server_name_override(user: User) -> None:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = make_cert("tlsca.health.citydir.local", ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = make_cert(
        "peer0.health.citydir.local",
        server_key,
        (ca_cert.subject, ca_key),
        dns_names=("peer0.health.citydir.local",),
    )
    fake = FakeGateway(user.key.public_key(), user.identity.serialize())
    server, port = start_server(fake, grpc.ssl_server_credentials([(key_pem(server_key), pem(server_cert))]))
    good = new_grpc_channel(
        f"127.0.0.1:{port}", tls_root_cert=pem(ca_cert), server_name_override="peer0.health.citydir.local"
    )
    wrong_name = new_grpc_channel(f"127.0.0.1:{port}", tls_root_cert=pem(ca_cert))
    try:
        signer = new_private_key_signer(user.key)
        assert (
            connect(good, user.identity, signer).get_network("c").get_contract("cc").evaluate("Ping")
            == b"Ping"
        )
        with pytest.raises(GatewayError) as info:
            connect(wrong_name, user.identity, signer).get_network("c").get_contract("cc").evaluate("Ping")
        assert info.value.code == grpc.StatusCode.UNAVAILABLE
    finally:
        good.close()
        wrong_name.close()
        server.stop(grace=None)


def test_channel_argument_validation() -> None:
    with pytest.raises(ValueError):
        new_grpc_channel("127.0.0.1:1", client_cert=b"x", client_key=b"y")
    with pytest.raises(ValueError):
        new_grpc_channel("127.0.0.1:1", tls_root_cert=b"x", client_cert=b"x")


def test_args_must_be_a_sequence(gw: Gateway) -> None:
    with pytest.raises(TypeError):
        gw.get_network("citydir").get_contract("citydir").new_proposal("Fn", args="{}")
