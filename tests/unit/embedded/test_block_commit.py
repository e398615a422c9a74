"""A block committed in whole-block statements ends exactly as one committed a transaction at a
time: same validation codes, state, policies, history, events and block data, over random
blocks whose transactions read stale and fresh versions, write, delete and re-write the same
keys, set key policies and repeat transaction ids."""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chaincode.shim.simulator import ReadWriteSet, Version
from gateway.embedded.store import Committed, Store, Transaction

KEYS = ["catalog~a", "catalog~b", "\x00idx\x00dept\x00a\x00", "\x00idx\x00dept\x00b\x00", "grant~g"]
TABLES = {
    "state": "SELECT key, value, block, tx FROM state ORDER BY key",
    "validation": "SELECT key, policy FROM validation ORDER BY key",
    "history": "SELECT key, block, tx, tx_id, timestamp, value FROM history ORDER BY key, block, tx",
    "transactions": "SELECT tx_id, block, tx, code FROM transactions ORDER BY tx_id",
    "events": "SELECT block, tx, tx_id, name, payload FROM events ORDER BY block, tx",
    "blocks": "SELECT number, previous_hash, data_hash, hash, data FROM blocks ORDER BY number",
}


def _versions(store: Store) -> dict[str, Version]:
    with closing(sqlite3.connect(store.path)) as db:
        return {bytes(k).decode(): (b, t) for k, b, t in db.execute("SELECT key, block, tx FROM state")}


def _block(
    rng: random.Random, versions: dict[str, Version], number: int, seen: list[str]
) -> list[Transaction]:
    block = []
    for index in range(rng.randint(1, 12)):
        reads: dict[str, Version | None] = {}
        for key in rng.sample(KEYS, rng.randint(0, 3)):
            fresh = versions.get(key)
            reads[key] = fresh if rng.random() < 0.7 else rng.choice([None, (0, 0), (number - 1, 0)])
        writes = {
            k: (None if rng.random() < 0.2 else rng.randbytes(8)) for k in rng.sample(KEYS, rng.randint(0, 3))
        }
        policies = {k: rng.randbytes(4) for k in rng.sample(KEYS, rng.randint(0, 1))}
        tx_id = (
            rng.choice(seen) if seen and rng.random() < 0.1 else f"{number:04d}-{index:02d}-{rng.random()}"
        )
        seen.append(tx_id)
        event = ("CatalogUpdated", rng.randbytes(6)) if rng.random() < 0.6 else None
        rwset = ReadWriteSet(reads=reads, writes=writes, validation=policies)
        stamp = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(seconds=number, microseconds=index)
        block.append(Transaction(tx_id, stamp, "HealthMSP", "CN=x", "Update", rwset, event))
    return block


def _rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
    with closing(sqlite3.connect(store.path)) as db:
        return {table: db.execute(query).fetchall() for table, query in TABLES.items()}


def test_whole_block_statements_commit_what_one_transaction_at_a_time_commits(tmp_path: Path) -> None:
    batched, one_by_one = Store(tmp_path / "a.sqlite"), Store(tmp_path / "b.sqlite")
    one_by_one.batched = False
    rng, seen = random.Random(1402), list[str]()
    codes: set[str] = set()
    try:
        for number in range(1, 60):
            block = _block(rng, _versions(batched), number, seen)
            first: list[Committed] = batched._commit_block(block)
            second: list[Committed] = one_by_one._commit_block(block)
            assert first == second, number
            codes.update(c.code for c in first)
        assert _rows(batched) == _rows(one_by_one)
    finally:
        batched.close()
        one_by_one.close()
    # The blocks did exercise every outcome.
    assert codes == {"VALID", "MVCC_READ_CONFLICT", "DUPLICATE_TXID"}
