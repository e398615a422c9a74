"""A cache of directory reads, kept correct by the chaincode's own events.

Only reads whose answer is a function of ledger state alone are cached (``CACHED``: catalogs,
departments and responsibilities, each read or listed; no caller, clock or other entity enters
their answer), and only entities every member of the channel may read. Every write of one of
these kinds emits an event naming the entity (the contract refuses a submit without its event),
so the gateway's one event stream (``gateway.api.search``'s follower) tells the cache what to
drop: the entity's own reads, and every list of its kind.

What the cache promises, and each answer says (``X-Ledger-Height``: the answer is the state after
at least that many blocks; ``X-Citydir-Read: cache|peer``):

* an entry is served only while the event stream is connected, and reflects every event up to
  the last one the stream delivered: a cached answer's height is that block + 1;
* a caller reads its own writes: after its write committed in block B, a cached read waits
  (briefly) for the stream to pass B, else goes to the peer;
* ``Cache-Control: no-cache`` on a request (or ``?consistency=peer`` where a route declares it)
  reads from the peer as the caller;
* the staleness bound is the event stream's delivery lag after a commit (normally well under a
  second); when the stream is down the cache is off.

A miss is read as the gateway's service identity, through the same peer the event stream comes
from: that peer has committed every block the stream delivered, so the answer is at least as new
as the cache's height (a read as the caller might reach a peer a block behind). A fill that
raced an invalidation of its kind is not kept. Bounded LRU.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.api.ledger import ChaincodeEvent
from gateway.api.marks import WriteMarks

# Read function → the entity kind whose writes change its answer.
CACHED: Mapping[str, str] = {
    "GetCatalog": "catalog",
    "ListCatalogs": "catalog",
    "GetDepartment": "department",
    "ListDepartments": "department",
    "GetResponsibility": "responsibility",
    "ListResponsibilities": "responsibility",
}
_LISTS = frozenset(fn for fn in CACHED if fn.startswith("List"))


@dataclass(frozen=True)
class Entry:
    body: bytes  # the response body as served
    kind: str
    entity_id: str | None  # None: a list, dropped on any write of its kind


@dataclass(frozen=True)
class Fill:
    """A ticket for one cache fill: what the cache had seen when the read started."""

    key: str
    kind: str
    entity_id: str | None
    generation: int


class ReadCache:
    def __init__(
        self, size: int = 10_000, own_write_wait: float = 0.5, marks: WriteMarks | None = None
    ) -> None:
        self._size = max(1, size)
        self._own_write_wait = own_write_wait
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        # Per kind, bumped by every invalidation of it; every kind from the start, so that one
        # bump of all of them (an unreadable event, a lost stream) reaches fills under way.
        self._generation: dict[str, int] = dict.fromkeys(CACHED.values(), 0)
        self._followed: int | None = None  # block of the last event applied; None: stream down
        # Identity → block of its last committed write, shared by the gateway's worker processes.
        self._marks = marks if marks is not None else WriteMarks()
        self._changed = threading.Condition()
        self.hits = self.misses = 0

    # -- the event stream -------------------------------------------------------------------

    def following(self, from_height: int) -> None:
        """The stream is (re)connected and replays from ``from_height``: all before is known."""
        with self._changed:
            if self._followed is None:
                self._followed = from_height - 1
            self._changed.notify_all()

    def lost(self) -> None:
        """The stream broke: nothing it would have said can be relied on until it resumes."""
        with self._changed:
            self._followed = None
            self._entries.clear()
            for kind in self._generation:
                self._generation[kind] += 1

    def apply(self, event: ChaincodeEvent) -> None:
        payload = event.payload if isinstance(event.payload, Mapping) else {}
        kind = payload.get("entity")
        ids = payload.get("ids") or ([payload["id"]] if isinstance(payload.get("id"), str) else None)
        with self._changed:
            if not isinstance(kind, str) or ids is None:
                self._drop(lambda entry: True)  # an event we cannot read: drop everything
                for known in self._generation:
                    self._generation[known] += 1
            elif kind in CACHED.values():
                wanted = set(ids)
                self._drop(lambda e: e.kind == kind and (e.entity_id is None or e.entity_id in wanted))
                self._generation[kind] += 1
            self._followed = max(self._followed if self._followed is not None else -1, event.block)
            self._changed.notify_all()

    def _drop(self, doomed: Any) -> None:
        for key in [k for k, entry in self._entries.items() if doomed(entry)]:
            del self._entries[key]

    # -- reads and writes -------------------------------------------------------------------

    def wrote(self, identity: Hashable, block: int) -> None:
        self._marks.raise_to(identity, block)

    def height(self) -> int | None:
        """The height every cached answer reflects at least; None while the cache is off."""
        followed = self._followed
        return None if followed is None else followed + 1

    def lookup(
        self, identity: Hashable, function: str, arg: Mapping[str, Any]
    ) -> tuple[bytes, int] | Fill | None:
        """A cached body and its height; else a Fill ticket to ``keep`` the answer; None: go to
        the peer and do not cache (not a cached read, the stream is down, or the caller's own
        write is not known to the stream yet)."""
        kind = CACHED.get(function)
        if kind is None or not self._caught_up(identity):
            return None
        key = function + "\n" + json.dumps(arg, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        with self._changed:
            entry = self._entries.get(key)
            height = self.height()
            if entry is not None and height is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry.body, height
            self.misses += 1
            entity = None if function in _LISTS else str(arg.get("id"))
            return Fill(key, kind, entity, self._generation[kind])

    def keep(self, fill: Fill, body: bytes) -> None:
        """Keep a filled answer, unless its kind was invalidated while it was read."""
        with self._changed:
            if self._followed is None or self._generation[fill.kind] != fill.generation:
                return
            self._entries[fill.key] = Entry(body, fill.kind, fill.entity_id)
            self._entries.move_to_end(fill.key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def _caught_up(self, identity: Hashable) -> bool:
        """Whether the stream has passed the caller's last write (waiting for it briefly)."""
        own = self._marks.get(identity)
        deadline = time.monotonic() + self._own_write_wait
        with self._changed:
            while True:
                followed = self._followed
                if followed is None:
                    return False
                if own is None or followed >= own:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)

    def __len__(self) -> int:
        return len(self._entries)
