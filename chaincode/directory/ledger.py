"""Typed helpers over the stub: entities as JSON, their indexes, paging, time, events, policies.

Writes are buffered here and handed to the stub only by ``commit()``, which the dispatcher
calls after the action returned; an action that raises has therefore written nothing, even
before the runtime discards the write set.

Fabric's GetState does not see the transaction's own writes, so no action reads back a key
it wrote; the buffer refuses to write one key twice, which would signal such a mistake.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from chaincode.shim.api import KV, ChaincodeStub, create_composite_key, split_composite_key

from .errors import internal, invalid_argument, not_found
from .schemas import check_entity

JSON = dict[str, Any]
IndexEntry = tuple[str, tuple[str, ...]]  # (index name, attributes; the entity id last)
IndexFn = Callable[[JSON], set[IndexEntry]]

# Index keys carry everything in the key; Fabric treats an empty value as a delete.
INDEX_VALUE = b"\x00"
DEFAULT_PAGE_SIZE = 50


def canonical_json(value: Any) -> bytes:
    """The only serialisation we write: identical bytes on every peer."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def format_time(moment: datetime) -> str:
    """ISO 8601 UTC with 'Z', fixed microsecond precision."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """A stored timestamp or a caller's date-time/date (a bare date means the end of that day, UTC).

    Raises ValueError for anything unparsable, including offsets that push the moment past
    year 1 or 9999 (which datetime reports as OverflowError).
    """
    try:
        if len(text) == 10:
            return datetime.fromisoformat(text).replace(hour=23, minute=59, second=59, tzinfo=UTC)
        return datetime.fromisoformat(text).astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{text!r} is out of the representable range") from exc


def derived_id(prefix: str, tx_id: str) -> str:
    """An id every peer derives alike: the prefix and the first 20 hex digits of the tx id."""
    digits = "".join(char for char in tx_id.lower() if char in "0123456789abcdef")[:20]
    if not digits:
        raise internal("the transaction id has no hex digits to derive an id from")
    return f"{prefix}-{digits}"


def add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a non-leap target year
        return moment.replace(year=moment.year + years, day=28)


class Ledger:
    """One transaction's ledger, as the directory's aggregates use it."""

    def __init__(self, stub: ChaincodeStub) -> None:
        self._stub = stub
        self._writes: dict[str, bytes | None] = {}
        self._policies: dict[str, bytes] = {}
        self._event: tuple[str, bytes] | None = None
        # Committed values already read in this transaction. Committed state does not change
        # while the peer simulates a transaction (and GetState never sees its own writes), so a
        # second read of a key would answer the same: it is answered from here.
        self._read: dict[str, bytes | None] = {}

    # -- transaction facts -------------------------------------------------------------

    @property
    def tx_id(self) -> str:
        return self._stub.tx_id

    @property
    def channel_id(self) -> str:
        return self._stub.channel_id

    @cached_property
    def now(self) -> datetime:
        """The transaction's timestamp: the same on every endorsing peer, unlike a clock."""
        moment = self._stub.get_tx_timestamp()
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    @property
    def now_text(self) -> str:
        return format_time(self.now)

    # -- entities ----------------------------------------------------------------------

    @staticmethod
    def key(kind: str, entity_id: str) -> str:
        return create_composite_key(kind, [entity_id])

    def _state(self, key: str) -> bytes | None:
        if key in self._read:
            return self._read[key]
        value = self._read[key] = self._stub.get_state(key)
        return value

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read these keys now, in one GET_STATE_MULTIPLE where the peer offers it, so that the
        checks which read them next cost no further round trip. Reading a key the action then
        does not need only adds it to the read set, which only a committed transaction has."""
        missing = [key for key in dict.fromkeys(keys) if key not in self._read]
        if len(missing) == 1:
            self._state(missing[0])
        elif missing:
            self._read.update(zip(missing, self._stub.get_multiple_states(missing), strict=True))

    def get(self, kind: str, entity_id: str) -> JSON | None:
        raw = self._state(self.key(kind, entity_id))
        if raw is None:
            return None
        value: JSON = json.loads(raw)
        return value

    def require(self, kind: str, entity_id: str) -> JSON:
        entity = self.get(kind, entity_id)
        if entity is None:
            raise not_found(kind, entity_id)
        return entity

    def exists(self, kind: str, entity_id: str) -> bool:
        return self._state(self.key(kind, entity_id)) is not None

    def get_raw(self, key: str) -> bytes | None:
        """A key that holds no entity (e.g. a catalog's grant register), as stored."""
        return self._state(key)

    def get_well_formed(self, key: str, valid: Callable[[Any], bool]) -> JSON | None:
        """The JSON object at ``key`` when ``valid`` accepts it, else None (also when absent).

        For keys a colluding majority could have written (a new key needs no owner's
        endorsement): whatever they hold must never make an honest transaction fail.
        """
        raw = self._state(key)
        if raw is None:
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) and valid(value) else None

    def put_json(self, key: str, value: JSON, policy: bytes, *, new: bool = False) -> None:
        """Write a non-entity JSON record (canonical, never empty) with a key-level policy;
        ``new``: the key is known not to exist (so it has no policy to compare with)."""
        self._put(key, canonical_json(value), policy, new=new)

    def save(
        self, kind: str, entity: JSON, *, previous: JSON | None, policy: bytes, indexes: IndexFn
    ) -> JSON:
        """Store a new version of an entity with its ledger metadata, and move its index entries.

        Every key written carries ``policy`` as its key-level endorsement policy; index entries
        whose attributes did not change are left alone.
        """
        stored = dict(entity)
        stored["version"] = previous["version"] + 1 if previous else 1
        stored["ledger"] = {"tx_id": self.tx_id, "timestamp": self.now_text}
        check_entity(kind, stored)
        self._put(self.key(kind, stored["id"]), canonical_json(stored), policy, new=previous is None)
        old = indexes(previous) if previous else set()
        new = indexes(stored)
        for name, attrs in sorted(old - new):
            self._delete(create_composite_key(name, list(attrs)))
        for name, attrs in sorted(new - old):
            self._put(create_composite_key(name, list(attrs)), INDEX_VALUE, policy, new=True)
        return stored

    def emit(self, name: str, payload: JSON) -> None:
        """The transaction's one chaincode event (Fabric keeps only one)."""
        if self._event is not None:
            raise internal(f"a second event {name} in one transaction")
        self._event = (name, canonical_json(payload))

    def announce(self, name: str, kind: str, entity: JSON) -> None:
        """The usual event: which entity changed, and its new version."""
        self.emit(name, {"entity": kind, "id": entity["id"], "version": entity["version"]})

    @property
    def wrote(self) -> bool:
        return bool(self._writes)

    @property
    def emitted(self) -> bool:
        return self._event is not None

    def commit(self) -> None:
        """Hand the buffered writes, policies and event to the stub, in a fixed order."""
        for key, value in self._writes.items():
            if value is None:
                self._stub.del_state(key)
            else:
                self._stub.put_state(key, value)
        for key, policy in self._policies.items():
            self._stub.set_state_validation_parameter(key, policy)
        if self._event is not None:
            self._stub.set_event(*self._event)

    def _put(self, key: str, value: bytes, policy: bytes, *, new: bool = False) -> None:
        """Write a key under ``policy``, setting the policy only on a new key or a changed one.

        Fabric invalidates (as ENDORSEMENT_POLICY_FAILURE) every later transaction in a block
        that touches a key whose validation parameter an earlier one set, even to the same
        value; re-setting it on each write turned concurrent writes into policy failures
        instead of MVCC conflicts. An unchanged policy stays in force as it is.
        """
        self._claim(key)
        self._writes[key] = value
        if new or self._stub.get_state_validation_parameter(key) != policy:
            self._policies[key] = policy

    def _delete(self, key: str) -> None:
        self._claim(key)
        self._writes[key] = None

    def _claim(self, key: str) -> None:
        if key in self._writes:
            raise internal("one key written twice in a transaction")

    # -- queries -----------------------------------------------------------------------

    def page(self, index: str, attrs: tuple[str, ...], page_size: int, bookmark: str) -> tuple[list[KV], str]:
        """One page of an index (or of a kind's primary keys), and the bookmark of the next."""
        start = _decode_bookmark(bookmark, create_composite_key(index, list(attrs))) if bookmark else ""
        records, metadata = self._stub.get_state_by_partial_composite_key_with_pagination(
            index, list(attrs), page_size, start
        )
        return records[:page_size], _encode_bookmark(metadata.bookmark)

    def scan(self, index: str, attrs: tuple[str, ...]) -> Iterator[str]:
        """Entity ids under an index prefix; unpaginated, since Fabric allows paging only in queries."""
        for record in self._stub.get_state_by_partial_composite_key(index, list(attrs)):
            yield split_composite_key(record.key)[1][-1]

    def list_page(
        self,
        kind: str,
        index: str,
        attrs: tuple[str, ...],
        args: JSON,
        keep: Callable[[JSON], bool] = lambda _: True,
        present: Callable[[JSON], JSON] = lambda entity: entity,
    ) -> JSON:
        """A Page: entities of one index page that pass ``keep`` (filters the index cannot apply)."""
        page_size = int(args.get("page_size", DEFAULT_PAGE_SIZE))
        records, bookmark = self.page(index, attrs, page_size, str(args.get("bookmark", "")))
        if index != kind:  # the page's entities, in one message where the peer offers it
            self.prefetch(self.key(kind, split_composite_key(record.key)[1][-1]) for record in records)
        items: list[JSON] = []
        for record in records:
            if index == kind:  # the primary keys themselves: the value is the entity
                entity: JSON | None = json.loads(record.value)
            else:
                entity = self.get(kind, split_composite_key(record.key)[1][-1])
            if entity is not None and keep(entity):
                items.append(present(entity))
        return {"items": items, "bookmark": bookmark, "count": len(items)}

    def history(self, kind: str, entity_id: str) -> list[JSON]:
        return [
            {
                "tx_id": change.tx_id,
                "timestamp": format_time(change.timestamp),
                "value": None if change.is_delete else json.loads(change.value),
                "is_delete": change.is_delete,
            }
            for change in self._stub.get_history_for_key(self.key(kind, entity_id))
        ]


def _encode_bookmark(key: str) -> str:
    """Opaque and URL-safe: the peer's bookmark is a raw key full of NUL separators."""
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=") if key else ""


def _decode_bookmark(bookmark: str, prefix: str) -> str:
    try:
        padded = bookmark + "=" * (-len(bookmark) % 4)
        key = base64.b64decode(padded, altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        key = ""
    # The peer starts at the bookmark as given; one outside this query's prefix would page
    # through other keys, so it is refused.
    if not key.startswith(prefix):
        raise invalid_argument("bookmark: not a bookmark of this query", "bookmark")
    return key
