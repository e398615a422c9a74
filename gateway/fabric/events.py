"""Chaincode events: a signed request, and a closable iterator over the peer's event stream."""

from __future__ import annotations

import builtins
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import grpc

from ._protos import gateway_pb2
from .client import GatewayClient
from .errors import GatewayError, from_rpc_error
from .signing import digest


@dataclass(frozen=True)
class ChaincodeEvent:
    """An event emitted by a committed (valid) transaction.

    To resume after it, pass ``start_block=event.block_number`` and
    ``after_transaction_id=event.tx_id``.
    """

    block_number: int
    tx_id: str
    chaincode_name: str
    event_name: str
    payload: bytes


class ChaincodeEventsRequest:
    """A signed (or to-be-signed) chaincode events request.

    ``bytes()`` is a serialized ``gateway.SignedChaincodeEventsRequest``; ``digest()`` is the
    SHA-256 of the inner request bytes.
    """

    def __init__(
        self, client: GatewayClient, request: builtins.bytes, signature: builtins.bytes = b""
    ) -> None:
        self._client = client
        self._request = request
        self._signature = signature

    def bytes(self) -> builtins.bytes:
        return builtins.bytes(self._signed().SerializeToString())

    def digest(self) -> builtins.bytes:
        return digest(self._request)

    def _signed(self) -> Any:
        return gateway_pb2.SignedChaincodeEventsRequest(request=self._request, signature=self._signature)

    def events(self) -> ChaincodeEvents:
        """Start reading events. Close the iterator (or use ``with``) to stop the stream."""
        if not self._signature:
            self._signature = self._client.sign(self.digest())
        return ChaincodeEvents(self._client, self._signed())


class ChaincodeEvents(Iterator[ChaincodeEvent]):
    """Iterator over chaincode events, in commit order; blocks while waiting for new blocks.

    Ends (StopIteration) after ``close()``; raises :class:`GatewayError` if the stream fails.
    """

    def __init__(self, client: GatewayClient, signed_request: Any) -> None:
        self._client = client
        self._request = signed_request
        self._pending: deque[ChaincodeEvent] = deque()
        self._closed = False
        self._received_any = False
        self._attempt = 0
        self._lock = threading.Lock()
        self._call: Any = client.chaincode_events(signed_request)

    def __iter__(self) -> ChaincodeEvents:
        return self

    def __next__(self) -> ChaincodeEvent:
        while not self._pending:
            if self._closed or self._client.closed:
                self._closed = True
                raise StopIteration
            try:
                response = next(self._call)
            except StopIteration:
                self.close()
                raise
            except grpc.RpcError as err:
                if self._closed or self._client.closed:  # close() cancelled the call.
                    self._closed = True
                    raise StopIteration from None
                if self._reopen(err):
                    continue
                self.close()
                raise from_rpc_error(err, GatewayError) from None
            self._received_any = True
            for event in response.events:
                self._pending.append(
                    ChaincodeEvent(
                        block_number=int(response.block_number),
                        tx_id=event.tx_id,
                        chaincode_name=event.chaincode_id,
                        event_name=event.event_name,
                        payload=builtins.bytes(event.payload),
                    )
                )
        return self._pending.popleft()

    def _reopen(self, err: grpc.RpcError) -> bool:
        """Fail over to the next channel if this peer could not be reached at all."""
        if self._received_any or err.code() != grpc.StatusCode.UNAVAILABLE:
            return False
        if self._attempt + 1 >= self._client.channel_count:
            return False
        with self._lock:
            if self._closed:
                return False
            self._client.forget_stream(self._call)
            self._attempt += 1
            self._call = self._client.chaincode_events(self._request, self._attempt)
        return True

    def close(self) -> None:
        with self._lock:
            self._closed = True
            call = self._call
        call.cancel()
        self._client.forget_stream(call)

    def __enter__(self) -> ChaincodeEvents:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
