"""The embedded ledger's storage: state, history, blocks and events in one SQLite file.

One process (or a few on one machine) keeps the directory here when Fabric is absent. What
it keeps, and how, follows Fabric where the contract or a client can see it:

* **State** (``state``): key -> value, with the version (block, tx) that last wrote it, so a
  transaction's read set can be checked at commit (MVCC). Keys are stored as their UTF-8 bytes:
  SQLite compares BLOBs with memcmp, the key order of the peer's LevelDB.
* **History** (``history``): every committed version of every key, newest first on read.
* **Validation parameters** (``validation``): key-level endorsement policies, recorded as the
  peer records them (nothing here evaluates them: one operator endorses everything).
* **Blocks** (``blocks``): each commit is one block of one or more transactions, valid or not,
  as on Fabric. A block's ``data`` is the canonical JSON of its transactions (their write sets
  included); ``data_hash`` = SHA-256(data); the block hash = SHA-256 of the canonical JSON header
  ``{"data_hash", "number", "previous_hash"}`` (hex). Block 0 is the genesis block. The node
  signs each block's hash as it commits it (``gateway.embedded.node``).
* **Events** (``events``): the chaincode event of each valid transaction, by (block, tx).

Commits are serialized (one committer thread per process batches what is queued into one block;
the processes sharing the file take turns by ``<ledger>.commit-lock``, then ``BEGIN IMMEDIATE``),
validated inside the write transaction against the state it is about to change, and
acknowledged only after SQLite's COMMIT returned with ``synchronous=FULL`` in WAL mode, i.e.
after the block is on disk. Reads use their own connections and see committed snapshots.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chaincode.shim.api import KeyModification
from chaincode.shim.simulator import ReadWriteSet, StateReader, Version, conflict
from gateway.embedded.node import load_or_create

FORMAT = "citydir-embedded-ledger/1"
GENESIS_PREVIOUS_HASH = "0" * 64
MAX_BLOCK_TRANSACTIONS = 500
# How often a waiter looks for blocks another process committed (a gateway's other workers): a
# reader that must see a caller's write made through another worker waits about this long.
_OTHERS_POLL = 0.02
_BUSY_TIMEOUT_MS = 30_000
# Events after a (block, tx) position. The row value makes it one search of the primary key;
# ``block > ? OR (block = ? AND tx > ?)`` scanned the whole table, on every block, per follower.
EVENTS_AFTER = (
    "SELECT block, tx, tx_id, name, payload FROM events WHERE (block, tx) > (?, ?) ORDER BY block, tx LIMIT ?"
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (
    key BLOB PRIMARY KEY, value BLOB NOT NULL, block INTEGER NOT NULL, tx INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS validation (key BLOB PRIMARY KEY, policy BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
    key BLOB NOT NULL, block INTEGER NOT NULL, tx INTEGER NOT NULL, tx_id TEXT NOT NULL,
    timestamp TEXT NOT NULL, value BLOB, PRIMARY KEY (key, block, tx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY, previous_hash TEXT NOT NULL, data_hash TEXT NOT NULL,
    hash TEXT NOT NULL, data BLOB NOT NULL, signature BLOB
);
CREATE TABLE IF NOT EXISTS transactions (
    tx_id TEXT PRIMARY KEY, block INTEGER NOT NULL, tx INTEGER NOT NULL, code TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    block INTEGER NOT NULL, tx INTEGER NOT NULL, tx_id TEXT NOT NULL, name TEXT NOT NULL,
    payload BLOB NOT NULL, PRIMARY KEY (block, tx)
) WITHOUT ROWID;
"""


class StoreError(Exception):
    """The ledger file is missing, of another format or channel, or unreadable."""


@dataclass(frozen=True)
class Transaction:
    """A simulated transaction, ready to be ordered into a block."""

    tx_id: str
    timestamp: datetime
    creator_msp_id: str
    creator_subject: str
    function: str
    rwset: ReadWriteSet
    event: tuple[str, bytes] | None


@dataclass(frozen=True)
class Committed:
    tx_id: str
    code: str  # Fabric's validation code name: VALID, MVCC_READ_CONFLICT, ...
    block: int
    index: int  # its position in the block


@dataclass(frozen=True)
class Block:
    number: int
    previous_hash: str
    data_hash: str
    hash: str
    data: bytes
    signature: bytes | None = None  # the node's, over the ASCII hex hash

    @property
    def transactions(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = json.loads(self.data)["transactions"]
        return found


@dataclass(frozen=True)
class StoredEvent:
    block: int
    tx: int
    tx_id: str
    name: str
    payload: bytes


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def block_hash(number: int, previous_hash: str, data_hash: str) -> str:
    header = {"data_hash": data_hash, "number": number, "previous_hash": previous_hash}
    return hashlib.sha256(canonical(header)).hexdigest()


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")


class _Reader:
    """Committed state through one connection (a snapshot inside its read transaction)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def get(self, key: str) -> tuple[bytes, Version] | None:
        row = self._db.execute("SELECT value, block, tx FROM state WHERE key = ?", (key.encode(),)).fetchone()
        return None if row is None else (bytes(row[0]), (row[1], row[2]))

    def scan(self, start: str, end: str) -> Iterator[tuple[str, bytes, Version]]:
        if end:
            rows = self._db.execute(
                "SELECT key, value, block, tx FROM state WHERE key >= ? AND key < ? ORDER BY key",
                (start.encode(), end.encode()),
            )
        else:
            rows = self._db.execute(
                "SELECT key, value, block, tx FROM state WHERE key >= ? ORDER BY key", (start.encode(),)
            )
        for key, value, block, tx in rows:
            yield bytes(key).decode(), bytes(value), (block, tx)

    def history(self, key: str) -> list[KeyModification]:
        rows = self._db.execute(
            "SELECT tx_id, timestamp, value FROM history WHERE key = ? ORDER BY block DESC, tx DESC",
            (key.encode(),),
        )
        return [
            KeyModification(tx_id, parse_time(stamp), b"" if value is None else bytes(value), value is None)
            for tx_id, stamp, value in rows
        ]

    def validation_parameter(self, key: str) -> bytes | None:
        row = self._db.execute("SELECT policy FROM validation WHERE key = ?", (key.encode(),)).fetchone()
        return None if row is None else bytes(row[0])


class Store:
    """One channel's embedded ledger in one SQLite file; thread-safe, and several processes (a
    gateway's workers) may open the same file."""

    def __init__(self, path: str | Path, channel: str = "citydir") -> None:
        self.path, self.channel = Path(path), channel
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.node = load_or_create(self.path, channel)
        self._local = threading.local()
        self._queue: queue.Queue[tuple[Transaction, Future[Committed]]] = queue.Queue()
        self._height_changed = threading.Condition()
        self._committer: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        # Whole-block statements where a block has no range reads (``_validate_and_apply_block``);
        # False: one transaction at a time, as a block with range reads always is.
        self.batched = True
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        # Processes committing to one file (a gateway's workers) take turns by this lock, which
        # wakes the next one the moment it is released: SQLite's own busy wait sleeps and retries,
        # which under contention costs a waiting commit up to a second.
        self._writer = self._connect_or_refuse()
        self._commit_lock = os.open(f"{self.path}.commit-lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            self._initialize()
        except sqlite3.DatabaseError as exc:
            self._writer.close()
            os.close(self._commit_lock)
            raise StoreError(f"{self.path} is not an embedded ledger file: {exc}") from exc
        except BaseException:
            self._writer.close()
            os.close(self._commit_lock)
            raise

    # -- connections ----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")  # a COMMIT returns only once the WAL is on disk
        return db

    def _connect_or_refuse(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:  # e.g. "file is not a database"
            raise StoreError(f"{self.path} is not an embedded ledger file: {exc}") from exc

    def _reader_db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
            with self._readers_lock:
                self._readers.append(db)
        return db

    def _initialize(self) -> None:
        db = self._writer
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)
            meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
            if not meta:
                db.executemany(
                    "INSERT INTO meta (name, value) VALUES (?, ?)",
                    [("format", FORMAT), ("channel", self.channel)],
                )
                self._append_block(db, [], [], genesis={"channel": self.channel, "format": FORMAT})
            elif meta.get("format") != FORMAT or meta.get("channel") != self.channel:
                raise StoreError(
                    f"{self.path} holds {meta.get('format')!r} for channel {meta.get('channel')!r}, "
                    f"not {FORMAT!r} for {self.channel!r}"
                )
            self._sign_unsigned(db)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _sign_unsigned(self, db: sqlite3.Connection) -> None:
        """A ledger file from before blocks were signed: the node signs what it holds now."""
        columns = {row[1] for row in db.execute("PRAGMA table_info(blocks)")}
        if "signature" not in columns:
            db.execute("ALTER TABLE blocks ADD COLUMN signature BLOB")
        unsigned = db.execute("SELECT number, hash FROM blocks WHERE signature IS NULL").fetchall()
        for number, hash_hex in unsigned:
            db.execute(
                "UPDATE blocks SET signature = ? WHERE number = ?",
                (self.node.sign(hash_hex.encode("ascii")), number),
            )

    def close(self) -> None:
        self._closed = True
        if self._committer is not None:
            self._queue.put((None, None))  # type: ignore[arg-type]  # the committer's stop sign
            self._committer.join(timeout=10)
        self._writer.close()
        os.close(self._commit_lock)
        with self._readers_lock:
            for db in self._readers:
                db.close()
            self._readers.clear()

    # -- reads ----------------------------------------------------------------------------

    def snapshot(self) -> _Snapshot:
        """A consistent read of committed state for one simulation (``with store.snapshot() as r``)."""
        return _Snapshot(self._reader_db())

    def height(self) -> int:
        row = self._reader_db().execute("SELECT COALESCE(MAX(number), -1) + 1 FROM blocks").fetchone()
        return int(row[0])

    def block(self, number: int) -> Block | None:
        row = (
            self._reader_db()
            .execute(
                "SELECT number, previous_hash, data_hash, hash, data, signature FROM blocks WHERE number = ?",
                (number,),
            )
            .fetchone()
        )
        if row is None:
            return None
        signature = None if row[5] is None else bytes(row[5])
        return Block(row[0], row[1], row[2], row[3], bytes(row[4]), signature)

    def block_file(self, number: int) -> bytes | None:
        """The block as an evidence bundle carries it: canonical JSON of its header, hash,
        data (base64) and the node's signature."""
        block = self.block(number)
        if block is None:
            return None
        return canonical(
            {
                "data": base64.b64encode(block.data).decode("ascii"),
                "hash": block.hash,
                "header": {
                    "data_hash": block.data_hash,
                    "number": block.number,
                    "previous_hash": block.previous_hash,
                },
                "signature": _b64(block.signature),
            }
        )

    def transaction(self, tx_id: str) -> Committed | None:
        row = (
            self._reader_db()
            .execute("SELECT code, block, tx FROM transactions WHERE tx_id = ?", (tx_id,))
            .fetchone()
        )
        return None if row is None else Committed(tx_id, row[0], int(row[1]), int(row[2]))

    def events_from(self, block: int, after_tx: int = -1, limit: int = 1000) -> list[StoredEvent]:
        rows = self._reader_db().execute(EVENTS_AFTER, (block, after_tx, limit))
        return [StoredEvent(b, t, i, n, bytes(p)) for b, t, i, n, p in rows]

    def wait_for_height(self, above: int, timeout: float) -> int:
        """Wait (at most ``timeout`` s) until the height exceeds ``above``; the height then.

        Commits in this process wake the waiter at once; another process's are seen by polling.
        """
        deadline = time.monotonic() + timeout
        while True:
            height = self.height()
            remaining = deadline - time.monotonic()
            if height > above or remaining <= 0:
                return height
            with self._height_changed:
                self._height_changed.wait(min(remaining, _OTHERS_POLL))

    def verify_chain(self) -> int:
        """Recompute every block's data hash and link; the height when all hold, else StoreError."""
        previous = GENESIS_PREVIOUS_HASH
        number = -1
        rows = self._reader_db().execute(
            "SELECT number, previous_hash, data_hash, hash, data FROM blocks ORDER BY number"
        )
        for number, previous_hash, data_hash, stored_hash, data in rows:
            if previous_hash != previous:
                raise StoreError(f"block {number} does not link to block {number - 1}")
            if hashlib.sha256(bytes(data)).hexdigest() != data_hash:
                raise StoreError(f"block {number}'s data does not match its data hash")
            if block_hash(number, previous_hash, data_hash) != stored_hash:
                raise StoreError(f"block {number}'s header does not match its hash")
            previous = stored_hash
        return number + 1

    # -- commits --------------------------------------------------------------------------

    def submit(self, transaction: Transaction) -> Future[Committed]:
        """Queue a simulated transaction for the next block; the future resolves once it is on disk."""
        if self._closed:
            raise StoreError("the embedded ledger is closed")
        self._ensure_committer()
        future: Future[Committed] = Future()
        self._queue.put((transaction, future))
        return future

    def _ensure_committer(self) -> None:
        with self._start_lock:
            if self._committer is None:
                self._committer = threading.Thread(
                    target=self._commit_loop, name="citydir-committer", daemon=True
                )
                self._committer.start()

    def _commit_loop(self) -> None:
        while True:
            first = self._queue.get()
            if first[0] is None:
                return
            batch = [first]
            while len(batch) < MAX_BLOCK_TRANSACTIONS:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item[0] is None:
                    self._queue.put(item)  # stop after this block
                    break
                batch.append(item)
            try:
                results = self._commit_block([tx for tx, _ in batch])
            except BaseException as exc:  # the block was rolled back: nothing of it is on disk
                for _, future in batch:
                    future.set_exception(exc)
                continue
            with self._height_changed:
                self._height_changed.notify_all()
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)

    def _commit_block(self, transactions: Sequence[Transaction]) -> list[Committed]:
        fcntl.flock(self._commit_lock, fcntl.LOCK_EX)
        try:
            return self._commit_block_locked(transactions)
        finally:
            fcntl.flock(self._commit_lock, fcntl.LOCK_UN)

    def _commit_block_locked(self, transactions: Sequence[Transaction]) -> list[Committed]:
        db = self._writer
        db.execute("BEGIN IMMEDIATE")  # serializes with every other writer of this file
        try:
            number = int(db.execute("SELECT MAX(number) + 1 FROM blocks").fetchone()[0])
            if any(tx.rwset.ranges for tx in transactions) or not self.batched:
                reader = _Reader(db)  # sees this block's earlier writes: intra-block conflicts count
                codes = [
                    self._validate_and_apply(db, reader, number, index, tx)
                    for index, tx in enumerate(transactions)
                ]
            else:
                codes = _validate_and_apply_block(db, number, transactions)
            self._append_block(db, transactions, codes)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return [
            Committed(tx.tx_id, code, number, index)
            for index, (tx, code) in enumerate(zip(transactions, codes, strict=True))
        ]

    def _validate_and_apply(
        self, db: sqlite3.Connection, reader: StateReader, number: int, index: int, tx: Transaction
    ) -> str:
        if db.execute("SELECT 1 FROM transactions WHERE tx_id = ?", (tx.tx_id,)).fetchone():
            return "DUPLICATE_TXID"
        code = conflict(tx.rwset, reader) or "VALID"
        db.execute(
            "INSERT INTO transactions (tx_id, block, tx, code) VALUES (?, ?, ?, ?)",
            (tx.tx_id, number, index, code),
        )
        if code != "VALID":
            return code
        stamp = format_time(tx.timestamp)
        for key, value in sorted(tx.rwset.writes.items()):
            raw = key.encode()
            if value is None:
                db.execute("DELETE FROM state WHERE key = ?", (raw,))
                db.execute("DELETE FROM validation WHERE key = ?", (raw,))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO state (key, value, block, tx) VALUES (?, ?, ?, ?)",
                    (raw, value, number, index),
                )
            db.execute(
                "INSERT INTO history (key, block, tx, tx_id, timestamp, value) VALUES (?, ?, ?, ?, ?, ?)",
                (raw, number, index, tx.tx_id, stamp, value),
            )
        for key, policy in sorted(tx.rwset.validation.items()):
            db.execute(
                "INSERT OR REPLACE INTO validation (key, policy) VALUES (?, ?)", (key.encode(), policy)
            )
        if tx.event is not None:
            db.execute(
                "INSERT INTO events (block, tx, tx_id, name, payload) VALUES (?, ?, ?, ?, ?)",
                (number, index, tx.tx_id, tx.event[0], tx.event[1]),
            )
        return code

    def _append_block(
        self,
        db: sqlite3.Connection,
        transactions: Sequence[Transaction],
        codes: Sequence[str],
        genesis: dict[str, str] | None = None,
    ) -> None:
        row = db.execute("SELECT number, hash FROM blocks ORDER BY number DESC LIMIT 1").fetchone()
        number, previous = (0, GENESIS_PREVIOUS_HASH) if row is None else (row[0] + 1, row[1])
        body: dict[str, Any] = {
            "transactions": [_describe(tx, code) for tx, code in zip(transactions, codes, strict=True)]
        }
        if genesis is not None:
            body["genesis"] = genesis
        data = canonical(body)
        data_hash = hashlib.sha256(data).hexdigest()
        hash_hex = block_hash(number, previous, data_hash)
        db.execute(
            "INSERT INTO blocks (number, previous_hash, data_hash, hash, data, signature) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (number, previous, data_hash, hash_hex, data, self.node.sign(hash_hex.encode("ascii"))),
        )


# A block's rows go in statements of at most this many rows (SQLite's bound parameters are limited).
_ROWS = 200


def _validate_and_apply_block(
    db: sqlite3.Connection, number: int, transactions: Sequence[Transaction]
) -> list[str]:
    """Validate and apply a block without range reads in a few statements for the whole block,
    with the outcome of one statement per row (``Store._validate_and_apply``, in block order).

    Why: each SQLite call lets other threads take the interpreter, and a committer waiting to get
    it back holds the file's commit lock meanwhile. Versions are read once for every key the
    block read; a transaction sees the writes of the valid ones before it (``_BlockReader``).
    """
    ids = [tx.tx_id for tx in transactions]
    known: set[str] = set()
    for chunk in _chunks(ids):
        known.update(_in(db, "SELECT json_group_array(tx_id) FROM transactions WHERE tx_id", chunk))
    read_keys = sorted({key.encode() for tx in transactions for key in tx.rwset.reads})
    committed: dict[bytes, Version] = {}
    for chunk in _chunks(read_keys):
        found = _in(
            db, "SELECT json_group_array(json_array(hex(key), block, tx)) FROM state WHERE key", chunk
        )
        committed.update((bytes.fromhex(key), (block, tx_index)) for key, block, tx_index in found)
    reader = _BlockReader(committed)
    codes: list[str] = []
    recorded: list[tuple[str, int, int, str]] = []
    state: dict[bytes, tuple[bytes, int, int] | None] = {}  # each key's last write in the block
    validation: dict[bytes, bytes | None] = {}  # None: the key was deleted after its policy
    history: list[tuple[bytes, int, int, str, str, bytes | None]] = []
    events: list[tuple[int, int, str, str, bytes]] = []
    for index, tx in enumerate(transactions):
        if tx.tx_id in known:
            codes.append("DUPLICATE_TXID")
            continue
        known.add(tx.tx_id)
        code = conflict(tx.rwset, reader) or "VALID"
        codes.append(code)
        recorded.append((tx.tx_id, number, index, code))
        if code != "VALID":
            continue
        stamp = format_time(tx.timestamp)
        for key, value in sorted(tx.rwset.writes.items()):
            raw = key.encode()
            state[raw] = None if value is None else (value, number, index)
            if value is None:
                validation[raw] = None
            reader.wrote(raw, None if value is None else (number, index))
            history.append((raw, number, index, tx.tx_id, stamp, value))
        for key, policy in sorted(tx.rwset.validation.items()):
            validation[key.encode()] = policy
        if tx.event is not None:
            events.append((number, index, tx.tx_id, tx.event[0], tx.event[1]))
    _insert(db, "INSERT INTO transactions (tx_id, block, tx, code)", recorded)
    gone = [key for key, row in state.items() if row is None]
    for chunk in _chunks(gone):
        _in(db, "DELETE FROM state WHERE key", chunk)
    upserts = [(key, *row) for key, row in state.items() if row is not None]
    _insert(db, "INSERT OR REPLACE INTO state (key, value, block, tx)", upserts)
    _insert(db, "INSERT INTO history (key, block, tx, tx_id, timestamp, value)", history)
    dropped = [key for key, policy in validation.items() if policy is None]
    for chunk in _chunks(dropped):
        _in(db, "DELETE FROM validation WHERE key", chunk)
    policies = [(key, policy) for key, policy in validation.items() if policy is not None]
    _insert(db, "INSERT OR REPLACE INTO validation (key, policy)", policies)
    _insert(db, "INSERT INTO events (block, tx, tx_id, name, payload)", events)
    return codes


class _BlockReader:
    """Versions as a transaction of the block sees them: committed ones, then the block's own."""

    def __init__(self, committed: dict[bytes, Version]) -> None:
        self._committed = committed
        self._block: dict[bytes, Version | None] = {}

    def wrote(self, key: bytes, version: Version | None) -> None:
        self._block[key] = version

    def get(self, key: str) -> tuple[bytes, Version] | None:
        raw = key.encode()
        version = self._block[raw] if raw in self._block else self._committed.get(raw)
        return None if version is None else (b"", version)  # only the version is validated

    def scan(self, start: str, end: str) -> Iterator[tuple[str, bytes, Version]]:
        raise AssertionError("a block with range reads is validated one transaction at a time")

    def history(self, key: str) -> list[KeyModification]:
        raise AssertionError("validation reads versions only")

    def validation_parameter(self, key: str) -> bytes | None:
        raise AssertionError("validation reads versions only")


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for at in range(0, len(items), _ROWS):
        yield items[at : at + _ROWS]


def _in(db: sqlite3.Connection, statement: str, values: Sequence[Any]) -> list[Any]:
    """``statement IN (values)``: one call. A statement that selects a ``json_group_array``
    answers its one row's array (every row in one step); any other, nothing."""
    if not values:
        return []
    row = db.execute(f"{statement} IN ({','.join('?' * len(values))})", tuple(values)).fetchone()
    found: list[Any] = [] if row is None else json.loads(row[0])
    return found


def _insert(db: sqlite3.Connection, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """``statement VALUES (...), (...)``: one call per ``_ROWS`` rows, in their order."""
    for chunk in _chunks(rows):
        one = "(" + ",".join("?" * len(chunk[0])) + ")"
        db.execute(
            f"{statement} VALUES {','.join([one] * len(chunk))}", tuple(v for row in chunk for v in row)
        )


def _describe(tx: Transaction, code: str) -> dict[str, Any]:
    """A transaction as its block records it: who, when, what, and its whole write set."""
    return {
        "tx_id": tx.tx_id,
        "timestamp": format_time(tx.timestamp),
        "creator": {"msp_id": tx.creator_msp_id, "subject": tx.creator_subject},
        "function": tx.function,
        "validation_code": code,
        "writes": [{"key": k, "value": _b64(v)} for k, v in sorted(tx.rwset.writes.items())],
        "validation_parameters": [
            {"key": k, "policy": _b64(v)} for k, v in sorted(tx.rwset.validation.items())
        ],
        "event": None if tx.event is None else {"name": tx.event[0], "payload": _b64(tx.event[1])},
    }


class _Snapshot:
    """A read transaction: every read inside sees the same committed state."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> StateReader:
        self._db.execute("BEGIN")
        return _Reader(self._db)

    def __exit__(self, *exc: object) -> None:
        self._db.execute("COMMIT")
