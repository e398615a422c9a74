"""``python -m bench`` (``make bench``): citydir's benchmarks. See bench/README in the report.

Runs against the network in ``--home`` (default ``$CITYDIR_HOME``, else ``.citydir``) when its
REST gateway answers; otherwise starts a network of its own (``network.sh up --no-seed`` in a
temporary CITYDIR_HOME on a free base port) and removes it afterwards. Either runs on Fabric or
on the embedded ledger (``network.sh status --json`` says which; ``--ledger`` asks for one), and
the report names it.

Scenarios: 0 chaincode CPU per transaction (in process, and a `python -m chaincode` server
over gRPC; no Fabric: bench/chaincode_cpu.py), 1 REST reads, 2 REST committed writes, 3 the
same through gateway.fabric, 4 the official Node client beside it, 5 scale (1k/10k/100k
catalogs), 6 commit breakdown, 7 imports (1,000 catalogs from CSV through gateway.imports).
On the embedded ledger only 0, 1, 2 and 7 run: the others need peers. Every measured point of
1-4 records the CPU of each of the network's processes over it (bench/cpu.py), and the report
adds a Caliper-style summary of every point.
Results: bench/results/<timestamp>.{json,md,png}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import env, fixtures, load, report, scenarios
from gateway.config import LEDGER_KINDS

SCENARIOS = ("chaincode-cpu", "rest-reads", "rest-writes", "direct", "scale", "breakdown", "imports")
# Writes up to the Go reference chaincode's CPU-bound ceiling (issue 14: c128, c256).
FULL_WRITE_CONCURRENCY = (1, 8, 32, 64, 128, 256)


def _ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("expected positive integers")
    return values


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--home", type=Path, help="network state dir to attach to (default $CITYDIR_HOME or .citydir)"
    )
    p.add_argument(
        "--own-network", action="store_true", help="always start (and remove) a network of our own"
    )
    p.add_argument(
        "--ledger",
        choices=LEDGER_KINDS,
        help="the ledger to measure; our own network starts on it, and a running network on the other "
        "one is not used (default: the running one, or what `network.sh up` chooses: Fabric when found)",
    )
    p.add_argument("--quick", action="store_true", help="smoke run: short durations, small scale (~3 min)")
    p.add_argument("--scale", type=_ints, help="catalog counts for scenario 5 (default 1000,10000,100000)")
    p.add_argument(
        "--duration",
        type=float,
        help="seconds per measured point (default 10; quick: 1 for reads, 2 for writes)",
    )
    p.add_argument("--read-concurrency", type=_ints, help="default 1,8,32")
    p.add_argument("--write-concurrency", type=_ints, help="default 1,8,32,64,128,256 (quick 1,8,32)")
    p.add_argument("--only", help=f"comma-separated subset of {','.join(SCENARIOS)}")
    p.add_argument(
        "--no-wrk", action="store_true", help="REST reads with the Python client even if wrk exists"
    )
    p.add_argument(
        "--port-start",
        type=int,
        default=int(os.environ.get("CITYDIR_BENCH_PORT_START", "22000")),
        help="first base port tried for our own network (default 22000)",
    )
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    p.add_argument(
        "--profile",
        action="store_true",
        help="instead: profile our Python client and the REST app (pyinstrument) on a short run",
    )
    args = p.parse_args(argv)
    if args.only:
        bad = set(args.only.split(",")) - set(SCENARIOS)
        if bad:
            p.error(f"unknown scenario(s) {sorted(bad)}; choose from {SCENARIOS}")
    return args


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def resolve_network(args: argparse.Namespace) -> env.Network:
    if not args.own_network:
        home = args.home or Path(os.environ.get("CITYDIR_HOME") or env.REPO / ".citydir")
        found = env.attach(home.resolve())
        if found is not None and args.ledger not in (None, found.ledger):
            log(f"the running network in {found.home} is on the {found.ledger} ledger, not {args.ledger}")
        elif found is not None:
            log(f"using the running network in {found.home} ({found.url}) on the {found.ledger} ledger")
            log("note: the bench writes bench-* departments/catalogs (and the scale catalogs) into it")
            return found
        else:
            log(f"no running network in {home} (its REST gateway does not answer)")
    return env.start_own(args.port_start, log, args.ledger)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    quick = args.quick
    plan = scenarios.Plan(
        duration=args.duration or (1.0 if quick else 10.0),
        write_duration=args.duration or (2.0 if quick else 10.0),
        read_concurrency=args.read_concurrency or (1, 8, 32),
        write_concurrency=args.write_concurrency or ((1, 8, 32) if quick else FULL_WRITE_CONCURRENCY),
        scale=args.scale or ((100, 1000) if quick else (1000, 10000, 100000)),
        scale_submitters=4 if quick else 8,
        scale_duration=1.0 if quick else 5.0,
        use_wrk=load.wrk_available() and not args.no_wrk,
    )
    only = set(args.only.split(",")) if args.only else set(SCENARIOS)
    machine = env.machine()
    log(
        f"machine: {machine['cores']} cores, {machine['ram_gib']} GiB, {machine['cpu_model']}, "
        f"load {machine['load_avg_at_start']}"
    )
    if not plan.use_wrk:
        log("REST reads use the Python client (wrk " + ("disabled" if args.no_wrk else "not installed") + ")")
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")

    chaincode_cpu = None
    if "chaincode-cpu" in only and not args.profile:
        from bench import chaincode_cpu as cc_cpu

        log("[0] chaincode CPU per transaction, in process (bench/chaincode_cpu.py)")
        chaincode_cpu = cc_cpu.run_all(50 if quick else 300)
        for path, ops in chaincode_cpu["paths"].items():
            log(f"  {path:<9} " + "  ".join(f"{op} {v['cpu_ms_per_tx']:.2f} ms" for op, v in ops.items()))
    net = resolve_network(args)
    if args.profile:
        from bench import profile

        try:
            return profile.run(net, args.out, stamp, log)
        finally:
            env.stop_own(net)

    skipped = scenarios.skipped_on(net.ledger, only)
    for name, why in skipped.items():
        log(f"scenario {name} SKIPPED: {why}")
    results: dict[str, Any] = {
        "machine": machine,
        "ledger": net.ledger,
        "network": {
            "kind": "own (network.sh up --no-seed)" if net.owned else f"attached ({net.home})",
            "ledger": net.ledger,
            "base_port": net.base_port,
            "rest_url": net.url,
            "orderer": None if net.embedded else net.batch_config(),
            **({"embedded": net.status.get("embedded")} if net.embedded else {}),
        },
        "options": {
            "quick": quick,
            "duration_s": plan.duration,
            "write_duration_s": plan.write_duration,
            "read_concurrency": plan.read_concurrency,
            "write_concurrency": plan.write_concurrency,
            "scale": plan.scale,
            "scale_submitters": plan.scale_submitters,
            "rest_read_tool": "wrk" if plan.use_wrk else "python",
            "ledger_requested": args.ledger,
            "scenarios": sorted(only),
        },
        "scenarios": {},
        "skipped": skipped,
        "notes": [
            "REST reads use wrk when installed (C, epoll: on 2 cores the load generator must not eat the "
            "gateway's CPU); p95 comes from wrk's histogram via bench/wrk_report.lua. Writes use Python "
            "threads + http.client keep-alive: each body is unique and each answer's status is checked, "
            "and at tens of tx/s the client's cost is negligible; percentiles there are exact.",
        ],
    }
    if net.embedded:
        results["notes"].append(
            "Embedded ledger: one gateway process on one SQLite file; a committed write returns once its "
            "block is on disk (WAL, synchronous=FULL). No endorsement, no ordering, no other "
            "organisation's validation: these figures are not comparable with Fabric's. At hundreds "
            "of writes/s the Python load threads share the machine's cores with the gateway, so they "
            "cost more here than on Fabric."
        )
    s = results["scenarios"]
    if chaincode_cpu is not None:
        s["chaincode_cpu"] = chaincode_cpu
    from bench import cpu as bench_cpu

    bench_cpu.SAMPLER = bench_cpu.CpuSampler(net.home)
    run = only - set(skipped)
    # On Fabric the fixtures go in through our Python client; the embedded ledger has no peers.
    direct = None if net.embedded else fixtures.Direct(net)
    writer: fixtures.FixtureClient = direct if direct is not None else fixtures.Rest(net)
    status = 0
    started = time.monotonic()
    try:
        fx = fixtures.setup(writer, max(max(plan.write_concurrency), 8), log)
        results["fixture"] = {"run_id": fx.run_id, "read_catalog": fx.read_catalog, "notes": fx.notes}
        if "breakdown" in run and direct is not None:
            s["breakdown"] = scenarios.breakdown(direct, net, fx, plan, log)
        if "rest-reads" in run:
            s["rest_reads"] = scenarios.rest_reads(net, fx, plan, log)
        if "rest-writes" in run:
            s["rest_writes"] = scenarios.rest_writes(net, fx, plan, log)
        if "direct" in run and direct is not None:
            s["direct"], s["official"] = scenarios.direct_and_official(direct, net, fx, plan, log)
            s["ours_vs_official"] = scenarios.ratios(s["direct"], s["official"], "official")
        if s.get("direct") and (s.get("rest_reads") or s.get("rest_writes")):
            rest = (s.get("rest_reads") or []) + (s.get("rest_writes") or [])
            s["rest_vs_direct"] = scenarios.ratios(rest, s["direct"], "direct")
        if "scale" in run and direct is not None:
            s["scale"] = scenarios.scale(direct, net, fx, plan, log)
        if "imports" in run:
            s["imports"] = scenarios.imports(net, fx, plan, log)
    except Exception as exc:
        status = 1
        results["error"] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    finally:
        writer.close()
        env.stop_own(net)
        results["total_s"] = round(time.monotonic() - started, 1)

    base = args.out / stamp
    base.with_suffix(".json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    md = report.markdown(results)
    why_no_png = report.plot(results, base.with_suffix(".png"))
    if why_no_png:
        md += f"\n{why_no_png}\n"
    base.with_suffix(".md").write_text(md)
    print()
    print(md)
    log(f"results: {base}.json, {base}.md" + ("" if why_no_png else f", {base}.png"))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
