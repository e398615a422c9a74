"""An in-memory Fabric ledger for unit tests.

Transactions run on ``chaincode.shim.simulator.SimulatedStub``, the same simulation of the
peer's semantics the embedded ledger uses (committed-state reads, ranges, pagination, history,
validation parameters, one event per tx); here its storage is three dicts, and every call is
recorded for the tests. On top of that:

* the write set is committed only when the contract answered 200 (every ``set_event`` call is
  recorded; the last one is the transaction's event);
* ``forge``: a write set no honest chaincode produced, judged as Fabric's validator would
  (key-level policy for existing keys, the chaincode-level MAJORITY for new ones).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chaincode.shim.api import KeyModification, Response
from chaincode.shim.simulator import SimulatedStub, Version
from tests._protos import identities_pb2

START = datetime(2026, 11, 22, 8, 0, 0, tzinfo=UTC)
# The channel's orgs; the chaincode-level endorsement policy is a MAJORITY of them.
CHANNEL_MSPS = ("DataBureauMSP", "CivilAffairsMSP", "HealthMSP")
VALID = "VALID"
ENDORSEMENT_POLICY_FAILURE = "ENDORSEMENT_POLICY_FAILURE"


# -- identities ---------------------------------------------------------------------


@cache
def _key() -> ec.EllipticCurvePrivateKey:
    # One key for every test certificate: generating keys is the slow part, and the
    # contract only reads the certificate's subject.
    return ec.generate_private_key(ec.SECP256R1())


@cache
def identity(msp_id: str, role: str | None, name: str | None = None) -> bytes:
    """SerializedIdentity bytes of a self-signed P-256 certificate with OU=<role>, CN=<name>."""
    subject_parts = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, msp_id)]
    if role is not None:
        subject_parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role))
    subject_parts.append(x509.NameAttribute(NameOID.COMMON_NAME, name or f"{role or 'nobody'}@{msp_id}"))
    subject = x509.Name(subject_parts)
    key = _key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(int(hashlib.sha256(subject.rfc4514_string().encode()).hexdigest()[:16], 16))
        .not_valid_before(datetime(2026, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2036, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    serialized: bytes = identities_pb2.SerializedIdentity(mspid=msp_id, id_bytes=pem).SerializeToString()
    return serialized


# -- one transaction ----------------------------------------------------------------


@dataclass
class QueryCall:
    kind: str  # "range", "partial", "range-page", "partial-page"
    start: str
    end: str
    page_size: int | None
    returned: int


@dataclass(frozen=True)
class Event:
    name: str
    payload: Any  # parsed JSON

    @property
    def raw(self) -> bytes:
        return json.dumps(self.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class _LedgerState:
    """The MemoryLedger's dicts as the simulator's StateReader; a key's version is its history length."""

    def __init__(self, ledger: MemoryLedger) -> None:
        self._ledger = ledger

    def get(self, key: str) -> tuple[bytes, Version] | None:
        value = self._ledger.state.get(key)
        return None if value is None else (value, len(self._ledger.history.get(key, ())))

    def scan(self, start: str, end: str) -> Iterator[tuple[str, bytes, Version]]:
        state, history = self._ledger.state, self._ledger.history
        for key in sorted(k for k in state if k >= start and (end == "" or k < end)):
            yield key, state[key], len(history.get(key, ()))

    def history(self, key: str) -> list[KeyModification]:
        return list(reversed(self._ledger.history.get(key, [])))

    def validation_parameter(self, key: str) -> bytes | None:
        return self._ledger.validation.get(key)


class MemoryStub(SimulatedStub):
    """One transaction against a MemoryLedger: the shared simulator, plus a record of its calls."""

    def __init__(
        self, ledger: MemoryLedger, args: list[bytes], creator: bytes, tx_id: str, timestamp: datetime
    ) -> None:
        super().__init__(_LedgerState(ledger), args, creator, tx_id, timestamp, ledger.channel_id)
        self.events: list[tuple[str, bytes]] = []
        self.reads: list[str] = []
        self.stale_reads: list[str] = []
        self.queries: list[QueryCall] = []

    def on_read(self, key: str) -> None:
        self.reads.append(key)
        if key in self.writes:
            self.stale_reads.append(key)  # would not see the write on a real peer

    def on_query(self, kind: str, start: str, end: str, page_size: int | None, returned: int) -> None:
        self.queries.append(QueryCall(kind, start, end, page_size, returned))

    def on_event(self, name: str, payload: bytes) -> None:
        self.events.append((name, payload))

    # -- for tests --

    @property
    def event(self) -> Event | None:
        if not self.events:
            return None
        name, payload = self.events[-1]
        return Event(name, json.loads(payload))

    def write_set(self) -> bytes:
        """Canonical bytes of everything this tx would commit (Fabric sorts the write set by key)."""
        lines = [repr(("state", key, self.writes[key])) for key in sorted(self.writes)] + [
            repr(("policy", key, self.validation_writes[key])) for key in sorted(self.validation_writes)
        ]
        lines += [repr(("event", name, payload)) for name, payload in self.events]
        return "\n".join(lines).encode()


# -- the ledger ---------------------------------------------------------------------


@dataclass
class MemoryLedger:
    contract: Any = None
    channel_id: str = "citydir"
    clock: datetime = START
    state: dict[str, bytes] = field(default_factory=dict)
    history: dict[str, list[KeyModification]] = field(default_factory=dict)
    validation: dict[str, bytes] = field(default_factory=dict)
    tx_count: int = 0
    last: MemoryStub | None = None

    def __post_init__(self) -> None:
        if self.contract is None:
            from chaincode.directory import DirectoryContract

            self.contract = DirectoryContract()

    def next_tx_id(self) -> str:
        return hashlib.sha256(f"{self.channel_id}/{self.tx_count}".encode()).hexdigest()

    def invoke(
        self,
        creator: bytes,
        function: str,
        arg: dict[str, Any] | str | bytes | None = None,
        *,
        at: datetime | None = None,
        tx_id: str | None = None,
        args: list[bytes] | None = None,
    ) -> tuple[Response, Event | None]:
        """Run one transaction; commit its writes only when the contract answered 200.

        Without ``at`` the clock moves one second per transaction.
        """
        if at is None:
            self.clock += timedelta(seconds=1)
            at = self.clock
        if args is None:
            raw = (
                arg
                if isinstance(arg, bytes)
                else (arg.encode() if isinstance(arg, str) else _dumps(arg or {}))
            )
            args = [function.encode(), raw]
        stub = MemoryStub(self, args, creator, tx_id or self.next_tx_id(), at)
        self.tx_count += 1
        self.last = stub
        response: Response = self.contract.invoke(stub)
        if response.status == 200:
            self._commit(stub)
        return response, stub.event if response.status == 200 else None

    def _commit(self, stub: MemoryStub) -> None:
        for key in sorted(stub.writes):
            value = stub.writes[key]
            if value is None:
                self.state.pop(key, None)
            else:
                self.state[key] = value
            change = KeyModification(stub.tx_id, stub.get_tx_timestamp(), value or b"", value is None)
            self.history.setdefault(key, []).append(change)
        self.validation.update(stub.validation_writes)

    def forge(
        self, writes: Mapping[str, bytes | None], endorsers: Iterable[str], claim: bytes | None = None
    ) -> str:
        """A transaction from modified chaincode, endorsed by peers of ``endorsers``: its code.

        Like Fabric's validator: a key that exists is valid to write only when its committed
        key-level policy (a ``peer_of`` policy) is met; a new key needs only the chaincode-level
        MAJORITY. A VALID write set is committed, each key then claimed with ``claim``.
        """
        from chaincode.directory.policy import required_peers

        signed = set(endorsers)
        majority = len(signed & set(CHANNEL_MSPS)) * 2 > len(CHANNEL_MSPS)
        for key in writes:
            policy = self.validation.get(key) if key in self.state else None
            if policy is None:
                ok = majority
            else:
                needed, msps = required_peers(policy)
                ok = len(signed & set(msps)) >= needed
            if not ok:
                return ENDORSEMENT_POLICY_FAILURE
        tx_id = self.next_tx_id()
        self.tx_count += 1
        self.clock += timedelta(seconds=1)
        for key in sorted(writes):
            value = writes[key]
            if value is None:
                self.state.pop(key, None)
                self.validation.pop(key, None)
            else:
                self.state[key] = value
                if claim is not None:
                    self.validation[key] = claim
            change = KeyModification(tx_id, self.clock, value or b"", value is None)
            self.history.setdefault(key, []).append(change)
        return VALID


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()
