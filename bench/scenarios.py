"""The six scenarios. Each returns plain JSON-able dicts; report.py turns them into tables."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench import cpu as bench_cpu
from bench import load
from bench.env import REPO, Network
from bench.fixtures import BATCH_ENVELOPE, CIVIL, DEPARTMENTS, HEALTH, Direct, Fixture, catalog, encoded_size
from bench.load import Http, Result, closed_loop, percentile
from chaincode.interface import MAX_ARGUMENT_BYTES, MAX_BATCH_CATALOGS
from gateway.fabric import Contract

OFFICIAL_DRIVER = Path(__file__).resolve().parent / "official-bench.mjs"
OFFICIAL_MODULES = REPO / "tests" / "interop" / "node_modules" / "@hyperledger" / "fabric-gateway"
UNTIL = "2028-06-30"

Log = Callable[[str], None]

# Scenarios that talk to peers (our Python client, the official Node client) or time Fabric's
# stages: on the embedded ledger they are skipped, and the report says why.
NO_PEERS = "no peers on the embedded ledger"
FABRIC_ONLY = {
    "direct": f"our Python Fabric client and the official Node client call peers: {NO_PEERS}",
    "scale": f"loads and reads the catalogs through our Python Fabric client: {NO_PEERS}",
    "breakdown": f"times endorsement, ordering and the commit wait: {NO_PEERS}, and no orderer",
}


def skipped_on(ledger: str, chosen: set[str]) -> dict[str, str]:
    """The chosen scenarios this ledger cannot run, each with the reason."""
    return {k: v for k, v in FABRIC_ONLY.items() if k in chosen} if ledger == "embedded" else {}


@dataclass
class Plan:
    duration: float  # seconds per measured read point
    write_duration: float  # seconds per measured write point (a commit takes ~BatchTimeout)
    read_concurrency: tuple[int, ...]
    write_concurrency: tuple[int, ...]
    scale: tuple[int, ...]
    scale_submitters: int
    scale_duration: float
    use_wrk: bool


def _run(measure: Callable[..., Result], *args: Any) -> Result:
    """``measure(*args)``, with the network's per-process CPU over it (bench.cpu) when sampled."""
    res, cpu = bench_cpu.measured(lambda: measure(*args), lambda r: r.ok)
    res.cpu = cpu
    return res


def _point(op: str, client: str, res: Result) -> dict[str, Any]:
    return {"op": op, "client": client, **res.summary()}


def _log_point(log: Log, p: dict[str, Any]) -> None:
    err = f" errors={p['errors']} {p.get('error_samples', '')}" if p["errors"] else ""
    log(
        f"  {p['client']:<14} {p['op']:<22} c={p['concurrency']:<3} {p['throughput_per_s']:>8.1f}/s "
        f"p50={p['p50_ms']} p99={p['p99_ms']} ms (n={p['ok']}, {p['tool']}){err}"
    )


# --- 1 + 2: REST ------------------------------------------------------------------------------------


def rest_read_paths(fx: Fixture) -> dict[str, str]:
    check = (
        f"/api/v1/access-check?department={DEPARTMENTS[CIVIL]}&catalog={quote(fx.read_catalog)}"
        f"&item={quote(fx.read_item)}"
    )
    return {
        "get-catalog": f"/api/v1/catalogs/{fx.read_catalog}",
        "list-page-50": "/api/v1/catalogs?page_size=50",
        "access-check": check,
    }


def rest_reads(net: Network, fx: Fixture, plan: Plan, log: Log) -> list[dict[str, Any]]:
    log("[1] REST reads" + (" (wrk)" if plan.use_wrk else " (python threads + http.client keep-alive)"))
    token = net.token(HEALTH, "client")
    http = Http(net.url, token)
    out = []
    for op, path in rest_read_paths(fx).items():
        http.call("GET", path)  # fail fast, and warm the gateway's block cache
        for c in plan.read_concurrency:
            if plan.use_wrk:
                res = _run(load.wrk, net.url + path, token, c, plan.duration)
            else:
                res = _run(closed_loop, _getter(http, path), c, plan.duration)
            p = _point(op, "rest", res)
            _log_point(log, p)
            out.append(p)
    return out


def _getter(http: Http, path: str) -> load.Op:
    return lambda w, s: http.call("GET", path)


def _rest_creator(admin: Http, fx: Fixture, c: int) -> load.Op:
    return lambda w, s: admin.call("POST", "/api/v1/catalogs", _create_body(fx, "rc", c, w, s), expect=(201,))


def _direct_creator(admin: Contract, fx: Fixture, c: int) -> load.Op:
    def op(w: int, s: int) -> None:
        arg = json.dumps(_create_body(fx, "dc", c, w, s), ensure_ascii=False)
        _ev(admin.submit("CreateCatalog", [arg]))

    return op


def _create_body(fx: Fixture, tag: str, c: int, w: int, s: int) -> dict[str, Any]:
    return catalog(fx.catalog_id(tag, c, w, "w" if s < 0 else s), HEALTH, w + max(s, 0))


def _request_body(fx: Fixture, w: int, s: int) -> dict[str, Any]:
    return {
        "requester_id": DEPARTMENTS[CIVIL],
        "catalog_id": fx.request_pool[w % len(fx.request_pool)],
        "items": [],
        "purpose": f"基准测试 / benchmark request {w}/{s}",
        "legal_basis": "《中华人民共和国数据安全法》",
        "requested_until": UNTIL,
    }


def rest_writes(net: Network, fx: Fixture, plan: Plan, log: Log) -> list[dict[str, Any]]:
    log("[2] REST writes, each waiting for its commit (python threads + http.client keep-alive)")
    admin = Http(net.url, net.token(HEALTH, "admin"))
    client = Http(net.url, net.token(CIVIL, "client"))
    out = []
    for c in plan.write_concurrency:
        ops: dict[str, load.Op] = {
            "create-catalog": _rest_creator(admin, fx, c),
            "update-catalog": lambda w, s: admin.call(
                "PATCH",
                f"/api/v1/catalogs/{fx.update_pool[w]}",
                {"description": f"REST revision {w}/{s}"},
                expect=(200,),
            ),
            "request-access": lambda w, s: client.call(
                "POST", "/api/v1/access-requests", _request_body(fx, w, s), expect=(201,)
            ),
            # Every writer on one catalog: they conflict, the gateway retries, the rest is 409
            # (counted as errors); what commits is the hot key's write rate.
            "update-hot-catalog": lambda w, s: admin.call(
                "PATCH",
                f"/api/v1/catalogs/{fx.update_pool[0]}",
                {"description": f"hot revision {w}/{s}"},
                expect=(200,),
            ),
        }
        for op, fn in ops.items():
            p = _point(op, "rest", _run(closed_loop, fn, c, plan.write_duration))
            _log_point(log, p)
            out.append(p)
    return out


# --- 3 + 4: our Python client, and the official Node client beside it -----------------------------


def official_available() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not OFFICIAL_MODULES.is_dir():
        return "tests/interop/node_modules is missing: run `make node-deps` (npm ci --prefix tests/interop)"
    return None


def official(net: Network, op: str, c: int, duration: float, extra: dict[str, Any]) -> Result:
    msp, role = (HEALTH, "client") if op == "get" else (HEALTH, "admin")
    peer = net.peer(msp)
    ident = net.identity(msp, role)
    request = {
        "address": peer.address,
        "tlsRootCert": peer.tls_root_cert,
        "serverName": peer.server_name,
        "mspId": msp,
        "cert": ident.cert,
        "key": ident.key,
        "channel": "citydir",
        "chaincode": "citydir",
        "op": op,
        "concurrency": c,
        "durationS": duration,
        **extra,
    }
    proc = subprocess.run(
        ["node", str(OFFICIAL_DRIVER)],
        input=json.dumps(request, ensure_ascii=False),
        capture_output=True,
        text=True,
        check=False,
        timeout=duration + 300,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"official-bench.mjs exited {proc.returncode}: {proc.stderr[-1500:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    res = Result("node-async", c, ok=int(data["ok"]), errors=int(data["errors"]))
    res.elapsed_s = float(data["elapsed_s"])
    res.latencies_ms = [float(x) for x in data["latencies_ms"]]
    res.error_samples = list(data.get("error_samples", []))
    return res


def direct_and_official(
    direct: Direct, net: Network, fx: Fixture, plan: Plan, log: Log
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    why_not = official_available()
    log("[3+4] our Python client (gateway.fabric, no HTTP) and, beside it, the official Node client")
    if why_not:
        log(f"  official Node client SKIPPED: {why_not}")
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    client = direct.contract(HEALTH, "client")
    admin = direct.contract(HEALTH, "admin")
    civil = direct.contract(CIVIL, "client")

    def j(arg: dict[str, Any]) -> list[str]:
        return [json.dumps(arg, ensure_ascii=False)]

    check = {"department_id": DEPARTMENTS[CIVIL], "catalog_id": fx.read_catalog, "item": fx.read_item}
    reads: dict[str, tuple[load.Op, str | None]] = {
        "get-catalog": (lambda w, s: _ev(client.evaluate("GetCatalog", j({"id": fx.read_catalog}))), "get"),
        "list-page-50": (lambda w, s: _ev(client.evaluate("ListCatalogs", j({"page_size": 50}))), None),
        "access-check": (lambda w, s: _ev(client.evaluate("CheckAccess", j(check))), None),
    }
    template = catalog("bench-template", HEALTH, 0)
    for op, (fn, official_op) in reads.items():
        for c in plan.read_concurrency:
            p = _point(op, "python-direct", _run(closed_loop, fn, c, plan.duration))
            _log_point(log, p)
            ours.append(p)
            if official_op and not why_not:
                p = _point(
                    op,
                    "official-node",
                    _run(official, net, "get", c, plan.duration, {"id": fx.read_catalog}),
                )
                _log_point(log, p)
                theirs.append(p)
    for c in plan.write_concurrency:
        writes: dict[str, tuple[load.Op, dict[str, Any] | None]] = {
            "create-catalog": (
                _direct_creator(admin, fx, c),
                {"op": "create", "template": template, "idPrefix": fx.catalog_id("oc", c)},
            ),
            "update-catalog": (
                lambda w, s: _ev(
                    admin.submit(
                        "UpdateCatalog",
                        j({"id": fx.update_pool[w], "description": f"direct revision {w}/{s}"}),
                    )
                ),
                {"op": "update", "ids": fx.update_pool},
            ),
            "request-access": (
                lambda w, s: _ev(civil.submit("RequestAccess", j(_request_body(fx, w, s)))),
                None,
            ),
        }
        for op, (fn, official_args) in writes.items():
            p = _point(op, "python-direct", _run(closed_loop, fn, c, plan.write_duration))
            _log_point(log, p)
            ours.append(p)
            if official_args and not why_not:
                extra = dict(official_args)
                kind = str(extra.pop("op"))
                p = _point(op, "official-node", _run(official, net, kind, c, plan.write_duration, extra))
                _log_point(log, p)
                theirs.append(p)
    return ours, theirs


def _ev(raw: bytes) -> None:
    if not raw:
        raise RuntimeError("empty answer")


def ratios(ours: list[dict[str, Any]], theirs: list[dict[str, Any]], base: str) -> list[dict[str, Any]]:
    """ours/base per (op, concurrency): throughput, p50 and p99 ratios."""
    index = {(p["op"], p["concurrency"]): p for p in theirs}
    out = []
    for p in ours:
        q = index.get((p["op"], p["concurrency"]))
        if q is None:
            continue
        out.append(
            {
                "op": p["op"],
                "concurrency": p["concurrency"],
                "vs": base,
                "throughput": p["throughput_per_s"],
                f"{base}_throughput": q["throughput_per_s"],
                "throughput_ratio": _ratio(p["throughput_per_s"], q["throughput_per_s"]),
                "p50_ratio": _ratio(p["p50_ms"], q["p50_ms"]),
                "p99_ratio": _ratio(p["p99_ms"], q["p99_ms"]),
                "p50_delta_ms": None
                if p["p50_ms"] is None or q["p50_ms"] is None
                else round(p["p50_ms"] - q["p50_ms"], 2),
            }
        )
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


# --- 5: scale ----------------------------------------------------------------------------------------


def scale(direct: Direct, net: Network, fx: Fixture, plan: Plan, log: Log) -> dict[str, Any]:
    log(
        f"[5] scale: load {', '.join(map(str, plan.scale))} catalogs with CreateCatalogs (<=100 and "
        f"<=64 KiB per tx, {plan.scale_submitters} concurrent submitters), then read latency at each size"
    )
    admin = direct.contract(HEALTH, "admin")
    client = direct.contract(HEALTH, "client")
    http = Http(net.url, net.token(HEALTH, "client"))
    loaded = 0
    loads: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    history_id = fx.update_pool[0]
    versions = len(
        json.loads(client.evaluate("GetHistory", [json.dumps({"entity": "catalog", "id": history_id})]))
    )

    def j(arg: dict[str, Any]) -> list[str]:
        return [json.dumps(arg, ensure_ascii=False)]

    check = {"department_id": DEPARTMENTS[CIVIL], "catalog_id": fx.read_catalog, "item": fx.read_item}
    reads: dict[str, load.Op] = {
        "list-page-50": lambda w, s: _ev(client.evaluate("ListCatalogs", j({"page_size": 50}))),
        "list-page-50-by-department": lambda w, s: _ev(
            client.evaluate("ListCatalogs", j({"department_id": DEPARTMENTS[HEALTH], "page_size": 50}))
        ),
        "access-check": lambda w, s: _ev(client.evaluate("CheckAccess", j(check))),
        "get-history": lambda w, s: _ev(
            client.evaluate("GetHistory", j({"entity": "catalog", "id": history_id}))
        ),
        "rest-list-page-50": lambda w, s: http.call("GET", "/api/v1/catalogs?page_size=50"),
    }
    for size in sorted(plan.scale):
        todo = size - loaded
        if todo > 0:
            entry = _load(admin, fx, loaded, size, plan.scale_submitters)
            loads.append(entry)
            log(
                f"  loaded {todo} → {size} bench catalogs in {entry['elapsed_s']}s: "
                f"{entry['catalogs_per_s']} catalogs/s, {entry['tx_per_s']} tx/s of "
                f"{entry['catalogs_per_tx']} catalogs (tx p50 {entry['tx_p50_ms']} ms)"
                + (f" ERRORS {entry['error_samples'][:1]}" if entry["error_samples"] else "")
            )
            loaded = size
        for op, fn in reads.items():
            p = {
                "size": size,
                **_point(
                    op,
                    "python-direct" if not op.startswith("rest") else "rest",
                    _run(closed_loop, fn, 1, plan.scale_duration),
                ),
            }
            _log_point(log, p)
            points.append(p)
    small, big = min(plan.scale), max(plan.scale)
    ratio = {}
    for op in reads:
        a = next(p for p in points if p["op"] == op and p["size"] == small)
        b = next(p for p in points if p["op"] == op and p["size"] == big)
        ratio[op] = {
            "p50_ratio": _ratio(b["p50_ms"], a["p50_ms"]),
            "p99_ratio": _ratio(b["p99_ms"], a["p99_ms"]),
        }
    return {
        "note": f"sizes count bench catalogs of this run; GetHistory reads {history_id} "
        f"({versions} versions)",
        "loads": loads,
        "points": points,
        "ratio_of": f"{big}/{small}",
        "ratios": ratio,
    }


class _Loader:
    """Submitters share one cursor; each takes the next batch: <= 100 catalogs, <= 64 KiB."""

    def __init__(self, admin: Contract, fx: Fixture, start: int, end: int) -> None:
        self.admin, self.fx, self.cursor, self.end = admin, fx, start, end
        self.lock = threading.Lock()
        self.tx_ms: list[float] = []
        self.per_tx: list[int] = []
        self.errors: list[str] = []

    def next_batch(self) -> list[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        used = BATCH_ENVELOPE
        while self.cursor < self.end and len(batch) < MAX_BATCH_CATALOGS:
            k = self.cursor
            c = catalog(self.fx.catalog_id("s", f"{k:06d}"), HEALTH, k)
            n = encoded_size(c) + 1
            if used + n > MAX_ARGUMENT_BYTES:
                break
            batch.append(c)
            used += n
            self.cursor += 1
        return batch

    def submitter(self) -> None:
        while True:
            with self.lock:
                batch = self.next_batch()
            if not batch:
                return
            arg = json.dumps({"catalogs": batch}, ensure_ascii=False, separators=(",", ":"))
            t0 = time.perf_counter()
            try:
                self.admin.submit("CreateCatalogs", [arg])
            except Exception as exc:
                with self.lock:
                    self.errors.append(f"{type(exc).__name__}: {exc!s:.300}")
                continue
            with self.lock:
                self.tx_ms.append((time.perf_counter() - t0) * 1000)
                self.per_tx.append(len(batch))


def _load(admin: Contract, fx: Fixture, start: int, end: int, submitters: int) -> dict[str, Any]:
    loader = _Loader(admin, fx, start, end)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=loader.submitter) for _ in range(submitters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    tx_ms, per_tx = sorted(loader.tx_ms), loader.per_tx
    return {
        "to_size": end,
        "catalogs": end - start,
        "transactions": len(tx_ms),
        "failed_transactions": len(loader.errors),
        "elapsed_s": round(elapsed, 2),
        "catalogs_per_tx": round(sum(per_tx) / len(per_tx), 1) if per_tx else None,
        "catalogs_per_s": round(sum(per_tx) / elapsed, 1) if elapsed else None,
        "tx_per_s": round(len(tx_ms) / elapsed, 2) if elapsed else None,
        "tx_p50_ms": _r(percentile(tx_ms, 50)),
        "tx_p99_ms": _r(percentile(tx_ms, 99)),
        "error_samples": loader.errors[:3],
    }


# --- 6: where a committed transaction's time goes --------------------------------------------------------


def breakdown(direct: Direct, net: Network, fx: Fixture, plan: Plan, log: Log) -> dict[str, Any]:
    batch = net.batch_config()
    log(
        "[6] commit latency breakdown (endorse / submit / commit wait) vs BatchTimeout "
        f"{batch.get('batch_timeout')}"
    )
    admin = direct.contract(HEALTH, "admin")
    out: dict[str, Any] = {"orderer": batch, "points": []}
    for c in sorted({1, min(8, max(plan.write_concurrency))}):
        staged = _Staged(admin, fx)
        # At least a handful of transactions even in --quick (one takes ~BatchTimeout).
        res = closed_loop(staged.op, c, max(plan.write_duration, 3.0))
        point: dict[str, Any] = {"concurrency": c, "transactions": res.ok, "errors": res.errors}
        for k, values in staged.stages.items():
            values.sort()
            point[k] = {
                "p50_ms": _r(percentile(values, 50)),
                "p95_ms": _r(percentile(values, 95)),
                "p99_ms": _r(percentile(values, 99)),
                "mean_ms": _r(sum(values) / len(values)) if values else None,
            }
        bt = batch.get("batch_timeout_ms")
        cw = point["commit_wait"]["p50_ms"]
        point["commit_wait_p50_over_batch_timeout"] = _ratio(cw, bt)
        tot = point["total"]["mean_ms"]
        if tot:
            point["share_of_total"] = {
                k: round(point[k]["mean_ms"] / tot, 3) for k in ("endorse", "submit", "commit_wait")
            }
        log(
            f"  c={c}: endorse p50 {point['endorse']['p50_ms']} ms, submit p50 "
            f"{point['submit']['p50_ms']} ms, commit wait p50 {cw} ms (BatchTimeout {bt} ms), "
            f"total p50 {point['total']['p50_ms']} ms, n={res.ok}"
        )
        out["points"].append(point)
    return out


def _r(v: float | None) -> float | None:
    return round(v, 2) if v is not None else None


class _Staged:
    """UpdateCatalog with each stage timed: endorse, submit (to the orderer), commit wait."""

    def __init__(self, admin: Contract, fx: Fixture) -> None:
        self.admin, self.fx = admin, fx
        self.lock = threading.Lock()
        self.stages: dict[str, list[float]] = {"endorse": [], "submit": [], "commit_wait": [], "total": []}

    def op(self, w: int, s: int) -> None:
        arg = json.dumps(
            {"id": self.fx.update_pool[w], "description": f"breakdown {w}/{s}"}, ensure_ascii=False
        )
        t0 = time.perf_counter()
        tx = self.admin.new_proposal("UpdateCatalog", args=[arg]).endorse()
        t1 = time.perf_counter()
        commit = tx.submit()
        t2 = time.perf_counter()
        status = commit.status()
        t3 = time.perf_counter()
        if not status.successful:
            raise RuntimeError(f"committed as {status.code_name}")
        if s >= 0:
            with self.lock:
                for k, v in (
                    ("endorse", t1 - t0),
                    ("submit", t2 - t1),
                    ("commit_wait", t3 - t2),
                    ("total", t3 - t0),
                ):
                    self.stages[k].append(v * 1000)


# --- 7: bulk import (gateway.imports) ------------------------------------------------------------


def _by_id(catalog: dict[str, Any]) -> str:
    return str(catalog.get("id"))


def imports(net: Network, fx: Fixture, plan: Plan, log: Log, count: int = 1000) -> dict[str, Any]:
    """``python -m gateway.imports``'s path: a CSV of ``count`` demo-shaped catalogs validated,
    planned and written over REST in packed CreateCatalogs batches; then the idempotent re-run
    (everything skipped) and the export of the department."""
    from gateway.imports.backends import RestDirectory
    from gateway.imports.engine import execute
    from gateway.imports.formats import content, parse, write

    log(f"[7] bulk import of {count} catalogs from CSV over REST (gateway.imports)")
    directory = RestDirectory(net.url, net.token(HEALTH, "admin"))
    department = DEPARTMENTS[HEALTH]
    catalogs = [catalog(fx.catalog_id("imp", i), HEALTH, i) for i in range(count)]
    started = time.monotonic()
    data = write(catalogs, "csv")
    written_s = time.monotonic() - started
    parsed = parse(data, "csv")
    first = execute(parsed, department, directory)
    if first["status"] != "done":
        raise RuntimeError(f"bench import {first['status']}: {first.get('failure') or first['errors'][:3]}")
    rerun = execute(parse(data, "csv"), department, directory)
    started = time.monotonic()
    exported = [c for c in directory.catalogs(department) if c["id"].startswith(fx.catalog_id("imp"))]
    back = write([content(c) for c in exported], "csv")
    export_s = time.monotonic() - started
    out = {
        "catalogs": count,
        "rows": parsed.rows,
        "csv_bytes": len(data),
        "csv_write_s": round(written_s, 3),
        "transactions": first["transactions"],
        "catalogs_per_tx": round(count / max(1, first["transactions"]), 1),
        "import_s": first["seconds"],
        "catalogs_per_s": round(count / first["seconds"], 1) if first["seconds"] else None,
        "rerun_s": rerun["seconds"],
        "rerun_skipped": rerun["skipped"],
        "rerun_transactions": rerun["transactions"],
        "export_s": round(export_s, 3),
        "export_identical": sorted(parse(back, "csv").catalogs, key=_by_id)
        == sorted((content(c) for c in catalogs), key=_by_id),
    }
    log(
        f"    {count} catalogs ({parsed.rows} rows, {len(data)} B) in {out['transactions']} transactions, "
        f"{out['import_s']} s; re-run {out['rerun_s']} s ({out['rerun_skipped']} skipped); "
        f"export {out['export_s']} s"
    )
    return out
