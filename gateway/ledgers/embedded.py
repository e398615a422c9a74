"""The embedded adapter: the ``Ledger`` seam over one SQLite file, for one machine.

Each call runs the directory contract itself (``chaincode.directory``, the code the peers run)
through the shim API on ``chaincode.shim.simulator.SimulatedStub``, against committed state in
``gateway.embedded.store``. A submit's read/write set is validated at commit exactly as Fabric
does (a stale read is MVCC_READ_CONFLICT), so the API's retry path is the one it takes on Fabric.

What it does not have: the caller's identity is taken from the configured certificate, and no
signature, endorsement policy, key-level policy or second organisation checks anything. One
operator holds every key and is the only witness. See README, "Which ledger".
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from citydir_verify import BundleSigner
from cryptography import x509
from cryptography.x509.oid import NameOID

from chaincode.directory import DirectoryContract
from chaincode.shim.protos import identities
from chaincode.shim.simulator import SimulatedStub
from gateway.api.ledger import (
    BlockRecord,
    ChaincodeError,
    ChaincodeEvent,
    CommitUnknown,
    EventStream,
    Ledger,
    PeersUnavailable,
    StageTimer,
    Submitted,
    TransactionInvalid,
    TxRecord,
    TxWrites,
    no_timer,
    timed,
)
from gateway.config import GatewayConfig, IdentityConfig
from gateway.embedded.store import Block, Committed, Store, StoredEvent, Transaction

ENDORSER_TRANSACTION = "ENDORSER_TRANSACTION"
T = TypeVar("T")


def creator_of(identity: IdentityConfig) -> tuple[bytes, str]:
    """The serialized identity (as a Fabric client sends it) and the certificate's CN."""
    pem = Path(identity.cert).read_bytes()
    names = x509.load_pem_x509_certificate(pem).subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    serialized = identities.SerializedIdentity(mspid=identity.msp_id, id_bytes=pem).SerializeToString()
    return serialized, str(names[0].value) if names else ""


def new_tx_id(creator: bytes) -> str:
    """As Fabric's clients compute it: SHA-256 over a fresh nonce and the creator."""
    return hashlib.sha256(os.urandom(24) + creator).hexdigest()


def _parse_payload(raw: bytes) -> Any:
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


class _Events:
    """Chaincode events from the store: replayed from a position, then followed as blocks commit."""

    def __init__(self, store: Store, block: int, after_tx: int) -> None:
        self._store, self._block, self._after = store, block, after_tx
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[ChaincodeEvent]:
        while not self._closed.is_set():
            height = self._store.height()
            found: list[StoredEvent] = self._store.events_from(self._block, self._after)
            for ev in found:
                self._block, self._after = ev.block, ev.tx
                yield ChaincodeEvent(ev.block, ev.tx_id, ev.name, _parse_payload(ev.payload))
            if not found:
                # Nothing new below `height`: continue from the next block once it exists.
                if height - 1 > self._block:
                    self._block, self._after = height - 1, 10**9
                self._store.wait_for_height(height, timeout=1.0)

    def close(self) -> None:
        self._closed.set()


class EmbeddedLedger:
    """One caller identity's view of the embedded ledger."""

    def __init__(
        self,
        store: Store,
        contract: DirectoryContract,
        identity: IdentityConfig,
        commit_timeout: float,
        timer: StageTimer = no_timer,
    ) -> None:
        self._store, self._contract = store, contract
        self._msp_id = identity.msp_id
        self._creator, self._subject = creator_of(identity)
        self._commit_timeout = commit_timeout
        self._timer = timer

    def _simulate(self, fn: str, arg: Mapping[str, Any]) -> tuple[SimulatedStub, Any]:
        args = [fn.encode(), json.dumps(arg, ensure_ascii=False, separators=(",", ":")).encode()]
        stub_time = datetime.now(UTC)
        with self._store.snapshot() as reader:
            stub = SimulatedStub(
                reader, args, self._creator, new_tx_id(self._creator), stub_time, self._store.channel
            )
            response = self._contract.invoke(stub)
        if response.status != 200:
            raise ChaincodeError.from_message(response.message)
        text = response.payload.decode("utf-8") if response.payload else ""
        return stub, json.loads(text) if text else None

    def _timed(self, stage: str, call: Callable[[], T]) -> T:
        """Fabric's stage names, so the metrics read alike: the simulation is this node's
        "endorse", queueing for the next block its "submit", the wait for the block its "commit"."""
        return timed(self._timer, stage, call)

    def query(self, fn: str, arg: Mapping[str, Any]) -> Any:
        return self._timed("evaluate", lambda: self._simulate(fn, arg))[1]

    def submit(self, fn: str, arg: Mapping[str, Any], wait: bool = True) -> Submitted:
        stub, data = self._timed("endorse", lambda: self._simulate(fn, arg))
        future = self._timed("submit", lambda: self._queue(stub, fn))
        if not wait:
            return Submitted(data, stub.tx_id, None)
        committed = self._timed("commit", lambda: self._wait(future, stub.tx_id))
        if committed.code != "VALID":
            raise TransactionInvalid(committed.tx_id, committed.code, committed.block)
        return Submitted(data, committed.tx_id, committed.block)

    def _queue(self, stub: SimulatedStub, fn: str) -> Future[Committed]:
        return self._store.submit(
            Transaction(
                tx_id=stub.tx_id,
                timestamp=stub.get_tx_timestamp(),
                creator_msp_id=self._msp_id,
                creator_subject=self._subject,
                function=fn,
                rwset=stub.rwset,
                event=stub.chaincode_event,
            )
        )

    def _wait(self, future: Future[Committed], tx_id: str) -> Committed:
        try:
            return future.result(timeout=self._commit_timeout)
        except TimeoutError as exc:
            raise CommitUnknown("the embedded ledger did not commit in time", tx_id) from exc
        except sqlite3.Error as exc:  # the block was rolled back: nothing of it is on disk
            raise PeersUnavailable(f"the embedded ledger could not commit: {exc}") from exc

    def transaction_status(self, tx_id: str) -> tuple[str, int | None]:
        committed = self._store.transaction(tx_id)
        return ("pending", None) if committed is None else (committed.code, committed.block)

    def chaincode_events(self, start_block: int | None, after_tx_id: str | None) -> EventStream:
        if after_tx_id is not None:
            position = self._store.transaction(after_tx_id)
            if position is not None:
                return _Events(self._store, position.block, position.index)
        if start_block is None:
            start_block = self._store.height()  # like Fabric: from the next block committed
        return _Events(self._store, start_block, -1)

    def block_height(self) -> int:
        return self._store.height()

    def peer_heights(self) -> list[dict[str, Any]]:
        # One node: the embedded ledger itself, held by the gateway's operator.
        return [
            {
                "peer": "embedded",
                "msp_id": None,
                "address": str(self._store.path),
                "height": self.block_height(),
            }
        ]

    def block_record(self, number: int) -> BlockRecord | None:
        block = self._store.block(number)
        return None if block is None else _record(block, self._store.channel)

    def block_record_of(self, tx_id: str) -> BlockRecord | None:
        committed = self._store.transaction(tx_id)
        return None if committed is None else self.block_record(committed.block)

    def block_file(self, number: int) -> bytes:
        found = self._store.block_file(number)
        if found is None:
            raise ChaincodeError("NOT_FOUND", f"block {number} is not on the ledger")
        return found

    def transaction_writes(self, number: int, tx_id: str) -> TxWrites:
        block = self._store.block(number)
        for tx in block.transactions if block else []:
            if tx["tx_id"] == tx_id:
                return TxWrites(
                    {w["key"]: _unb64(w["value"]) for w in tx["writes"]},
                    {v["key"]: _unb64(v["policy"]) for v in tx["validation_parameters"]},
                )
        return TxWrites({}, {})

    def evidence_signer(self) -> BundleSigner:
        return self._store.node


def _unb64(text: str | None) -> bytes | None:
    return None if text is None else base64.b64decode(text)


def _record(block: Block, chaincode: str) -> BlockRecord:
    return BlockRecord(
        number=block.number,
        hash=block.hash,
        previous_hash=block.previous_hash,
        data_hash=block.data_hash,
        transactions=tuple(
            TxRecord(
                tx_id=tx["tx_id"],
                block=block.number,
                index=index,
                validation_code=tx["validation_code"],
                creator_msp_id=tx["creator"]["msp_id"],
                endorsers=(),  # one node simulates and commits: nobody endorses
                timestamp=tx["timestamp"],
                type=ENDORSER_TRANSACTION,
                chaincode=chaincode,
            )
            for index, tx in enumerate(block.transactions)
        ),
    )


@cache
def _contract() -> DirectoryContract:
    return DirectoryContract()


class EmbeddedConnector:
    """Opens the configured ledger file once; each identity gets its own view of it."""

    def __init__(self, config: GatewayConfig, timer: StageTimer = no_timer) -> None:
        if config.ledger.path is None:
            raise ValueError("the embedded ledger needs ledger.path in the gateway configuration")
        self._config, self._timer = config, timer
        self._store = Store(config.ledger.path, config.channel)

    @property
    def store(self) -> Store:
        return self._store

    def __call__(self, identity: IdentityConfig) -> Ledger:
        return EmbeddedLedger(
            self._store, _contract(), identity, self._config.timeouts.commit_status, self._timer
        )
