"""The benchmark's own data: three departments (one per org), a responsibility each, catalogs
shaped like the demo directory's (``chaincode.directory.seed``), and a grant to check.

Everything the bench writes has ids starting ``bench-``; catalogs carry the run id, so runs
never collide, on our own network or on a developer's ``make up`` network.
"""

from __future__ import annotations

import copy
import functools
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from bench.env import Network
from chaincode.directory import seed
from chaincode.directory.schemas import MAX_ARGUMENT_BYTES, MAX_BATCH_CATALOGS
from gateway.fabric import (
    Contract,
    Gateway,
    GatewayError,
    connect,
    load_identity,
    load_private_key,
    new_grpc_channel,
    new_private_key_signer,
)

BUREAU, CIVIL, HEALTH = "DataBureauMSP", "CivilAffairsMSP", "HealthMSP"
DEPARTMENTS = {BUREAU: "bench-databureau", CIVIL: "bench-civilaffairs", HEALTH: "bench-health"}
CHANNEL = "citydir"
CHAINCODE = "citydir"


def responsibility_of(msp_id: str) -> str:
    return f"{DEPARTMENTS[msp_id]}-resp"


def templates() -> list[dict[str, Any]]:
    """Every catalog of the demo directory: realistic item counts, zh/en text, tags, conditions."""
    out: list[dict[str, Any]] = []
    for _msp, _role, function, arg in seed.seed_transactions():
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
    return c


class Direct:
    """Our Python client (``gateway.fabric``), one gRPC channel per org's first peer, shared by
    every identity and thread (as the REST gateway does)."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self._channels: dict[str, grpc.Channel] = {}
        self._gateways: list[Gateway] = []
        self._contracts: dict[tuple[str, str], Contract] = {}

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
            c = self._contracts[(msp_id, role)] = gw.get_network(CHANNEL).get_contract(CHAINCODE)
        return c

    def evaluate(self, msp_id: str, role: str, fn: str, arg: dict[str, Any]) -> Any:
        raw = self.contract(msp_id, role).evaluate(fn, args=[json.dumps(arg, ensure_ascii=False)])
        return json.loads(raw) if raw else None

    def submit(self, msp_id: str, role: str, fn: str, arg: dict[str, Any]) -> Any:
        raw = self.contract(msp_id, role).submit(fn, args=[compact_json(arg)])
        return json.loads(raw) if raw else None

    def close(self) -> None:
        for gw in self._gateways:
            gw.close()
        for ch in self._channels.values():
            ch.close()


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


def _exists(direct: Direct, fn: str, entity_id: str) -> bool:
    try:
        direct.evaluate(HEALTH, "client", fn, {"id": entity_id})
        return True
    except GatewayError as exc:
        if "NOT_FOUND" in str(exc) or "NOT_FOUND" in (getattr(exc, "message", "") or ""):
            return False
        raise


def setup(direct: Direct, max_workers: int, log: Callable[[str], None]) -> Fixture:
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
