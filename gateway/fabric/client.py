"""The connection side: gRPC stubs, per-call deadlines, failover between a peer org's channels."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import grpc

from ._protos import Message, gateway_pb2_grpc
from .identity import Identity
from .signing import Signer

# Only these mean "this peer did not (or could not) answer": retrying the same signed request
# on another peer of the org is then safe. Submit is excluded on purpose: a broadcast that
# timed out may still have reached the orderer.
_FAILOVER_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


@dataclass(frozen=True)
class Timeouts:
    """Per-call deadlines in seconds; None means no deadline."""

    evaluate: float | None = 5.0
    endorse: float | None = 15.0
    submit: float | None = 5.0
    commit_status: float | None = 60.0
    chaincode_events: float | None = None


class GatewayClient:
    """Internal: what Proposal/Transaction/Commit/events need from their Gateway."""

    def __init__(
        self,
        channels: Sequence[grpc.Channel],
        identity: Identity,
        signer: Signer | None,
        timeouts: Timeouts,
    ) -> None:
        if not channels:
            raise ValueError("at least one grpc.Channel is required")
        self.identity = identity
        self.creator = identity.serialize()
        self._signer = signer
        self.timeouts = timeouts
        self._stubs: list[Any] = [gateway_pb2_grpc.GatewayStub(channel) for channel in channels]
        self._preferred = 0  # Stick to the last channel that answered, so a dead peer costs once.
        self._lock = threading.Lock()
        self._closed = False
        self._streams: set[Any] = set()

    # -- signing ---------------------------------------------------------------------------
    @property
    def can_sign(self) -> bool:
        return self._signer is not None

    def sign(self, message_digest: bytes) -> bytes:
        if self._signer is None:
            raise RuntimeError(
                "this Gateway has no signer: sign the digest() yourself and use the new_signed_*() methods"
            )
        return self._signer(message_digest)

    # -- calls -----------------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the Gateway is closed")

    def _unary(self, method: str, request: Message, timeout: float | None, failover: bool) -> Any:
        self._check_open()
        with self._lock:
            start = self._preferred
        attempts = len(self._stubs) if failover else 1
        # One deadline for the whole call, failover included: a commit status still pending at
        # its deadline must not wait that long again on every other peer of the list.
        deadline = None if timeout is None else time.monotonic() + timeout
        last_error: grpc.RpcError | None = None
        for i in range(attempts):
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0 and last_error is not None:
                break
            index = (start + i) % len(self._stubs)
            try:
                response = getattr(self._stubs[index], method)(request, timeout=remaining)
            except grpc.RpcError as err:
                if failover and err.code() in _FAILOVER_CODES:
                    last_error = err
                    continue
                raise
            with self._lock:
                self._preferred = index
            return response
        assert last_error is not None
        raise last_error

    def evaluate(self, request: Message) -> Any:
        return self._unary("Evaluate", request, self.timeouts.evaluate, failover=True)

    def endorse(self, request: Message) -> Any:
        return self._unary("Endorse", request, self.timeouts.endorse, failover=True)

    def submit(self, request: Message) -> Any:
        return self._unary("Submit", request, self.timeouts.submit, failover=False)

    def commit_status(self, request: Message) -> Any:
        return self._unary("CommitStatus", request, self.timeouts.commit_status, failover=True)

    @property
    def channel_count(self) -> int:
        return len(self._stubs)

    def chaincode_events(self, request: Message, attempt: int = 0) -> Any:
        """Open a server stream on the preferred channel (or the ``attempt``-th after it).

        The returned call is both an iterator of responses and a grpc.Call. A stream reports
        an unreachable peer only when first read, so failover is left to the reader.
        """
        self._check_open()
        with self._lock:
            stub = self._stubs[(self._preferred + attempt) % len(self._stubs)]
        call = stub.ChaincodeEvents(request, timeout=self.timeouts.chaincode_events)
        with self._lock:
            self._streams.add(call)
        return call

    def forget_stream(self, call: Any) -> None:
        with self._lock:
            self._streams.discard(call)

    def close(self) -> None:
        """Cancel open event streams; the channels belong to the caller and stay open."""
        with self._lock:
            self._closed = True
            streams, self._streams = self._streams, set()
        for call in streams:
            call.cancel()
