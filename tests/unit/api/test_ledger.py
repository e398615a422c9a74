"""The seam itself: DirectoryLedger over the Fabric client (faked below the client's API)."""

from __future__ import annotations

import json
import threading
from types import SimpleNamespace
from typing import Any, cast

import grpc
import pytest

import gateway.fabric as fabric
from gateway.api.ledger import (
    ChaincodeError,
    CommitUnknown,
    EndorsementFailed,
    PeersUnavailable,
    TransactionInvalid,
)
from gateway.api.services import Services
from gateway.config import parse_config
from gateway.ledgers import fabric as adapter
from gateway.ledgers.fabric import DirectoryLedger, FabricConnector, IdentitySigner, PeerHeights
from tests.unit.api.conftest import gateway_config, tx


def _status(code_name: str = "VALID", block: int = 11) -> Any:
    return fabric.Status(tx(1), 0 if code_name == "VALID" else 11, code_name, code_name == "VALID", block)


class _Commit:
    def __init__(self, status: Any) -> None:
        self.tx_id, self._status = status.tx_id, status

    def status(self) -> Any:
        return self._status


class _Contract:
    def __init__(self, result: bytes = b"{}", status: Any = None, error: Exception | None = None) -> None:
        self.result, self.status, self.error = result, status or _status(), error
        self.calls: list[tuple[str, list[str]]] = []

    def evaluate(self, fn: str, args: list[str]) -> bytes:
        self.calls.append((fn, args))
        if self.error:
            raise self.error
        return self.result

    def new_proposal(self, fn: str, args: list[str]) -> Any:
        self.calls.append((fn, args))
        contract = self

        def endorse() -> Any:
            if contract.error:
                raise contract.error
            return SimpleNamespace(result=contract.result, submit=lambda: _Commit(contract.status))

        return SimpleNamespace(endorse=endorse)


def _ledger(
    contract: _Contract | _SubmitFails, network: Any = None
) -> tuple[DirectoryLedger, list[tuple[str, bool]]]:
    stages: list[tuple[str, bool]] = []
    ledger = DirectoryLedger(
        network=network,
        contract=cast(fabric.Contract, contract),  # a fake with the Contract methods the ledger calls
        chaincode="citydir",
        signer=IdentitySigner(cast(fabric.Identity, None), lambda digest: b""),  # never signs here
        timer=lambda stage, seconds, ok: stages.append((stage, ok)),
    )
    return ledger, stages


def _chaincode_failure(body: dict[str, Any]) -> Any:
    detail = fabric.ErrorDetail(
        "peer0.health:7051", "HealthMSP", f"chaincode response 500, {json.dumps(body)}"
    )
    return fabric.EndorseError(grpc.StatusCode.ABORTED, "failed to endorse transaction", [detail], tx(1))


def test_query_sends_one_json_argument() -> None:
    contract = _Contract(b'{"id": "health"}')
    ledger, stages = _ledger(contract)
    assert ledger.query("GetDepartment", {"id": "health", "zh": "卫生"}) == {"id": "health"}
    assert contract.calls == [("GetDepartment", ['{"id":"health","zh":"卫生"}'])]
    assert stages == [("evaluate", True)]


def test_submit_times_each_stage_and_waits() -> None:
    ledger, stages = _ledger(_Contract(b'{"id": "x"}'))
    submitted = ledger.submit("PublishCatalog", {"id": "x"})
    assert (submitted.data, submitted.tx_id, submitted.block) == ({"id": "x"}, tx(1), 11)
    assert stages == [("endorse", True), ("submit", True), ("commit", True)]


def test_submit_without_waiting() -> None:
    ledger, stages = _ledger(_Contract())
    assert ledger.submit("PublishCatalog", {"id": "x"}, wait=False).block is None
    assert [s for s, _ in stages] == ["endorse", "submit"]


def test_invalid_commit() -> None:
    ledger, _ = _ledger(_Contract(status=_status("MVCC_READ_CONFLICT", 12)))
    with pytest.raises(TransactionInvalid) as caught:
        ledger.submit("PublishCatalog", {"id": "x"})
    assert caught.value.retryable and caught.value.block == 12


def test_chaincode_error_is_parsed() -> None:
    error = _chaincode_failure(
        {"code": "FORBIDDEN", "message": "only admins", "details": {"msp": "HealthMSP"}}
    )
    ledger, stages = _ledger(_Contract(error=error))
    with pytest.raises(ChaincodeError) as caught:
        ledger.submit("PublishCatalog", {"id": "x"})
    assert (caught.value.code, caught.value.message, caught.value.details) == (
        "FORBIDDEN",
        "only admins",
        {"msp": "HealthMSP"},
    )
    assert stages == [("endorse", False)]


def test_unavailable_and_other_failures() -> None:
    down = fabric.GatewayError(grpc.StatusCode.UNAVAILABLE, "connection refused")
    with pytest.raises(PeersUnavailable):
        _ledger(_Contract(error=down))[0].query("Ping", {})
    detail = fabric.ErrorDetail("peer0.transport:9051", "TransportMSP", "policy not satisfied")
    policy = fabric.EndorseError(
        grpc.StatusCode.ABORTED, "failed to collect enough endorsements", [detail], tx(2)
    )
    with pytest.raises(EndorsementFailed) as caught:
        _ledger(_Contract(error=policy))[0].submit("PublishCatalog", {"id": "x"})
    assert caught.value.peers == [
        {"address": "peer0.transport:9051", "msp_id": "TransportMSP", "message": "policy not satisfied"}
    ]
    assert caught.value.tx_id == tx(2)
    # An org cut off from the others: the Gateway cannot plan any endorsement at all.
    unplanned = fabric.EndorseError(
        grpc.StatusCode.FAILED_PRECONDITION,
        "no combination of peers can be derived which satisfy the endorsement policy",
        [],
        tx(4),
    )
    with pytest.raises(PeersUnavailable):
        _ledger(_Contract(error=unplanned))[0].submit("PublishCatalog", {"id": "x"})


def test_commit_status_error_means_unknown() -> None:
    err = fabric.CommitStatusError(grpc.StatusCode.DEADLINE_EXCEEDED, "timeout", [], tx(3))
    with pytest.raises(CommitUnknown) as caught:
        _ledger(_Contract(error=err))[0].submit("PublishCatalog", {"id": "x"})
    assert caught.value.tx_id == tx(3)


def test_transaction_status_pending_until_found() -> None:
    missing = fabric.GatewayError(
        grpc.StatusCode.UNKNOWN,
        "evaluate call to endorser returned error: "
        "chaincode response 500, Failed to get transaction with id abc",
    )

    class Network:
        answer: Any = missing

        def get_transaction_validation(self, tx_id: str) -> Any:
            if isinstance(self.answer, Exception):
                raise self.answer
            return self.answer

        def get_block_bytes_by_tx_id(self, tx_id: str) -> bytes:
            raise missing

    network = Network()
    ledger, _ = _ledger(_Contract(), network)
    assert ledger.transaction_status(tx(1)) == ("pending", None)
    assert ledger.block_record_of(tx(1)) is None  # qscc does not have it (yet): no record, no error
    network.answer = ("VALID", 5)
    assert ledger.transaction_status(tx(1)) == ("VALID", 5)


def test_events_are_decoded() -> None:
    raw = [fabric.ChaincodeEvent(3, tx(1), "citydir", "CatalogCreated", b'{"entity":"catalog","id":"a"}')]

    class Stream(list[Any]):
        def close(self) -> None:
            self.closed = True

    stream = Stream(raw)
    network = SimpleNamespace(chaincode_events=lambda name, start_block, after_transaction_id: stream)
    events = _ledger(_Contract(), network)[0].chaincode_events(3, None)
    (event,) = list(events)
    assert (event.block, event.name, event.payload) == (3, "CatalogCreated", {"entity": "catalog", "id": "a"})
    events.close()
    assert stream.closed


def test_connector_shares_channels_and_orders_peers(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = gateway_config()
    raw["peers"] = [
        {"name": "peer0.transport", "org": "transport", "msp_id": "TransportMSP", "address": "t:9051"},
        {"name": "peer0.health", "org": "health", "msp_id": "HealthMSP", "address": "h:7051"},
    ]
    config = parse_config(raw)
    channels: list[str] = []
    connects: list[list[str]] = []

    class Gateway:
        def get_network(self, name: str) -> Any:
            return SimpleNamespace(get_contract=lambda cc: SimpleNamespace(name=cc))

    def new_grpc_channel(address: str, tls_root_cert: bytes | None, server_name_override: str | None) -> str:
        channels.append(address)
        return address

    def connect(chans: list[str], identity: Any, signer: Any, **timeouts: float) -> Gateway:
        connects.append(list(chans))
        return Gateway()

    monkeypatch.setattr(adapter, "load_identity", lambda msp, cert: (msp, cert))
    monkeypatch.setattr(adapter, "load_private_key", lambda path: path)
    monkeypatch.setattr(adapter, "new_private_key_signer", lambda key: key)
    monkeypatch.setattr(adapter, "new_grpc_channel", new_grpc_channel)
    monkeypatch.setattr(adapter, "connect", connect)
    connector = FabricConnector(config)
    # One cache of ledgers, the services': a second call for an identity reuses its connection.
    svc = Services(config, connector, None, None, None, None, None)  # type: ignore[arg-type]
    health_admin, health_client, transport = config.identities[0], config.identities[1], config.identities[2]
    first = svc.ledger_for(health_admin)
    assert svc.ledger_for(health_admin) is first
    svc.ledger_for(health_client)
    svc.ledger_for(transport)
    assert sorted(channels) == ["h:7051", "t:9051"]  # one channel per peer, shared by all identities
    assert connects[0] == ["h:7051", "t:9051"]  # own organisation's peer first
    assert ["t:9051", "h:7051"] in connects


class _SubmitFails:
    """A contract whose endorsement succeeds and whose broadcast fails with ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def new_proposal(self, fn: str, args: list[str]) -> Any:
        def submit() -> Any:
            raise self.error

        return SimpleNamespace(endorse=lambda: SimpleNamespace(result=b"{}", tx_id=tx(4), submit=submit))


def test_a_submit_that_times_out_is_unknown_not_retryable() -> None:
    # The broadcast may have reached the orderer: the caller must poll, not resubmit.
    late = fabric.SubmitError(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded", [], tx(4))
    with pytest.raises(CommitUnknown) as caught:
        _ledger(_SubmitFails(late))[0].submit("RecordUsage", {"grant_id": "g"})
    assert caught.value.tx_id == tx(4)
    refused = fabric.SubmitError(grpc.StatusCode.UNAVAILABLE, "no orderers could process", [], tx(4))
    with pytest.raises(PeersUnavailable):
        _ledger(_SubmitFails(refused))[0].submit("RecordUsage", {"grant_id": "g"})


class _Peer:
    """A peer's network whose height grows by one per look, or that cannot be reached."""

    def __init__(self, height: int, reachable: bool = True) -> None:
        self.height, self.reachable, self.looks = height, reachable, 0

    def block_height(self) -> int:
        self.looks += 1
        if not self.reachable:
            raise fabric.GatewayError(grpc.StatusCode.UNAVAILABLE, "down")
        self.height += 1
        return self.height - 1


def test_a_committed_write_waits_until_every_peer_has_its_block() -> None:
    ledger, _ = _ledger(_Contract(status=_status("VALID", 11)))
    lagging, current, down = _Peer(9), _Peer(12), _Peer(0, reachable=False)
    ledger.heights = PeerHeights([cast(fabric.Network, p) for p in (lagging, current, down)], interval=0)
    assert ledger.submit("PublishCatalog", {"id": "x"}).block == 11
    # One poller asks every peer each round: heights 9, 10, 11 lack block 11, the fourth round's
    # 12 has it; the unreachable peer is skipped, not waited for.
    assert lagging.looks >= 4 and lagging.height >= 13


def test_writers_waiting_together_share_one_poll_of_the_peers() -> None:
    peers = [_Peer(100), _Peer(100)]
    heights = PeerHeights([cast(fabric.Network, p) for p in peers], interval=0.01)
    threads = [threading.Thread(target=heights.wait_above, args=(99, 2.0)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peers[0].looks < 10  # not one look per writer (20)
