"""Chaincode-as-a-service: a gRPC server implementing ``protos.Chaincode/Connect``.

Each peer that has the chaincode package installed dials in and opens one long-lived
``Connect`` stream; every stream gets its own ``StreamHandler``, which runs that stream's
transactions, and all streams share one gate that counts them for a graceful shutdown.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import FrameType
from typing import Any

import grpc  # untyped: grpc ships no stubs

from chaincode.shim import protos
from chaincode.shim.handler import DEFAULT_REQUEST_TIMEOUT, StreamHandler, TransactionGate
from chaincode.shim.transaction import Contract

log = logging.getLogger("chaincode.shim.server")

# Fabric's peer and Go shim both allow 100 MiB messages; grpc's Python default is 4 MiB.
MAX_MESSAGE_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_STREAMS = 32
DEFAULT_SHUTDOWN_GRACE = 10.0

_GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    # The peer pings every 60 s even when idle (PermitWithoutStream); grpc's default
    # enforcement (5 min) would answer such pings with GOAWAY "too_many_pings".
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 30_000),
    # grpc binds with SO_REUSEPORT by default: a second instance on the same port would
    # silently share the peers' connections instead of failing to start.
    ("grpc.so_reuseport", 0),
    # Our own pings find peers that vanished without closing the connection.
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
]


@dataclass(frozen=True)
class TlsConfig:
    """PEM material for the server; with ``client_ca`` set, peers must present a certificate."""

    cert: bytes
    key: bytes
    client_ca: bytes | None = None


class ChaincodeServicer(protos.shim_grpc.ChaincodeServicer):  # type: ignore[misc]  # untyped base
    """The ``protos.Chaincode`` service: one StreamHandler per peer connection."""

    def __init__(
        self, contract: Contract, chaincode_id: str, gate: TransactionGate, request_timeout: float
    ) -> None:
        self._contract = contract
        self._chaincode_id = chaincode_id
        self._gate = gate
        self._request_timeout = request_timeout
        self._lock = threading.Lock()
        self._streams: set[StreamHandler] = set()

    def Connect(  # grpc names the method
        self, request_iterator: Iterator[Any], context: Any
    ) -> Iterator[Any]:
        handler = StreamHandler(
            self._contract, self._chaincode_id, self._gate, context.peer(), self._request_timeout
        )
        with self._lock:
            self._streams.add(handler)
        # Wakes the sender when the peer disconnects or the server stops.
        context.add_callback(lambda: self._closed(handler, "rpc terminated"))
        return handler.run(request_iterator)

    def close_streams(self, reason: str) -> None:
        """End every stream cleanly (status OK), so that stopping need not wait out the grace."""
        with self._lock:
            streams = list(self._streams)
        for handler in streams:
            handler.close(reason)

    def _closed(self, handler: StreamHandler, reason: str) -> None:
        handler.close(reason)
        with self._lock:
            self._streams.discard(handler)


class ChaincodeServer:
    """A started chaincode server; ``port`` is the bound port (useful with port 0)."""

    def __init__(
        self,
        contract: Contract,
        address: str,
        chaincode_id: str,
        tls: TlsConfig | None = None,
        *,
        max_streams: int = DEFAULT_MAX_STREAMS,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        if not chaincode_id:
            raise ValueError("chaincode_id (the package id, label:hash) must not be empty")
        self._gate = TransactionGate()
        # Each Connect stream holds one grpc thread for its lifetime; beyond max_streams
        # the peer gets RESOURCE_EXHAUSTED instead of a stream that never starts.
        self._server = grpc.server(
            ThreadPoolExecutor(max_workers=max_streams, thread_name_prefix="cc-stream"),
            options=_GRPC_OPTIONS,
            maximum_concurrent_rpcs=max_streams,
        )
        self._servicer = ChaincodeServicer(contract, chaincode_id, self._gate, request_timeout)
        protos.shim_grpc.add_ChaincodeServicer_to_server(self._servicer, self._server)
        if tls is None:
            self.port: int = self._server.add_insecure_port(address)
        else:
            credentials = grpc.ssl_server_credentials(
                [(tls.key, tls.cert)],
                root_certificates=tls.client_ca,
                require_client_auth=tls.client_ca is not None,
            )
            self.port = self._server.add_secure_port(address, credentials)
        self.address = address
        self._server.start()
        log.info(
            "chaincode %s listening on %s (port %d, %s)",
            chaincode_id,
            address,
            self.port,
            "mutual TLS" if tls and tls.client_ca else "TLS" if tls else "plaintext",
        )

    @property
    def accepting_transactions(self) -> bool:
        """False once ``stop`` has begun: new transactions are answered ERROR."""
        return self._gate.accepting

    def stop(self, grace: float = DEFAULT_SHUTDOWN_GRACE) -> None:
        """Finish running transactions (up to ``grace`` seconds), then close every stream."""
        if not self._gate.drain(grace):
            log.warning("stopping with transactions still running after %.0f s", grace)
        self._servicer.close_streams("chaincode server stopping")
        self._server.stop(grace=1.0).wait()
        log.info("chaincode server stopped")


def serve(contract: Contract, address: str, chaincode_id: str, tls: TlsConfig | None = None) -> None:
    """Serve until SIGTERM or SIGINT, then shut down gracefully. Call from the main thread."""
    stop_requested = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; shutting down", signal.Signals(signum).name)
        stop_requested.set()

    server = ChaincodeServer(contract, address, chaincode_id, tls)
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        stop_requested.wait()
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
