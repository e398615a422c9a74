"""The benchmark's own data: three departments (one per org), a responsibility each, catalogs
shaped like the demo directory's (network/demo/directory.yaml), and a grant to check.

Everything the bench writes has ids starting ``bench-``; catalogs carry the run id, so runs
never collide, on our own network or on a developer's ``make up`` network. On Fabric it is
written with our Python client (``Direct``); on the embedded ledger, which has no peers, through
the REST API (``Rest``), each call found from the chaincode function in the API's route table.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import grpc

from bench.env import Network
from bench.load import Http
from chaincode.interface import MAX_ARGUMENT_BYTES, MAX_BATCH_CATALOGS
from gateway.api import API_PREFIX, ROUTES  # the API package's route table, filled as it is imported
from gateway.fabric import (
    CommitError,
    Contract,
    Gateway,
    GatewayError,
    connect,
    load_identity,
    load_private_key,
    new_grpc_channel,
    new_private_key_signer,
)
from gateway.fabric import (
    Network as FabricNetwork,
)
from network.lib import demo

BUREAU, CIVIL, HEALTH = "DataBureauMSP", "CivilAffairsMSP", "HealthMSP"
DEPARTMENTS = {BUREAU: "bench-databureau", CIVIL: "bench-civilaffairs", HEALTH: "bench-health"}
CHANNEL = "citydir"
CHAINCODE = "citydir"


def responsibility_of(msp_id: str) -> str:
    return f"{DEPARTMENTS[msp_id]}-resp"


def templates() -> list[dict[str, Any]]:
    """Every catalog of the demo directory: realistic item counts, zh/en text, tags, conditions."""
    out: list[dict[str, Any]] = []
    for _msp, _role, function, arg in demo.seed_transactions():
        if function == "CreateCatalog":
            out.append(arg)
        elif function == "CreateCatalogs":
            out.extend(arg["catalogs"])
    return out


_TEMPLATES: list[dict[str, Any]] = []


def catalog(catalog_id: str, msp_id: str = HEALTH, n: int = 0, share: str | None = None) -> dict[str, Any]:
    """A CreateCatalog argument: the n-th demo catalog's shape under a bench id and department."""
    if not _TEMPLATES:
        _TEMPLATES.extend(templates())
    pool = [t for t in _TEMPLATES if share is None or t["share_type"] == share]
    c = copy.deepcopy(pool[n % len(pool)])
    department = DEPARTMENTS[msp_id]
    c["id"] = catalog_id
    c["department_id"] = department
    c["responsibility_ids"] = [responsibility_of(msp_id)]
    c["endpoint"] = f"https://dataex.city.example/api/v1/{department}/{catalog_id}"
    # A resource code is one catalog's: the copies claim none (their share_type none basis stays).
    c["resource_code"], c["related_codes"] = None, []
    return c


class Direct:
    """Our Python client (``gateway.fabric``), one gRPC channel per org's first peer, shared by
    every identity and thread (as the REST gateway does)."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self._channels: dict[str, grpc.Channel] = {}
        self._gateways: list[Gateway] = []
        self._contracts: dict[tuple[str, str], Contract] = {}
        self._networks: dict[str, FabricNetwork] = {}
        # Each org's peer commits a block in its own time, and a fixture written through one
        # org's peer is used next through another's: the height every write so far needs, and
        # the height each org's peer was last seen at.
        self._lock = threading.Lock()
        self._needed = 0
        self._seen: dict[str, int] = {}

    def channel(self, msp_id: str) -> grpc.Channel:
        ch = self._channels.get(msp_id)
        if ch is None:
            peer = self.net.peer(msp_id)
            ca = Path(peer.tls_root_cert).read_bytes() if peer.tls_root_cert else None
            ch = new_grpc_channel(peer.address, tls_root_cert=ca, server_name_override=peer.server_name)
            self._channels[msp_id] = ch
        return ch

    def contract(self, msp_id: str, role: str) -> Contract:
        c = self._contracts.get((msp_id, role))
        if c is None:
            ident = self.net.identity(msp_id, role)
            gw = connect(
                self.channel(msp_id),
                load_identity(msp_id, ident.cert),
                new_private_key_signer(load_private_key(ident.key)),
                endorse_timeout=60,
                submit_timeout=30,
                commit_status_timeout=120,
            )
            self._gateways.append(gw)
            network = gw.get_network(CHANNEL)
            self._networks.setdefault(msp_id, network)  # any identity's: for its peer's height
            c = self._contracts[(msp_id, role)] = network.get_contract(CHAINCODE)
        return c

    def evaluate(self, msp_id: str, role: str, fn: str, arg: dict[str, Any]) -> Any:
        contract = self.contract(msp_id, role)
        self._catch_up(msp_id)
        raw = contract.evaluate(fn, args=[json.dumps(arg, ensure_ascii=False)])
        return json.loads(raw) if raw else None

    def submit(self, msp_id: str, role: str, fn: str, arg: dict[str, Any]) -> Any:
        contract = self.contract(msp_id, role)
        self._catch_up(msp_id)
        raw, commit = contract.submit_async(fn, args=[compact_json(arg)])
        status = commit.status()
        if not status.successful:
            raise CommitError(status)
        with self._lock:
            self._needed = max(self._needed, status.block_number + 1)
            self._seen[msp_id] = max(self._seen.get(msp_id, 0), status.block_number + 1)
        return json.loads(raw) if raw else None

    def _catch_up(self, msp_id: str, timeout: float = 30.0) -> None:
        """Wait until ``msp_id``'s peer has committed every block a write so far went into."""
        deadline = time.monotonic() + timeout
        while self._seen.get(msp_id, 0) < self._needed:
            height = self._networks[msp_id].block_height()
            with self._lock:
                self._seen[msp_id] = max(self._seen.get(msp_id, 0), height)
            if height >= self._needed:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{msp_id}'s peer did not reach block height {self._needed}")
            time.sleep(0.02)

    def close(self) -> None:
        for gw in self._gateways:
            gw.close()
        for ch in self._channels.values():
            ch.close()


class FixtureClient(Protocol):
    """What ``setup`` writes and reads with: a chaincode function and its argument, as an identity."""

    def evaluate(self, msp_id: str, role: str, fn: str, arg: dict[str, Any]) -> Any: ...

    def submit(self, msp_id: str, role: str, fn: str, arg: dict[str, Any]) -> Any: ...

    def close(self) -> None: ...


class NotFound(LookupError):
    """The REST API answered 404 (the chaincode's NOT_FOUND)."""


_PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


class Rest:
    """The same calls through the REST gateway, for the embedded ledger (no peers to dial).

    The route for a function comes from the API's own table: a write's path parameters are the
    argument's ``Body.from_path`` fields, the rest is its body; a read's path and query
    parameters are the argument's fields of the same name (or ``<name>_id``)."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self._http: dict[tuple[str, str], Http] = {}

    def _client(self, msp_id: str, role: str) -> Http:
        http = self._http.get((msp_id, role))
        if http is None:
            http = self._http[(msp_id, role)] = Http(self.net.url, self.net.token(msp_id, role))
        return http

    def submit(self, msp_id: str, role: str, fn: str, arg: dict[str, Any]) -> Any:
        spec = next((r for r in ROUTES if r.body is not None and r.body.function == fn), None)
        if spec is None or spec.body is None:
            raise KeyError(f"no REST route submits {fn}")
        path = _fill(spec.rule, [arg[k] for k in spec.body.from_path])
        body = {k: v for k, v in arg.items() if k not in spec.body.from_path}
        answer = self._client(msp_id, role).call(spec.method, API_PREFIX + path, body, expect=(spec.status,))
        return answer.get("data") if isinstance(answer, dict) else answer

    def evaluate(self, msp_id: str, role: str, fn: str, arg: dict[str, Any]) -> Any:
        path = _read_path(fn, arg)
        status, raw = self._client(msp_id, role).request("GET", API_PREFIX + path)
        if status == 404:
            raise NotFound(f"GET {path}: {raw[:300]!r}")
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status}: {raw[:300]!r}")
        answer = json.loads(raw)
        return answer.get("data") if isinstance(answer, dict) else answer

    def close(self) -> None:
        self._http.clear()


def _fill(rule: str, values: Sequence[Any]) -> str:
    parts = iter(values)
    return _PATH_PARAM.sub(lambda m: quote(str(next(parts)), safe=""), rule)


def _read_path(fn: str, arg: dict[str, Any]) -> str:
    """The path and query of the GET route evaluating ``fn`` that takes every field of ``arg``."""
    candidates = sorted(
        (r for r in ROUTES if r.method == "GET" and fn in r.chaincode), key=lambda r: r.chaincode != (fn,)
    )
    for spec in candidates:
        params = spec.path_params
        by_field = {key: p.name for p in spec.query for key in (p.name, f"{p.name}_id")}
        if set(params) <= set(arg) and all(k in params or k in by_field for k in arg):
            query = {by_field[k]: str(v) for k, v in arg.items() if k not in params}
            path = _fill(spec.rule, [arg[k] for k in params])
            return path + (f"?{urlencode(query)}" if query else "")
    raise KeyError(f"no REST route evaluates {fn} with {sorted(arg)}")


@dataclass
class Fixture:
    run_id: str
    read_catalog: str  # GET target; unconditional, granted to bench-civilaffairs
    read_item: str
    update_pool: list[str]  # one per worker: updates never conflict with each other
    request_pool: list[str]  # conditional catalogs: requests stay pending
    notes: list[str] = field(default_factory=list)

    def catalog_id(self, kind: str, *parts: int | str) -> str:
        return "-".join(["bench", self.run_id, kind, *map(str, parts)])


def _parallel(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=max(1, len(calls))) as pool:
        return [f.result() for f in [pool.submit(c) for c in calls]]


def _exists(direct: FixtureClient, fn: str, entity_id: str) -> bool:
    try:
        direct.evaluate(HEALTH, "client", fn, {"id": entity_id})
        return True
    except NotFound:
        return False
    except GatewayError as exc:
        if "NOT_FOUND" in str(exc) or "NOT_FOUND" in (getattr(exc, "message", "") or ""):
            return False
        raise


def setup(direct: FixtureClient, max_workers: int, log: Callable[[str], None]) -> Fixture:
    started = time.monotonic()
    run_id = "r" + format(int(time.time()), "x")[-6:]

    def register(msp_id: str) -> Callable[[], Any]:
        dept = DEPARTMENTS[msp_id]
        arg = {
            "id": dept,
            "name": {"zh": f"基准测试部门 {msp_id}", "en": f"Benchmark department of {msp_id}"},
            "parent_id": None,
            "level": "municipal",
            "msp_id": msp_id,
            "contact": {"name": "Bench", "email": f"{dept}@city.example", "phone": "+86 10 0000 0000"},
        }
        return lambda: direct.submit(BUREAU, "admin", "RegisterDepartment", arg)

    missing = [m for m, d in DEPARTMENTS.items() if not _exists(direct, "GetDepartment", d)]
    _parallel([register(m) for m in missing])

    def responsibility(msp_id: str) -> Callable[[], Any]:
        arg = {
            "id": responsibility_of(msp_id),
            "department_id": DEPARTMENTS[msp_id],
            "code": "BENCH-01",
            "title": {"zh": "性能基准", "en": "Benchmarking"},
            "description": "依法履行性能基准职责。",
            "legal_basis": "《中华人民共和国数据安全法》",
        }
        return lambda: direct.submit(msp_id, "admin", "CreateResponsibility", arg)

    missing = [m for m in DEPARTMENTS if not _exists(direct, "GetResponsibility", responsibility_of(m))]
    _parallel([responsibility(m) for m in missing])

    fx = Fixture(run_id, "", "", [], [])
    fx.read_catalog = fx.catalog_id("read")
    read = catalog(fx.read_catalog, HEALTH, 0, share="unconditional")
    fx.read_item = read["items"][0]["name"]
    fx.update_pool = [fx.catalog_id("u", i) for i in range(max_workers)]
    fx.request_pool = [fx.catalog_id("q", i) for i in range(4)]
    batch = [read]
    batch += [catalog(c, HEALTH, i) for i, c in enumerate(fx.update_pool)]
    batch += [catalog(c, HEALTH, i, share="conditional") for i, c in enumerate(fx.request_pool)]
    for part in catalog_batches(batch):
        direct.submit(HEALTH, "admin", "CreateCatalogs", {"catalogs": part})
    # Access can only be requested to published catalogs.
    _parallel(
        [
            functools.partial(direct.submit, HEALTH, "admin", "PublishCatalog", {"id": c})
            for c in [fx.read_catalog, *fx.request_pool]
        ]
    )
    # An unconditional share is granted at once: access-check then walks the grant path.
    direct.submit(
        CIVIL,
        "client",
        "RequestAccess",
        {
            "requester_id": DEPARTMENTS[CIVIL],
            "catalog_id": fx.read_catalog,
            "items": [],
            "purpose": "基准测试 / benchmark",
            "legal_basis": "《中华人民共和国数据安全法》",
            "requested_until": "2028-06-30",
        },
    )
    verdict = direct.evaluate(
        CIVIL,
        "client",
        "CheckAccess",
        {"department_id": DEPARTMENTS[CIVIL], "catalog_id": fx.read_catalog, "item": fx.read_item},
    )
    fx.notes.append(f"access-check verdict measured: {verdict}")
    log(f"fixtures ready in {time.monotonic() - started:.1f}s (run id {run_id}; {verdict})")
    return fx


BATCH_ENVELOPE = len('{"catalogs":[]}')


def compact_json(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def encoded_size(document: Any) -> int:
    return len(compact_json(document).encode())


def catalog_batches(catalogs: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """CreateCatalogs arguments: at most 100 catalogs and at most the chaincode's 64 KiB each."""
    batch: list[dict[str, Any]] = []
    used = BATCH_ENVELOPE
    for item in catalogs:
        size = encoded_size(item) + 1  # and its comma
        if batch and (len(batch) == MAX_BATCH_CATALOGS or used + size > MAX_ARGUMENT_BYTES):
            yield batch
            batch, used = [], BATCH_ENVELOPE
        batch.append(item)
        used += size
    if batch:
        yield batch
