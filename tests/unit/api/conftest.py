"""A fake ledger at the API's seam (``gateway.api.ledger.Ledger``) and an app wired to it."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from citydir_verify import BundleSigner
from flask import Flask
from flask.testing import FlaskClient

from gateway.api.ledger import (
    BlockRecord,
    ChaincodeError,
    ChaincodeEvent,
    Submitted,
    TxRecord,
    TxWrites,
)
from gateway.app import create_app
from gateway.config import IdentityConfig, hash_token

ADMIN_TOKEN = "health-admin-token"
CLIENT_TOKEN = "health-client-token"
TRANSPORT_TOKEN = "transport-admin-token"
EXPIRED_TOKEN = "expired-token"


def tx(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def entity(kind_id: str, tx_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": kind_id, **fields, "ledger": {"tx_id": tx_id, "timestamp": "2026-01-02T03:04:05Z"}}


class FakeEvents:
    def __init__(self, events: list[ChaincodeEvent]) -> None:
        self._events = events
        self.closed = False

    def __iter__(self) -> Iterator[ChaincodeEvent]:
        yield from self._events

    def close(self) -> None:
        self.closed = True


Handler = Callable[[Mapping[str, Any]], Any]


@dataclass
class FakeLedger:
    """Answers queries from ``answers`` (value, exception or callable of the argument)."""

    msp_id: str = "HealthMSP"
    answers: dict[str, Any] = field(default_factory=dict)
    submit_errors: list[Exception] = field(default_factory=list)  # raised by successive submits
    blocks: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, tuple[str, int]] = field(default_factory=dict)
    events: list[ChaincodeEvent] = field(default_factory=list)
    queries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    submits: list[tuple[str, dict[str, Any], bool]] = field(default_factory=list)
    event_requests: list[tuple[int | None, str | None]] = field(default_factory=list)
    block_lookups: list[str] = field(default_factory=list)
    height: int = 7
    _tx: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    def _answer(self, fn: str, arg: Mapping[str, Any]) -> Any:
        answer = self.answers.get(fn)
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(arg)
        if answer is None:
            return entity(str(arg.get("id", "x")), tx(1))
        return answer

    def query(self, fn: str, arg: Mapping[str, Any]) -> Any:
        self.queries.append((fn, dict(arg)))
        return self._answer(fn, arg)

    def submit(self, fn: str, arg: Mapping[str, Any], wait: bool = True) -> Submitted:
        self.submits.append((fn, dict(arg), wait))
        if self.submit_errors:
            raise self.submit_errors.pop(0)
        tx_id = tx(next(self._tx))
        data = self._answer(fn, arg)
        if isinstance(data, dict) and "ledger" in data:
            data["ledger"]["tx_id"] = tx_id
        block = None if not wait else self.height
        if wait:
            self.statuses[tx_id] = ("VALID", self.height)
            self.blocks[tx_id] = self.height
        return Submitted(data, tx_id, block)

    def transaction_status(self, tx_id: str) -> tuple[str, int | None]:
        return self.statuses.get(tx_id, ("pending", None))

    def block_record_of(self, tx_id: str) -> BlockRecord | None:
        self.block_lookups.append(tx_id)
        number = self.blocks.get(tx_id)
        return None if number is None else self.block_record(number)

    def block_record(self, number: int) -> BlockRecord | None:
        """Block ``number`` holds the transactions ``blocks`` places there (endorsed by this MSP)."""
        if number >= self.height and number not in self.blocks.values():
            return None
        txs = sorted(t for t, n in self.blocks.items() if n == number)
        return BlockRecord(
            number=number,
            hash=f"{number:064x}",
            previous_hash=f"{max(0, number - 1):064x}",
            data_hash=f"{number + 1:064x}",
            transactions=tuple(
                TxRecord(t, number, i, "VALID", self.msp_id, (self.msp_id,), "2026-01-02T03:04:05.000Z")
                for i, t in enumerate(txs)
            ),
        )

    def block_file(self, number: int) -> bytes:
        return f"block {number}".encode()

    def transaction_writes(self, number: int, tx_id: str) -> TxWrites:
        return TxWrites({}, {})

    def evidence_signer(self) -> BundleSigner:
        raise NotImplementedError("the fake ledger signs nothing")

    def chaincode_events(self, start_block: int | None, after_tx_id: str | None) -> FakeEvents:
        self.event_requests.append((start_block, after_tx_id))
        return FakeEvents(list(self.events))

    def block_height(self) -> int:
        return self.height

    def peer_heights(self) -> list[dict[str, Any]]:
        return [
            {
                "peer": "peer0.health",
                "msp_id": "HealthMSP",
                "address": "127.0.0.1:7051",
                "height": self.height,
            },
            {
                "peer": "peer0.transport",
                "msp_id": "TransportMSP",
                "address": "127.0.0.1:9051",
                "height": None,
                "error": "UNAVAILABLE",
            },
        ]


def not_found(what: str = "thing") -> ChaincodeError:
    return ChaincodeError("NOT_FOUND", f"{what} not found", {})


def gateway_config() -> dict[str, Any]:
    def ident(token: str, msp: str, role: str, expires: str | None = None) -> dict[str, Any]:
        return {
            "token_sha256": hash_token(token),
            "msp_id": msp,
            "role": role,
            "cert": f"/crypto/{msp}/{role}/cert.pem",
            "key": f"/crypto/{msp}/{role}/key.pem",
            "expires_at": expires,
        }

    return {
        "channel": "citydir",
        "chaincode": "citydir",
        "listen": "127.0.0.1:8080",
        "peers": [
            {
                "name": "peer0.health",
                "org": "health",
                "msp_id": "HealthMSP",
                "address": "127.0.0.1:7051",
                "tls_root_cert": "/crypto/health/tlsca.pem",
                "server_name": "peer0.health.citydir.local",
            },
        ],
        "identities": [
            ident(ADMIN_TOKEN, "HealthMSP", "admin"),
            ident(CLIENT_TOKEN, "HealthMSP", "client"),
            ident(TRANSPORT_TOKEN, "TransportMSP", "admin", "2999-01-01T00:00:00Z"),
            ident(EXPIRED_TOKEN, "HealthMSP", "admin", "2020-01-01T00:00:00Z"),
        ],
        "limits": {"sse_max_seconds": 2, "sse_heartbeat_seconds": 0.05, "mvcc_backoff_cap": 0},
    }


@dataclass
class Env:
    app: Flask
    ledgers: dict[str, FakeLedger]  # by MSP: each identity signs for itself

    @property
    def health(self) -> FakeLedger:
        return self.ledgers["HealthMSP"]

    def client(self, token: str | None = ADMIN_TOKEN) -> FlaskClient:
        client = self.app.test_client()
        if token is not None:
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client


@pytest.fixture
def env() -> Iterator[Env]:
    ledgers: dict[str, FakeLedger] = {}

    def factory(identity: IdentityConfig) -> FakeLedger:
        return ledgers.setdefault(identity.msp_id, FakeLedger(msp_id=identity.msp_id))

    app = create_app(gateway_config(), ledger_factory=factory)
    app.config["TESTING"] = True
    factory(app.extensions["citydir"].config.identities[0])  # HealthMSP's fake exists before requests
    yield Env(app, ledgers)
    app.extensions["citydir"].index.close()
