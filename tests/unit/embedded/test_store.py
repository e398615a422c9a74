"""The embedded ledger in one process: the SQLite store, the ledger adapter and the REST app on it.

Every test runs the real contract on a real ledger file in a tmp dir. Where a test needs a
conflict on cue, it simulates transactions itself (the shim's ``SimulatedStub`` over a store
snapshot, as the adapter does) and decides when each reaches the store; nothing else is faked.
"""

from __future__ import annotations

import hashlib
import json
import math
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask
from flask.testing import FlaskClient

from chaincode.directory import DirectoryContract
from chaincode.shim.api import composite_range, create_composite_key
from chaincode.shim.simulator import ReadWriteSet, SimulatedStub
from gateway.api.ledger import (
    RETRYABLE_CODES,
    ChaincodeError,
    ChaincodeEvent,
    EventStream,
    Ledger,
    PeersUnavailable,
    Submitted,
    TransactionInvalid,
)
from gateway.app import create_app
from gateway.config import GatewayConfig, IdentityConfig, hash_token, parse_config
from gateway.embedded.store import EVENTS_AFTER, Committed, Store, StoreError, Transaction
from gateway.ledgers.embedded import EmbeddedConnector, creator_of, new_tx_id
from tests.unit.chaincode.helpers import catalog, department, responsibility

BUREAU = "DataBureauMSP"
DOMAIN = "databureau.citydir.local"
TOKENS = {"admin": "embedded-bureau-admin-token", "client": "embedded-bureau-client-token"}
DEPT, RESP, CAT = "dept", "resp", "cat"
SETUP_HEIGHT = 4  # genesis + department + responsibility + catalog
MVCC_RETRIES = 2
TIMEOUT = 10.0


# -- identities and configuration ------------------------------------------------------------


@cache
def _signing_key() -> ec.EllipticCurvePrivateKey:
    # One key for every test certificate: key generation is the slow part, and the contract
    # reads only the certificate's subject.
    return ec.generate_private_key(ec.SECP256R1())


def write_identity(directory: Path, role: str, common_name: str) -> dict[str, Any]:
    """A certificate shaped as network/lib/embedded_crypto.py writes it (O, OU=role, CN), and its key."""
    key = _signing_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DOMAIN),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return {
        "token_sha256": hash_token(TOKENS[role]),
        "msp_id": BUREAU,
        "role": role,
        "cert": str(directory / "cert.pem"),
        "key": str(directory / "key.pem"),
    }


def raw_config(tmp_path: Path) -> dict[str, Any]:
    """The gateway configuration of an embedded ledger in ``tmp_path`` (no peers)."""
    return {
        "channel": "citydir",
        "chaincode": "citydir",
        "peers": [],
        "identities": [
            write_identity(tmp_path / "crypto" / role, role, f"{role}@{DOMAIN}")
            for role in ("admin", "client")
        ],
        "ledger": {"kind": "embedded", "path": str(tmp_path / "data" / "citydir.sqlite")},
        "limits": {"mvcc_retries": MVCC_RETRIES},
    }


def identity_of(config: GatewayConfig, role: str) -> IdentityConfig:
    return next(i for i in config.identities if i.role == role)


# -- simulating transactions by hand ---------------------------------------------------------


@cache
def _contract() -> DirectoryContract:
    return DirectoryContract()


def simulate(store: Store, identity: IdentityConfig, fn: str, arg: dict[str, Any]) -> SimulatedStub:
    """One transaction simulated on committed state exactly as the adapter does, not yet submitted."""
    creator, _ = creator_of(identity)
    args = [fn.encode(), json.dumps(arg, separators=(",", ":")).encode()]
    with store.snapshot() as reader:
        stub = SimulatedStub(reader, args, creator, new_tx_id(creator), datetime.now(UTC), store.channel)
        response = _contract().invoke(stub)
    assert response.status == 200, response.message
    return stub


def transaction_of(stub: SimulatedStub, identity: IdentityConfig) -> Transaction:
    return Transaction(
        tx_id=stub.tx_id,
        timestamp=stub.get_tx_timestamp(),
        creator_msp_id=identity.msp_id,
        creator_subject=creator_of(identity)[1],
        function=stub.get_function_and_parameters()[0],
        rwset=stub.rwset,
        event=stub.chaincode_event,
    )


def catalog_key(catalog_id: str) -> str:
    return create_composite_key("catalog", [catalog_id])


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, through a connection of its own: what the file holds."""
    with closing(sqlite3.connect(path)) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in tables}


def retryable_updates(store: Store) -> int:
    """UpdateCatalog transactions the ledger recorded as MVCC/phantom conflicts."""
    count = 0
    for number in range(store.height()):
        block = store.block(number)
        assert block is not None
        count += sum(
            tx["function"] == "UpdateCatalog" and tx["validation_code"] in RETRYABLE_CODES
            for tx in block.transactions
        )
    return count


@contextmanager
def one_block(store: Store) -> Iterator[None]:
    """Transactions submitted inside the ``with`` commit together, in one block, when it ends.

    An outside connection holds SQLite's write lock; the committer takes an empty blocker
    transaction first and waits on that lock, so what is queued meanwhile is one batch.
    """
    with closing(sqlite3.connect(store.path, isolation_level=None)) as lock:
        lock.execute("BEGIN IMMEDIATE")
        try:
            blocker = store.submit(
                Transaction(
                    new_tx_id(b"blocker"), datetime.now(UTC), BUREAU, "", "Noop", ReadWriteSet(), None
                )
            )
            time.sleep(0.2)  # the committer has taken the blocker and waits on the lock
            yield
        finally:
            lock.execute("ROLLBACK")
    assert blocker.result(timeout=TIMEOUT).code == "VALID"


def wait_committed(ledger: Ledger, tx_id: str) -> tuple[str, int]:
    """(code, block) of a transaction submitted without waiting, once the ledger has it."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        code, block = ledger.transaction_status(tx_id)
        if block is not None:
            return code, block
        time.sleep(0.02)
    raise AssertionError(f"{tx_id} did not commit within {TIMEOUT}s")


def take(stream: EventStream, count: int, timeout: float = TIMEOUT) -> list[ChaincodeEvent]:
    """The stream's next ``count`` events, then closed; fails on a timeout or on any extra event
    already within reach (the stream yields a whole batch before it sees it was closed)."""
    got: queue.Queue[ChaincodeEvent | BaseException] = queue.Queue()

    def pump() -> None:
        try:
            for event in stream:
                got.put(event)
        except BaseException as exc:
            got.put(exc)

    thread = threading.Thread(target=pump, name="test-events", daemon=True)
    thread.start()
    events: list[ChaincodeEvent] = []
    deadline = time.monotonic() + timeout
    try:
        while len(events) < count:
            try:
                item = got.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"only {len(events)} of {count} events within {timeout}s") from None
            if isinstance(item, BaseException):
                raise item
            events.append(item)
    finally:
        stream.close()
        thread.join(timeout=5)
    assert not thread.is_alive(), "the event stream did not stop after close()"
    assert got.empty(), f"more events than expected: {list(got.queue)}"
    return events


# -- the in-process ledger -----------------------------------------------------------------------


@dataclass
class World:
    """The embedded ledger as the gateway opens it, with a department, responsibility and catalog."""

    config: GatewayConfig
    connector: EmbeddedConnector

    @property
    def store(self) -> Store:
        return self.connector.store

    def identity(self, role: str = "admin") -> IdentityConfig:
        return identity_of(self.config, role)

    def ledger(self, role: str = "admin") -> Ledger:
        return self.connector(self.identity(role))

    def simulate(self, fn: str, arg: dict[str, Any], role: str = "admin") -> SimulatedStub:
        return simulate(self.store, self.identity(role), fn, arg)

    def transaction(self, stub: SimulatedStub, role: str = "admin") -> Transaction:
        return transaction_of(stub, self.identity(role))

    def commit(self, stub: SimulatedStub, role: str = "admin") -> Committed:
        return self.store.submit(self.transaction(stub, role)).result(timeout=TIMEOUT)

    def catalog(self, catalog_id: str = CAT) -> dict[str, Any]:
        found: dict[str, Any] = self.ledger().query("GetCatalog", {"id": catalog_id})
        return found

    def reopen(self) -> None:
        """Close the file and open it again, as a restarted gateway does."""
        self.store.close()
        self.connector = EmbeddedConnector(self.config)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    config = parse_config(raw_config(tmp_path))
    world = World(config, EmbeddedConnector(config))
    admin = world.ledger()
    admin.submit("RegisterDepartment", department(DEPT, BUREAU))
    admin.submit("CreateResponsibility", responsibility(RESP, DEPT))
    admin.submit("CreateCatalog", catalog(CAT, DEPT, [RESP]))
    assert world.store.height() == SETUP_HEIGHT
    yield world
    world.store.close()


# -- MVCC and phantom reads ----------------------------------------------------------------------


def test_a_stale_read_committed_after_the_write_it_missed_is_an_mvcc_conflict(world: World) -> None:
    """Two updates simulated on one version of a catalog: whichever commits second read a version
    that is gone by then, so it must commit as MVCC_READ_CONFLICT, write nothing and emit nothing."""
    first = world.simulate("UpdateCatalog", {"id": CAT, "description": "first"})
    second = world.simulate("UpdateCatalog", {"id": CAT, "description": "second"})
    key = catalog_key(CAT)
    assert first.rwset.reads[key] is not None and first.rwset.reads[key] == second.rwset.reads[key]

    won = world.commit(first)
    lost = world.commit(second)

    assert (won.code, lost.code) == ("VALID", "MVCC_READ_CONFLICT")
    assert lost.block == won.block + 1 == SETUP_HEIGHT + 1
    assert world.store.height() == SETUP_HEIGHT + 2  # an invalid transaction still takes its block
    stored = world.catalog()
    assert (stored["description"], stored["version"]) == ("first", 2)
    assert world.ledger().transaction_status(second.tx_id) == ("MVCC_READ_CONFLICT", lost.block)
    assert [e.tx_id for e in world.store.events_from(won.block)] == [first.tx_id]
    history = world.ledger().query("GetHistory", {"entity": "catalog", "id": CAT})
    assert [h["value"]["version"] for h in history] == [2, 1]


def test_a_stale_read_in_the_same_block_is_an_mvcc_conflict(world: World) -> None:
    """Within one block the second transaction is validated against the first one's writes, as
    Fabric's validator does, not against the state before the block."""
    first = world.simulate("UpdateCatalog", {"id": CAT, "description": "first"})
    second = world.simulate("UpdateCatalog", {"id": CAT, "description": "second"})
    with one_block(world.store):
        futures = [world.store.submit(world.transaction(stub)) for stub in (first, second)]
    won, lost = (future.result(timeout=TIMEOUT) for future in futures)

    assert won.block == lost.block and lost.index == won.index + 1, (won, lost)
    assert (won.code, lost.code) == ("VALID", "MVCC_READ_CONFLICT")
    block = world.store.block(won.block)
    assert block is not None
    codes = {tx["tx_id"]: tx["validation_code"] for tx in block.transactions}
    assert (codes[first.tx_id], codes[second.tx_id]) == ("VALID", "MVCC_READ_CONFLICT")
    assert world.catalog()["description"] == "first"


def test_embedded_ledger_submit_raises_a_retryable_transaction_invalid(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that lands between the adapter's simulation and its commit makes ``submit`` raise
    TransactionInvalid(MVCC_READ_CONFLICT) with ``retryable``: what the REST layer retries on."""
    store = world.store
    concurrent = world.simulate("UpdateCatalog", {"id": CAT, "description": "concurrent"})
    original = store.submit
    landed: list[Committed] = []

    def submit_after_a_concurrent_commit(tx: Transaction) -> Future[Committed]:
        if not landed:
            landed.append(original(world.transaction(concurrent)).result(timeout=TIMEOUT))
        return original(tx)

    monkeypatch.setattr(store, "submit", submit_after_a_concurrent_commit)
    with pytest.raises(TransactionInvalid) as caught:
        world.ledger().submit("UpdateCatalog", {"id": CAT, "description": "mine"})

    invalid = caught.value
    assert invalid.code_name == "MVCC_READ_CONFLICT" and invalid.retryable
    assert landed[0].code == "VALID" and invalid.block == landed[0].block + 1
    assert world.ledger().transaction_status(invalid.tx_id) == ("MVCC_READ_CONFLICT", invalid.block)
    stored = world.catalog()
    assert (stored["description"], stored["version"]) == ("concurrent", 2)


@pytest.mark.parametrize(
    ("page_size", "function", "new_id", "expected"),
    [
        pytest.param(None, "RegisterDepartment", "z-dept", "PHANTOM_READ_CONFLICT", id="new-key-in-range"),
        pytest.param(None, "CreateResponsibility", "z-resp", "VALID", id="write-outside-range"),
        pytest.param(1, "RegisterDepartment", "z-dept", "VALID", id="new-key-past-the-page"),
        pytest.param(1, "RegisterDepartment", "a-dept", "PHANTOM_READ_CONFLICT", id="new-key-in-the-page"),
    ],
)
def test_a_range_read_extended_by_a_later_commit_is_a_phantom_read(
    world: World, page_size: int | None, function: str, new_id: str, expected: str
) -> None:
    """ListDepartments scans the department keys; a department committed into the part of the
    range that was read (all of it, or up to a page's last key) must invalidate the reader."""
    world.ledger().submit("RegisterDepartment", department("m-dept", BUREAU))  # the page is not all
    listing = world.simulate("ListDepartments", {} if page_size is None else {"page_size": page_size})
    assert listing.rwset.ranges and listing.rwset.read_only
    arg = department(new_id, BUREAU) if function == "RegisterDepartment" else responsibility(new_id, DEPT)
    world.ledger().submit(function, arg)

    assert world.commit(listing).code == expected


# -- blocks ----------------------------------------------------------------------------------


def _header_hash(number: int, previous_hash: str, data_hash: str) -> str:
    """The documented block hash, computed here independently of the store's code."""
    header = {"data_hash": data_hash, "number": number, "previous_hash": previous_hash}
    return hashlib.sha256(json.dumps(header, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def test_blocks_form_a_hash_chain_from_genesis(world: World) -> None:
    """Each commit adds one block at the next height, linked by hash to the one before."""
    submitted = [
        world.ledger().submit("UpdateCatalog", {"id": CAT, "description": f"v{n}"}) for n in range(3)
    ]
    height = world.store.height()
    assert [s.block for s in submitted] == [SETUP_HEIGHT, SETUP_HEIGHT + 1, SETUP_HEIGHT + 2]
    assert height == SETUP_HEIGHT + 3 and world.store.block(height) is None

    previous = "0" * 64
    for number in range(height):
        block = world.store.block(number)
        assert block is not None and block.number == number
        assert block.previous_hash == previous, f"block {number} does not link"
        assert block.data_hash == hashlib.sha256(block.data).hexdigest()
        assert block.hash == _header_hash(number, block.previous_hash, block.data_hash)
        previous = block.hash
    genesis = world.store.block(0)
    assert genesis is not None and json.loads(genesis.data)["genesis"]["channel"] == "citydir"
    for s in submitted:
        assert s.block is not None
        block = world.store.block(s.block)
        assert block is not None and [tx["tx_id"] for tx in block.transactions] == [s.tx_id]
    assert world.store.verify_chain() == height


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("data", "block 2's data does not match its data hash"),
        ("data_hash", "block 2's data does not match its data hash"),
        ("previous_hash", "block 2 does not link to block 1"),
        ("hash", "block 2's header does not match its hash"),
    ],
)
def test_verify_chain_names_the_block_whose_byte_was_changed(world: World, column: str, message: str) -> None:
    """One flipped bit anywhere in a block is found, and the error names that block."""
    assert world.store.verify_chain() == SETUP_HEIGHT
    with closing(sqlite3.connect(world.store.path)) as db:
        (value,) = db.execute(f"SELECT {column} FROM blocks WHERE number = 2").fetchone()
        raw = bytearray(value if isinstance(value, bytes) else value.encode("ascii"))
        raw[len(raw) // 2] ^= 0x01
        changed: bytes | str = bytes(raw) if isinstance(value, bytes) else raw.decode("ascii")
        db.execute(f"UPDATE blocks SET {column} = ? WHERE number = 2", (changed,))
        db.commit()

    with pytest.raises(StoreError, match=re.escape(message)):
        world.store.verify_chain()


# -- restart ---------------------------------------------------------------------------------


def test_a_reopened_file_keeps_height_history_and_events(world: World) -> None:
    """What a restarted gateway serves: same height, every version in history (newest first), and
    an event stream that resumes right after a given event (here in the middle of a block) with
    no gap and no duplicate."""
    admin = world.ledger()
    for other in ("cat-b", "cat-c"):
        admin.submit("CreateCatalog", catalog(other, DEPT, [RESP]))
    first = admin.submit("UpdateCatalog", {"id": CAT, "description": "v2"})
    with one_block(world.store):  # three updates, three events, one block
        shared = [
            admin.submit("UpdateCatalog", {"id": catalog_id, "description": "v2 or v3"}, wait=False)
            for catalog_id in (CAT, "cat-b", "cat-c")
        ]
    placed = [wait_committed(admin, s.tx_id) for s in shared]
    assert [code for code, _ in placed] == ["VALID"] * 3 and len({block for _, block in placed}) == 1
    last = admin.submit("UpdateCatalog", {"id": CAT, "description": "v4"})
    height = world.store.height()
    before = take(admin.chaincode_events(0, None), 10)
    # department, responsibility, 3 catalogs, first, the 3 shared, last (the blocker has no event)
    assert [e.tx_id for e in before[5:]] == [first.tx_id, *(s.tx_id for s in shared), last.tx_id]

    world.reopen()
    admin = world.ledger()

    assert world.store.height() == height and world.store.verify_chain() == height
    history = admin.query("GetHistory", {"entity": "catalog", "id": CAT})
    assert [h["tx_id"] for h in history] == [last.tx_id, shared[0].tx_id, first.tx_id, before[2].tx_id]
    assert [h["value"]["version"] for h in history] == [4, 3, 2, 1]

    resume_after = before[6]  # the first of the shared block's events
    stream = admin.chaincode_events(resume_after.block, resume_after.tx_id)
    from_block = admin.chaincode_events(resume_after.block, None)
    marker = admin.submit("UpdateCatalog", {"id": CAT, "description": "after the restart"})
    assert marker.block == height

    def brief(events: list[ChaincodeEvent]) -> list[tuple[int, str, str]]:
        return [(e.block, e.tx_id, e.name) for e in events]

    resumed = take(stream, 4)
    assert resumed[:3] == before[7:]  # payloads too
    assert brief(resumed[3:]) == [(height, marker.tx_id, "CatalogUpdated")]
    assert brief(take(from_block, 5)) == brief(before[6:] + resumed[3:])


def test_following_events_searches_the_primary_key_instead_of_scanning_the_table(world: World) -> None:
    """Every event follower (search index, read cache, SSE) asks for the events after its
    position at each block. The query must search from that position; a scan costs a time that
    grows with the ledger, on every block."""
    with closing(sqlite3.connect(world.store.path)) as db:
        positions = (SETUP_HEIGHT - 1,) * EVENTS_AFTER.count("?")
        plan = db.execute(f"EXPLAIN QUERY PLAN {EVENTS_AFTER}", positions).fetchall()
    details = [str(row[-1]) for row in plan]
    assert any(d.startswith("SEARCH events USING PRIMARY KEY") for d in details), details
    assert not any(d.startswith("SCAN events") for d in details), details


# -- refused calls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "fn", "arg", "code", "message"),
    [
        pytest.param(
            "admin",
            "RegisterDepartment",
            {"id": math.nan},
            "INVALID_ARGUMENT",
            "not valid JSON",
            id="not-json",
        ),
        pytest.param(
            "admin", "UpdateCatalog", {"id": CAT, "colour": "red"}, "INVALID_ARGUMENT", "colour", id="schema"
        ),
        pytest.param("admin", "DropEverything", {}, "INVALID_ARGUMENT", "unknown function", id="function"),
        pytest.param(
            "client", "UpdateCatalog", {"id": CAT, "description": "x"}, "FORBIDDEN", "", id="forbidden"
        ),
        pytest.param(
            "admin", "CreateCatalog", catalog(CAT, DEPT, [RESP]), "CONFLICT", CAT, id="duplicate-create"
        ),
    ],
)
def test_a_refused_call_raises_the_chaincode_error_and_changes_nothing(
    world: World, role: str, fn: str, arg: dict[str, Any], code: str, message: str
) -> None:
    """The chaincode's refusal reaches the caller as its code; no block, state, history or event."""
    height, before = world.store.height(), dump(world.store.path)

    with pytest.raises(ChaincodeError) as caught:
        world.ledger(role).submit(fn, arg)

    assert caught.value.code == code and message in caught.value.message, caught.value.message
    assert world.store.height() == height
    assert dump(world.store.path) == before


# -- concurrency -----------------------------------------------------------------------------


def _state_matches_chain(store: Store) -> None:
    """In one snapshot: the catalogs in state are exactly those the blocks below the height wrote."""
    start, end = composite_range("catalog", [])
    with store.snapshot() as reader:
        height = store.height()  # the same connection, so the same snapshot
        visible = {key for key, _, _ in reader.scan(start, end)}
        written: set[str] = set()
        for number in range(height):
            block = store.block(number)
            assert block is not None, f"block {number} below height {height} is missing"
            for tx in block.transactions:
                if tx["validation_code"] == "VALID":
                    written |= {w["key"] for w in tx["writes"] if start <= w["key"] < end}
    assert visible == written, (height, visible ^ written)


def test_concurrent_creates_all_commit_and_readers_never_see_half_a_block(world: World) -> None:
    """Writers in parallel threads, each creating 3 catalogs per transaction, while readers check
    every snapshot: each transaction's catalogs are all visible or none, and state always equals
    what the chain below the height wrote. Every write is VALID; the chain holds only them."""
    writers, rounds, per_tx = 6, 4, 3
    admin = world.ledger()
    barrier = threading.Barrier(writers + 2)
    lock = threading.Lock()
    writes_done = threading.Event()
    results: list[tuple[list[str], Submitted]] = []
    errors: list[BaseException] = []
    reads = [0]

    def write(n: int) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            for r in range(rounds):
                ids = [f"w{n}-r{r}-{k}" for k in range(per_tx)]
                submitted = admin.submit(
                    "CreateCatalogs", {"catalogs": [catalog(i, DEPT, [RESP]) for i in ids]}
                )
                with lock:
                    results.append((ids, submitted))
        except BaseException as exc:
            errors.append(exc)

    def read() -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            last_height = 0
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                finished = writes_done.is_set()  # read once more after the last commit
                _state_matches_chain(world.store)
                height = world.store.height()
                assert height >= last_height, "the height went down"
                last_height = height
                page = admin.query("ListCatalogs", {"department_id": DEPT, "page_size": 200})
                ids = [c["id"] for c in page["items"]]
                for n in range(writers):
                    for r in range(rounds):
                        seen = sum(i.startswith(f"w{n}-r{r}-") for i in ids)
                        assert seen in (0, per_tx), f"w{n}-r{r}: {seen} of {per_tx} catalogs visible"
                reads[0] += 1
                if finished:
                    return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads[:writers]:
        thread.join(timeout=30)
    writes_done.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    assert errors == []
    assert len(results) == writers * rounds and reads[0] >= 2
    height = world.store.height()
    blocks = {s.block for _, s in results}
    assert blocks == set(range(SETUP_HEIGHT, height)), "every new block holds our writes, none else"
    for ids, submitted in results:
        assert world.ledger().transaction_status(submitted.tx_id) == ("VALID", submitted.block)
        assert submitted.data == {"created": ids}
        for catalog_id in ids:
            stored = world.catalog(catalog_id)
            assert stored["version"] == 1 and stored["ledger"]["tx_id"] == submitted.tx_id
    in_blocks = []
    for number in range(SETUP_HEIGHT, height):
        block = world.store.block(number)
        assert block is not None
        in_blocks += [(tx["tx_id"], tx["validation_code"]) for tx in block.transactions]
    assert sorted(in_blocks) == sorted((s.tx_id, "VALID") for _, s in results)
    assert world.store.verify_chain() == height
    _state_matches_chain(world.store)


# -- the file ----------------------------------------------------------------------------------


def test_the_store_refuses_a_file_of_another_channel_or_format(tmp_path: Path) -> None:
    """A gateway pointed at the wrong file must stop, not serve or extend another ledger."""
    path = tmp_path / "ledger.sqlite"
    store = Store(path, "citydir")
    height = store.height()
    store.close()
    before = dump(path)

    with pytest.raises(StoreError, match=r"for channel 'citydir', not .* for 'elsewhere'"):
        Store(path, "elsewhere")
    assert dump(path) == before

    with closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE meta SET value = 'citydir-embedded-ledger/0' WHERE name = 'format'")
        db.commit()
    with pytest.raises(StoreError, match="citydir-embedded-ledger/0"):
        Store(path, "citydir")

    with closing(sqlite3.connect(path)) as db:
        db.execute("UPDATE meta SET value = 'citydir-embedded-ledger/1' WHERE name = 'format'")
        db.commit()
    reopened = Store(path, "citydir")
    try:
        assert reopened.height() == height == 1 and reopened.verify_chain() == 1
    finally:
        reopened.close()


# -- through the REST API --------------------------------------------------------------------


def test_a_file_that_is_not_a_ledger_is_refused_as_such(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"these are notes, not a ledger " * 100)
    with pytest.raises(StoreError, match="is not an embedded ledger file"):
        Store(path, "citydir")
    assert path.read_bytes() == b"these are notes, not a ledger " * 100


def test_close_closes_every_connection(tmp_path: Path) -> None:
    store = Store(tmp_path / "ledger.sqlite", "citydir")
    seen: list[sqlite3.Connection] = []

    def read() -> None:
        store.height()
        seen.append(store._reader_db())

    reader = threading.Thread(target=read)
    reader.start()
    reader.join(timeout=TIMEOUT)
    store.height()
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        seen[0].execute("SELECT 1")


def test_a_commit_the_database_refuses_is_unavailable_not_internal(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(transactions: Any) -> list[Committed]:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(world.store, "_commit_block", locked)
    height = world.store.height()
    with pytest.raises(PeersUnavailable, match="could not commit: database is locked"):
        world.ledger().submit("UpdateCatalog", {"id": CAT, "description": "not written"})
    assert world.store.height() == height


@dataclass
class Rest:
    """The Flask app on the real embedded connector, called with real bearer tokens."""

    app: Flask
    store: Store
    admin: IdentityConfig

    def client(self, role: str = "admin") -> FlaskClient:
        client = self.app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {TOKENS[role]}"
        return client

    def retries(self) -> float:
        """citydir_mvcc_retries_total, summed over functions, from /api/v1/metrics."""
        text = self.app.test_client().get("/api/v1/metrics").get_data(as_text=True)
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("citydir_mvcc_retries_total{")
        )

    def catalog(self) -> dict[str, Any]:
        reply = self.client().get(f"/api/v1/catalogs/{CAT}")
        assert reply.status_code == 200, reply.get_json()
        found: dict[str, Any] = reply.get_json()["data"]
        return found


@pytest.fixture
def rest(tmp_path: Path) -> Iterator[Rest]:
    raw = raw_config(tmp_path)
    app = create_app(raw)
    app.config["TESTING"] = True
    svc = app.extensions["citydir"]
    connector = svc.ledger_factory
    assert isinstance(connector, EmbeddedConnector)
    rest = Rest(app, connector.store, identity_of(svc.config, "admin"))
    admin = rest.client()
    for path, body in (
        ("/api/v1/departments", department(DEPT, BUREAU)),
        (f"/api/v1/departments/{DEPT}/responsibilities", responsibility(RESP, DEPT)),
        ("/api/v1/catalogs", catalog(CAT, DEPT, [RESP])),
    ):
        reply = admin.post(path, json=body)
        assert reply.status_code == 201, reply.get_json()
    yield rest
    svc.index.close()
    rest.store.close()


@pytest.mark.parametrize("conflicts", [1, MVCC_RETRIES + 1])
def test_rest_retries_mvcc_conflicts_and_answers_409_when_they_persist(
    rest: Rest, monkeypatch: pytest.MonkeyPatch, conflicts: int
) -> None:
    """A concurrent update lands before each of the first ``conflicts`` attempts: the API re-runs
    the transaction (counting each retry) up to limits.mvcc_retries times, then answers 409
    retryable; never a 5xx."""
    original = rest.store.submit
    injected: list[Committed] = []

    def submit(tx: Transaction) -> Future[Committed]:
        if tx.function == "UpdateCatalog" and len(injected) < conflicts:
            arg = {"id": CAT, "description": f"concurrent {len(injected)}"}
            stub = simulate(rest.store, rest.admin, "UpdateCatalog", arg)
            injected.append(original(transaction_of(stub, rest.admin)).result(timeout=TIMEOUT))
        return original(tx)

    monkeypatch.setattr(rest.store, "submit", submit)
    reply = rest.client().patch(f"/api/v1/catalogs/{CAT}", json={"description": "mine"})
    body = reply.get_json()

    assert [c.code for c in injected] == ["VALID"] * conflicts
    assert retryable_updates(rest.store) == conflicts
    assert rest.retries() == min(conflicts, MVCC_RETRIES)
    if conflicts <= MVCC_RETRIES:
        assert reply.status_code == 200, body
        assert body["data"]["description"] == "mine" and body["data"]["version"] == conflicts + 2
        # the last injected write, then the attempt it invalidated, then the retry that won
        assert body["block"] == injected[-1].block + 2
    else:
        assert reply.status_code == 409, body
        assert body["error"]["code"] == "CONFLICT" and body["error"]["retryable"] is True
        assert body["error"]["details"]["validation_code"] == "MVCC_READ_CONFLICT"
        stored = rest.catalog()
        assert (stored["description"], stored["version"]) == (f"concurrent {conflicts - 1}", conflicts + 1)


def test_rest_concurrent_updates_of_one_catalog_end_as_200_or_409(rest: Rest) -> None:
    """Threads updating one catalog at once: each answer is 200 or a retryable 409, no update is
    lost (the successes got versions 2..n+1), and every conflict either was retried and counted
    in citydir_mvcc_retries_total or is one of the 409s."""
    threads, each = 6, 4
    barrier = threading.Barrier(threads)
    lock = threading.Lock()
    outcomes: list[tuple[int, Any]] = []

    def update(n: int) -> None:
        client = rest.client()
        barrier.wait(timeout=TIMEOUT)
        for k in range(each):
            reply = client.patch(f"/api/v1/catalogs/{CAT}", json={"description": f"thread {n} update {k}"})
            with lock:
                outcomes.append((reply.status_code, reply.get_json()))

    workers = [threading.Thread(target=update, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(worker.is_alive() for worker in workers)

    assert len(outcomes) == threads * each
    assert {status for status, _ in outcomes} <= {200, 409}, outcomes
    succeeded = [body for status, body in outcomes if status == 200]
    refused = [body for status, body in outcomes if status == 409]
    for body in refused:
        assert body["error"]["code"] == "CONFLICT" and body["error"]["retryable"] is True, body
    assert succeeded, "no update succeeded"
    assert sorted(b["data"]["version"] for b in succeeded) == list(range(2, 2 + len(succeeded)))
    assert rest.catalog()["version"] == 1 + len(succeeded)
    history = rest.client().get(f"/api/v1/catalogs/{CAT}/history").get_json()["data"]
    assert len(history) == 1 + len(succeeded)
    assert rest.retries() == retryable_updates(rest.store) - len(refused)
