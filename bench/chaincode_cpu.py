"""Chaincode CPU per transaction, in process: no Fabric, no sockets, reproducible anywhere.

``python -m bench.chaincode_cpu`` (also the bench's ``chaincode-cpu`` scenario, which runs
before any network is needed). The directory contract (``chaincode.directory``) runs each
operation on two paths:

* ``contract``: ``DirectoryContract.invoke`` over the shim's simulator (what the embedded
  ledger runs);
* ``server``: the real thing, minus the peer: ``python -m chaincode`` in a process of its own,
  dialled over gRPC by ``GrpcPeer`` (this process), which answers every request from the same
  simulator; the figure is the server process's CPU (``/proc/<pid>/stat``) per transaction,
  gRPC, threads and logging included, as the issue measured it on the peer-driven path;
* ``shim``: the whole chaincode side of a peer-driven transaction, as the chaincode server
  runs it: ``run_transaction`` decodes the TRANSACTION message and its signed proposal, the
  contract talks to the peer through ``PeerStub`` (every ledger call a serialised
  ChaincodeMessage and a parsed answer), and the COMPLETED reply is built. The "peer" is
  ``LocalPeer``, in this process, answering from the same simulator; the CPU it spends is
  measured apart and subtracted, so the figure is the chaincode's own. What it leaves out is
  gRPC's framing and the thread hand-off between the stream and the worker (see the
  server's CPU in the network scenarios for those).

The peer's offer of write batching (``WRITE_BATCH_STATE``) and multi-key reads
(``GET_STATE_MULTIPLE``) is on by default, as Fabric 3.1's core.yaml makes it;
``--no-peer-batch`` measures the one-message-per-call fallback.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from bisect import bisect_left, insort
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from google.protobuf import timestamp_pb2

from bench.report import chaincode_cpu_table
from chaincode.shim import protos
from chaincode.shim.api import KeyModification, Response
from chaincode.shim.errors import PeerError
from chaincode.shim.protos import MessageType
from chaincode.shim.simulator import SimulatedStub, Version
from chaincode.shim.stub import PeerFeatures
from chaincode.shim.transaction import run_transaction

BUREAU, HEALTH = "DataBureauMSP", "HealthMSP"
DEPARTMENT = "bench-health"
RESPONSIBILITY = "bench-health-resp"
CHANNEL = "citydir"
START = datetime(2026, 11, 22, 8, 0, 0, tzinfo=UTC)
OPERATIONS = ("UpdateCatalog", "CreateCatalog", "GetCatalog", "ListCatalogs-dept")
PATHS = ("contract", "shim", "server")
TICK = os.sysconf("SC_CLK_TCK")


# -- committed state ----------------------------------------------------------------------


class MemoryState:
    """Committed state in dicts (a ``StateReader``); a key's version is how often it was written."""

    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}
        self.versions: dict[str, int] = {}
        self.policies: dict[str, bytes] = {}
        self._keys: list[str] = []

    def get(self, key: str) -> tuple[bytes, Version] | None:
        value = self.values.get(key)
        return None if value is None else (value, self.versions[key])

    def scan(self, start: str, end: str) -> Iterator[tuple[str, bytes, Version]]:
        index = bisect_left(self._keys, start)
        while index < len(self._keys):
            key = self._keys[index]
            if end and key >= end:
                return
            yield key, self.values[key], self.versions[key]
            index += 1

    def history(self, key: str) -> list[KeyModification]:
        return []

    def validation_parameter(self, key: str) -> bytes | None:
        return self.policies.get(key)

    def apply(self, stub: SimulatedStub) -> None:
        for key, value in stub.writes.items():
            if value is None:
                if self.values.pop(key, None) is not None:
                    self._keys.pop(bisect_left(self._keys, key))
                continue
            if key not in self.values:
                insort(self._keys, key)
            self.values[key] = value
            self.versions[key] = self.versions.get(key, 0) + 1
        self.policies.update(stub.validation_writes)


# -- identities ---------------------------------------------------------------------------


def identity(msp_id: str, role: str, name: str) -> bytes:
    """SerializedIdentity bytes of a self-signed P-256 certificate with OU=<role>, CN=<name>."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, msp_id),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime(2026, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2036, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    data: bytes = protos.identities.SerializedIdentity(mspid=msp_id, id_bytes=pem).SerializeToString()
    return data


# -- the peer, in process -------------------------------------------------------------------


class LocalPeer:
    """The peer's side of one transaction (a ``PeerConversation``), answered from a simulator.

    It follows core/chaincode/handler.go for what the shim sees: empty payload for a missing
    key, range results in one QueryResponse (with QueryResponseMetadata when paginated),
    WRITE_BATCH_STATE and GET_STATE_MULTIPLE as Fabric 3.1 handles them. ``cpu`` is the
    thread CPU it spent answering, so a caller can leave it out of the chaincode's.
    """

    def __init__(self, sim: _PeerSimulator) -> None:
        self.sim = sim
        self.cpu = 0.0
        self.messages: dict[str, int] = {}

    def request(self, message_type: MessageType, payload: bytes) -> bytes:
        started = time.thread_time()
        try:
            self.messages[message_type.name] = self.messages.get(message_type.name, 0) + 1
            return self._answer(message_type, payload)
        except (ValueError, RuntimeError) as exc:
            raise PeerError(str(exc)) from exc
        finally:
            self.cpu += time.thread_time() - started

    def _answer(self, message_type: MessageType, payload: bytes) -> bytes:
        shim, sim = protos.shim, self.sim
        if message_type == MessageType.GET_STATE:
            return sim.get_state(shim.GetState.FromString(payload).key) or b""
        if message_type == MessageType.GET_STATE_MULTIPLE:
            keys = list(shim.GetStateMultiple.FromString(payload).keys)
            values = [sim.get_state(key) or b"" for key in keys]
            return bytes(shim.GetStateMultipleResult(values=values).SerializeToString())
        if message_type == MessageType.PUT_STATE:
            put = shim.PutState.FromString(payload)
            sim.put_state(put.key, bytes(put.value))
            return b""
        if message_type == MessageType.DEL_STATE:
            sim.del_state(shim.DelState.FromString(payload).key)
            return b""
        if message_type == MessageType.PUT_STATE_METADATA:
            meta = shim.PutStateMetadata.FromString(payload)
            sim.set_state_validation_parameter(meta.key, bytes(meta.metadata.value))
            return b""
        if message_type == MessageType.GET_STATE_METADATA:
            policy = sim.get_state_validation_parameter(shim.GetStateMetadata.FromString(payload).key)
            entries = (
                [shim.StateMetadata(metakey=protos.VALIDATION_PARAMETER, value=policy)] if policy else []
            )
            return bytes(shim.StateMetadataResult(entries=entries).SerializeToString())
        if message_type == MessageType.WRITE_BATCH_STATE:
            for record in shim.WriteBatchState.FromString(payload).rec:
                if record.type == shim.WriteRecord.PUT_STATE:
                    sim.put_state(record.key, bytes(record.value))
                elif record.type == shim.WriteRecord.DEL_STATE:
                    sim.del_state(record.key)
                elif record.type == shim.WriteRecord.PUT_STATE_METADATA:
                    sim.set_state_validation_parameter(record.key, bytes(record.metadata.value))
                else:
                    raise ValueError("unknown operation type")
            return b""
        if message_type == MessageType.GET_STATE_BY_RANGE:
            ranged = shim.GetStateByRange.FromString(payload)
            if ranged.metadata:
                meta = shim.QueryMetadata.FromString(ranged.metadata)
                records, page = sim.get_state_by_range_with_pagination_raw(
                    ranged.startKey, ranged.endKey, meta.pageSize, meta.bookmark
                )
                response_meta = shim.QueryResponseMetadata(
                    fetched_records_count=page.fetched_records_count, bookmark=page.bookmark
                ).SerializeToString()
            else:
                records, response_meta = sim.scan_raw(ranged.startKey, ranged.endKey), b""
            results = [
                shim.QueryResultBytes(
                    resultBytes=protos.queryresult.KV(key=kv.key, value=kv.value).SerializeToString()
                )
                for kv in records
            ]
            return bytes(
                shim.QueryResponse(
                    results=results, has_more=False, id="q", metadata=response_meta
                ).SerializeToString()
            )
        raise ValueError(f"LocalPeer does not answer {message_type.name}")


class _PeerSimulator(SimulatedStub):
    """The simulator, with the raw range calls the peer makes (bounds already computed)."""

    def scan_raw(self, start: str, end: str) -> list[Any]:
        return self._range("range", start, end, None)[0]

    def get_state_by_range_with_pagination_raw(
        self, start: str, end: str, page_size: int, bookmark: str
    ) -> tuple[list[Any], Any]:
        return self._page("partial-page", bookmark or start, end, page_size)


class GrpcPeer:
    """A peer that dials a chaincode server's Connect stream, as the peer does for a CCaaS
    chaincode: REGISTERED and READY (offering ``features``) after REGISTER, then each
    transaction's requests answered by a LocalPeer over the transaction's simulator."""

    def __init__(self, address: str, features: PeerFeatures) -> None:
        import grpc

        self.features = features
        self._channel = grpc.insecure_channel(address)
        self._outbox: queue.Queue[Any] = queue.Queue()
        self._txs: dict[str, tuple[LocalPeer, Future[Any]]] = {}
        self._echoes: queue.Queue[Any] = queue.Queue()
        self._ready = threading.Event()
        stream = protos.shim_grpc.ChaincodeStub(self._channel).Connect(iter(self._outbox.get, None))
        self._reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._reader.start()
        if not self._ready.wait(30):
            raise TimeoutError("the chaincode server did not register")

    def _read(self, stream: Any) -> None:
        try:
            self._serve(stream)
        except Exception:  # grpc's RpcError once the channel is closed: the end of the run
            for _peer, done in list(self._txs.values()):
                if not done.done():
                    done.set_exception(ConnectionError("the stream to the chaincode server ended"))

    def _serve(self, stream: Any) -> None:
        message_class = protos.shim.ChaincodeMessage
        for message in stream:
            if message.type == MessageType.REGISTER:
                self._outbox.put(message_class(type=MessageType.REGISTERED))
                params = protos.chaincode.ChaincodeAdditionalParams(
                    use_write_batch=bool(self.features.write_batch),
                    max_size_write_batch=self.features.write_batch,
                    use_get_multiple_keys=bool(self.features.get_multiple),
                    max_size_get_multiple_keys=self.features.get_multiple,
                )
                self._outbox.put(message_class(type=MessageType.READY, payload=params.SerializeToString()))
                self._ready.set()
                continue
            if message.type == MessageType.KEEPALIVE:
                self._echoes.put(message)
                continue
            peer, done = self._txs[message.txid]
            if message.type in (MessageType.COMPLETED, MessageType.ERROR):
                done.set_result(message)
                continue
            try:
                answer = message_class(
                    type=MessageType.RESPONSE,
                    payload=peer.request(MessageType(message.type), bytes(message.payload)),
                )
            except PeerError as exc:
                answer = message_class(type=MessageType.ERROR, payload=str(exc).encode())
            answer.txid, answer.channel_id = message.txid, message.channel_id
            self._outbox.put(answer)

    def execute(self, message: Any, peer: LocalPeer) -> Any:
        done: Future[Any] = Future()
        self._txs[message.txid] = (peer, done)
        self._outbox.put(message)
        try:
            return done.result(60)
        finally:
            del self._txs[message.txid]

    def round_trip(self) -> None:
        """One KEEPALIVE, which the server echoes: a message each way and nothing else."""
        self._outbox.put(protos.shim.ChaincodeMessage(type=MessageType.KEEPALIVE))
        self._echoes.get(timeout=60)

    def close(self) -> None:
        self._outbox.put(None)
        self._channel.close()


class ServerProcess:
    """``python -m chaincode`` on a free loopback port; ``cpu()`` is its CPU seconds so far."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.address = f"127.0.0.1:{port}"
        env = {
            **os.environ,
            "CHAINCODE_ID": "citydir_bench:" + "0" * 64,
            "CHAINCODE_SERVER_ADDRESS": self.address,
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
            **(
                {"CHAINCODE_LOG_LEVEL": os.environ["BENCH_CHAINCODE_LOG_LEVEL"]}
                if "BENCH_CHAINCODE_LOG_LEVEL" in os.environ
                else {}
            ),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "chaincode"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the chaincode server did not start") from None
                time.sleep(0.05)

    def cpu(self) -> float:
        with open(f"/proc/{self.process.pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


# -- driving transactions ---------------------------------------------------------------------


class Bench:
    """A directory on MemoryState, and transactions run on either path."""

    def __init__(self, features: PeerFeatures, contract: Any = None) -> None:
        if contract is None:
            from chaincode.directory import DirectoryContract

            contract = DirectoryContract()
        self.contract = contract
        self.features = features
        self.state = MemoryState()
        self.clock = START
        self.count = 0
        self.peer_cpu = 0.0
        self.messages: dict[str, int] = {}
        self.grpc_peer: GrpcPeer | None = None
        self.bureau_admin = identity(BUREAU, "admin", "alice")
        self.health_admin = identity(HEALTH, "admin", "erin")
        self.health_client = identity(HEALTH, "client", "frank")

    def _tx(self) -> tuple[str, datetime]:
        self.count += 1
        self.clock += timedelta(milliseconds=1)
        return hashlib.sha256(f"bench/{self.count}".encode()).hexdigest(), self.clock

    def contract_path(self, creator: bytes, function: str, arg: dict[str, Any]) -> Response:
        tx_id, at = self._tx()
        args = [function.encode(), json.dumps(arg, ensure_ascii=False).encode()]
        stub = SimulatedStub(self.state, args, creator, tx_id, at, CHANNEL)
        response: Response = self.contract.invoke(stub)
        if response.status == 200:
            self.state.apply(stub)
        return response

    def shim_path(self, creator: bytes, function: str, arg: dict[str, Any]) -> Response:
        tx_id, at = self._tx()
        args = [function.encode(), json.dumps(arg, ensure_ascii=False).encode()]
        message = transaction_message(tx_id, at, creator, args)
        sim = _PeerSimulator(self.state, args, creator, tx_id, at, CHANNEL)
        peer = LocalPeer(sim)
        reply = run_transaction(self.contract, message, peer, self.features)
        self.peer_cpu += peer.cpu
        return self._completed(reply, sim, peer)

    def server_path(self, creator: bytes, function: str, arg: dict[str, Any]) -> Response:
        if self.grpc_peer is None:
            raise RuntimeError("no chaincode server to dial")
        tx_id, at = self._tx()
        args = [function.encode(), json.dumps(arg, ensure_ascii=False).encode()]
        sim = _PeerSimulator(self.state, args, creator, tx_id, at, CHANNEL)
        peer = LocalPeer(sim)
        reply = self.grpc_peer.execute(transaction_message(tx_id, at, creator, args), peer)
        return self._completed(reply, sim, peer)

    def _completed(self, reply: Any, sim: _PeerSimulator, peer: LocalPeer) -> Response:
        """The chaincode's final message as a Response; a successful one's writes are applied."""
        for name, n in peer.messages.items():
            self.messages[name] = self.messages.get(name, 0) + n
        if reply.type != MessageType.COMPLETED:
            return Response(500, message=bytes(reply.payload).decode())
        result = protos.proposal_response.Response.FromString(reply.payload)
        if result.status == 200:
            self.state.apply(sim)
        return Response(result.status, message=result.message, payload=bytes(result.payload))

    def run(self, path: str, creator: bytes, function: str, arg: dict[str, Any]) -> Response:
        call = {"shim": self.shim_path, "server": self.server_path}.get(path, self.contract_path)
        response = call(creator, function, arg)
        if response.status != 200:
            raise RuntimeError(f"{function} failed: {response.message}")
        return response


def transaction_message(tx_id: str, at: datetime, creator: bytes, args: list[bytes]) -> Any:
    """A TRANSACTION message with its signed proposal, laid out as the peer forwards it."""
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(at)
    channel_header = protos.common.ChannelHeader(
        type=protos.common.HeaderType.Value("ENDORSER_TRANSACTION"),
        channel_id=CHANNEL,
        tx_id=tx_id,
        timestamp=ts,
    )
    signature_header = protos.common.SignatureHeader(creator=creator, nonce=b"n-" + tx_id.encode())
    header = protos.common.Header(
        channel_header=channel_header.SerializeToString(),
        signature_header=signature_header.SerializeToString(),
    )
    chaincode_input = protos.chaincode.ChaincodeInput(args=args)
    spec = protos.chaincode.ChaincodeInvocationSpec(
        chaincode_spec=protos.chaincode.ChaincodeSpec(input=chaincode_input)
    )
    payload = protos.proposal.ChaincodeProposalPayload(input=spec.SerializeToString())
    proposal = protos.proposal.Proposal(
        header=header.SerializeToString(), payload=payload.SerializeToString()
    )
    signed = protos.proposal.SignedProposal(proposal_bytes=proposal.SerializeToString(), signature=b"sig")
    return protos.shim.ChaincodeMessage(
        type=MessageType.TRANSACTION,
        payload=chaincode_input.SerializeToString(),
        txid=tx_id,
        channel_id=CHANNEL,
        proposal=signed,
    )


_TEMPLATES: list[dict[str, Any]] = []


def catalog(catalog_id: str, n: int) -> dict[str, Any]:
    """A CreateCatalog argument shaped like the n-th demo catalog (as bench.fixtures.catalog)."""
    if not _TEMPLATES:
        from network.lib import demo

        for _msp, _role, function, arg in demo.seed_transactions():
            if function == "CreateCatalog":
                _TEMPLATES.append(arg)
            elif function == "CreateCatalogs":
                _TEMPLATES.extend(arg["catalogs"])
    c = copy.deepcopy(_TEMPLATES[n % len(_TEMPLATES)])
    c["id"], c["department_id"], c["responsibility_ids"] = catalog_id, DEPARTMENT, [RESPONSIBILITY]
    c["endpoint"] = f"https://dataex.city.example/api/v1/{DEPARTMENT}/{catalog_id}"
    c["resource_code"], c["related_codes"] = None, []
    return c


def setup(bench: Bench, catalogs: int, extra_departments: int) -> list[str]:
    """A department with a responsibility, ``catalogs`` catalogs of it, and other departments'
    catalogs beside them (so a department-filtered list pages through a real index)."""

    def department(dept: str, msp: str) -> dict[str, Any]:
        return {
            "id": dept,
            "name": {"zh": f"基准测试部门 {dept}", "en": f"Benchmark department {dept}"},
            "parent_id": None,
            "level": "municipal",
            "msp_id": msp,
            "contact": {"name": "Bench", "email": f"{dept}@city.example", "phone": "+86 10 0000 0000"},
        }

    run = bench.contract_path
    run(bench.bureau_admin, "RegisterDepartment", department(DEPARTMENT, HEALTH))
    run(
        bench.health_admin,
        "CreateResponsibility",
        {
            "id": RESPONSIBILITY,
            "department_id": DEPARTMENT,
            "code": "BENCH-01",
            "title": {"zh": "性能基准", "en": "Benchmarking"},
            "description": "依法履行性能基准职责。",
            "legal_basis": "《中华人民共和国数据安全法》",
        },
    )
    ids = [f"bench-cpu-{i:05d}" for i in range(catalogs)]
    for start in range(0, len(ids), 20):
        batch = [catalog(c, i) for i, c in enumerate(ids[start : start + 20], start)]
        response = run(bench.health_admin, "CreateCatalogs", {"catalogs": batch})
        if response.status != 200:
            raise RuntimeError(f"setup failed: {response.message}")
    return ids


def measure(
    path: str, n: int, *, features: PeerFeatures, catalogs: int = 200, contract: Any = None
) -> dict[str, Any]:
    """CPU ms per transaction of each operation on one path (the fastest of 3 rounds of ``n``)."""
    bench = Bench(features, contract)
    ids = setup(bench, catalogs, 0)
    seq = [0]
    server = ServerProcess() if path == "server" else None
    if server is not None:
        bench.grpc_peer = GrpcPeer(server.address, features)
    try:
        out = _measure(bench, path, n, ids, seq, server)
        if server is not None and bench.grpc_peer is not None:
            out["transport"] = _transport(server, bench.grpc_peer, 10 * n)
        return out
    finally:
        if bench.grpc_peer is not None:
            bench.grpc_peer.close()
        if server is not None:
            server.stop()


def _measure(
    bench: Bench, path: str, n: int, ids: list[str], seq: list[int], server: ServerProcess | None
) -> dict[str, Any]:
    def cpu_now() -> float:
        # The chaincode's own CPU: the server process's, or this process's less the peer's.
        return server.cpu() if server is not None else time.process_time() - bench.peer_cpu

    def update() -> None:
        seq[0] += 1
        bench.run(
            path,
            bench.health_admin,
            "UpdateCatalog",
            {"id": ids[seq[0] % len(ids)], "description": f"r{seq[0]}"},
        )

    def create() -> None:
        seq[0] += 1
        body = catalog(f"bench-new-{seq[0]:06d}", seq[0])
        bench.run(path, bench.health_admin, "CreateCatalog", body)

    def get() -> None:
        seq[0] += 1
        bench.run(path, bench.health_client, "GetCatalog", {"id": ids[seq[0] % len(ids)]})

    def list_dept() -> None:
        bench.run(path, bench.health_client, "ListCatalogs", {"department_id": DEPARTMENT, "page_size": 50})

    calls: dict[str, Callable[[], None]] = {
        "UpdateCatalog": update,
        "CreateCatalog": create,
        "GetCatalog": get,
        "ListCatalogs-dept": list_dept,
    }
    out: dict[str, Any] = {}
    for name, call in calls.items():
        call()  # warm: caches, the first import of anything lazy
        rounds = []
        for _ in range(3):
            bench.messages = {}
            started = cpu_now()
            for _ in range(n):
                call()
            rounds.append((cpu_now() - started, dict(bench.messages)))
        best, messages = min(rounds, key=lambda r: r[0])
        out[name] = {
            "cpu_ms_per_tx": round(best / n * 1000, 3),
            "transactions": n,
            **(
                {"peer_messages_per_tx": {k: round(v / n, 2) for k, v in sorted(messages.items())}}
                if messages
                else {}
            ),
        }
    return out


def _transport(server: ServerProcess, peer: GrpcPeer, n: int) -> dict[str, Any]:
    """The server's CPU for one message each way (a KEEPALIVE and its echo), best of 3 rounds of
    ``n``: what every round trip with the peer costs before the chaincode does anything."""
    peer.round_trip()
    rounds = []
    for _ in range(3):
        started = server.cpu()
        for _ in range(n):
            peer.round_trip()
        rounds.append(server.cpu() - started)
    return {"cpu_ms_per_round_trip": round(min(rounds) / n * 1000, 3), "round_trips": n}


def run_all(n: int = 200, features: PeerFeatures | None = None) -> dict[str, Any]:
    features = features if features is not None else PeerFeatures(write_batch=1000, get_multiple=1000)
    paths = {path: measure(path, n, features=features) for path in PATHS}
    transport = paths["server"].pop("transport", None)
    return {
        "method": (
            f"CPU per transaction, best of 3 rounds of {n} sequential transactions, no Fabric: "
            "'contract' = DirectoryContract over the shim's simulator; 'shim' = the chaincode server's "
            "per-transaction path (run_transaction, PeerStub, protobuf messages) against an in-process "
            "peer whose own CPU is subtracted; 'server' = the CPU of a `python -m chaincode` process "
            "(gRPC, threads, logging included) dialled by an in-process peer over loopback"
        ),
        "peer_features": {"write_batch": features.write_batch, "get_multiple": features.get_multiple},
        "paths": paths,
        **({"transport": transport} if transport else {}),
    }


def profile(out: Path, stamp: str, log: Callable[[str], None], n: int = 300) -> None:
    """pyinstrument over the shim path of UpdateCatalog and CreateCatalog (the peer in process):
    bench/results/profile-<stamp>-chaincode-<op>.{txt,html}."""
    from pyinstrument import Profiler

    bench = Bench(PeerFeatures(write_batch=1000, get_multiple=1000))
    ids = setup(bench, 200, 0)
    calls: dict[str, Callable[[int], Response]] = {
        "UpdateCatalog": lambda i: bench.run(
            "shim", bench.health_admin, "UpdateCatalog", {"id": ids[i % len(ids)], "description": f"p{i}"}
        ),
        "CreateCatalog": lambda i: bench.run(
            "shim", bench.health_admin, "CreateCatalog", catalog(f"bench-prof-{i:06d}", i)
        ),
    }
    for name, call in calls.items():
        call(0)
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for i in range(1, n + 1):
            call(i)
        profiler.stop()
        base = out / f"profile-{stamp}-chaincode-{name}"
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        base.with_suffix(".txt").write_text(text)
        base.with_suffix(".html").write_text(profiler.output_html())
        log(f"chaincode {name}: {n} transactions on the shim path -> {base}.txt")
        print("\n".join(text.splitlines()[:40]))


def markdown(result: dict[str, Any]) -> str:
    return "\n".join(chaincode_cpu_table(result)) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chaincode_cpu", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("-n", type=int, default=200, help="transactions per round (default 200)")
    parser.add_argument("--no-peer-batch", action="store_true", help="as with a peer that offers no batching")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    features = PeerFeatures() if args.no_peer_batch else PeerFeatures(write_batch=1000, get_multiple=1000)
    result = run_all(args.n, features)
    print(json.dumps(result, indent=2) if args.json else markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
