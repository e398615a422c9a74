"""The API's only door to Fabric: a ``DirectoryLedger`` per caller identity.

Everything the routes need from the ledger goes through the ``Ledger`` protocol below, so the
unit tests inject a fake here and nothing else in the API imports ``gateway.fabric``. Fabric's
errors are translated into the ``LedgerError`` family at this seam; the HTTP mapping lives in
``gateway.api.errors``.

``gateway.fabric`` is imported lazily (``importlib``): the API must import, type-check and test
without a Fabric client, and the client is being built alongside it.
"""

from __future__ import annotations

import functools
import importlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import grpc

from gateway.config import GatewayConfig, IdentityConfig, PeerConfig

# Commit codes after which a fresh proposal may well succeed: another transaction read or wrote
# the same keys between our endorsement and our commit.
RETRYABLE_CODES = frozenset({"MVCC_READ_CONFLICT", "PHANTOM_READ_CONFLICT"})
UNAVAILABLE_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


# --- what can go wrong, in the API's terms -------------------------------------------------------


class LedgerError(Exception):
    """Base of every error raised at the seam."""


class ChaincodeError(LedgerError):
    """The chaincode refused: ``{"code","message","details"}`` from its error message."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details if details is not None else {}


class EndorsementFailed(LedgerError):
    """Endorsement or submission failed for a reason other than the chaincode's answer."""

    def __init__(self, message: str, peers: list[dict[str, str]], tx_id: str | None = None) -> None:
        super().__init__(message)
        self.message, self.peers, self.tx_id = message, peers, tx_id


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


class Ledger(Protocol):
    """What the API asks of the ledger, as one caller identity."""

    def query(self, fn: str, arg: Mapping[str, Any]) -> Any: ...

    def submit(self, fn: str, arg: Mapping[str, Any], wait: bool = True) -> Submitted: ...

    def transaction_status(self, tx_id: str) -> tuple[str, int | None]:
        """``("pending", None)`` until the transaction is found, then (validation code name, block)."""
        ...

    def block_of(self, tx_id: str) -> int | None: ...

    def chaincode_events(self, start_block: int | None, after_tx_id: str | None) -> EventStream: ...

    def block_height(self) -> int: ...

    def peer_heights(self) -> list[dict[str, Any]]: ...

    def recent_blocks(self, count: int) -> list[dict[str, Any]]: ...


LedgerFactory = Callable[[IdentityConfig], Ledger]


class StageTimer(Protocol):
    def __call__(self, stage: str, seconds: float, ok: bool) -> None: ...


def _no_timer(stage: str, seconds: float, ok: bool) -> None:
    return None


class BlockCache:
    """tx id → block number; bounded LRU. Safe to cache forever: a committed tx never moves."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = max(1, size)
        self._items: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, tx_id: str) -> int | None:
        with self._lock:
            block = self._items.get(tx_id)
            if block is not None:
                self._items.move_to_end(tx_id)
            return block

    def put(self, tx_id: str, block: int) -> None:
        with self._lock:
            self._items[tx_id] = block
            self._items.move_to_end(tx_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


# --- the real thing: gateway.fabric behind the seam ----------------------------------------------


def load_fabric() -> Any:
    return importlib.import_module("gateway.fabric")


def _peer_details(fabric: Any, exc: Any) -> list[dict[str, str]]:
    return [
        {"address": str(d.address), "msp_id": str(d.msp_id), "message": str(d.message)}
        for d in getattr(exc, "details", None) or []
    ]


def translate_error(fabric: Any, exc: BaseException) -> LedgerError | None:
    """Fabric client exception → LedgerError; None for anything that is not the client's."""
    if isinstance(exc, fabric.CommitError):
        return TransactionInvalid(str(exc.tx_id), str(exc.code_name), getattr(exc, "block_number", None))
    if not isinstance(exc, fabric.GatewayError):
        return None
    message = fabric.chaincode_message(exc)
    if message:
        try:
            body = json.loads(message)
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("code"), str):
            return ChaincodeError(body["code"], str(body.get("message", "")), body.get("details"))
        # A chaincode answer that is not our JSON (e.g. an unknown function): still the chaincode's word.
        return ChaincodeError("INTERNAL", message)
    peers = _peer_details(fabric, exc)
    text = str(getattr(exc, "message", "") or exc)
    if isinstance(exc, fabric.CommitStatusError):
        return CommitUnknown(text, getattr(exc, "tx_id", None))
    if exc.code in UNAVAILABLE_CODES:
        return PeersUnavailable(text, peers)
    return EndorsementFailed(text, peers, getattr(exc, "tx_id", None))


def _decode(raw: bytes) -> Any:
    text = raw.decode("utf-8") if raw else ""
    return json.loads(text) if text else None


def _encode(arg: Mapping[str, Any]) -> str:
    return json.dumps(arg, ensure_ascii=False, separators=(",", ":"))


class _Events:
    def __init__(self, stream: Any, fabric: Any) -> None:
        self._stream, self._fabric = stream, fabric

    def __iter__(self) -> Iterator[ChaincodeEvent]:
        try:
            for ev in self._stream:
                raw = ev.payload.decode("utf-8", "replace") if isinstance(ev.payload, bytes) else ev.payload
                try:
                    payload = json.loads(raw) if raw else None
                except ValueError:
                    payload = raw
                yield ChaincodeEvent(int(ev.block_number), str(ev.tx_id), str(ev.event_name), payload)
        except Exception as exc:
            translated = translate_error(self._fabric, exc)
            if translated is None:
                raise
            raise translated from exc

    def close(self) -> None:
        self._stream.close()


@dataclass
class DirectoryLedger:
    """One caller identity's view: its Gateway connection, network and contract.

    ``peer_networks`` are the same identity connected through one peer each, for per-peer
    heights; they share the process-wide gRPC channels.
    """

    fabric: Any
    network: Any
    contract: Any
    chaincode: str
    peer_networks: list[tuple[PeerConfig, Any]] = field(default_factory=list)
    timer: StageTimer = _no_timer

    def _timed(self, stage: str, call: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        ok = False
        try:
            result = call()
            ok = True
            return result
        except Exception as exc:
            translated = translate_error(self.fabric, exc)
            if translated is None:
                raise
            raise translated from exc
        finally:
            self.timer(stage, time.perf_counter() - started, ok)

    def query(self, fn: str, arg: Mapping[str, Any]) -> Any:
        return _decode(self._timed("evaluate", lambda: self.contract.evaluate(fn, args=[_encode(arg)])))

    def submit(self, fn: str, arg: Mapping[str, Any], wait: bool = True) -> Submitted:
        args = [_encode(arg)]
        if hasattr(self.contract, "new_proposal"):
            # A client exposing the stages separately lets us time endorse and submit apart.
            proposal = self.contract.new_proposal(fn, args=args)
            transaction = self._timed("endorse", proposal.endorse)
            commit = self._submit(transaction)
            result = transaction.result() if callable(transaction.result) else transaction.result
        else:
            result, commit = self._timed("endorse_submit", lambda: self.contract.submit_async(fn, args=args))
        data = _decode(result)
        if not wait:
            return Submitted(data, str(commit.tx_id), None)
        status = self._timed("commit", commit.status)
        if not status.successful:
            raise TransactionInvalid(str(status.tx_id), str(status.code_name), status.block_number)
        self._await_peers(int(status.block_number))
        return Submitted(data, str(status.tx_id), int(status.block_number))

    def _submit(self, transaction: Any) -> Any:
        try:
            return self._timed("submit", transaction.submit)
        except PeersUnavailable as exc:
            # A broadcast that timed out may still have reached the orderer: a blind resubmit
            # could write twice, so the caller gets the tx id to poll instead.
            code = getattr(exc.__cause__, "code", None)
            if getattr(code, "name", "") == "DEADLINE_EXCEEDED":
                raise CommitUnknown(exc.message, str(transaction.tx_id)) from exc
            raise

    def _await_peers(self, block: int, timeout: float = 2.0) -> None:
        """Let every peer reach this block before answering (bounded; a peer that errors is skipped).

        The caller's next write is endorsed by other orgs' peers too, and one still a block
        behind would not see this write (e.g. NOT_FOUND for the catalog just created).
        """
        deadline = time.monotonic() + timeout
        behind = [network for _, network in self.peer_networks]
        while behind and time.monotonic() < deadline:
            still = []
            for network in behind:
                try:
                    if int(network.block_height()) <= block:
                        still.append(network)
                except Exception:  # an unreachable peer must not fail a committed write
                    continue
            behind = still
            if behind:
                time.sleep(0.02)

    def transaction_status(self, tx_id: str) -> tuple[str, int | None]:
        try:
            code_name, block = self._timed("query_tx", lambda: self.network.get_transaction_validation(tx_id))
        except (ChaincodeError, EndorsementFailed) as exc:
            # qscc fails "Failed to get transaction with id ..." for a tx it has not committed (yet).
            text = exc.message.lower()
            if "not found" in text or "failed to get transaction" in text:
                return "pending", None
            raise
        if code_name is None:
            return "pending", None
        return str(code_name), None if block is None else int(block)

    def block_of(self, tx_id: str) -> int | None:
        status, block = self.transaction_status(tx_id)
        return block if status != "pending" else None

    def chaincode_events(self, start_block: int | None, after_tx_id: str | None) -> EventStream:
        stream = self._timed(
            "events",
            lambda: self.network.chaincode_events(
                self.chaincode, start_block=start_block, after_transaction_id=after_tx_id
            ),
        )
        return _Events(stream, self.fabric)

    def block_height(self) -> int:
        return int(self._timed("query_block", self.network.block_height))

    def peer_heights(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for peer, network in self.peer_networks:
            entry: dict[str, Any] = {"peer": peer.name, "msp_id": peer.msp_id, "address": peer.address}
            try:
                entry["height"] = int(self._timed("query_block", network.block_height))
            except LedgerError as exc:
                entry["height"] = None
                entry["error"] = str(exc)
            out.append(entry)
        return out

    def recent_blocks(self, count: int) -> list[dict[str, Any]]:
        height = self.block_height()
        blocks = []
        for number in range(height - 1, max(-1, height - 1 - count), -1):
            block = self._timed("query_block", functools.partial(self.network.get_block, number))
            blocks.append({"number": number, "transactions": list(self.network.block_summary(block))})
        return blocks


class FabricConnector:
    """Builds and caches a DirectoryLedger per identity; gRPC channels are shared per peer."""

    def __init__(self, config: GatewayConfig, timer: StageTimer = _no_timer, fabric: Any = None) -> None:
        self._config, self._timer = config, timer
        self._fabric = fabric
        self._channels: dict[str, Any] = {}
        self._ledgers: dict[tuple[str, str, str], DirectoryLedger] = {}
        self._lock = threading.Lock()

    def __call__(self, identity: IdentityConfig) -> Ledger:
        with self._lock:
            ledger = self._ledgers.get(identity.key_id)
            if ledger is None:
                ledger = self._connect(identity)
                self._ledgers[identity.key_id] = ledger
            return ledger

    def _channel(self, fabric: Any, peer: PeerConfig) -> Any:
        channel = self._channels.get(peer.name)
        if channel is None:
            ca = Path(peer.tls_root_cert).read_bytes() if peer.tls_root_cert else None
            channel = fabric.new_grpc_channel(
                peer.address, tls_root_cert=ca, server_name_override=peer.server_name
            )
            self._channels[peer.name] = channel
        return channel

    def _connect(self, identity: IdentityConfig) -> DirectoryLedger:
        fabric = self._fabric or load_fabric()
        self._fabric = fabric
        # Assumed signatures of the client's helpers; kept to these three lines on purpose.
        fabric_identity = fabric.load_identity(identity.msp_id, identity.cert)
        signer = fabric.new_private_key_signer(fabric.load_private_key(identity.key))
        t = self._config.timeouts
        timeouts = {
            "evaluate_timeout": t.evaluate,
            "endorse_timeout": t.endorse,
            "submit_timeout": t.submit,
            "commit_status_timeout": t.commit_status,
        }
        peers = self._config.peers_for(identity.msp_id)
        gateway = fabric.connect(
            [self._channel(fabric, p) for p in peers], fabric_identity, signer, **timeouts
        )
        network = gateway.get_network(self._config.channel)
        per_peer = [
            (
                p,
                fabric.connect([self._channel(fabric, p)], fabric_identity, signer, **timeouts).get_network(
                    self._config.channel
                ),
            )
            for p in self._config.peers
        ]
        return DirectoryLedger(
            fabric=fabric,
            network=network,
            contract=network.get_contract(self._config.chaincode),
            chaincode=self._config.chaincode,
            peer_networks=per_peer,
            timer=self._timer,
        )
