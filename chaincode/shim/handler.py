"""The chaincode side of one peer's stream: registration, routing, and timeouts.

Lifecycle of a stream (the peer dials in; we speak first):
    CREATED --send REGISTER--> (peer: REGISTERED) --> ESTABLISHED --(peer: READY)--> READY
In READY the peer sends INIT/TRANSACTION messages and RESPONSE/ERROR answers to the ledger
requests of running transactions; answers are routed to the waiting transaction by
(channel_id, txid).

Everything here runs on the thread of the stream's connection (``chaincode.shim.http2``),
except ``close``. Each transaction runs in a greenlet of its own: a ledger request sends its
message and switches back to the connection's loop (the hub), which switches to the
transaction with its answer. Transactions of one stream interleave at every request, and no
message waits for another thread: on this protocol every ledger call is a round trip.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Final

import greenlet
from google.protobuf.message import DecodeError

from chaincode.shim import protos
from chaincode.shim.errors import PeerError, ProtocolError, StreamClosedError
from chaincode.shim.http2 import GRPC_INTERNAL, Stream, StreamFailure
from chaincode.shim.protos import MessageType
from chaincode.shim.stub import PeerFeatures
from chaincode.shim.transaction import Contract, error_message, run_transaction, short_tx_id

log = logging.getLogger("chaincode.shim.handler")

# Enough for the peer's own execute timeout (30 s by default) to fire first: after it,
# the peer answers ERROR to every further request, so this only guards against a lost reply.
DEFAULT_REQUEST_TIMEOUT = 60.0
# How often a stream looks for a request past its timeout (at most this long late).
WATCH_INTERVAL = 1.0

TxKey = tuple[str, str]  # (channel_id, txid): how the peer tells transactions apart


class _Closed:
    """Sentinel a waiting request is resumed with when the stream is gone."""


_CLOSED: Final = _Closed()


class TxConversation:
    """One transaction's request/response exchange with the peer (a ``PeerConversation``).

    Its requests are made from the transaction's own greenlet, which waits for each answer by
    switching back to the stream's reader (``hub``); the reader switches back with it.
    """

    def __init__(
        self, channel_id: str, tx_id: str, send: Callable[[Any], None], hub: greenlet.greenlet
    ) -> None:
        self.channel_id = channel_id
        self.tx_id = tx_id
        self._send = send
        self._hub = hub
        self.greenlet: greenlet.greenlet | None = None
        # While a request waits: what it asked and since when (the watchdog reads it).
        self.waiting: tuple[MessageType, float] | None = None
        self._broken: str | None = None

    def request(self, message_type: MessageType, payload: bytes) -> bytes:
        if greenlet.getcurrent() is not self.greenlet:
            # Only the transaction's greenlet is resumed with the answer; from anywhere else
            # the request could never be answered.
            raise ProtocolError(f"{message_type.name} made outside transaction {short_tx_id(self.tx_id)}")
        if self._broken is not None:
            raise StreamClosedError(self._broken)
        self._send(
            protos.shim.ChaincodeMessage(
                type=message_type, payload=payload, txid=self.tx_id, channel_id=self.channel_id
            )
        )
        self.waiting = (message_type, time.monotonic())
        try:
            answer = self._hub.switch()
        finally:
            self.waiting = None
        if isinstance(answer, _Closed):
            raise StreamClosedError(self._broken or "stream closed")
        if answer.type == MessageType.RESPONSE:
            return bytes(answer.payload)
        if answer.type == MessageType.ERROR:
            raise PeerError(bytes(answer.payload).decode("utf-8", errors="replace"))
        raise ProtocolError(
            f"peer answered {message_type.name} with {protos.type_name(answer.type)}, "
            "expected RESPONSE or ERROR"
        )

    def resume(self, answer: Any) -> None:
        """Hand ``answer`` to the waiting request; runs the transaction until its next request
        or its end. Only from the hub."""
        if self.greenlet is not None and self.waiting is not None:
            self.greenlet.switch(answer)

    def abort(self, reason: str) -> None:
        """Fail the waiting request (and every later one) with ``reason``. Only from the hub."""
        self._broken = reason
        self.resume(_CLOSED)


class TransactionGate:
    """Counts the transactions running on all streams, and stops admitting them for shutdown."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._in_flight = 0
        self._accepting = True

    @property
    def accepting(self) -> bool:
        return self._accepting

    def enter(self) -> bool:
        """Count one more running transaction; False when no new transaction is taken."""
        with self._lock:
            if not self._accepting:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._lock.notify_all()

    def drain(self, timeout: float) -> bool:
        """Refuse new transactions and wait for running ones; True when all finished."""
        with self._lock:
            self._accepting = False
            return self._lock.wait_for(lambda: self._in_flight == 0, timeout=timeout)


class HandlerState(enum.Enum):
    CREATED = "created"
    ESTABLISHED = "established"
    READY = "ready"
    CLOSED = "closed"


class StreamHandler:
    """Speaks the chaincode protocol on one peer's ``Connect`` stream (an ``http2.Handler``)."""

    def __init__(
        self,
        contract: Contract,
        chaincode_id: str,
        gate: TransactionGate,
        stream: Stream,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self._contract = contract
        self._chaincode_id = chaincode_id
        self._gate = gate
        self._stream = stream
        self._peer = stream.peer
        self._request_timeout = request_timeout
        self._lock = threading.Lock()
        self._state = HandlerState.CREATED
        self._conversations: dict[TxKey, TxConversation] = {}
        self._features = PeerFeatures()
        self._reason = ""

    @property
    def state(self) -> HandlerState:
        return self._state

    @property
    def features(self) -> PeerFeatures:
        """What the peer offered in READY (write batching, multi-key reads)."""
        return self._features

    def start(self) -> None:
        """We speak first: REGISTER with the package id."""
        registration = protos.chaincode.ChaincodeID(name=self._chaincode_id)
        self._send(
            protos.shim.ChaincodeMessage(type=MessageType.REGISTER, payload=registration.SerializeToString())
        )
        log.info("peer %s connected; registering as %s", self._peer, self._chaincode_id)

    def close(self, reason: str) -> None:
        """End the stream (status OK). From any thread; ``ended`` follows on the stream's own."""
        if self._mark_closed(reason):
            self._stream.end()

    def receive(self, data: bytes) -> None:
        """One message from the peer."""
        try:
            message = protos.shim.ChaincodeMessage.FromString(data)
        except DecodeError as exc:
            self._mark_closed(f"undecodable message: {exc}")
            raise StreamFailure(GRPC_INTERNAL, f"not a ChaincodeMessage: {exc}") from exc
        try:
            self._handle(message)
        except ProtocolError as exc:
            log.error("peer %s: %s", self._peer, exc)
            self._mark_closed(str(exc))
            raise StreamFailure(GRPC_INTERNAL, str(exc)) from exc

    def tick(self, now: float) -> None:
        """Close the stream when a request went unanswered past the timeout: a lost answer means
        the stream itself is broken (the peer dials again)."""
        late = next(
            (
                (c.tx_id, c.waiting[0])
                for c in self._conversations.values()
                if c.waiting is not None and now - c.waiting[1] > self._request_timeout
            ),
            None,
        )
        if late is not None:
            tx_id, asked = late
            self.close(
                f"no answer to {asked.name} of [{short_tx_id(tx_id)}] within {self._request_timeout:g} s"
            )

    def ended(self, reason: str) -> None:
        """The stream is gone: fail every transaction still waiting on the peer."""
        self._mark_closed(reason)
        for conversation in list(self._conversations.values()):  # each ends with a reply nobody sends
            conversation.abort(f"peer stream closed: {self._reason}")

    def _mark_closed(self, reason: str) -> bool:
        with self._lock:
            if self._state is HandlerState.CLOSED:
                return False
            self._state = HandlerState.CLOSED
            self._reason = reason
        log.info("stream from peer %s closed: %s", self._peer, reason)
        return True

    # -- receiving -----------------------------------------------------------------------

    def _handle(self, message: Any) -> None:
        if message.type == MessageType.KEEPALIVE:
            # The peer ignores KEEPALIVE in every state; echoing it proves we are alive.
            self._send(message)
            return
        state = self._state
        if state is HandlerState.CREATED and message.type == MessageType.REGISTERED:
            self._state = HandlerState.ESTABLISHED
            log.info("peer %s: registered", self._peer)
        elif state is HandlerState.ESTABLISHED and message.type == MessageType.READY:
            self._features = PeerFeatures.from_ready(bytes(message.payload))
            self._state = HandlerState.READY
            log.info(
                "peer %s: ready (write batch: %s, multi-key reads: %s)",
                self._peer,
                self._features.write_batch or "not offered",
                self._features.get_multiple or "not offered",
            )
        elif state is HandlerState.READY and message.type in (MessageType.TRANSACTION, MessageType.INIT):
            self._start_transaction(message)
        elif state is HandlerState.READY and message.type in (MessageType.RESPONSE, MessageType.ERROR):
            self._route_answer(message)
        elif state is HandlerState.CLOSED:
            return
        else:
            # Like the Go shim: an out-of-protocol message ends the stream, with ERROR so the
            # peer logs why; it will dial again.
            text = f"cannot handle {protos.type_name(message.type)} in state {state.value}"
            self._send(error_message(message, text))
            raise ProtocolError(text)

    def _route_answer(self, message: Any) -> None:
        conversation = self._conversations.get((message.channel_id, message.txid))
        if conversation is None or conversation.waiting is None:
            log.warning(
                "peer %s: %s for unknown transaction [%s]",
                self._peer,
                protos.type_name(message.type),
                short_tx_id(message.txid),
            )
            return
        conversation.resume(message)

    def _start_transaction(self, message: Any) -> None:
        key = (message.channel_id, message.txid)
        if self._state is HandlerState.CLOSED:  # closed meanwhile: nobody would answer it
            return
        if key in self._conversations:
            self._send(error_message(message, f"transaction {message.txid} is already running"))
            return
        if not self._gate.enter():
            self._send(error_message(message, "chaincode is shutting down"))
            return
        conversation = TxConversation(message.channel_id, message.txid, self._send, greenlet.getcurrent())
        self._conversations[key] = conversation
        conversation.greenlet = greenlet.greenlet(lambda: self._execute(message, conversation))
        conversation.greenlet.switch()  # runs until its first request, or to its end

    def _execute(self, message: Any, conversation: TxConversation) -> None:
        try:
            reply = run_transaction(self._contract, message, conversation, self._features)
            self._send(reply)
        except Exception:  # run_transaction reports its own failures; this is a last resort
            log.exception("transaction [%s] failed", short_tx_id(message.txid))
        finally:
            self._conversations.pop((message.channel_id, message.txid), None)
            self._gate.leave()

    # -- sending ---------------------------------------------------------------------------

    def _send(self, message: Any) -> None:
        if self._state is HandlerState.CLOSED:
            log.debug("dropping %s for a closed stream", protos.type_name(message.type))
            return
        self._stream.send(message.SerializeToString())
