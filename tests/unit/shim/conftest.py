"""Fixtures: a real chaincode server on a loopback port, and fake peers dialling into it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypedDict, Unpack

import grpc
import pytest

from chaincode.shim.api import OK, ChaincodeStub, Response
from chaincode.shim.server import ChaincodeServer
from tests.unit.shim.fake_peer import FakePeer

PACKAGE_ID = "citydir_1.0:4f6c2a0b9d1e8c7a6b5f4e3d2c1b0a99887766554433221100ffeeddccbbaa99"

Body = Callable[[ChaincodeStub], Response]


class PeerOptions(TypedDict, total=False):
    """FakePeer's keyword arguments, which ``connect(...)`` passes on."""

    batch_size: int
    write_batch: int
    get_multiple: int
    credentials: grpc.ChannelCredentials | None
    server_name: str | None


class ScriptedContract:
    """A contract whose functions each test defines: ``contract.functions["name"] = body``."""

    def __init__(self) -> None:
        self.functions: dict[str, Body] = {}
        self.init_calls = 0

    def init(self, stub: ChaincodeStub) -> Response:
        self.init_calls += 1
        return Response(status=OK, payload=b"initialised")

    def invoke(self, stub: ChaincodeStub) -> Response:
        function, _ = stub.get_function_and_parameters()
        return self.functions[function](stub)


@pytest.fixture
def contract() -> ScriptedContract:
    return ScriptedContract()


@pytest.fixture
def server(contract: ScriptedContract) -> Iterator[ChaincodeServer]:
    running = ChaincodeServer(contract, "127.0.0.1:0", PACKAGE_ID, request_timeout=5.0)
    yield running
    running.stop(grace=1.0)


@pytest.fixture
def connect(server: ChaincodeServer) -> Iterator[Callable[..., FakePeer]]:
    peers: list[FakePeer] = []

    def dial(**options: Unpack[PeerOptions]) -> FakePeer:
        peer = FakePeer(f"127.0.0.1:{server.port}", **options)
        peers.append(peer)
        return peer.connect()

    yield dial
    for peer in peers:
        peer.close()


@pytest.fixture
def peer(connect: Callable[..., FakePeer]) -> FakePeer:
    return connect()
