"""Provenance in reads (block, validation code, endorsers) from whole blocks, and the ledger
panel's block lookups, against the fake ledger."""

from __future__ import annotations

import threading
from typing import Any

from gateway.api.ledger import BlockRecord, TxRecord
from gateway.api.provenance import Provenance, add_provenance
from tests.unit.api.conftest import Env, entity, tx
from tests.unit.api.conftest import FakeLedger as Fake


def record(number: int, *tx_ids: str, code: str = "VALID") -> BlockRecord:
    txs = tuple(
        TxRecord(t, number, i, code, "HealthMSP", ("HealthMSP", "DataBureauMSP"), "2026-01-02T03:04:05.000Z")
        for i, t in enumerate(tx_ids)
    )
    return BlockRecord(number, f"{number:064x}", f"{number - 1:064x}", "ab" * 32, txs)


def test_a_page_written_in_one_block_costs_one_block_read() -> None:
    fake = Fake()
    fake.blocks.update({tx(1): 3, tx(2): 3, tx(3): 3})
    page = [entity(f"c{i}", tx(i)) for i in (1, 2, 3)]
    add_provenance(fake, Provenance(), page)
    assert fake.block_lookups == [tx(1)]  # tx(2), tx(3) were in the block read for tx(1)
    assert [p["ledger"]["block"] for p in page] == [3, 3, 3]
    assert page[0]["ledger"]["validation_code"] == "VALID"
    assert page[0]["ledger"]["endorsers"] == ["HealthMSP"]


def test_a_hinted_block_is_read_by_number_and_cached_per_block() -> None:
    fake = Fake()
    fake.blocks.update({tx(1): 4, tx(2): 4})
    provenance = Provenance()
    provenance.hint(tx(1), 4)
    provenance.hint(tx(2), 4)
    reads: list[int] = []
    original = fake.block_record

    def counted(number: int) -> BlockRecord | None:
        reads.append(number)
        return original(number)

    fake.block_record = counted  # type: ignore[method-assign]
    add_provenance(fake, provenance, [entity("a", tx(1)), entity("b", tx(2))])
    add_provenance(fake, provenance, [entity("a", tx(1))])
    assert reads == [4] and fake.block_lookups == []


def test_an_unknown_transaction_leaves_the_fields_null_and_the_read_served() -> None:
    value: dict[str, Any] = entity("a", tx(9))
    add_provenance(Fake(), Provenance(), value)
    assert value["ledger"] | {} == {
        "tx_id": tx(9),
        "timestamp": "2026-01-02T03:04:05Z",
        "block": None,
        "validation_code": None,
        "endorsers": None,
    }


def test_the_index_is_bounded_and_finds_blocks_by_hash() -> None:
    provenance = Provenance(size=2, blocks=2)
    for n in range(1, 4):
        provenance.add(record(n, tx(n)))
    assert provenance.tx(tx(1)) is None and provenance.tx(tx(3)) is not None
    assert provenance.number_of_hash(f"{3:064x}") == 3
    assert provenance.number_of_hash(f"{1:064x}") is None  # its block record was dropped


def test_ledger_find_by_number_tx_id_and_hash(env: Env) -> None:
    env.health.blocks.update({tx(1): 5, tx(2): 5})
    client = env.client()
    by_number = client.get("/api/v1/ledger/find?q=5").get_json()["data"]
    assert [t["tx_id"] for t in by_number["transactions"]] == sorted([tx(1), tx(2)])
    by_tx = client.get(f"/api/v1/ledger/find?q={tx(2)}").get_json()["data"]
    assert by_tx["number"] == 5 and by_tx["transactions"][0]["endorsers"] == ["HealthMSP"]
    by_hash = client.get(f"/api/v1/ledger/find?q={by_number['hash']}").get_json()["data"]
    assert by_hash["number"] == 5
    missing = client.get(f"/api/v1/ledger/find?q={'cd' * 32}")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "NOT_FOUND"
    bad = client.get("/api/v1/ledger/find?q=block-five")
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "INVALID_ARGUMENT"
    assert client.get("/api/v1/ledger/blocks/99").status_code == 404


def test_activity_counts_per_minute_and_per_org(env: Env) -> None:
    env.health.blocks.update({tx(1): 2, tx(2): 3, tx(3): 3})
    data = env.client().get("/api/v1/ledger/activity?blocks=5").get_json()["data"]
    assert data["transactions"] == 3
    assert data["per_org"] == [{"msp_id": "HealthMSP", "count": 3}]
    assert data["per_minute"] == [{"minute": "2026-01-02T03:04Z", "count": 3}]


def test_a_committed_transactions_status_names_its_endorsers(env: Env) -> None:
    env.health.blocks[tx(1)] = 6
    env.health.statuses[tx(1)] = ("VALID", 6)
    data = env.client().get(f"/api/v1/transactions/{tx(1)}").get_json()["data"]
    assert (data["status"], data["block"], data["endorsers"]) == ("VALID", 6, ["HealthMSP"])
    pending = env.client().get(f"/api/v1/transactions/{tx(7)}").get_json()["data"]
    assert (pending["status"], pending["block"]) == ("pending", None)


def test_concurrent_readers_of_one_block_read_it_once() -> None:

    fake = Fake()
    fake.blocks.update({tx(i): 4 for i in range(20)})
    gate = threading.Event()
    reads: list[int] = []
    original = fake.block_record

    def slow(number: int) -> BlockRecord | None:
        reads.append(number)
        gate.wait(2)
        return original(number)

    fake.block_record = slow  # type: ignore[method-assign]
    provenance = Provenance()
    found: list[BlockRecord | None] = []
    threads = [threading.Thread(target=lambda: found.append(provenance.block(fake, 4))) for _ in range(8)]
    for thread in threads:
        thread.start()
    while not reads:
        pass
    gate.set()
    for thread in threads:
        thread.join()
    assert reads == [4] and len(found) == 8 and all(f is not None and f.number == 4 for f in found)
