"""The chaincode server's HTTP/2: what grpcio clients do not exercise, driven frame by frame.

A ``Connection`` serves one end of a socket pair on a thread; the test speaks raw HTTP/2 on
the other end, so padding, CONTINUATION, flow control, pings and protocol errors are all
under the test's control.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import hpack
import pytest

from chaincode.shim import http2
from chaincode.shim.http2 import Connection, Settings, Stream

PATH = "/test.Echo/Stream"
BROKEN = "/test.Echo/Broken"
REQUEST = [(":method", "POST"), (":scheme", "http"), (":path", PATH), (":authority", "x"),
           ("content-type", "application/grpc"), ("te", "trailers")]  # fmt: skip


@dataclass
class Echo:
    """Answers each message with itself; ``big`` answers with that many bytes instead."""

    stream: Stream
    big: int = 0
    received: list[bytes] = field(default_factory=list)
    ended_with: list[str] = field(default_factory=list)

    def receive(self, message: bytes) -> None:
        self.received.append(message)
        if message == b"fail":
            raise http2.StreamFailure(http2.GRPC_INTERNAL, "asked to fail")
        self.stream.send(b"x" * self.big if self.big else message)

    def tick(self, now: float) -> None:
        pass

    def ended(self, reason: str) -> None:
        self.ended_with.append(reason)


class Client:
    """The test's end: raw frames out, parsed frames in."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(5)
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self._buffer = b""
        self.headers: dict[str, str] = {}

    def send(self, kind: int, flags: int, stream_id: int, payload: bytes = b"") -> None:
        self.sock.sendall(
            struct.pack(">I", len(payload))[1:]
            + bytes([kind, flags])
            + struct.pack(">I", stream_id)
            + payload
        )

    def start(self) -> None:
        self.sock.sendall(http2.PREFACE)
        self.send(http2.SETTINGS, 0, 0)

    def frame(self) -> tuple[int, int, int, bytes]:
        while len(self._buffer) < 9 or len(self._buffer) < 9 + int.from_bytes(self._buffer[:3], "big"):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("server closed the connection")
            self._buffer += chunk
        length = int.from_bytes(self._buffer[:3], "big")
        kind, flags = self._buffer[3], self._buffer[4]
        stream_id = struct.unpack(">I", self._buffer[5:9])[0]
        payload, self._buffer = self._buffer[9 : 9 + length], self._buffer[9 + length :]
        return kind, flags, stream_id, payload

    def sync(self) -> None:
        """Wait until the server has handled every frame sent so far (it answers in order)."""
        self.send(http2.PING, 0, 0, b"syncsync")
        while self.until(http2.PING) != (http2.ACK, b"syncsync"):
            pass

    def until(self, kind: int, stream_id: int | None = None) -> tuple[int, bytes]:
        """Skip frames up to the next of ``kind``; HEADERS blocks are decoded as they pass."""
        while True:
            got, flags, sid, payload = self.frame()
            if got == http2.HEADERS:
                self.headers = {str(name): str(value) for name, value in self.decoder.decode(payload)}
            if got == kind and (stream_id is None or sid == stream_id):
                return flags, payload

    def trailers(self, stream_id: int) -> None:
        """Skip to the block that ends the stream; ``headers`` then holds it."""
        flags = 0
        while not flags & http2.END_STREAM:
            flags, _ = self.until(http2.HEADERS, stream_id)

    def message(self, stream_id: int) -> bytes:
        data = b""
        while len(data) < 5 or len(data) < 5 + struct.unpack(">I", data[1:5])[0]:
            _, payload = self.until(http2.DATA, stream_id)
            data += payload
        return data[5:]


def grpc_message(body: bytes) -> bytes:
    return struct.pack(">BI", 0, len(body)) + body


Served = tuple[Client, list[Echo], Connection]


def settings(**timing: float) -> Settings:
    """Every stream admitted; ``timing`` overrides tick and keepalive."""
    return Settings(admit=lambda: True, release=lambda: None, max_message=1024 * 1024, **timing)


def serve(settings: Settings) -> Iterator[Served]:
    server_end, client_end = socket.socketpair()
    handlers: list[Echo] = []

    def method(stream: Stream) -> Echo:
        handlers.append(Echo(stream))
        return handlers[-1]

    def broken(stream: Stream) -> Echo:
        raise RuntimeError("cannot start")

    connection = Connection(server_end, "test", {PATH: method, BROKEN: broken}, settings)
    thread = threading.Thread(target=connection.serve, daemon=True)
    thread.start()
    client = Client(client_end)
    client.start()
    yield client, handlers, connection
    connection.close()
    thread.join(5)
    client_end.close()


@pytest.fixture
def served() -> Iterator[Served]:
    yield from serve(settings(tick=0.05))


@pytest.fixture
def impatient() -> Iterator[Served]:
    """Pings after 0.3 s of silence, and gives up 0.3 s later."""
    yield from serve(settings(tick=0.05, keepalive=0.3, keepalive_timeout=0.3))


def test_continuation_and_padded_data_reach_the_handler(served: Served) -> None:
    client, handlers, _ = served
    block = client.encoder.encode(REQUEST)
    client.send(http2.HEADERS, 0, 1, block[:3])
    client.send(http2.CONTINUATION, http2.END_HEADERS, 1, block[3:])
    body = grpc_message(b"hello")
    client.send(http2.DATA, http2.PADDED, 1, bytes([4]) + body[:4] + b"\0" * 4)  # a message split
    client.send(http2.DATA, 0, 1, body[4:])
    assert client.message(1) == b"hello"
    assert client.headers[":status"] == "200"
    assert handlers[0].received == [b"hello"]


def test_a_reply_larger_than_the_window_waits_for_window_updates(
    served: Served,
) -> None:
    client, handlers, _ = served
    client.send(http2.HEADERS, http2.END_HEADERS, 1, client.encoder.encode(REQUEST))
    client.until(http2.HEADERS, 1)
    handlers[0].big = 200_000  # three times the default window of 65,535 bytes
    client.send(http2.DATA, 0, 1, grpc_message(b"go"))
    received = 0
    while received < 65_535:  # the window's worth, and then nothing more
        _, payload = client.until(http2.DATA, 1)
        received += len(payload)
    assert received == 65_535
    client.sock.settimeout(0.3)
    with pytest.raises(TimeoutError):
        client.frame()
    client.sock.settimeout(5)
    increment = struct.pack(">I", 300_000)
    client.send(http2.WINDOW_UPDATE, 0, 0, increment)
    client.send(http2.WINDOW_UPDATE, 0, 1, increment)
    while received < 200_005:
        _, payload = client.until(http2.DATA, 1)
        received += len(payload)
    assert received == 200_005


def test_unknown_method_and_non_grpc_requests_are_answered_unimplemented(
    served: Served,
) -> None:
    client, handlers, _ = served
    other = [(name, "/test.Echo/Other" if name == ":path" else value) for name, value in REQUEST]
    client.send(http2.HEADERS, http2.END_HEADERS, 1, client.encoder.encode(other))
    client.until(http2.HEADERS, 1)
    assert client.headers["grpc-status"] == str(http2.GRPC_UNIMPLEMENTED)
    assert "unknown method /test.Echo/Other" in client.headers["grpc-message"]
    get = [(name, "GET" if name == ":method" else value) for name, value in REQUEST]
    client.send(http2.HEADERS, http2.END_HEADERS, 3, client.encoder.encode(get))
    client.until(http2.HEADERS, 3)
    assert client.headers["grpc-status"] == str(http2.GRPC_UNIMPLEMENTED)
    assert handlers == []


def test_a_handler_failure_ends_its_stream_with_its_status(served: Served) -> None:
    client, handlers, _ = served
    client.send(http2.HEADERS, http2.END_HEADERS, 1, client.encoder.encode(REQUEST))
    client.send(http2.DATA, 0, 1, grpc_message(b"fail"))
    client.trailers(1)
    assert client.headers["grpc-status"] == str(http2.GRPC_INTERNAL)
    assert client.headers["grpc-message"] == "asked to fail"
    assert handlers[0].ended_with == ["asked to fail"]


def test_compressed_messages_are_refused(served: Served) -> None:
    client, handlers, _ = served
    client.send(http2.HEADERS, http2.END_HEADERS, 1, client.encoder.encode(REQUEST))
    client.send(http2.DATA, 0, 1, struct.pack(">BI", 1, 2) + b"zz")
    client.trailers(1)
    assert client.headers["grpc-status"] == str(http2.GRPC_UNIMPLEMENTED)
    assert handlers[0].received == []


def test_pings_are_answered_and_a_silent_client_is_dropped(impatient: Served) -> None:
    client, handlers, _ = impatient
    client.send(http2.PING, 0, 0, b"12345678")
    flags, payload = client.until(http2.PING)
    assert (flags, payload) == (http2.ACK, b"12345678")
    client.send(http2.HEADERS, http2.END_HEADERS, 1, client.encoder.encode(REQUEST))
    # Now silent: after keepalive (0.3 s) the server pings; unanswered, it ends the connection.
    flags, _ = client.until(http2.PING)
    assert flags == 0
    with pytest.raises(EOFError):
        while True:
            client.frame()
    assert handlers[0].ended_with and "keepalive" in handlers[0].ended_with[0]


def test_a_protocol_violation_ends_the_connection_with_goaway(served: Served) -> None:
    client, _, _ = served
    client.send(http2.HEADERS, http2.END_HEADERS, 2, client.encoder.encode(REQUEST))  # even: a server's id
    _, payload = client.until(http2.GOAWAY)
    assert struct.unpack(">II", payload[:8])[1] == http2.PROTOCOL_ERROR
    assert b"stream 2 cannot be opened" in payload[8:]


def test_close_ends_open_streams_with_status_ok_then_goaway(served: Served) -> None:
    client, handlers, connection = served
    client.send(http2.HEADERS, http2.END_HEADERS, 1, client.encoder.encode(REQUEST))
    client.until(http2.HEADERS, 1)
    connection.close()
    flags, _ = client.until(http2.HEADERS, 1)
    assert flags & http2.END_STREAM and client.headers["grpc-status"] == "0"
    client.until(http2.GOAWAY)
    assert handlers[0].ended_with


def test_a_client_that_is_not_http2_is_dropped() -> None:
    server_end, client_end = socket.socketpair()
    thread = threading.Thread(target=Connection(server_end, "test", {}, settings()).serve, daemon=True)
    thread.start()
    client_end.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    client_end.settimeout(5)
    with contextlib.suppress(ConnectionResetError):  # or reset, for the bytes it left unread
        assert client_end.recv(100) == b""
    thread.join(5)
    assert not thread.is_alive()


def test_a_call_that_fails_to_start_ends_with_trailers_only_after_its_headers(served: Served) -> None:
    client, _, _ = served
    broken = [(name, BROKEN if name == ":path" else value) for name, value in REQUEST]
    client.send(http2.HEADERS, http2.END_HEADERS, 1, client.encoder.encode(broken))
    client.until(http2.HEADERS, 1)
    assert client.headers[":status"] == "200"
    flags, _ = client.until(http2.HEADERS, 1)
    assert flags & http2.END_STREAM
    assert client.headers == {
        "grpc-status": str(http2.GRPC_INTERNAL),
        "grpc-message": "the server failed to start the call",
    }


def test_nothing_is_delivered_again_once_a_stream_failed(served: Served) -> None:
    client, handlers, _ = served
    client.send(http2.SETTINGS, 0, 0, struct.pack(">HI", http2.INITIAL_WINDOW_SIZE, 0))  # our replies wait
    client.send(http2.HEADERS, http2.END_HEADERS, 1, client.encoder.encode(REQUEST))
    client.send(http2.DATA, 0, 1, grpc_message(b"tx-1") + struct.pack(">BI", 1, 2) + b"zz")  # then compressed
    for _ in range(3):
        client.send(http2.DATA, 0, 1, grpc_message(b"more"))
    client.sync()
    assert handlers[0].received == [b"tx-1"]


def test_client_trailers_on_a_stream_we_ended_leave_the_connection_serving(served: Served) -> None:
    client, _, _ = served
    client.send(http2.HEADERS, http2.END_HEADERS, 1, client.encoder.encode(REQUEST))
    client.send(http2.DATA, 0, 1, grpc_message(b"fail"))
    client.trailers(1)
    client.send(
        http2.HEADERS, http2.END_HEADERS | http2.END_STREAM, 1, client.encoder.encode([("x-late", "1")])
    )
    client.send(http2.HEADERS, http2.END_HEADERS, 3, client.encoder.encode(REQUEST))
    client.send(http2.DATA, 0, 3, grpc_message(b"still here"))
    assert client.message(3) == b"still here"
