"""The Fabric adapter: the ``Ledger`` seam over ``gateway.fabric``, our Gateway-service client.

One ``DirectoryLedger`` per caller identity (``gateway.api.services`` caches them): its Gateway
connection with the identity's own signer, plus one connection per peer for per-peer heights.
The gRPC channels are shared per peer across identities. Fabric's errors become the seam's
``LedgerError`` family here.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc
from citydir_verify import BundleSigner

from gateway.api.ledger import (
    BlockRecord,
    ChaincodeError,
    ChaincodeEvent,
    CommitUnknown,
    EndorsementFailed,
    EventStream,
    Ledger,
    LedgerError,
    PeersUnavailable,
    StageTimer,
    Submitted,
    TransactionInvalid,
    TxRecord,
    TxWrites,
    no_timer,
    timed,
)
from gateway.config import GatewayConfig, IdentityConfig, PeerConfig
from gateway.fabric import (
    ChaincodeEvents,
    Commit,
    CommitError,
    CommitStatusError,
    Contract,
    GatewayError,
    Identity,
    Network,
    Signer,
    Transaction,
    block_facts,
    chaincode_message,
    connect,
    load_identity,
    load_private_key,
    new_grpc_channel,
    new_private_key_signer,
    transaction_writes,
)
from gateway.fabric.signing import digest

UNAVAILABLE_CODES = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
# The Gateway's words when discovery finds no set of reachable peers satisfying the policy.
NO_ENDORSERS = "no combination of peers can be derived"
T = TypeVar("T")


def translate_error(exc: BaseException) -> LedgerError | None:
    """Fabric client exception → LedgerError; None for anything that is not the client's."""
    if isinstance(exc, CommitError):
        return TransactionInvalid(exc.tx_id, exc.code_name, exc.block_number)
    if not isinstance(exc, GatewayError):
        return None
    message = chaincode_message(exc)
    if message:
        return ChaincodeError.from_message(message)
    peers = [{"address": d.address, "msp_id": d.msp_id, "message": d.message} for d in exc.details]
    text = exc.message or str(exc)
    if isinstance(exc, CommitStatusError):
        return CommitUnknown(text, exc.tx_id)
    if exc.code in UNAVAILABLE_CODES:
        return PeersUnavailable(text, peers)
    if not exc.details and NO_ENDORSERS in text:
        # The Gateway could not reach enough orgs' peers to plan an endorsement (e.g. this org's
        # host is cut off): unavailability, not a refusal by any peer.
        return PeersUnavailable(text, peers)
    return EndorsementFailed(text, peers, exc.tx_id)


def decode(raw: bytes) -> Any:
    text = raw.decode("utf-8") if raw else ""
    return json.loads(text) if text else None


def encode(arg: Mapping[str, Any]) -> str:
    return json.dumps(arg, ensure_ascii=False, separators=(",", ":"))


class _Events:
    def __init__(self, stream: ChaincodeEvents) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[ChaincodeEvent]:
        try:
            for ev in self._stream:
                raw = ev.payload.decode("utf-8", "replace")
                try:
                    payload = json.loads(raw) if raw else None
                except ValueError:
                    payload = raw
                yield ChaincodeEvent(int(ev.block_number), ev.tx_id, ev.event_name, payload)
        except Exception as exc:
            translated = translate_error(exc)
            if translated is None:
                raise
            raise translated from exc

    def close(self) -> None:
        self._stream.close()


@dataclass
class DirectoryLedger:
    """One caller identity's view: its Gateway network and contract, and one network per peer."""

    network: Network
    contract: Contract
    chaincode: str
    signer: BundleSigner
    peer_networks: list[tuple[PeerConfig, Network]] = field(default_factory=list)
    timer: StageTimer = no_timer
    heights: PeerHeights | None = None  # shared by every identity's ledger of one connector

    def _timed(self, stage: str, call: Callable[[], T]) -> T:
        try:
            return timed(self.timer, stage, call)
        except Exception as exc:
            translated = translate_error(exc)
            if translated is None:
                raise
            raise translated from exc

    def query(self, fn: str, arg: Mapping[str, Any]) -> Any:
        return decode(self._timed("evaluate", lambda: self.contract.evaluate(fn, args=[encode(arg)])))

    def submit(self, fn: str, arg: Mapping[str, Any], wait: bool = True) -> Submitted:
        # The stages apart, so endorse, submit and commit are timed separately.
        proposal = self.contract.new_proposal(fn, args=[encode(arg)])
        transaction = self._timed("endorse", proposal.endorse)
        commit = self._submit(transaction)
        data = decode(transaction.result)
        if not wait:
            return Submitted(data, commit.tx_id, None)
        status = self._timed("commit", commit.status)
        if not status.successful:
            raise TransactionInvalid(status.tx_id, status.code_name, status.block_number)
        self._await_peers(status.block_number)
        return Submitted(data, status.tx_id, status.block_number)

    def _submit(self, transaction: Transaction) -> Commit:
        try:
            return self._timed("submit", transaction.submit)
        except PeersUnavailable as exc:
            # A broadcast that timed out may still have reached the orderer: a blind resubmit
            # could write twice, so the caller gets the tx id to poll instead.
            cause = exc.__cause__
            if isinstance(cause, GatewayError) and cause.code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise CommitUnknown(exc.message, transaction.tx_id) from exc
            raise

    def _await_peers(self, block: int, timeout: float = 2.0) -> None:
        """Let every peer reach this block before answering (bounded; a peer that errors is skipped).

        The caller's next write is endorsed by other orgs' peers too, and one still a block
        behind would not see this write (e.g. NOT_FOUND for the catalog just created).
        """
        if self.heights is not None:
            self.heights.wait_above(block, timeout)

    def transaction_status(self, tx_id: str) -> tuple[str, int | None]:
        # qscc fails "Failed to get transaction with id ..." for a tx it has not committed (yet).
        found = _unless_missing(
            lambda: self._timed("query_tx", lambda: self.network.get_transaction_validation(tx_id))
        )
        return ("pending", None) if found is None else found

    def block_record(self, number: int) -> BlockRecord | None:
        raw = _unless_missing(lambda: self.block_file(number))
        return None if raw is None else _record(raw)

    def block_record_of(self, tx_id: str) -> BlockRecord | None:
        raw = _unless_missing(
            lambda: self._timed("query_block", lambda: self.network.get_block_bytes_by_tx_id(tx_id))
        )
        return None if raw is None else _record(raw)

    def block_file(self, number: int) -> bytes:
        return self._timed("query_block", lambda: self.network.get_block_bytes(number))

    def transaction_writes(self, number: int, tx_id: str) -> TxWrites:
        writes, validation = transaction_writes(self.block_file(number), tx_id, self.chaincode)
        return TxWrites(writes, validation)

    def evidence_signer(self) -> BundleSigner:
        return self.signer

    def chaincode_events(self, start_block: int | None, after_tx_id: str | None) -> EventStream:
        stream = self._timed(
            "events",
            lambda: self.network.chaincode_events(
                self.chaincode, start_block=start_block, after_transaction_id=after_tx_id
            ),
        )
        return _Events(stream)

    def block_height(self) -> int:
        return self._timed("query_block", self.network.block_height)

    def peer_heights(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for peer, network in self.peer_networks:
            entry: dict[str, Any] = {"peer": peer.name, "msp_id": peer.msp_id, "address": peer.address}
            try:
                entry["height"] = self._timed("query_block", network.block_height)
            except LedgerError as exc:
                entry["height"] = None
                entry["error"] = str(exc)
            out.append(entry)
        return out


def _unless_missing(call: Callable[[], T]) -> T | None:
    """qscc's answer, or None when it fails for a block or transaction it does not have."""
    try:
        return call()
    except (ChaincodeError, EndorsementFailed) as exc:
        text = exc.message.lower()
        if "not found" in text or "failed to get" in text:
            return None
        raise


def _record(raw: bytes) -> BlockRecord:
    facts = block_facts(raw)
    return BlockRecord(
        number=facts["number"],
        hash=facts["hash"],
        previous_hash=facts["previous_hash"],
        data_hash=facts["data_hash"],
        config_block=facts["config_block"],
        transactions=tuple(
            TxRecord(
                tx_id=t["tx_id"],
                block=facts["number"],
                index=t["index"],
                validation_code=t["validation_code"],
                creator_msp_id=t["creator_msp_id"],
                endorsers=tuple(t["endorsers"]),
                timestamp=t["timestamp"],
                type=t["type"],
                chaincode=t["chaincode"],
            )
            for t in facts["transactions"]
        ),
    )


@dataclass(frozen=True)
class IdentitySigner:
    """Signs a bundle's manifest as the caller: its identity and its key."""

    caller: Identity
    signer: Signer

    @property
    def identity(self) -> bytes:
        return self.caller.serialize()

    def sign(self, message: bytes) -> bytes:
        return self.signer(digest(message))


class PeerHeights:
    """Every peer's height, polled by one thread while writers wait for their block.

    Each committed write waits until every peer has its block; polling per writer cost every
    write one qscc call per peer per 20 ms. One poller serves all waiters; a peer that cannot
    be asked is skipped (it must not fail a committed write).
    """

    def __init__(self, networks: list[Network], interval: float = 0.02) -> None:
        self._networks, self._interval = networks, interval
        self._heights: list[int | None] | None = None  # per peer, None: unreachable; None: not yet polled
        self._waiting = 0
        self._changed = threading.Condition()
        self._poller: threading.Thread | None = None

    def wait_above(self, block: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            self._waiting += 1
            try:
                if self._poller is None:
                    self._poller = threading.Thread(
                        target=self._poll, name="citydir-peer-heights", daemon=True
                    )
                    self._poller.start()
                self._changed.notify_all()
                while not self._all_above(block):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return
                    self._changed.wait(remaining)
            finally:
                self._waiting -= 1

    def _all_above(self, block: int) -> bool:
        if not self._networks:
            return True
        return self._heights is not None and all(h is None or h > block for h in self._heights)

    def _poll(self) -> None:
        while True:
            with self._changed:
                while not self._waiting:
                    self._changed.wait()
            heights: list[int | None] = []
            for network in self._networks:
                try:
                    heights.append(network.block_height())
                except Exception:  # unreachable: skipped, as a peer that errors always was
                    heights.append(None)
            with self._changed:
                self._heights = heights
                self._changed.notify_all()
            time.sleep(self._interval)


class FabricConnector:
    """Connects one identity to the configured peers; gRPC channels are shared per peer.

    Ledgers are cached by the caller (``Services.ledger_for``), not here.
    """

    def __init__(self, config: GatewayConfig, timer: StageTimer = no_timer) -> None:
        self._config, self._timer = config, timer
        self._channels: dict[str, grpc.Channel] = {}
        self._heights: PeerHeights | None = None
        self._lock = threading.Lock()

    def __call__(self, identity: IdentityConfig) -> Ledger:
        with self._lock:
            return self._connect(identity)

    def _channel(self, peer: PeerConfig) -> grpc.Channel:
        channel = self._channels.get(peer.name)
        if channel is None:
            ca = Path(peer.tls_root_cert).read_bytes() if peer.tls_root_cert else None
            channel = new_grpc_channel(peer.address, tls_root_cert=ca, server_name_override=peer.server_name)
            self._channels[peer.name] = channel
        return channel

    def _connect(self, identity: IdentityConfig) -> DirectoryLedger:
        fabric_identity = load_identity(identity.msp_id, identity.cert)
        signer = new_private_key_signer(load_private_key(identity.key))
        t = self._config.timeouts
        timeouts = {
            "evaluate_timeout": t.evaluate,
            "endorse_timeout": t.endorse,
            "submit_timeout": t.submit,
            "commit_status_timeout": t.commit_status,
        }
        channel_name = self._config.channel
        peers = self._config.peers_for(identity.msp_id)
        network = connect([self._channel(p) for p in peers], fabric_identity, signer, **timeouts).get_network(
            channel_name
        )
        per_peer = [
            (p, connect([self._channel(p)], fabric_identity, signer, **timeouts).get_network(channel_name))
            for p in self._config.peers
        ]
        if self._heights is None:  # the peers' heights are the same whoever asks
            self._heights = PeerHeights([n for _, n in per_peer])
        return DirectoryLedger(
            network=network,
            contract=network.get_contract(self._config.chaincode),
            chaincode=self._config.chaincode,
            signer=IdentitySigner(fabric_identity, signer),
            peer_networks=per_peer,
            timer=self._timer,
            heights=self._heights,
        )
