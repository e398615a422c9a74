"""Results: JSON, a markdown report, and a PNG plot (matplotlib, optional)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _f(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _table(rows: list[dict[str, Any]], cols: list[tuple[str, str]]) -> list[str]:
    out = ["| " + " | ".join(h for h, _ in cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        out.append("| " + " | ".join(_f(r.get(k)) for _, k in cols) + " |")
    return out


POINT_COLS = [
    ("op", "op"),
    ("client", "client"),
    ("conc.", "concurrency"),
    ("/s", "throughput_per_s"),
    ("p50 ms", "p50_ms"),
    ("p95 ms", "p95_ms"),
    ("p99 ms", "p99_ms"),
    ("n", "ok"),
    ("errors", "errors"),
    ("tool", "tool"),
]


LEDGER_NAMES = {"fabric": "Hyperledger Fabric", "embedded": "embedded (one SQLite file, no peers)"}


def ledger_of(results: dict[str, Any]) -> str:
    # Results from before the embedded ledger existed were all on Fabric.
    ledger: str = results.get("ledger") or "fabric"
    return ledger


def _network_line(results: dict[str, Any]) -> str:
    n = results["network"]
    ledger = ledger_of(results)
    line = f"Network: {n['kind']} (base port {n['base_port']}), ledger {LEDGER_NAMES.get(ledger, ledger)}"
    if ledger == "embedded":
        emb = n.get("embedded") or {}
        return f"{line}: file {emb.get('path')}, height {emb.get('height')} at start."
    orderer = n.get("orderer") or {}
    return (
        f"{line}, orderer BatchTimeout {orderer.get('batch_timeout')}, "
        f"MaxMessageCount {orderer.get('max_message_count')}."
    )


def _not_run(results: dict[str, Any], scenario: str) -> str:
    why = (results.get("skipped") or {}).get(scenario)
    return f"(skipped: {why})" if why else "(not run)"


POINT_SCENARIOS = (
    ("rest_reads", "REST"),
    ("rest_writes", "REST"),
    ("direct", "Python client"),
    ("official", "official Node client"),
)


def _points(results: dict[str, Any]) -> list[dict[str, Any]]:
    s = results["scenarios"]
    return [p for key, _ in POINT_SCENARIOS for p in (s.get(key) or [])]


def _seconds(ms: Any) -> Any:
    return None if ms is None else ms / 1000.0


def caliper_table(points: list[dict[str, Any]]) -> list[str]:
    """Hyperledger Caliper's summary columns: one row per measured point."""
    out = [
        "| Name | Succ | Fail | Send Rate (TPS) | Max Latency (s) | Min Latency (s) | Avg Latency (s) "
        "| Throughput (TPS) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        elapsed = p.get("elapsed_s") or 0.0
        sent = (p.get("ok") or 0) + (p.get("errors") or 0)
        send_rate = sent / elapsed if elapsed else None
        out.append(
            f"| {p['op']} {p['client']} c{p['concurrency']} | {p.get('ok')} | {p.get('errors')} | "
            f"{_f(send_rate)} | {_f(_seconds(p.get('max_ms')), 3)} | {_f(_seconds(p.get('min_ms')), 3)} | "
            f"{_f(_seconds(p.get('mean_ms')), 3)} | {_f(p.get('throughput_per_s'))} |"
        )
    return out


CPU_ROLES = ("peers", "orderers", "chaincode", "gateway", "load-generator")


def cpu_table(points: list[dict[str, Any]]) -> list[str]:
    """Cores used (CPU s per wall s) and CPU ms per successful call, by role, per point."""
    rows = [p for p in points if p.get("cpu")]
    if not rows:
        return ["(not recorded: no pid files of the network's processes were found)"]
    out = [
        "| op | client | conc. | " + " | ".join(f"{r} cores / ms per op" for r in CPU_ROLES) + " |",
        "|---|---|---|" + "---|" * len(CPU_ROLES),
    ]
    for p in rows:
        roles = p["cpu"]["by_role"]
        cells = [
            f"{_f(roles[r]['cores'], 2)} / {_f(roles[r]['ms_per_op'], 2)}" if r in roles else "–"
            for r in CPU_ROLES
        ]
        out.append(f"| {p['op']} | {p['client']} | {p['concurrency']} | " + " | ".join(cells) + " |")
    return out


def executions_table(points: list[dict[str, Any]]) -> list[str]:
    """Chaincode CPU per execution: the servers' CPU over a point / the transactions they logged."""
    rows = [p for p in points if (p.get("cpu") or {}).get("chaincode_executions", {}).get("total")]
    if not rows:
        return ["(not recorded: no chaincode server logs, e.g. on the embedded ledger)"]
    out = [
        "| op | client | conc. | chaincode CPU ms per execution | executions per call "
        "| executions by function |",
        "|---|---|---|---|---|---|",
    ]
    for p in rows:
        runs = p["cpu"]["chaincode_executions"]
        per_call = runs["total"] / p["ok"] if p.get("ok") else None
        functions = ", ".join(f"{name} {n}" for name, n in runs["by_function"].items())
        cc = p["cpu"]["by_role"].get("chaincode", {})
        out.append(
            f"| {p['op']} | {p['client']} | {p['concurrency']} | {_f(cc.get('ms_per_execution'), 2)} | "
            f"{_f(per_call, 2)} | {functions} |"
        )
    return out


def round_trips(op: dict[str, Any]) -> float:
    """Round trips with the peer per transaction: each ledger request and its answer, and the
    TRANSACTION message with the COMPLETED reply."""
    messages: dict[str, float] = op.get("peer_messages_per_tx", {})
    return 1 + sum(messages.values())


def chaincode_cpu_table(cc: dict[str, Any]) -> list[str]:
    """Each path's CPU per transaction; with the server's cost of one bare round trip measured,
    also what the transaction's round trips with the peer cost at that rate (its floor)."""
    paths = cc["paths"]
    floor = (cc.get("transport") or {}).get("cpu_ms_per_round_trip")
    out = [
        "| operation | "
        + " | ".join(f"{name} CPU ms/tx" for name in paths)
        + (" | round trips/tx | their floor ms/tx" if floor else "")
        + " | peer messages per tx (shim) |",
        "|---|" + "---:|" * len(paths) + ("---:|---:|" if floor else "") + "---|",
    ]
    ops = list(next(iter(paths.values())))
    for op in ops:
        shim = paths.get("shim", {}).get(op, {})
        messages = shim.get("peer_messages_per_tx", {})
        trips = round_trips(shim)
        out.append(
            f"| {op} | "
            + " | ".join(_f(paths[name][op]["cpu_ms_per_tx"], 2) for name in paths)
            + (f" | {trips:g} | {_f(trips * floor, 2)}" if floor else "")
            + " | "
            + ", ".join(f"{k} {v:g}" for k, v in messages.items())
            + " |"
        )
    if floor:
        out += [
            "",
            f"One round trip (a KEEPALIVE and its echo, nothing else) costs the server {floor:.3f} ms "
            "of CPU: gRPC's framing, its threads and the hand-offs between them.",
        ]
    return out


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    s = results["scenarios"]
    lines = [
        f"# citydir benchmark {m['date']} on the {ledger_of(results)} ledger",
        "",
        f"Machine: {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['cpu_model']}; load average at start "
        f"{m['load_avg_at_start']}; {m['os']}; Python {m['python']}, Node {m['node']}, "
        f"{m['wrk'] or 'no wrk'}; "
        f"commit {m['commit']}.",
        _network_line(results),
        f"Options: {json.dumps(results['options'])}.",
        "",
        "Closed loop: each of `conc.` clients keeps one call in flight; writes wait for their commit.",
        "Percentiles are exact (nearest rank over every call) except with tool `wrk` (its HdrHistogram).",
        "",
    ]
    for title, key, scenario in (
        ("1. REST reads", "rest_reads", "rest-reads"),
        ("2. REST writes (committed)", "rest_writes", "rest-writes"),
        ("3. Python client (gateway.fabric, no HTTP)", "direct", "direct"),
        ("4. Official Node client (@hyperledger/fabric-gateway)", "official", "direct"),
    ):
        rows = s.get(key) or []
        lines += [f"## {title}", ""]
        lines += _table(rows, POINT_COLS) if rows else [_not_run(results, scenario)]
        lines.append("")
    points = _points(results)
    if points:
        lines += ["## Summary, Caliper style (every point above)", ""]
        lines += caliper_table(points)
        lines += [
            "",
            "## Per-process CPU over each point (cores = CPU s per wall s; ms per successful call)",
            "",
        ]
        lines += cpu_table(points)
        lines += [
            "",
            "## Chaincode CPU per execution (each endorsement and each evaluate is one execution)",
            "",
        ]
        lines += executions_table(points)
        lines.append("")
    cc = s.get("chaincode_cpu")
    if cc:
        lines += ["## 0. Chaincode CPU per transaction (in process, no Fabric)", "", cc["method"] + ".", ""]
        lines += chaincode_cpu_table(cc)
        lines.append("")
    for title, key in (
        ("REST overhead: REST / Python client (ratio > 1 on p50 = slower)", "rest_vs_direct"),
        ("Ours / official: Python client / official Node client", "ours_vs_official"),
    ):
        rows = s.get(key) or []
        if rows:
            base = rows[0]["vs"]
            lines += [f"## {title}", ""]
            lines += _table(
                rows,
                [
                    ("op", "op"),
                    ("conc.", "concurrency"),
                    ("/s", "throughput"),
                    (f"{base} /s", f"{base}_throughput"),
                    ("/s ratio", "throughput_ratio"),
                    ("p50 ratio", "p50_ratio"),
                    ("p99 ratio", "p99_ratio"),
                    ("p50 Δ ms", "p50_delta_ms"),
                ],
            )
            lines.append("")
    for title, scenario in (("5. Scale", "scale"), ("6. Commit latency breakdown", "breakdown")):
        if scenario in (results.get("skipped") or {}):
            lines += [f"## {title}", "", _not_run(results, scenario), ""]
    sc = s.get("scale")
    if sc:
        lines += ["## 5. Scale", "", sc["note"], ""]
        lines += _table(
            sc["loads"],
            [
                ("to size", "to_size"),
                ("catalogs", "catalogs"),
                ("tx", "transactions"),
                ("catalogs/tx", "catalogs_per_tx"),
                ("failed tx", "failed_transactions"),
                ("s", "elapsed_s"),
                ("catalogs/s", "catalogs_per_s"),
                ("tx/s", "tx_per_s"),
                ("tx p50 ms", "tx_p50_ms"),
                ("tx p99 ms", "tx_p99_ms"),
            ],
        )
        lines.append("")
        lines += _table(
            sc["points"],
            [
                ("size", "size"),
                *POINT_COLS[:1],
                ("/s", "throughput_per_s"),
                ("p50 ms", "p50_ms"),
                ("p95 ms", "p95_ms"),
                ("p99 ms", "p99_ms"),
                ("n", "ok"),
            ],
        )
        lines += ["", f"Ratio {sc['ratio_of']} (≈1 when the indexes work):", ""]
        lines += _table(
            [{"op": k, **v} for k, v in sc["ratios"].items()],
            [("op", "op"), ("p50 ratio", "p50_ratio"), ("p99 ratio", "p99_ratio")],
        )
        lines.append("")
    bd = s.get("breakdown")
    if bd:
        o = bd["orderer"]
        lines += [
            "## 6. Commit latency breakdown (UpdateCatalog)",
            "",
            f"Orderer BatchTimeout {o.get('batch_timeout')} ({o.get('configtx')}), "
            f"MaxMessageCount {o.get('max_message_count')}.",
            "",
            "| conc. | n | endorse p50/p99 ms | submit p50/p99 ms | commit wait p50/p99 ms "
            "| total p50/p99 ms | commit wait p50 / BatchTimeout | share endorse/submit/commit |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for p in bd["points"]:
            share = p.get("share_of_total", {})

            def pp(k: str, p: dict[str, Any] = p) -> str:
                return f"{_f(p[k]['p50_ms'])} / {_f(p[k]['p99_ms'])}"

            lines.append(
                f"| {p['concurrency']} | {p['transactions']} | {pp('endorse')} | {pp('submit')} | "
                f"{pp('commit_wait')} | {pp('total')} | "
                f"{_f(p.get('commit_wait_p50_over_batch_timeout'), 2)} | "
                f"{_f(share.get('endorse'), 2)} / {_f(share.get('submit'), 2)} / "
                f"{_f(share.get('commit_wait'), 2)} |"
            )
        lines.append("")
    im = s.get("imports")
    if im:
        lines += [
            "## 7. Bulk import (gateway.imports, CSV over REST)",
            "",
            "Validate the whole file, plan against the ledger, write packed CreateCatalogs batches "
            "(each under 64 KiB); then the idempotent re-run and the export.",
            "",
        ]
        lines += _table(
            [im],
            [
                ("catalogs", "catalogs"),
                ("rows", "rows"),
                ("CSV bytes", "csv_bytes"),
                ("tx", "transactions"),
                ("catalogs/tx", "catalogs_per_tx"),
                ("import s", "import_s"),
                ("catalogs/s", "catalogs_per_s"),
                ("re-run s", "rerun_s"),
                ("re-run tx", "rerun_transactions"),
                ("export s", "export_s"),
                ("export identical", "export_identical"),
            ],
        )
        lines.append("")
    if results.get("notes"):
        lines += ["## Notes", ""] + [f"- {n}" for n in results["notes"]] + [""]
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> str | None:
    """Throughput and p99 vs concurrency per client, and scale latency. None, or why no PNG."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[bench]'): no PNG"
    s = results["scenarios"]
    m = results["machine"]
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    panels = [
        (
            axes[0][0],
            "reads: throughput",
            ("rest_reads", "direct", "official"),
            "get-catalog list-page-50 access-check",
            "throughput_per_s",
            "calls/s",
        ),
        (
            axes[0][1],
            "committed writes: throughput",
            ("rest_writes", "direct", "official"),
            "create-catalog update-catalog request-access update-hot-catalog",
            "throughput_per_s",
            "tx/s",
        ),
        (
            axes[1][0],
            "committed writes: p99 latency",
            ("rest_writes", "direct", "official"),
            "create-catalog update-catalog request-access",
            "p99_ms",
            "ms",
        ),
    ]
    for ax, title, keys, ops, metric, unit in panels:
        for key in keys:
            for op in ops.split():
                rows = [r for r in s.get(key) or [] if r["op"] == op]
                if not rows:
                    continue
                rows.sort(key=lambda r: r["concurrency"])
                ax.plot(
                    [r["concurrency"] for r in rows],
                    [r[metric] for r in rows],
                    marker="o",
                    label=f"{rows[0]['client']} {op}",
                )
        ax.set_xscale("log", base=2)
        ax.set_xlabel("concurrency (in-flight calls)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    ax = axes[1][1]
    sc = s.get("scale")
    if sc:
        for op in sc["ratios"]:
            rows = sorted((p for p in sc["points"] if p["op"] == op), key=lambda p: p["size"])
            ax.plot([r["size"] for r in rows], [r["p50_ms"] for r in rows], marker="o", label=f"{op} p50")
        ax.set_xscale("log")
        ax.set_xlabel("bench catalogs on the ledger")
        ax.set_ylabel("ms")
        ax.set_title("scale: read latency (concurrency 1)")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    else:  # say why the panel is empty rather than draw empty axes
        ax.axis("off")
        ax.text(0.5, 0.5, f"scale: {_not_run(results, 'scale')}", ha="center", va="center", wrap=True)
    fig.suptitle(
        f"citydir bench {m['date']} on the {ledger_of(results)} ledger — {m['cores']} cores, "
        f"{m['ram_gib']} GiB, {m['cpu_model']}, load avg at start {m['load_avg_at_start']}",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None
