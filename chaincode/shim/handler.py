"""The chaincode side of one peer's stream: registration, routing, and the single sender.

Lifecycle of a stream (the peer dials in; we speak first):
    CREATED --send REGISTER--> (peer: REGISTERED) --> ESTABLISHED --(peer: READY)--> READY
In READY the peer sends INIT/TRANSACTION messages, each run on a worker thread, and
RESPONSE/ERROR answers to the ledger requests those workers make; answers are routed
to the waiting transaction by (channel_id, txid). All outgoing messages go through one
queue drained by the gRPC response iterator, so the stream has exactly one writer.
"""

from __future__ import annotations

import enum
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from chaincode.shim import protos
from chaincode.shim.errors import PeerError, PeerTimeoutError, ProtocolError, StreamClosedError
from chaincode.shim.protos import MessageType
from chaincode.shim.stub import PeerFeatures
from chaincode.shim.transaction import Contract, error_message, run_transaction, short_tx_id

log = logging.getLogger("chaincode.shim.handler")

# Enough for the peer's own execute timeout (30 s by default) to fire first: after it,
# the peer answers ERROR to every further request, so this only guards against a lost reply.
DEFAULT_REQUEST_TIMEOUT = 60.0

TxKey = tuple[str, str]  # (channel_id, txid): how the peer tells transactions apart


class _Closed:
    """Sentinel put on a queue to wake its reader because the stream is gone."""


_CLOSED: Final = _Closed()


class TxConversation:
    """One transaction's request/response exchange with the peer (a ``PeerConversation``)."""

    def __init__(self, channel_id: str, tx_id: str, send: Callable[[Any], None], timeout: float) -> None:
        self.channel_id = channel_id
        self.tx_id = tx_id
        self._send = send
        self._timeout = timeout
        self._answers: queue.Queue[Any] = queue.Queue()
        # The peer drops a request while another one of the same txid is pending, so
        # requests of one transaction must be strictly one at a time.
        self._one_at_a_time = threading.Lock()
        self._broken: str | None = None

    def request(self, message_type: MessageType, payload: bytes) -> bytes:
        with self._one_at_a_time:
            if self._broken is not None:
                raise StreamClosedError(self._broken)
            self._send(
                protos.shim.ChaincodeMessage(
                    type=message_type, payload=payload, txid=self.tx_id, channel_id=self.channel_id
                )
            )
            try:
                answer = self._answers.get(timeout=self._timeout)
            except queue.Empty:
                # A late answer would be taken for the next request's: stop talking instead.
                self._broken = f"no answer to {message_type.name} within {self._timeout:.0f} s"
                raise PeerTimeoutError(self._broken) from None
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

    def deliver(self, answer: Any) -> None:
        self._answers.put(answer)

    def abort(self, reason: str) -> None:
        self._broken = reason
        self._answers.put(_CLOSED)


class TransactionPool:
    """Worker threads shared by all streams, with a drain for graceful shutdown."""

    def __init__(self, max_workers: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="cc-tx")
        self._lock = threading.Condition()
        self._in_flight = 0
        self._accepting = True

    @property
    def accepting(self) -> bool:
        return self._accepting

    def submit(self, work: Callable[[], None]) -> bool:
        """Run ``work`` on a worker; False when the pool no longer takes new transactions."""
        with self._lock:
            if not self._accepting:
                return False
            self._in_flight += 1
        self._executor.submit(self._run, work)
        return True

    def drain(self, timeout: float) -> bool:
        """Refuse new transactions and wait for running ones; True when all finished."""
        with self._lock:
            self._accepting = False
            return self._lock.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def shutdown(self) -> None:
        self.drain(timeout=0)
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:  # work() reports its own failures; this is a last resort
            log.exception("transaction worker failed")
        finally:
            with self._lock:
                self._in_flight -= 1
                self._lock.notify_all()


class HandlerState(enum.Enum):
    CREATED = "created"
    ESTABLISHED = "established"
    READY = "ready"
    CLOSED = "closed"


class StreamHandler:
    """Speaks the chaincode protocol on one peer's ``Connect`` stream."""

    def __init__(
        self,
        contract: Contract,
        chaincode_id: str,
        pool: TransactionPool,
        peer: str,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self._contract = contract
        self._chaincode_id = chaincode_id
        self._pool = pool
        self._peer = peer
        self._request_timeout = request_timeout
        self._outbox: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Lock()
        self._state = HandlerState.CREATED
        self._conversations: dict[TxKey, TxConversation] = {}
        self._features = PeerFeatures()

    @property
    def state(self) -> HandlerState:
        return self._state

    @property
    def features(self) -> PeerFeatures:
        """What the peer offered in READY (write batching, multi-key reads)."""
        return self._features

    def run(self, requests: Iterator[Any]) -> Iterator[Any]:
        """The body of ``Connect``: yields what we send while a thread reads what the peer sends."""
        registration = protos.chaincode.ChaincodeID(name=self._chaincode_id)
        self._send(
            protos.shim.ChaincodeMessage(type=MessageType.REGISTER, payload=registration.SerializeToString())
        )
        log.info("peer %s connected; registering as %s", self._peer, self._chaincode_id)
        reader = threading.Thread(
            target=self._receive, args=(requests,), name="cc-stream-reader", daemon=True
        )
        reader.start()
        try:
            while True:
                message = self._outbox.get()
                if isinstance(message, _Closed):
                    return
                yield message
        finally:
            self.close("stream ended")

    def close(self, reason: str) -> None:
        """End the stream: wake the sender and fail every transaction still waiting on the peer."""
        with self._lock:
            if self._state is HandlerState.CLOSED:
                return
            self._state = HandlerState.CLOSED
            waiting = list(self._conversations.values())
            self._conversations.clear()
        for conversation in waiting:
            conversation.abort(f"peer stream closed: {reason}")
        self._outbox.put(_CLOSED)
        log.info("stream from peer %s closed: %s", self._peer, reason)

    # -- receiving -----------------------------------------------------------------------

    def _receive(self, requests: Iterator[Any]) -> None:
        reason = "peer ended the stream"
        try:
            for message in requests:
                self._handle(message)
        except ProtocolError as exc:
            reason = str(exc)
            log.error("peer %s: %s", self._peer, exc)
        except Exception as exc:  # grpc raises RpcError when the peer goes away
            reason = f"receive failed: {type(exc).__name__}"
            log.debug("peer %s: receive failed", self._peer, exc_info=True)
        finally:
            self.close(reason)

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
        with self._lock:
            conversation = self._conversations.get((message.channel_id, message.txid))
        if conversation is None:
            log.warning(
                "peer %s: %s for unknown transaction [%s]",
                self._peer,
                protos.type_name(message.type),
                short_tx_id(message.txid),
            )
            return
        conversation.deliver(message)

    def _start_transaction(self, message: Any) -> None:
        key = (message.channel_id, message.txid)
        conversation = TxConversation(message.channel_id, message.txid, self._send, self._request_timeout)
        with self._lock:
            if self._state is HandlerState.CLOSED:  # closed meanwhile: nobody would answer it
                return
            duplicate = key in self._conversations
            if not duplicate:
                self._conversations[key] = conversation
        if duplicate:
            self._send(error_message(message, f"transaction {message.txid} is already running"))
            return
        if not self._pool.submit(lambda: self._execute(message, conversation)):
            self._forget(key)
            self._send(error_message(message, "chaincode is shutting down"))

    def _execute(self, message: Any, conversation: TxConversation) -> None:
        try:
            reply = run_transaction(self._contract, message, conversation, self._features)
        finally:
            self._forget((message.channel_id, message.txid))
        self._send(reply)

    def _forget(self, key: TxKey) -> None:
        with self._lock:
            self._conversations.pop(key, None)

    # -- sending ---------------------------------------------------------------------------

    def _send(self, message: Any) -> None:
        if self._state is HandlerState.CLOSED:
            log.debug("dropping %s for a closed stream", protos.type_name(message.type))
            return
        self._outbox.put(message)
