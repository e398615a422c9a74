"""After submit: the Commit handle, the Status it waits for, and CommitError for an invalid one.

One module, as the Go client's ``commit.go``: a Commit's status is its only product, and
CommitError is what a Status that is not VALID turns into.
"""

from __future__ import annotations

import builtins
import threading
from dataclasses import dataclass

import grpc

from ._protos import Message, gateway_pb2, transaction_pb2
from .client import GatewayClient
from .errors import CommitStatusError, from_rpc_error
from .signing import digest

_VALID = 0  # peer.TxValidationCode.VALID


def validation_code_name(code: int) -> str:
    """``peer.TxValidationCode`` name, e.g. ``MVCC_READ_CONFLICT``."""
    try:
        return str(transaction_pb2.TxValidationCode.Name(code))
    except ValueError:
        return f"UNKNOWN_VALIDATION_CODE_{code}"


@dataclass(frozen=True)
class Status:
    """Commit status of a transaction, as validated by the peer."""

    tx_id: str
    code: int
    code_name: str
    successful: bool
    block_number: int

    @classmethod
    def of(cls, tx_id: str, code: int, block_number: int) -> Status:
        return cls(tx_id, code, validation_code_name(code), code == _VALID, block_number)


class CommitError(Exception):
    """The transaction was ordered and committed, but validated as invalid (e.g. MVCC_READ_CONFLICT)."""

    def __init__(self, status: Status) -> None:
        super().__init__(
            f"transaction {status.tx_id} failed to commit with status code {status.code} ({status.code_name})"
        )
        self.status = status
        self.tx_id = status.tx_id
        self.code = status.code
        self.code_name = status.code_name
        self.block_number = status.block_number


class Commit:
    """A submitted transaction whose commit status can be waited for.

    ``bytes()`` is a serialized ``gateway.SignedCommitStatusRequest``; ``digest()`` is the
    SHA-256 of the inner request bytes.
    """

    def __init__(
        self,
        client: GatewayClient,
        *,
        channel_id: str,
        tx_id: str,
        request: builtins.bytes,
        signature: builtins.bytes = b"",
    ) -> None:
        self._client = client
        self.channel_id = channel_id
        self.tx_id = tx_id
        self._request = request
        self._signature = signature
        self._status: Status | None = None
        self._lock = threading.Lock()

    def bytes(self) -> builtins.bytes:
        return builtins.bytes(self._signed().SerializeToString())

    def digest(self) -> builtins.bytes:
        return digest(self._request)

    def _signed(self) -> Message:
        return gateway_pb2.SignedCommitStatusRequest(request=self._request, signature=self._signature)

    def status(self) -> Status:
        """Block until the transaction is committed (or the deadline passes); then cached."""
        with self._lock:
            if self._status is None:
                if not self._signature:
                    self._signature = self._client.sign(self.digest())
                try:
                    response = self._client.commit_status(self._signed())
                except grpc.RpcError as err:
                    raise from_rpc_error(err, CommitStatusError, self.tx_id) from None
                self._status = Status.of(self.tx_id, int(response.result), int(response.block_number))
            return self._status
