"""Rules 12-13: identical write sets on every peer, canonical JSON, one event per transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from network.lib.demo import seed_transactions
from tests.unit.memstub import MemoryLedger, identity

from .helpers import BUREAU_ADMIN, HEALTH, Directory, department, key


def _replay(ledger: MemoryLedger) -> list[bytes]:
    write_sets = []
    for msp, role, function, argument in seed_transactions():
        response, _ = ledger.invoke(identity(msp, role), function, argument)
        assert response.status == 200, (function, response.message)
        assert ledger.last is not None and ledger.last.stale_reads == []
        write_sets.append(ledger.last.write_set())
    return write_sets


def test_the_same_transactions_write_the_same_bytes_on_two_peers() -> None:
    first, second = MemoryLedger(), MemoryLedger()
    assert _replay(first) == _replay(second)
    assert first.state == second.state and first.validation == second.validation


def test_stored_values_are_canonical_json() -> None:
    ledger = MemoryLedger()
    _replay(ledger)
    for stored_key, value in ledger.state.items():
        if value == b"\x00":
            continue
        parsed = json.loads(value)
        assert (
            value == json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ), stored_key


def test_time_comes_from_the_transaction_never_the_clock(directory: Directory) -> None:
    at = datetime(2031, 5, 4, 3, 2, 1, tzinfo=UTC)
    dept = directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("health", HEALTH), at=at)
    assert dept["created_at"] == dept["ledger"]["timestamp"] == "2031-05-04T03:02:01.000000Z"


def test_every_submit_emits_exactly_one_event_and_queries_none() -> None:
    ledger = MemoryLedger()
    for msp, role, function, argument in seed_transactions():
        ledger.invoke(identity(msp, role), function, argument)
        assert ledger.last is not None and len(ledger.last.events) == 1
        _, payload = ledger.last.events[0]
        body = json.loads(payload)
        assert set(body) in ({"entity", "id", "version"}, {"entity", "ids", "version"}), body
    ledger.invoke(BUREAU_ADMIN, "ListCatalogs", {"status": "published"})
    assert ledger.last is not None and ledger.last.events == [] and ledger.last.writes == {}


def test_own_writes_are_never_read_back(directory: Directory) -> None:
    """Fabric's GetState does not see this transaction's writes; nothing here depends on it."""
    directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("health", HEALTH))
    stub = directory.last
    assert stub.reads == [key("department", "health")] and stub.stale_reads == []
    # The in-memory stub does model it: a read after a write returns the committed value.
    stub.put_state(key("department", "x"), b"{}")
    assert stub.get_state(key("department", "x")) is None and stub.stale_reads == [key("department", "x")]
