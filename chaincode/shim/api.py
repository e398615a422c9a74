"""The chaincode-facing API of our shim: what a contract may ask of the ledger.

The directory contract is written against this Protocol only, so the same code runs
on the real peer (``chaincode.shim.stub.PeerStub``, speaking the chaincode gRPC
protocol) and on the in-memory stub the unit tests use.
Names follow the Go shim's ChaincodeStubInterface, in Python spelling.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Composite keys are "\x00" + objectType + "\x00" + attr + "\x00" ..., as in the Go shim,
# so that keys written by either shim read the same.
COMPOSITE_KEY_NAMESPACE = "\x00"
MIN_UNICODE_RUNE = "\x00"
MAX_UNICODE_RUNE = "\U0010ffff"
# A simple-key range starting at "" would also cover composite keys (they start with
# "\x00"); like the Go shim, start such ranges just above the composite namespace.
EMPTY_KEY_SUBSTITUTE = "\x01"
# QueryMetadata.pageSize is an int32 on the wire.
MAX_PAGE_SIZE = 2**31 - 1


@dataclass(frozen=True)
class KV:
    key: str
    value: bytes


@dataclass(frozen=True)
class QueryMetadata:
    """Returned with a paginated query: how many records came back and where to resume."""

    fetched_records_count: int
    bookmark: str


@dataclass(frozen=True)
class KeyModification:
    tx_id: str
    timestamp: datetime  # UTC, from the transaction that wrote this version
    value: bytes
    is_delete: bool


@dataclass(frozen=True)
class Response:
    """What an invoked function returns to the peer (peer.Response)."""

    status: int
    message: str = ""
    payload: bytes = b""


OK = 200
ERROR = 500


class ChaincodeStub(Protocol):
    """One transaction's view of the ledger."""

    @property
    def tx_id(self) -> str: ...

    @property
    def channel_id(self) -> str: ...

    def get_args(self) -> list[bytes]: ...

    def get_function_and_parameters(self) -> tuple[str, list[str]]: ...

    def get_creator(self) -> bytes:
        """The submitter's serialized identity (msp.SerializedIdentity bytes)."""
        ...

    def get_transient(self) -> dict[str, bytes]: ...

    def get_tx_timestamp(self) -> datetime:
        """The transaction's timestamp (UTC) from its channel header: the only clock a contract may use."""
        ...

    def get_state(self, key: str) -> bytes | None:
        """The committed value, or None when the key does not exist."""
        ...

    def get_multiple_states(self, keys: list[str]) -> list[bytes | None]:
        """``get_state`` of each key, in order (Fabric 3.1's GetMultipleStates: one message)."""
        ...

    def put_state(self, key: str, value: bytes) -> None: ...

    def del_state(self, key: str) -> None: ...

    def get_state_by_range(self, start_key: str, end_key: str) -> Iterator[KV]:
        """Keys in [start_key, end_key) in key order; "" means unbounded at that end."""
        ...

    def get_state_by_range_with_pagination(
        self, start_key: str, end_key: str, page_size: int, bookmark: str
    ) -> tuple[list[KV], QueryMetadata]: ...

    def get_state_by_partial_composite_key(self, object_type: str, attributes: list[str]) -> Iterator[KV]: ...

    def get_state_by_partial_composite_key_with_pagination(
        self, object_type: str, attributes: list[str], page_size: int, bookmark: str
    ) -> tuple[list[KV], QueryMetadata]: ...

    def create_composite_key(self, object_type: str, attributes: list[str]) -> str: ...

    def split_composite_key(self, composite_key: str) -> tuple[str, list[str]]: ...

    def get_history_for_key(self, key: str) -> Iterator[KeyModification]:
        """Every committed version of a key, newest first (as the peer returns them)."""
        ...

    def set_event(self, name: str, payload: bytes) -> None:
        """The transaction's chaincode event; Fabric keeps one per transaction, so the last call wins."""
        ...

    def set_state_validation_parameter(self, key: str, endorsement_policy: bytes) -> None:
        """Key-level endorsement: a marshalled common.SignaturePolicyEnvelope for this key."""
        ...

    def get_state_validation_parameter(self, key: str) -> bytes | None: ...


def create_composite_key(object_type: str, attributes: list[str]) -> str:
    """The Go shim's composite key layout; shared by every stub implementation."""
    _check_composite_part(object_type)
    key = COMPOSITE_KEY_NAMESPACE + object_type + MIN_UNICODE_RUNE
    for attr in attributes:
        _check_composite_part(attr)
        key += attr + MIN_UNICODE_RUNE
    return key


def split_composite_key(composite_key: str) -> tuple[str, list[str]]:
    parts = composite_key[1:].split(MIN_UNICODE_RUNE)
    # A well-formed key ends with the separator, so the last part is empty.
    return parts[0], parts[1:-1]


def _check_composite_part(part: str) -> None:
    if MIN_UNICODE_RUNE in part or MAX_UNICODE_RUNE in part:
        raise ValueError(f"composite key part {part!r} contains a reserved character")


def check_key(key: str) -> None:
    if not key:
        raise ValueError("key must not be empty")
    try:
        key.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates: the peer only stores valid UTF-8
        raise ValueError(f"key {key!r} is not valid UTF-8") from exc


def simple_range(start_key: str, end_key: str) -> tuple[str, str]:
    """A simple-key range as the peer runs it; composite keys are refused as bounds."""
    start_key = start_key or EMPTY_KEY_SUBSTITUTE
    for key in (start_key, end_key):
        if key:
            check_key(key)
        if key.startswith(COMPOSITE_KEY_NAMESPACE):
            raise ValueError(
                f"range key {key!r} starts with the composite key namespace; use a composite query"
            )
    return start_key, end_key


def composite_range(object_type: str, attributes: list[str]) -> tuple[str, str]:
    # Every key extending the partial key sorts in [prefix, prefix + U+10FFFF).
    prefix = create_composite_key(object_type, attributes)
    return prefix, prefix + MAX_UNICODE_RUNE
