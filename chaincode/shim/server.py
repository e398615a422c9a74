"""Chaincode-as-a-service: a gRPC server implementing ``protos.Chaincode/Connect``.

Each peer that has the chaincode package installed dials in and opens one long-lived
``Connect`` stream; every stream gets its own ``StreamHandler``, which runs that stream's
transactions, and all streams share one gate that counts them for a graceful shutdown.
gRPC is served by ``chaincode.shim.http2``: one thread per connection, which reads, runs the
transactions and writes (see there why not grpcio's server).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from chaincode.shim.handler import DEFAULT_REQUEST_TIMEOUT, WATCH_INTERVAL, StreamHandler, TransactionGate
from chaincode.shim.http2 import Connection, Settings, Stream
from chaincode.shim.transaction import Contract

log = logging.getLogger("chaincode.shim.server")

CONNECT = "/protos.Chaincode/Connect"
# Fabric's peer and Go shim both allow 100 MiB messages.
MAX_MESSAGE_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_STREAMS = 32
DEFAULT_SHUTDOWN_GRACE = 10.0
# A client that has not finished its TLS handshake and HTTP/2 preface by then is dropped.
HANDSHAKE_TIMEOUT = 10.0


@dataclass(frozen=True)
class TlsConfig:
    """PEM material for the server; with ``client_ca`` set, peers must present a certificate."""

    cert: bytes
    key: bytes
    client_ca: bytes | None = None


class ChaincodeServer:
    """A started chaincode server; ``port`` is the bound port (useful with port 0).

    Raises OSError when it cannot listen on ``address``.
    """

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
        self._contract = contract
        self._chaincode_id = chaincode_id
        self._request_timeout = request_timeout
        self._gate = TransactionGate()
        self._tls = _tls_context(tls) if tls is not None else None
        self._lock = threading.Lock()
        self._streams = 0
        self._max_streams = max_streams
        self._connections: dict[Connection, threading.Thread] = {}
        self._stopping = False
        # Beyond max_streams a peer gets RESOURCE_EXHAUSTED instead of a stream that never starts.
        self._settings = Settings(
            admit=self._admit,
            release=self._release,
            max_message=MAX_MESSAGE_BYTES,
            tick=min(WATCH_INTERVAL, request_timeout / 4),
        )
        self._listener = _listen(address)
        self.port: int = self._listener.getsockname()[1]
        self.address = address
        threading.Thread(target=self._accept, name="cc-accept", daemon=True).start()
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
        with self._lock:  # from here no connection registers (see _serve)
            self._stopping = True
        with contextlib.suppress(OSError):  # wakes the acceptor, which then finds the listener closed
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            connections = dict(self._connections)
        for connection in connections:
            connection.close()
        for thread in connections.values():
            thread.join(timeout=1.0)
        log.info("chaincode server stopped")

    def _accept(self) -> None:
        while True:
            try:
                sock, address = self._listener.accept()
            except OSError as exc:
                if self._stopping:  # the listener was closed
                    return
                # Out of file descriptors, say: the peers dial again, so keep accepting.
                log.error("cannot accept a connection: %s", exc)
                time.sleep(0.1)
                continue
            threading.Thread(
                target=self._serve,
                args=(sock, f"{address[0]}:{address[1]}"),
                name="cc-connection",
                daemon=True,
            ).start()

    def _serve(self, sock: socket.socket, peer: str) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(HANDSHAKE_TIMEOUT)
        if self._tls is not None:
            try:
                sock = self._tls.wrap_socket(sock, server_side=True)
            except (OSError, ssl.SSLError) as exc:
                log.warning("TLS handshake with %s failed: %s", peer, exc)
                sock.close()
                return
        try:
            connection = Connection(sock, peer, {CONNECT: self._connect}, self._settings)
        except OSError as exc:
            log.error("cannot serve %s: %s", peer, exc)
            sock.close()
            return
        with self._lock:
            self._connections[connection] = threading.current_thread()
            if self._stopping:  # accepted before stop(), past its TLS handshake after it
                connection.close()  # it says GOAWAY as soon as it has read the preface
        try:
            connection.serve()
        finally:
            with self._lock:
                self._connections.pop(connection, None)

    def _connect(self, stream: Stream) -> StreamHandler:
        handler = StreamHandler(self._contract, self._chaincode_id, self._gate, stream, self._request_timeout)
        handler.start()
        return handler

    def _admit(self) -> bool:
        with self._lock:
            if self._streams >= self._max_streams:
                return False
            self._streams += 1
            return True

    def _release(self) -> None:
        with self._lock:
            self._streams -= 1


def _listen(address: str) -> socket.socket:
    host, _, port = address.rpartition(":")
    family, kind, proto, _, where = socket.getaddrinfo(
        host.strip("[]") or None, int(port), type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listener = socket.socket(family, kind, proto)
    try:
        # Rebinding over connections in TIME_WAIT is fine; SO_REUSEPORT is never set, so a
        # second server on the same port fails to start instead of sharing the peers.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(where)
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener


def _tls_context(tls: TlsConfig) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["h2"])  # gRPC clients require it
    # ssl loads a certificate and key only from files: a private directory, gone at once.
    with tempfile.TemporaryDirectory(prefix="citydir-tls-") as directory:
        cert, key = Path(directory, "cert.pem"), Path(directory, "key.pem")
        cert.write_bytes(tls.cert)
        key.write_bytes(tls.key)
        context.load_cert_chain(cert, key)
    if tls.client_ca is not None:
        context.load_verify_locations(cadata=tls.client_ca.decode("ascii"))
        context.verify_mode = ssl.CERT_REQUIRED
    return context


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
