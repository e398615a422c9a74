"""The in-memory stub behaves like a peer where the contract could be fooled."""

from __future__ import annotations

import pytest

from chaincode.shim.api import create_composite_key
from tests.unit.memstub import START, MemoryLedger, MemoryStub


def _stub(ledger: MemoryLedger) -> MemoryStub:
    return MemoryStub(ledger, [b"Ping", b"{}"], b"", "tx-1", START)


@pytest.fixture
def ledger() -> MemoryLedger:
    ledger = MemoryLedger()
    for n in range(5):
        ledger.state[create_composite_key("thing", [f"t{n}"])] = b"v"
    ledger.state["plain-a"] = b"a"
    ledger.state["plain-b"] = b"b"
    return ledger


def test_reads_see_committed_state_only(ledger: MemoryLedger) -> None:
    stub = _stub(ledger)
    stub.put_state("plain-c", b"c")
    stub.del_state("plain-a")
    assert stub.get_state("plain-c") is None and stub.get_state("plain-a") == b"a"
    with pytest.raises(ValueError):
        stub.put_state("plain-d", b"")


def test_paging_returns_the_next_key_as_bookmark(ledger: MemoryLedger) -> None:
    stub = _stub(ledger)
    page, meta = stub.get_state_by_partial_composite_key_with_pagination("thing", [], 2, "")
    assert [kv.key for kv in page] == [create_composite_key("thing", [f"t{n}"]) for n in (0, 1)]
    assert meta.bookmark == create_composite_key("thing", ["t2"]) and meta.fetched_records_count == 2
    page, meta = stub.get_state_by_partial_composite_key_with_pagination("thing", [], 3, meta.bookmark)
    assert len(page) == 3 and meta.bookmark == ""


def test_paging_and_writing_do_not_mix(ledger: MemoryLedger) -> None:
    stub = _stub(ledger)
    stub.get_state_by_partial_composite_key_with_pagination("thing", [], 2, "")
    with pytest.raises(RuntimeError):
        stub.put_state("plain-c", b"c")
    stub = _stub(ledger)
    stub.put_state("plain-c", b"c")
    with pytest.raises(RuntimeError):
        stub.get_state_by_partial_composite_key_with_pagination("thing", [], 2, "")


def test_simple_ranges_skip_composite_keys(ledger: MemoryLedger) -> None:
    stub = _stub(ledger)
    assert [kv.key for kv in stub.get_state_by_range("", "")] == ["plain-a", "plain-b"]
    with pytest.raises(ValueError):
        stub.get_state_by_range(create_composite_key("thing", []), "")


def test_failed_transactions_commit_nothing() -> None:
    ledger = MemoryLedger()
    response, event = ledger.invoke(b"nobody", "RegisterDepartment", {"id": "x"})
    assert response.status == 500 and event is None
    assert ledger.state == {} and ledger.history == {} and ledger.validation == {}
