"""The API's only door to the ledger: the ``Ledger`` protocol, one per caller identity.

Everything the routes need from the ledger goes through this protocol, and every failure
reaches them as one of the ``LedgerError`` family below; the HTTP mapping lives in
``gateway.api.errors``. Two adapters implement it (``gateway.ledgers``): Fabric (the production
ledger: the peers' Gateway service) and embedded (one process on SQLite, for one machine). The
unit tests inject fakes here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from citydir_verify import BundleSigner

from gateway.config import IdentityConfig

# Commit codes after which a fresh proposal may well succeed: another transaction read or wrote
# the same keys between our endorsement and our commit.
RETRYABLE_CODES = frozenset({"MVCC_READ_CONFLICT", "PHANTOM_READ_CONFLICT"})
# Fabric checks key-level policies before read sets: a transaction that writes a key whose
# validation parameter an earlier transaction of its block set (i.e. created the same new key)
# fails as a policy failure, though it only lost a race.
RACE_CODES = frozenset({"ENDORSEMENT_POLICY_FAILURE"})


# --- what can go wrong, in the API's terms -------------------------------------------------------


class LedgerError(Exception):
    """Base of every error raised at the seam."""


class ChaincodeError(LedgerError):
    """The chaincode refused: ``{"code","message","details"}`` from its error message."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details if details is not None else {}

    @classmethod
    def from_message(cls, message: str) -> ChaincodeError:
        """The chaincode's answer as either ledger delivers it: our wire JSON, or (e.g. for an
        unknown function) text that is still the chaincode's word."""
        try:
            body = json.loads(message)
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("code"), str):
            return cls(body["code"], str(body.get("message", "")), body.get("details"))
        return cls("INTERNAL", message)


# The Gateway's words when endorsing peers simulated at different heights (one had just
# committed a block the other had not): a fresh endorsement, once they agree, can succeed.
DIVERGED_ENDORSEMENTS = "ProposalResponsePayloads do not match"


class EndorsementFailed(LedgerError):
    """Endorsement or submission failed for a reason other than the chaincode's answer."""

    may_be_race = False

    def __init__(self, message: str, peers: list[dict[str, str]], tx_id: str | None = None) -> None:
        super().__init__(message)
        self.message, self.peers, self.tx_id = message, peers, tx_id

    @property
    def retryable(self) -> bool:
        texts = [self.message, *(peer.get("message", "") for peer in self.peers)]
        return any(DIVERGED_ENDORSEMENTS in text for text in texts)


class PeersUnavailable(LedgerError):
    """No peer (or orderer) answered in time."""

    def __init__(self, message: str, peers: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message, self.peers = message, peers or []


class CommitUnknown(LedgerError):
    """Ordered, but its commit status could not be read in time: it may still commit."""

    def __init__(self, message: str, tx_id: str | None) -> None:
        super().__init__(message)
        self.message, self.tx_id = message, tx_id


class TransactionInvalid(LedgerError):
    """The transaction was ordered but committed with a validation code other than VALID."""

    def __init__(self, tx_id: str, code_name: str, block: int | None) -> None:
        super().__init__(f"transaction {tx_id} committed as {code_name}")
        self.tx_id, self.code_name, self.block = tx_id, code_name, block

    @property
    def retryable(self) -> bool:
        return self.code_name in RETRYABLE_CODES

    @property
    def may_be_race(self) -> bool:
        return self.code_name in RACE_CODES


# --- the seam ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    data: Any
    tx_id: str
    block: int | None  # None when not waited for


@dataclass(frozen=True)
class ChaincodeEvent:
    block: int
    tx_id: str
    name: str
    payload: Any  # parsed JSON when it parses, else the text


class EventStream(Protocol):
    def __iter__(self) -> Iterator[ChaincodeEvent]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class TxRecord:
    """What a block says about one of its transactions: where it is, whether it counts, who
    created it and which orgs' peers endorsed it."""

    tx_id: str
    block: int
    index: int
    validation_code: str | None  # None: the block was never validated (a block from an orderer)
    creator_msp_id: str | None
    endorsers: tuple[str, ...]  # MSP ids, in endorsement order; () on the embedded ledger
    timestamp: str | None
    type: str = "ENDORSER_TRANSACTION"
    chaincode: str | None = None


@dataclass(frozen=True)
class BlockRecord:
    """A block's header facts and its transactions, ledger-neutral (hashes as hex)."""

    number: int
    hash: str
    previous_hash: str
    data_hash: str
    transactions: tuple[TxRecord, ...]
    config_block: int | None = None  # Fabric: the config block in force (LAST_CONFIG)


@dataclass(frozen=True)
class TxWrites:
    """One transaction's writes to the chaincode's namespace: key → value (None: a delete), and
    key → validation parameter (a marshalled SignaturePolicyEnvelope; None: removed)."""

    writes: Mapping[str, bytes | None]
    validation: Mapping[str, bytes | None]


class Ledger(Protocol):
    """What the API asks of the ledger, as one caller identity."""

    def query(self, fn: str, arg: Mapping[str, Any]) -> Any: ...

    def submit(self, fn: str, arg: Mapping[str, Any], wait: bool = True) -> Submitted: ...

    def transaction_status(self, tx_id: str) -> tuple[str, int | None]:
        """``("pending", None)`` until the transaction is found, then (validation code name, block)."""
        ...

    def block_record(self, number: int) -> BlockRecord | None:
        """The block's record; None above the height."""
        ...

    def block_record_of(self, tx_id: str) -> BlockRecord | None:
        """The record of the block holding ``tx_id``; None while it is not committed."""
        ...

    def block_file(self, number: int) -> bytes:
        """The block as an evidence bundle carries it (Fabric: the peer's serialized block)."""
        ...

    def transaction_writes(self, number: int, tx_id: str) -> TxWrites: ...

    def evidence_signer(self) -> BundleSigner:
        """Signs an evidence bundle's manifest: the caller's identity on Fabric, the node on embedded."""
        ...

    def chaincode_events(self, start_block: int | None, after_tx_id: str | None) -> EventStream: ...

    def block_height(self) -> int: ...

    def peer_heights(self) -> list[dict[str, Any]]: ...


LedgerFactory = Callable[[IdentityConfig], Ledger]


class StageTimer(Protocol):
    def __call__(self, stage: str, seconds: float, ok: bool) -> None: ...


def no_timer(stage: str, seconds: float, ok: bool) -> None:
    return None


T = TypeVar("T")


def timed(timer: StageTimer, stage: str, call: Callable[[], T]) -> T:
    """Run ``call``, reporting its duration and whether it returned to ``timer``."""
    started = time.perf_counter()
    ok = False
    try:
        result = call()
        ok = True
        return result
    finally:
        timer(stage, time.perf_counter() - started, ok)
