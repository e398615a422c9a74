"""A transaction simulator: the ``ChaincodeStub`` API over a local store of committed state.

Fabric's peer simulates a transaction against committed state and records what it read (with
each key's version) and what it would write; validation at commit then refuses it when a read
is stale (MVCC_READ_CONFLICT) or a range it scanned changed (PHANTOM_READ_CONFLICT). This
module is that simulation, once, for every ledger that is not a real peer: the embedded
ledger (SQLite) and the unit tests' in-memory ledger are two storages behind ``StateReader``.

What it reproduces, as the peer does:

* reads see committed state only, never the transaction's own writes;
* simple-key ranges skip composite keys; partial composite keys cover their prefix;
* pagination returns at most ``page_size`` records and the next key as the bookmark, and a
  paginated query and a write in one transaction refuse each other;
* an empty value or key is refused (the peer would take an empty value as a delete);
* history, newest first; key-level validation parameters; one event per transaction (the
  last ``set_event`` wins).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from chaincode.shim import api
from chaincode.shim.api import KV, KeyModification, QueryMetadata

# A committed key's version; the simulator only compares them (e.g. (block, tx) on a ledger).
Version = Hashable


class StateReader(Protocol):
    """Committed state as one transaction sees it."""

    def get(self, key: str) -> tuple[bytes, Version] | None: ...

    def scan(self, start: str, end: str) -> Iterator[tuple[str, bytes, Version]]:
        """Keys in [start, end) in key order ("" end: unbounded)."""
        ...

    def history(self, key: str) -> list[KeyModification]:
        """Every committed version of the key, newest first."""
        ...

    def validation_parameter(self, key: str) -> bytes | None: ...


@dataclass(frozen=True)
class RangeRead:
    """A scanned range and what it returned; ``complete`` when it was read to its end."""

    start: str
    end: str
    seen: tuple[tuple[str, Version], ...]
    complete: bool

    def covers(self, key: str) -> bool:
        """Whether a key in this range lies within the part that was read."""
        if self.complete:
            return True
        return bool(self.seen) and key <= self.seen[-1][0]


@dataclass
class ReadWriteSet:
    """What a simulated transaction read and would write; validated and applied at commit."""

    reads: dict[str, Version | None] = field(default_factory=dict)
    ranges: list[RangeRead] = field(default_factory=list)
    writes: dict[str, bytes | None] = field(default_factory=dict)  # None: delete
    validation: dict[str, bytes] = field(default_factory=dict)

    @property
    def read_only(self) -> bool:
        return not self.writes and not self.validation


class SimulatedStub:
    """One transaction's ``ChaincodeStub`` over a ``StateReader``; the read/write set is ``rwset``."""

    def __init__(
        self,
        reader: StateReader,
        args: list[bytes],
        creator: bytes,
        tx_id: str,
        timestamp: datetime,
        channel_id: str,
        transient: dict[str, bytes] | None = None,
    ) -> None:
        self._reader = reader
        self._args = list(args)
        self._creator = creator
        self._tx_id = tx_id
        self._timestamp = timestamp
        self._channel_id = channel_id
        self._transient = dict(transient or {})
        self.rwset = ReadWriteSet()
        self.chaincode_event: tuple[str, bytes] | None = None
        self._paginated = False

    # -- transaction facts ----------------------------------------------------------------

    @property
    def tx_id(self) -> str:
        return self._tx_id

    @property
    def channel_id(self) -> str:
        return self._channel_id

    def get_args(self) -> list[bytes]:
        return list(self._args)

    def get_function_and_parameters(self) -> tuple[str, list[str]]:
        if not self._args:
            return "", []
        return self._args[0].decode(), [arg.decode("utf-8", "replace") for arg in self._args[1:]]

    def get_creator(self) -> bytes:
        return self._creator

    def get_transient(self) -> dict[str, bytes]:
        return dict(self._transient)

    def get_tx_timestamp(self) -> datetime:
        return self._timestamp

    # -- state ----------------------------------------------------------------------------

    @property
    def writes(self) -> dict[str, bytes | None]:
        return self.rwset.writes

    @property
    def validation_writes(self) -> dict[str, bytes]:
        return self.rwset.validation

    def get_state(self, key: str) -> bytes | None:
        api.check_key(key)
        self.on_read(key)
        found = self._reader.get(key)
        self.rwset.reads.setdefault(key, None if found is None else found[1])
        return None if found is None else found[0]

    def get_multiple_states(self, keys: list[str]) -> list[bytes | None]:
        # The peer reads each key as GetState does (the same read set).
        for key in keys:
            api.check_key(key)
        return [self.get_state(key) for key in keys]

    def put_state(self, key: str, value: bytes) -> None:
        api.check_key(key)
        if not value:
            raise ValueError(f"put_state({key!r}): value must not be empty (use del_state to delete)")
        self._check_write()
        self.rwset.writes[key] = bytes(value)

    def del_state(self, key: str) -> None:
        api.check_key(key)
        self._check_write()
        self.rwset.writes[key] = None

    def _check_write(self) -> None:
        if self._paginated:
            raise RuntimeError(
                "txsimulator does not support write operations in combination with paginated queries"
            )

    # -- queries --------------------------------------------------------------------------

    def get_state_by_range(self, start_key: str, end_key: str) -> Iterator[KV]:
        start, end = api.simple_range(start_key, end_key)
        return iter(self._range("range", start, end, None)[0])

    def get_state_by_range_with_pagination(
        self, start_key: str, end_key: str, page_size: int, bookmark: str
    ) -> tuple[list[KV], QueryMetadata]:
        start, end = api.simple_range(start_key, end_key)
        return self._page("range-page", bookmark or start, end, page_size)

    def get_state_by_partial_composite_key(self, object_type: str, attributes: list[str]) -> Iterator[KV]:
        start, end = api.composite_range(object_type, attributes)
        return iter(self._range("partial", start, end, None)[0])

    def get_state_by_partial_composite_key_with_pagination(
        self, object_type: str, attributes: list[str], page_size: int, bookmark: str
    ) -> tuple[list[KV], QueryMetadata]:
        start, end = api.composite_range(object_type, attributes)
        # Like the peer: the bookmark is used as the start key, unchecked.
        return self._page("partial-page", bookmark or start, end, page_size)

    def _page(self, kind: str, start: str, end: str, page_size: int) -> tuple[list[KV], QueryMetadata]:
        if not 0 < page_size <= api.MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {api.MAX_PAGE_SIZE}, not {page_size}")
        if not self.rwset.read_only:
            raise RuntimeError("txsimulator does not support paginated queries in combination with writes")
        self._paginated = True
        page, next_key = self._range(kind, start, end, page_size)
        return page, QueryMetadata(len(page), next_key)

    def _range(self, kind: str, start: str, end: str, limit: int | None) -> tuple[list[KV], str]:
        """Up to ``limit`` records from [start, end), and the key after them ("" at the end)."""
        records: list[KV] = []
        seen: list[tuple[str, Version]] = []
        next_key = ""
        for key, value, version in self._reader.scan(start, end):
            if limit is not None and len(records) == limit:
                next_key = key
                break
            records.append(KV(key, value))
            seen.append((key, version))
        self.rwset.ranges.append(RangeRead(start, end, tuple(seen), complete=not next_key))
        self.on_query(kind, start, end, limit, len(records))
        return records, next_key

    def create_composite_key(self, object_type: str, attributes: list[str]) -> str:
        return api.create_composite_key(object_type, attributes)

    def split_composite_key(self, composite_key: str) -> tuple[str, list[str]]:
        return api.split_composite_key(composite_key)

    def get_history_for_key(self, key: str) -> Iterator[KeyModification]:
        api.check_key(key)
        return iter(self._reader.history(key))

    # -- events and key-level endorsement -------------------------------------------------

    def set_event(self, name: str, payload: bytes) -> None:
        if not name:
            raise ValueError("event name must not be empty")
        self.chaincode_event = (name, bytes(payload))
        self.on_event(name, bytes(payload))

    def set_state_validation_parameter(self, key: str, endorsement_policy: bytes) -> None:
        api.check_key(key)
        self._check_write()
        self.rwset.validation[key] = bytes(endorsement_policy)

    def get_state_validation_parameter(self, key: str) -> bytes | None:
        api.check_key(key)
        return self._reader.validation_parameter(key)

    # -- observation hooks (the unit tests' ledger records calls through these) -----------

    def on_read(self, key: str) -> None:
        return None

    def on_query(self, kind: str, start: str, end: str, page_size: int | None, returned: int) -> None:
        return None

    def on_event(self, name: str, payload: bytes) -> None:
        return None


def conflict(rwset: ReadWriteSet, reader: StateReader) -> str | None:
    """Fabric's MVCC validation against the state now committed: None, or the validation code."""
    for key, version in rwset.reads.items():
        found = reader.get(key)
        if (None if found is None else found[1]) != version:
            return "MVCC_READ_CONFLICT"
    for scanned in rwset.ranges:
        now: list[tuple[str, Version]] = []
        for key, _value, version in reader.scan(scanned.start, scanned.end):
            if not scanned.covers(key):
                break
            now.append((key, version))
        if tuple(now) != scanned.seen:
            return "PHANTOM_READ_CONFLICT"
    return None
