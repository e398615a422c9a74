"""The part of HTTP/2 that a gRPC server of long-lived bidirectional streams needs.

grpcio's Python server cost about 0.3 ms of CPU per message exchanged with the peer (its
framing, its threads and the hand-offs between them), and on the chaincode protocol every
ledger call is such an exchange: that was most of a transaction's CPU. Here one thread owns a
connection. It reads frames, hands each complete gRPC message to its stream's handler (which
runs the transactions, and their sends, on this same thread), and writes whatever they sent
in one system call per batch read. So a handler must never block: while it runs, the
connection's pings, flow control and other streams wait (a transaction only ever waits for
the peer, by switching back to this loop).

Implemented (RFC 9113 and gRPC's HTTP/2 mapping): the connection preface and SETTINGS, PING,
flow control both ways (what a window does not allow waits for the peer's WINDOW_UPDATE),
HEADERS with CONTINUATION (HPACK by the ``hpack`` library), DATA with padding, RST_STREAM,
GOAWAY, length-prefixed gRPC messages over any number of frames, response headers and
trailers. Not implemented, because a peer never needs it: server push, priorities (ignored,
as the RFC allows), message compression (answered UNIMPLEMENTED), methods that are not
bidirectional streams.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import select
import socket
import ssl
import string
import struct
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import hpack

log = logging.getLogger("chaincode.shim.http2")

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_FRAME_HEADER = struct.Struct(">3sBBI")  # length (24 bits), type, flags, stream id
_MESSAGE_PREFIX = struct.Struct(">BI")  # gRPC: compressed flag, length

# Frame types and flags (RFC 9113 §6).
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = (
    range(10)
)
END_STREAM = ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20
# Settings (§6.5.2) and error codes (§7).
HEADER_TABLE_SIZE, ENABLE_PUSH, MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE = 1, 2, 3, 4, 5
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, FRAME_SIZE_ERROR = 0, 1, 2, 3, 6
REFUSED_STREAM, COMPRESSION_ERROR = 7, 9

DEFAULT_FRAME = 16_384  # we never raise SETTINGS_MAX_FRAME_SIZE, so no frame may be longer
DEFAULT_WINDOW = 65_535
MAX_WINDOW = 2**31 - 1
# What the peer may send before it waits for our WINDOW_UPDATE. We read eagerly, so this only
# bounds what one connection has in flight towards us.
RECEIVE_WINDOW = 16 * 1024 * 1024
MAX_HEADER_BLOCK = 64 * 1024
# A bound per connection against abuse. The server's own limit (``Settings.admit``) is far
# lower and answers RESOURCE_EXHAUSTED: a client at this bound would instead queue its stream.
MAX_STREAMS_PER_CONNECTION = 100
_READ_SIZE = 256 * 1024
_CLOSE_GRACE = 2.0  # seconds close() waits for the peer's window to take what streams still send
_HANG_UP = 0.2  # seconds we read (and drop) what the peer still sends once we have closed our side

# gRPC status codes we answer with.
GRPC_OK, GRPC_RESOURCE_EXHAUSTED, GRPC_UNIMPLEMENTED, GRPC_INTERNAL = 0, 8, 12, 13
# grpc-message is percent-encoded outside printable ASCII (and '%' itself).
_MESSAGE_SAFE = "".join(c for c in string.printable if c not in "%\t\n\r\x0b\x0c")


class ProtocolViolation(Exception):
    """The peer broke HTTP/2: the connection ends with GOAWAY and this error code."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code


class StreamFailure(Exception):
    """A handler gives up its stream: it ends with this gRPC status and text."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


class Handler(Protocol):
    """What serves one call. Every method is called on the connection's thread."""

    def receive(self, message: bytes) -> None:
        """One complete request message. Raise StreamFailure to end the stream."""

    def tick(self, now: float) -> None:
        """About every ``Settings.tick`` seconds while the stream is open."""

    def ended(self, reason: str) -> None:
        """The stream is over: either side ended it, or the connection is gone."""


@dataclass(frozen=True)
class Settings:
    """How a server's connections behave; ``admit``/``release`` count streams server-wide."""

    admit: Callable[[], bool]
    release: Callable[[], None]
    max_message: int  # bytes; a longer message ends its stream RESOURCE_EXHAUSTED
    tick: float = 1.0
    # After this long without a byte from the peer we ping it, to find peers that vanished
    # without closing the connection; an unanswered ping ends the connection.
    keepalive: float = 60.0
    keepalive_timeout: float = 20.0


Method = Callable[["Stream"], Handler]


class Stream:
    """One call's stream, as its handler uses it."""

    def __init__(self, connection: Connection, stream_id: int, window: int) -> None:
        self._connection = connection
        self.id = stream_id
        self.peer = connection.peer
        self.send_window = window
        self.pending = bytearray()  # framed messages the windows do not allow yet
        self.trailers: tuple[int, str] | None = None  # the status it ends with, once pending is sent
        self.received = bytearray()  # the start of a message still arriving
        self.unacknowledged = 0  # bytes received since our last WINDOW_UPDATE for it
        self.handler: Handler | None = None
        self.answered = False  # response headers sent
        self.remote_closed = False

    def send(self, message: bytes) -> None:
        """Send one message (written when the connection next writes). On the connection's thread."""
        self._connection.send_message(self, message)

    def end(self, status: int = GRPC_OK, text: str = "") -> None:
        """End the stream with a gRPC status, after what it sent. From any thread."""
        self._connection.call_soon(lambda: self._connection.finish(self, status, text))


class Connection:
    """One client connection, served by the thread that calls ``serve``."""

    def __init__(
        self, sock: socket.socket, peer: str, methods: dict[str, Method], settings: Settings
    ) -> None:
        self._sock = sock
        # TLS may hold decrypted bytes that poll cannot see.
        self._tls = sock if isinstance(sock, ssl.SSLSocket) else None
        self.peer = peer
        self._methods = methods
        self._settings = settings
        self._decoder = hpack.Decoder()
        self._decoder.max_header_list_size = MAX_HEADER_BLOCK
        self._encoder = hpack.Encoder()
        self._streams: dict[int, Stream] = {}
        self._last_stream = 0
        self._send_window = DEFAULT_WINDOW
        self._peer_initial_window = DEFAULT_WINDOW
        self._peer_frame = DEFAULT_FRAME
        self._unacknowledged = 0
        self._out = bytearray()
        self._headers: tuple[int, int, bytearray] | None = None  # a header block awaiting CONTINUATION
        self._calls: collections.deque[Callable[[], None]] = collections.deque()
        self._calls_lock = threading.Lock()
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)  # a full pipe already means "wake up"
        self._gone = False
        self._closing = False  # no new streams; the connection ends with its last stream
        self._close_by: float | None = None  # when close() gives up on data the peer's window holds back
        self._last_heard = time.monotonic()
        self._ping_sent: float | None = None

    # -- from any thread -------------------------------------------------------------------

    def call_soon(self, call: Callable[[], None]) -> None:
        """Run ``call`` on the connection's thread, at its next turn."""
        with self._calls_lock:
            if self._gone:
                return
            self._calls.append(call)
            with contextlib.suppress(BlockingIOError):
                os.write(self._wake_write, b"\0")

    def close(self) -> None:
        """End every stream with status OK, say GOAWAY, and close once they are sent."""
        self.call_soon(self._close_now)

    # -- the connection's thread -----------------------------------------------------------

    def serve(self) -> None:
        reason = "peer closed the connection"
        try:
            self._handshake()
            self._loop()
        except ProtocolViolation as exc:
            reason = f"HTTP/2 error: {exc}"
            log.warning("connection from %s: %s", self.peer, exc)
            self._goaway(exc.code, str(exc))
            self._write_quietly()
        except _Ended as exc:
            reason = str(exc)
            self._write_quietly()
        except (OSError, ssl.SSLError) as exc:
            reason = f"connection lost ({exc})"
        except Exception:
            reason = "the server failed"
            log.exception("connection from %s", self.peer)
            self._goaway(INTERNAL_ERROR)
            self._write_quietly()
        finally:
            with self._calls_lock:
                self._gone = True
                os.close(self._wake_read)
                os.close(self._wake_write)
            for stream in list(self._streams.values()):
                self._forget(stream, reason)
            self._hang_up()

    def _hang_up(self) -> None:
        """Close after the peer has had time to read what we sent: closing with its bytes
        unread would reset the connection, and a reset may discard our last frames (trailers,
        GOAWAY). A peer that does not close its side is given a moment, not more."""
        with contextlib.suppress(OSError, ValueError):
            self._sock.shutdown(socket.SHUT_WR)
            self._sock.settimeout(_HANG_UP)
            deadline = time.monotonic() + _HANG_UP
            while time.monotonic() < deadline and self._sock.recv(_READ_SIZE):
                pass
        with contextlib.suppress(OSError):
            self._sock.close()

    def _handshake(self) -> None:
        preface = bytearray()
        while len(preface) < len(PREFACE):
            chunk = self._sock.recv(len(PREFACE) - len(preface))
            if not chunk:
                raise _Ended("closed before the HTTP/2 preface")
            preface += chunk
        if preface != PREFACE:
            raise _Ended("not an HTTP/2 client (wrong connection preface)")
        # poll says a socket is readable, but TLS then waits for the rest of a record, and a
        # send waits while the peer's TCP window is shut: a peer gone silent meanwhile must
        # not hold this thread (and its streams' transactions) for ever.
        self._sock.settimeout(self._settings.keepalive + self._settings.keepalive_timeout)
        settings = struct.pack(
            ">HIHIHI",
            ENABLE_PUSH, 0,
            MAX_CONCURRENT_STREAMS, MAX_STREAMS_PER_CONNECTION,
            INITIAL_WINDOW_SIZE, RECEIVE_WINDOW,
        )  # fmt: skip
        self._frame(SETTINGS, 0, 0, settings)
        self._frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", RECEIVE_WINDOW - DEFAULT_WINDOW))
        self._write()

    def _loop(self) -> None:
        poller = select.poll()
        poller.register(self._sock.fileno(), select.POLLIN)
        poller.register(self._wake_read, select.POLLIN)
        leftover = b""
        tick = self._settings.tick
        next_tick = time.monotonic() + tick
        while True:
            if self._tls is not None and self._tls.pending():
                readable, events = True, []
            else:
                events = poller.poll(max(0.0, next_tick - time.monotonic()) * 1000)
                readable = any(fd != self._wake_read for fd, _ in events)
            if any(fd == self._wake_read for fd, _ in events):
                os.read(self._wake_read, 4096)
            while self._calls:
                self._calls.popleft()()
            if readable:
                chunk = self._sock.recv(_READ_SIZE)
                if not chunk:
                    raise _Ended("peer closed the connection")
                self._last_heard = time.monotonic()
                data = leftover + chunk if leftover else chunk
                leftover = data[self._frames(data) :]
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + tick
                self._tick(now)
            self._write()
            if self._closing and not self._streams:
                raise _Ended("connection closed")
            if self._close_by is not None and now > self._close_by:
                raise _Ended("connection closed with replies the peer's flow control held back")

    def _tick(self, now: float) -> None:
        for stream in list(self._streams.values()):
            if stream.handler is not None:
                stream.handler.tick(now)
        if self._ping_sent is not None and self._last_heard > self._ping_sent:
            self._ping_sent = None
        if self._ping_sent is None and now - self._last_heard >= self._settings.keepalive:
            self._ping_sent = now
            self._frame(PING, 0, 0, b"keepaliv")
        elif self._ping_sent is not None and now - self._ping_sent > self._settings.keepalive_timeout:
            raise _Ended(f"no answer to a keepalive ping within {self._settings.keepalive_timeout:g} s")

    # -- reading ---------------------------------------------------------------------------

    def _frames(self, data: bytes) -> int:
        """Handle every complete frame at the start of ``data``; returns how many bytes they took."""
        position, size = 0, len(data)
        view = memoryview(data)
        while size - position >= 9:
            length_bytes, kind, flags, stream_id = _FRAME_HEADER.unpack_from(data, position)
            length = int.from_bytes(length_bytes, "big")
            if length > DEFAULT_FRAME:
                raise ProtocolViolation(FRAME_SIZE_ERROR, f"a {length}-byte frame")
            if size - position - 9 < length:
                break
            payload = view[position + 9 : position + 9 + length]
            position += 9 + length
            self._frame_received(kind, flags, stream_id & MAX_WINDOW, payload)
        return position

    def _frame_received(self, kind: int, flags: int, stream_id: int, payload: memoryview) -> None:
        if self._headers is not None and kind != CONTINUATION:
            raise ProtocolViolation(PROTOCOL_ERROR, "a header block was interrupted")
        if kind == DATA:
            self._data(flags, stream_id, payload)
        elif kind == HEADERS:
            self._header_frame(flags, stream_id, payload)
        elif kind == CONTINUATION:
            self._continuation(flags, stream_id, payload)
        elif kind == SETTINGS:
            if not flags & ACK:
                self._peer_settings(payload)
        elif kind == PING:
            if len(payload) != 8:
                raise ProtocolViolation(FRAME_SIZE_ERROR, "a PING frame not 8 bytes long")
            if not flags & ACK:
                self._frame(PING, ACK, 0, payload)
        elif kind == WINDOW_UPDATE:
            self._window_update(stream_id, payload)
        elif kind == RST_STREAM:
            if stream_id in self._streams:
                self._forget(self._streams[stream_id], "the peer cancelled the stream")
        elif kind == GOAWAY:
            self._closing = True  # streams already open may still finish
        elif kind == PUSH_PROMISE:
            raise ProtocolViolation(PROTOCOL_ERROR, "a client cannot push")
        # PRIORITY and unknown frame types are ignored (§5.3.2, §5.5).

    def _data(self, flags: int, stream_id: int, payload: memoryview) -> None:
        self._unacknowledged += len(payload)
        if self._unacknowledged >= RECEIVE_WINDOW // 2:
            self._frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", self._unacknowledged))
            self._unacknowledged = 0
        stream = self._streams.get(stream_id)
        if stream is None or stream.remote_closed:
            return  # data for a stream we ended: dropped, but it counted against the window
        stream.unacknowledged += len(payload)
        if stream.unacknowledged >= RECEIVE_WINDOW // 2:
            self._frame(WINDOW_UPDATE, 0, stream_id, struct.pack(">I", stream.unacknowledged))
            stream.unacknowledged = 0
        stream.received += _unpadded(flags, payload)
        self._messages(stream)
        if flags & END_STREAM:
            self._remote_ended(stream)

    def _messages(self, stream: Stream) -> None:
        """Deliver each complete message the stream has received."""
        buffer = stream.received
        position = 0
        while len(buffer) - position >= 5 and stream.handler is not None and stream.trailers is None:
            compressed, length = _MESSAGE_PREFIX.unpack_from(buffer, position)
            if compressed:
                self.finish(stream, GRPC_UNIMPLEMENTED, "compressed messages are not supported")
                break
            if length > self._settings.max_message:
                limit = self._settings.max_message
                self.finish(
                    stream, GRPC_RESOURCE_EXHAUSTED, f"a {length}-byte message is above the limit of {limit}"
                )
                break
            if len(buffer) - position - 5 < length:
                break
            message = bytes(buffer[position + 5 : position + 5 + length])
            position += 5 + length
            try:
                stream.handler.receive(message)
            except StreamFailure as exc:
                self.finish(stream, exc.status, str(exc))
            except Exception:  # a handler's defect ends its stream, not the connection
                log.exception("stream %d from %s failed", stream.id, self.peer)
                self.finish(stream, GRPC_INTERNAL, "the server failed to handle a message")
        del buffer[:position]

    def _remote_ended(self, stream: Stream) -> None:
        stream.remote_closed = True
        self.finish(stream, GRPC_OK, "")

    def _header_frame(self, flags: int, stream_id: int, payload: memoryview) -> None:
        block = _unpadded(flags, payload)
        if flags & PRIORITY_FLAG:
            block = block[5:]
        self._headers = (stream_id, flags, bytearray(block))
        if flags & END_HEADERS:
            self._header_block()

    def _continuation(self, flags: int, stream_id: int, payload: memoryview) -> None:
        if self._headers is None or self._headers[0] != stream_id:
            raise ProtocolViolation(PROTOCOL_ERROR, "CONTINUATION without its HEADERS")
        self._headers[2].extend(payload)
        if len(self._headers[2]) > MAX_HEADER_BLOCK:
            raise ProtocolViolation(PROTOCOL_ERROR, "a header block above 64 KiB")
        if flags & END_HEADERS:
            self._header_block()

    def _header_block(self) -> None:
        assert self._headers is not None
        stream_id, flags, block = self._headers
        self._headers = None
        try:  # decoded even when unused: our decoder's table must follow the peer's encoder
            headers = {str(name): str(value) for name, value in self._decoder.decode(bytes(block))}
        except hpack.HPACKError as exc:
            raise ProtocolViolation(COMPRESSION_ERROR, f"an undecodable header block ({exc})") from exc
        if stream_id in self._streams:  # the client's trailers end its side
            if flags & END_STREAM:
                self._remote_ended(self._streams[stream_id])
            return
        if stream_id % 2 == 0:
            raise ProtocolViolation(PROTOCOL_ERROR, f"stream {stream_id} cannot be opened by a client")
        if stream_id <= self._last_stream:
            return  # a stream we already ended: the client's trailers may still come

        self._last_stream = stream_id
        self._open(Stream(self, stream_id, self._peer_initial_window), headers, bool(flags & END_STREAM))

    def _open(self, stream: Stream, headers: dict[str, str], end: bool) -> None:
        self._streams[stream.id] = stream
        path = headers.get(":path", "")
        method = self._methods.get(path)
        if self._closing:
            self._frame(RST_STREAM, 0, stream.id, struct.pack(">I", REFUSED_STREAM))
            self._forget(stream, "refused: the connection is closing")
        elif headers.get(":method") != "POST" or not headers.get("content-type", "").startswith(
            "application/grpc"
        ):
            self.finish(stream, GRPC_UNIMPLEMENTED, "not a gRPC request")
        elif method is None:
            self.finish(stream, GRPC_UNIMPLEMENTED, f"unknown method {path}")
        elif not self._settings.admit():
            self.finish(stream, GRPC_RESOURCE_EXHAUSTED, "the server serves no more streams")
        else:
            self._frame(
                HEADERS, END_HEADERS, stream.id,
                self._encoder.encode([(":status", "200"), ("content-type", "application/grpc")]),
            )  # fmt: skip
            stream.answered = True
            try:
                stream.handler = method(stream)
            except Exception:
                self._settings.release()
                log.exception("starting stream %d from %s failed", stream.id, self.peer)
                stream.handler = None
                self.finish(stream, GRPC_INTERNAL, "the server failed to start the call")
                return
            if end:
                self._remote_ended(stream)

    def _peer_settings(self, payload: memoryview) -> None:
        if len(payload) % 6:
            raise ProtocolViolation(FRAME_SIZE_ERROR, "a SETTINGS frame of odd length")
        for offset in range(0, len(payload), 6):
            key, value = struct.unpack_from(">HI", payload, offset)
            if key == INITIAL_WINDOW_SIZE:
                if value > MAX_WINDOW:
                    raise ProtocolViolation(FLOW_CONTROL_ERROR, "an initial window above 2^31-1")
                for stream in self._streams.values():
                    stream.send_window += value - self._peer_initial_window
                self._peer_initial_window = value
            elif key == MAX_FRAME_SIZE:
                if not DEFAULT_FRAME <= value <= 2**24 - 1:
                    raise ProtocolViolation(PROTOCOL_ERROR, f"a SETTINGS_MAX_FRAME_SIZE of {value}")
                self._peer_frame = value
            elif key == HEADER_TABLE_SIZE:
                self._encoder.header_table_size = min(value, 4096)
        self._frame(SETTINGS, ACK, 0, b"")
        self._send_waiting()

    def _window_update(self, stream_id: int, payload: memoryview) -> None:
        if len(payload) != 4:
            raise ProtocolViolation(FRAME_SIZE_ERROR, "a WINDOW_UPDATE frame not 4 bytes long")
        increment = struct.unpack(">I", payload)[0] & MAX_WINDOW
        if stream_id == 0:
            self._send_window += increment
            if self._send_window > MAX_WINDOW:
                raise ProtocolViolation(FLOW_CONTROL_ERROR, "the connection's window above 2^31-1")
        elif stream_id in self._streams:
            stream = self._streams[stream_id]
            stream.send_window += increment
            if stream.send_window > MAX_WINDOW:  # the stream alone would do (§6.9.1); ending all is simpler
                raise ProtocolViolation(FLOW_CONTROL_ERROR, f"stream {stream_id}'s window above 2^31-1")
        self._send_waiting()

    # -- writing ---------------------------------------------------------------------------

    def _frame(self, kind: int, flags: int, stream_id: int, payload: bytes | bytearray | memoryview) -> None:
        self._out += _FRAME_HEADER.pack(len(payload).to_bytes(3, "big"), kind, flags, stream_id)
        self._out += payload

    def _goaway(self, code: int, text: str = "") -> None:
        self._frame(GOAWAY, 0, 0, struct.pack(">II", self._last_stream, code) + text.encode())

    def _write(self) -> None:
        if self._out:
            self._sock.sendall(self._out)
            self._out.clear()

    def _write_quietly(self) -> None:
        with contextlib.suppress(OSError):
            self._write()

    def send_message(self, stream: Stream, message: bytes) -> None:
        if stream.id not in self._streams or stream.trailers is not None:
            return  # the stream ended meanwhile: nobody would read it
        size = 5 + len(message)
        if not stream.pending and size <= min(self._send_window, stream.send_window, self._peer_frame):
            # The usual case, framed without a copy into the stream's pending data.
            self._out += _FRAME_HEADER.pack(size.to_bytes(3, "big"), DATA, 0, stream.id)
            self._out += _MESSAGE_PREFIX.pack(0, len(message))
            self._out += message
            self._send_window -= size
            stream.send_window -= size
            return
        stream.pending += _MESSAGE_PREFIX.pack(0, len(message))
        stream.pending += message
        self._send_data(stream)

    def _send_data(self, stream: Stream) -> None:
        """Frame what the windows allow of the stream's pending data; then, if it ends, its trailers."""
        pending = stream.pending
        sent = 0
        while sent < len(pending):
            size = min(len(pending) - sent, self._send_window, stream.send_window, self._peer_frame)
            if size <= 0:
                break
            self._frame(DATA, 0, stream.id, pending[sent : sent + size])
            sent += size
            self._send_window -= size
            stream.send_window -= size
        del pending[:sent]
        if not pending and stream.trailers is not None:
            status, text = stream.trailers
            self._frame(
                HEADERS, END_HEADERS | END_STREAM, stream.id, self._encoder.encode(_status(status, text))
            )
            self._forget(stream, text or "stream ended")

    def _send_waiting(self) -> None:
        for stream in list(self._streams.values()):
            if stream.pending or stream.trailers is not None:
                self._send_data(stream)

    def finish(self, stream: Stream, status: int, text: str) -> None:
        """End ``stream`` with a gRPC status, after the data it already sent."""
        if stream.id not in self._streams or stream.trailers is not None:
            return
        stream.received.clear()  # whatever else arrives is not delivered
        if not stream.answered:  # no headers sent yet: headers and status in one block
            block = [(":status", "200"), ("content-type", "application/grpc"), *_status(status, text)]
            self._frame(HEADERS, END_HEADERS | END_STREAM, stream.id, self._encoder.encode(block))
            self._forget(stream, text)
            return
        stream.trailers = (status, text)
        self._send_data(stream)

    def _forget(self, stream: Stream, reason: str) -> None:
        if self._streams.pop(stream.id, None) is None:
            return
        if stream.handler is not None:
            handler, stream.handler = stream.handler, None
            self._settings.release()
            handler.ended(reason)

    def _close_now(self) -> None:
        self._closing = True
        self._close_by = time.monotonic() + _CLOSE_GRACE
        for stream in list(self._streams.values()):
            self.finish(stream, GRPC_OK, "")
        self._goaway(NO_ERROR)


class _Ended(Exception):
    """The connection ends, not for an HTTP/2 error of the peer's."""


def _status(status: int, text: str) -> list[tuple[str, str]]:
    block = [("grpc-status", str(status))]
    if text:  # bounded, so that the header block always fits one frame (we send no CONTINUATION)
        block.append(("grpc-message", urllib.parse.quote(text[:1000], safe=_MESSAGE_SAFE)))
    return block


def _unpadded(flags: int, payload: memoryview) -> memoryview:
    if not flags & PADDED:
        return payload
    if not payload or payload[0] >= len(payload):
        raise ProtocolViolation(PROTOCOL_ERROR, "a padded frame with a wrong pad length")
    return payload[1 : len(payload) - payload[0]]
