"""``python -m bench --profile``: where our Python spends its time on a short run.

pyinstrument (a development tool: ``pip install pyinstrument``) samples
  * the chaincode (``chaincode.directory`` on the shim's peer-driven path, the peer in process:
    bench/chaincode_cpu.py) for UpdateCatalog and CreateCatalog;
  * our client (``gateway.fabric``): sequential evaluates (GetCatalog) and committed submits;
  * the REST app (``gateway.api``, Flask, in-process through its test client with the real
    Fabric connector, so no socket/server noise): GET catalog, list page, access-check, and
    a committed POST /catalogs.
On the embedded ledger there are no peers for our client: only the REST app is profiled (it
opens the same SQLite file, which the store allows a few processes on one machine to share).
Writes bench/results/profile-<stamp>-<name>.{txt,html} and prints the top of each.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import fixtures, scenarios
from bench.env import Network
from bench.fixtures import CIVIL, HEALTH


def run(net: Network, out: Path, stamp: str, log: Callable[[str], None]) -> int:
    try:
        from pyinstrument import Profiler
    except ImportError:
        log("pyinstrument is not installed: .venv/bin/pip install pyinstrument")
        return 2
    from bench import chaincode_cpu
    from gateway.app import create_app
    from gateway.config import load_config

    # The contract and the shim first: in process, no network needed.
    chaincode_cpu.profile(out, stamp, log)

    direct = None if net.embedded else fixtures.Direct(net)
    writer: fixtures.FixtureClient = direct if direct is not None else fixtures.Rest(net)
    try:
        fx = fixtures.setup(writer, 8, log)
        get_arg = [json.dumps({"id": fx.read_catalog})]

        app = create_app(load_config(net.home / "gateway" / "gateway.json"))
        web = app.test_client()
        hdr = {"Authorization": f"Bearer {net.token(HEALTH, 'client')}"}
        admin_hdr = {"Authorization": f"Bearer {net.token(HEALTH, 'admin')}"}
        civil_hdr = {"Authorization": f"Bearer {net.token(CIVIL, 'client')}"}
        paths = scenarios.rest_read_paths(fx)

        def rest_get(path: str, headers: dict[str, str]) -> None:
            r = web.get(path, headers=headers)
            if r.status_code != 200:
                raise RuntimeError(f"{path}: {r.status_code} {r.data[:200]!r}")

        seq = [0]

        def rest_create() -> None:
            seq[0] += 1
            body = fixtures.catalog(fx.catalog_id("pc", seq[0]), HEALTH, seq[0])
            r = web.post("/api/v1/catalogs", json=body, headers=admin_hdr)
            if r.status_code != 201:
                raise RuntimeError(f"create: {r.status_code} {r.data[:200]!r}")

        runs: list[tuple[str, Callable[[], Any], int]] = []
        if direct is not None:
            client = direct.contract(HEALTH, "client")
            admin = direct.contract(HEALTH, "admin")

            def direct_update() -> None:
                seq[0] += 1
                admin.submit(
                    "UpdateCatalog", [json.dumps({"id": fx.update_pool[0], "description": f"p{seq[0]}"})]
                )

            runs += [
                ("client-evaluate-GetCatalog", lambda: client.evaluate("GetCatalog", get_arg), 300),
                ("client-submit-UpdateCatalog", direct_update, 8),
            ]
        else:
            log(f"our Python client is not profiled: {scenarios.NO_PEERS}")
        runs += [
            ("rest-get-catalog", lambda: rest_get(paths["get-catalog"], hdr), 300),
            ("rest-list-page-50", lambda: rest_get(paths["list-page-50"], hdr), 100),
            ("rest-access-check", lambda: rest_get(paths["access-check"], civil_hdr), 300),
            ("rest-create-catalog", rest_create, 8),
        ]
        for name, call, n in runs:
            call()  # warm: connections, caches
            profiler = Profiler(interval=0.0005)
            t0 = time.perf_counter()
            profiler.start()
            for _ in range(n):
                call()
            profiler.stop()
            per_call = (time.perf_counter() - t0) / n * 1000
            base = out / f"profile-{stamp}-{name}"
            text = profiler.output_text(unicode=False, color=False, show_all=False)
            base.with_suffix(".txt").write_text(text)
            base.with_suffix(".html").write_text(profiler.output_html())
            log(f"{name}: {n} calls, {per_call:.2f} ms/call (profiled) -> {base}.txt")
            print("\n".join(text.splitlines()[:60]))
    finally:
        writer.close()
    return 0
