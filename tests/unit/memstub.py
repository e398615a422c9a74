"""An in-memory Fabric ledger for unit tests (the only place one is allowed).

It models what the contract must get right on a real peer:

* reads see committed state only, never the transaction's own writes (Fabric's GetState);
* range and partial-composite-key queries iterate committed keys in key order; simple-key
  range queries skip composite keys, as the Go shim does;
* pagination returns at most ``page_size`` records and the next key as the bookmark
  ("" when done); as in the peer, a paginated query and a write in one transaction fail;
* an empty value is refused (Fabric would take it as a delete);
* history per key, newest first; key-level validation parameters; one event per tx
  (the last ``set_event`` wins, every call is recorded);
* the write set is committed only when the contract answered 200;
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
from fabric_protos.msp import identities_pb2  # type: ignore[attr-defined]

from chaincode.shim.api import (
    COMPOSITE_KEY_NAMESPACE,
    KV,
    MAX_UNICODE_RUNE,
    KeyModification,
    QueryMetadata,
    Response,
    create_composite_key,
    split_composite_key,
)

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


class MemoryStub:
    """One transaction against a MemoryLedger; implements chaincode.shim.api.ChaincodeStub."""

    def __init__(
        self, ledger: MemoryLedger, args: list[bytes], creator: bytes, tx_id: str, timestamp: datetime
    ) -> None:
        self._ledger = ledger
        self._args = args
        self._creator = creator
        self._tx_id = tx_id
        self._timestamp = timestamp
        self.writes: dict[str, bytes | None] = {}
        self.validation_writes: dict[str, bytes] = {}
        self.events: list[tuple[str, bytes]] = []
        self.reads: list[str] = []
        self.stale_reads: list[str] = []
        self.queries: list[QueryCall] = []
        self._paginated = False

    # -- transaction facts --

    @property
    def tx_id(self) -> str:
        return self._tx_id

    @property
    def channel_id(self) -> str:
        return self._ledger.channel_id

    def get_args(self) -> list[bytes]:
        return list(self._args)

    def get_function_and_parameters(self) -> tuple[str, list[str]]:
        if not self._args:
            return "", []
        return self._args[0].decode(), [arg.decode("utf-8", "replace") for arg in self._args[1:]]

    def get_creator(self) -> bytes:
        return self._creator

    def get_transient(self) -> dict[str, bytes]:
        return {}

    def get_tx_timestamp(self) -> datetime:
        return self._timestamp

    # -- state --

    def get_state(self, key: str) -> bytes | None:
        self.reads.append(key)
        if key in self.writes:
            self.stale_reads.append(key)  # would not see the write on a real peer
        return self._ledger.state.get(key)  # committed only: no read-your-writes in Fabric

    def put_state(self, key: str, value: bytes) -> None:
        if not key:
            raise ValueError("key must not be empty")
        if not value:
            raise ValueError(f"empty value for {key!r}: Fabric would treat it as a delete")
        self._check_write()
        self.writes[key] = bytes(value)

    def del_state(self, key: str) -> None:
        if not key:
            raise ValueError("key must not be empty")
        self._check_write()
        self.writes[key] = None

    def _check_write(self) -> None:
        if self._paginated:
            raise RuntimeError(
                "txsimulator does not support write operations in combination with paginated queries"
            )

    def _check_paginated(self) -> None:
        if self.writes or self.validation_writes:
            raise RuntimeError("txsimulator does not support paginated queries in combination with writes")
        self._paginated = True

    # -- queries --

    def _scan(self, start: str, end: str) -> list[KV]:
        keys = sorted(key for key in self._ledger.state if key >= start and (end == "" or key < end))
        return [KV(key, self._ledger.state[key]) for key in keys]

    @staticmethod
    def _simple_range(start: str, end: str) -> tuple[str, str]:
        for key in (start, end):
            if key.startswith(COMPOSITE_KEY_NAMESPACE):
                raise ValueError("range queries take simple keys only; use a partial composite key query")
        return (start or "\x01"), end  # the Go shim's substitute keeps composite keys out

    def get_state_by_range(self, start_key: str, end_key: str) -> Iterator[KV]:
        start, end = self._simple_range(start_key, end_key)
        records = self._scan(start, end)
        self.queries.append(QueryCall("range", start, end, None, len(records)))
        return iter(records)

    def get_state_by_range_with_pagination(
        self, start_key: str, end_key: str, page_size: int, bookmark: str
    ) -> tuple[list[KV], QueryMetadata]:
        start, end = self._simple_range(start_key, end_key)
        return self._page("range-page", bookmark or start, end, page_size)

    def get_state_by_partial_composite_key(self, object_type: str, attributes: list[str]) -> Iterator[KV]:
        start = create_composite_key(object_type, attributes)
        records = self._scan(start, start + MAX_UNICODE_RUNE)
        self.queries.append(QueryCall("partial", start, start + MAX_UNICODE_RUNE, None, len(records)))
        return iter(records)

    def get_state_by_partial_composite_key_with_pagination(
        self, object_type: str, attributes: list[str], page_size: int, bookmark: str
    ) -> tuple[list[KV], QueryMetadata]:
        start = create_composite_key(object_type, attributes)
        # Like the peer: the bookmark is used as the start key, unchecked.
        return self._page("partial-page", bookmark or start, start + MAX_UNICODE_RUNE, page_size)

    def _page(self, kind: str, start: str, end: str, page_size: int) -> tuple[list[KV], QueryMetadata]:
        if page_size <= 0:
            raise ValueError("page size must be positive")
        self._check_paginated()
        records = self._scan(start, end)
        page, rest = records[:page_size], records[page_size:]
        self.queries.append(QueryCall(kind, start, end, page_size, len(page)))
        return page, QueryMetadata(len(page), rest[0].key if rest else "")

    def create_composite_key(self, object_type: str, attributes: list[str]) -> str:
        return create_composite_key(object_type, attributes)

    def split_composite_key(self, composite_key: str) -> tuple[str, list[str]]:
        return split_composite_key(composite_key)

    def get_history_for_key(self, key: str) -> Iterator[KeyModification]:
        return iter(list(reversed(self._ledger.history.get(key, []))))

    # -- events and policies --

    def set_event(self, name: str, payload: bytes) -> None:
        if not name:
            raise ValueError("event name must not be empty")
        self.events.append((name, bytes(payload)))

    def set_state_validation_parameter(self, key: str, endorsement_policy: bytes) -> None:
        self._check_write()
        self.validation_writes[key] = bytes(endorsement_policy)

    def get_state_validation_parameter(self, key: str) -> bytes | None:
        return self._ledger.validation.get(key)

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
