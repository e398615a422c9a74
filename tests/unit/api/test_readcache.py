"""The read cache's rules, without a ledger: when it serves, what drops an entry, and the
caller's own writes."""

from __future__ import annotations

from typing import Any

from gateway.api.ledger import ChaincodeEvent
from gateway.api.readcache import Fill, ReadCache


def event(block: int, entity: str | None = "catalog", **payload: Any) -> ChaincodeEvent:
    body = {"entity": entity, **payload} if entity else payload
    return ChaincodeEvent(block, f"{block:064x}", "CatalogUpdated", body)


def filled(cache: ReadCache, fn: str, arg: dict[str, Any], body: bytes, who: str = "a") -> None:
    ticket = cache.lookup(who, fn, arg)
    assert isinstance(ticket, Fill), ticket
    cache.keep(ticket, body)


def test_off_until_the_event_stream_follows_then_serves_at_its_height() -> None:
    cache = ReadCache()
    assert cache.lookup("a", "GetCatalog", {"id": "c1"}) is None  # no stream: the peer answers
    cache.following(10)
    filled(cache, "GetCatalog", {"id": "c1"}, b"v1")
    assert cache.lookup("b", "GetCatalog", {"id": "c1"}) == (b"v1", 10)
    cache.apply(event(12, id="other"))
    assert cache.lookup("b", "GetCatalog", {"id": "c1"}) == (b"v1", 13)  # still true after block 12


def test_a_write_drops_its_entity_and_every_list_of_its_kind() -> None:
    cache = ReadCache()
    cache.following(5)
    filled(cache, "GetCatalog", {"id": "c1"}, b"c1")
    filled(cache, "GetCatalog", {"id": "c2"}, b"c2")
    filled(cache, "ListCatalogs", {"department_id": "d"}, b"list")
    filled(cache, "GetDepartment", {"id": "d"}, b"dept")
    cache.apply(event(6, id="c1"))
    assert isinstance(cache.lookup("a", "GetCatalog", {"id": "c1"}), Fill)
    assert isinstance(cache.lookup("a", "ListCatalogs", {"department_id": "d"}), Fill)
    assert cache.lookup("a", "GetCatalog", {"id": "c2"}) == (b"c2", 7)
    assert cache.lookup("a", "GetDepartment", {"id": "d"}) == (b"dept", 7)
    cache.apply(event(7, ids=["c2", "c3"]))  # a batch names all it created
    assert isinstance(cache.lookup("a", "GetCatalog", {"id": "c2"}), Fill)


def test_a_fill_that_raced_an_invalidation_is_not_kept() -> None:
    cache = ReadCache()
    cache.following(5)
    ticket = cache.lookup("a", "GetCatalog", {"id": "c1"})
    assert isinstance(ticket, Fill)
    cache.apply(event(6, id="c9"))  # any write of the kind while the read was under way
    cache.keep(ticket, b"maybe stale")
    assert isinstance(cache.lookup("a", "GetCatalog", {"id": "c1"}), Fill)


def test_a_caller_reads_its_own_write_once_the_stream_has_passed_it() -> None:
    cache = ReadCache(own_write_wait=0.05)
    cache.following(5)
    filled(cache, "GetCatalog", {"id": "c1"}, b"old")
    cache.wrote("writer", 8)
    assert cache.lookup("writer", "GetCatalog", {"id": "c1"}) is None  # stream behind: the peer
    assert cache.lookup("other", "GetCatalog", {"id": "c1"}) == (b"old", 5)
    cache.apply(event(8, id="c1"))
    assert isinstance(cache.lookup("writer", "GetCatalog", {"id": "c1"}), Fill)


def test_a_broken_stream_empties_the_cache_and_turns_it_off() -> None:
    cache = ReadCache()
    cache.following(5)
    filled(cache, "GetCatalog", {"id": "c1"}, b"v")
    cache.lost()
    assert cache.lookup("a", "GetCatalog", {"id": "c1"}) is None and len(cache) == 0
    cache.following(9)
    assert isinstance(cache.lookup("a", "GetCatalog", {"id": "c1"}), Fill)


def test_an_event_it_cannot_read_drops_everything_and_other_reads_are_never_cached() -> None:
    cache = ReadCache()
    cache.following(5)
    filled(cache, "GetDepartment", {"id": "d"}, b"d")
    cache.apply(event(6, entity=None, note="no entity"))
    assert isinstance(cache.lookup("a", "GetDepartment", {"id": "d"}), Fill)
    assert cache.lookup("a", "GetGrant", {"id": "g"}) is None  # computed from the clock when read
    assert cache.lookup("a", "ListUsage", {"grant_id": "g"}) is None


def test_a_fill_under_way_when_an_unreadable_event_arrives_is_not_kept() -> None:
    cache = ReadCache()
    cache.following(5)
    ticket = cache.lookup("a", "GetResponsibility", {"id": "r1"})  # the first read of its kind
    assert isinstance(ticket, Fill)
    cache.apply(event(6, entity=None, note="no entity"))
    cache.keep(ticket, b"maybe stale")
    assert isinstance(cache.lookup("a", "GetResponsibility", {"id": "r1"}), Fill)
