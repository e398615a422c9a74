"""Where each entity's version came from: the block, validation code and endorsers of the
transaction that wrote it, indexed from whole blocks.

A read names its transaction (``ledger.tx_id``, set by the chaincode); the block that holds it
says the rest. Blocks are indexed whole, so a page of entities written in one block costs one
block read, and blocks are indexed as their events arrive, so a steady gateway answers from
memory. A committed transaction never changes its block, code or endorsers, hence no expiry:
only a size bound (least recently used out).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

from gateway.api.ledger import BlockRecord, Ledger, LedgerError, TxRecord

log = logging.getLogger(__name__)


class Provenance:
    """tx id → TxRecord and block number → BlockRecord, bounded LRU; thread-safe."""

    def __init__(self, size: int = 100_000, blocks: int = 500) -> None:
        self._size, self._block_size = max(1, size), max(1, blocks)
        self._txs: OrderedDict[str, TxRecord] = OrderedDict()
        self._blocks: OrderedDict[int, BlockRecord] = OrderedDict()
        self._by_hash: dict[str, int] = {}
        # Every block's data hash ever indexed (32 bytes each): bundles chain to genesis with them.
        self._data_hashes: dict[int, bytes] = {}
        self._flights: dict[int, Future[BlockRecord | None]] = {}  # block reads under way
        self._hints: OrderedDict[str, int] = OrderedDict()  # tx id → block, from events and commits
        self._lock = threading.Lock()

    @property
    def block_capacity(self) -> int:
        return self._block_size

    def hint(self, tx_id: str, block: int) -> None:
        """The block of a transaction known without reading it (its event, its commit status)."""
        with self._lock:
            self._hints[tx_id] = block
            while len(self._hints) > self._size:
                self._hints.popitem(last=False)

    def block_number(self, tx_id: str) -> int | None:
        """The transaction's block if known without a ledger read."""
        with self._lock:
            found = self._txs.get(tx_id)
            return found.block if found is not None else self._hints.get(tx_id)

    def add(self, record: BlockRecord) -> None:
        with self._lock:
            for tx in record.transactions:
                if tx.tx_id:
                    self._txs[tx.tx_id] = tx
                    self._txs.move_to_end(tx.tx_id)
            while len(self._txs) > self._size:
                self._txs.popitem(last=False)
            self._blocks[record.number] = record
            self._blocks.move_to_end(record.number)
            self._data_hashes[record.number] = bytes.fromhex(record.data_hash)
            self._by_hash[record.hash] = record.number
            while len(self._blocks) > self._block_size:
                _, dropped = self._blocks.popitem(last=False)
                self._by_hash.pop(dropped.hash, None)

    def tx(self, tx_id: str) -> TxRecord | None:
        with self._lock:
            found = self._txs.get(tx_id)
            if found is not None:
                self._txs.move_to_end(tx_id)
            return found

    def cached_block(self, number: int) -> BlockRecord | None:
        with self._lock:
            return self._blocks.get(number)

    def number_of_hash(self, block_hash: str) -> int | None:
        with self._lock:
            return self._by_hash.get(block_hash)

    def block(self, ledger: Ledger, number: int) -> BlockRecord | None:
        """The block's record, read once however many requests want it at the same time (every
        write of a block wants it when it answers)."""
        found = self.cached_block(number)
        if found is not None:
            return found
        with self._lock:
            flight = self._flights.get(number)
            leader = flight is None
            if flight is None:
                flight = self._flights[number] = Future()
        if not leader:
            return flight.result()
        try:
            found = ledger.block_record(number)
            if found is not None:
                self.add(found)
            flight.set_result(found)
            return found
        except BaseException as exc:
            flight.set_exception(exc)
            raise
        finally:
            with self._lock:
                del self._flights[number]

    def data_hashes(self, ledger: Ledger, count: int) -> list[bytes]:
        """The data hashes of blocks 0 .. count-1 (reading the blocks not indexed yet)."""
        missing = [n for n in range(count) if n not in self._data_hashes]
        for number in missing:
            if self.block(ledger, number) is None:
                raise LedgerError(f"block {number} could not be read")
        with self._lock:
            return [self._data_hashes[n] for n in range(count)]

    def resolve(self, ledger: Ledger, tx_ids: Iterable[str]) -> dict[str, TxRecord]:
        """The records of ``tx_ids``: from memory, else one block read per block not yet indexed
        (every transaction of a block read is indexed, so its neighbours then hit)."""
        found: dict[str, TxRecord] = {}
        for tx_id in dict.fromkeys(tx_ids):
            record = self.tx(tx_id)
            if record is None:
                hinted = self.block_number(tx_id)
                block = ledger.block_record_of(tx_id) if hinted is None else self.block(ledger, hinted)
                if block is None:
                    continue
                self.add(block)
                record = next((t for t in block.transactions if t.tx_id == tx_id), None)
            if record is not None:
                found[tx_id] = record
        return found

    def recent(self, since_block: int) -> list[TxRecord]:
        """Indexed transactions from ``since_block`` on, oldest first (for the activity charts)."""
        with self._lock:
            records = [t for t in self._txs.values() if t.block >= since_block]
        return sorted(records, key=lambda t: (t.block, t.index))

    def index_range(self, ledger: Ledger, start: int, stop: int) -> int:
        """Index blocks [start, stop) not yet indexed; the number indexed."""
        done = 0
        for number in range(start, stop):
            if self.cached_block(number) is None:
                record = ledger.block_record(number)
                if record is None:
                    break
                self.add(record)
                done += 1
        return done


def add_provenance(ledger: Ledger, provenance: Provenance, value: Any) -> Any:
    """Complete every ``ledger: {tx_id, timestamp}`` in an answer (in place) with ``block``,
    ``validation_code`` and ``endorsers``, from whole blocks (one read per block not indexed).

    Entities never contain entities, so the walk stops at the first dict carrying ``ledger``.
    A lookup that fails leaves the fields null: the entity itself was read, and must be served.
    """
    metas = list(ledger_fields(value))
    try:
        records = provenance.resolve(ledger, (m["tx_id"] for m in metas))
    except LedgerError:
        log.warning("provenance lookup failed", exc_info=True)
        records = {}
    for meta in metas:
        record = records.get(meta["tx_id"])
        meta["block"] = record.block if record else None
        meta["validation_code"] = record.validation_code if record else None
        meta["endorsers"] = list(record.endorsers) if record else None
    return value


def ledger_fields(value: Any) -> Iterable[dict[str, Any]]:
    """Every entity's ``ledger`` object in an answer."""
    if isinstance(value, dict):
        meta = value.get("ledger")
        if isinstance(meta, dict) and isinstance(meta.get("tx_id"), str):
            yield meta
            return
        for item in value.values():
            yield from ledger_fields(item)
    elif isinstance(value, list):
        for item in value:
            yield from ledger_fields(item)


def block_json(record: BlockRecord) -> dict[str, Any]:
    """A block as the API shows it: header hashes and each transaction's who and whether."""
    return {
        "number": record.number,
        "hash": record.hash,
        "previous_hash": record.previous_hash,
        "data_hash": record.data_hash,
        "config_block": record.config_block,
        "transactions": [tx_json(tx) for tx in record.transactions],
    }


def tx_json(tx: TxRecord) -> dict[str, Any]:
    return {
        "index": tx.index,
        "tx_id": tx.tx_id,
        "type": tx.type,
        "timestamp": tx.timestamp,
        "creator_msp_id": tx.creator_msp_id,
        "endorsers": list(tx.endorsers),
        "chaincode": tx.chaincode,
        "validation_code": tx.validation_code,
    }
