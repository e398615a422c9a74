"""Per-process CPU over a measured point: peers, orderers, chaincode servers, gateway, load generator.

Every process ``network.sh`` starts is a session leader (``setsid``) whose pid is in
``$CITYDIR_HOME/pids/<name>.pid``; a process's CPU here is utime+stime (``/proc/<pid>/stat``)
summed over every live process of its session (the WSGI server's workers count for the gateway). The
load generator is this process plus its waited-for children (wrk, the official Node client).
"""

from __future__ import annotations

import os
import re
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
TICK = os.sysconf("SC_CLK_TCK")
ROLES = ("peers", "orderers", "chaincode", "gateway", "load-generator")


def role_of(name: str) -> str:
    if name.startswith("peer"):
        return "peers"
    if name.startswith("orderer"):
        return "orderers"
    if name.startswith("ccaas") or name.startswith("chaincode"):
        return "chaincode"
    if name.startswith("gateway"):
        return "gateway"
    return name


def _session_cpu() -> dict[int, float]:
    """CPU seconds of every live process, summed by session id."""
    out: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # After "comm)": state ppid pgrp session ... utime(12) stime(13) (1-based fields 3..)
        session, utime, stime = int(fields[3]), int(fields[11]), int(fields[12])
        out[session] = out.get(session, 0.0) + (utime + stime) / TICK
    return out


class CpuSampler:
    def __init__(self, home: Path) -> None:
        self.home = home

    def pids(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for path in sorted((self.home / "pids").glob("*.pid")):
            try:
                found[path.stem] = int(path.read_text().strip())
            except (OSError, ValueError):
                continue
        return found

    def sample(self) -> dict[str, float]:
        sessions = _session_cpu()
        values = {name: sessions.get(pid, 0.0) for name, pid in self.pids().items()}
        me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        values["load-generator"] = me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime
        return values

    def chaincode_logs(self) -> dict[Path, int]:
        """Each chaincode server's log and its size now: where a point's executions start."""
        found: dict[Path, int] = {}
        for path in sorted((self.home / "logs").glob("ccaas*.log")):
            try:
                found[path] = path.stat().st_size
            except OSError:
                continue
        return found

    def measure(self, run: Callable[[], T], ops: Callable[[T], int]) -> tuple[T, dict[str, Any]]:
        logs = self.chaincode_logs()
        before, started = self.sample(), time.monotonic()
        result = run()
        after, elapsed = self.sample(), time.monotonic() - started
        summary = summarize(before, after, elapsed, ops(result))
        if logs:
            summary["chaincode_executions"] = executions_since(logs)
            chaincode = summary["by_role"].get("chaincode")
            total = summary["chaincode_executions"]["total"]
            if chaincode is not None:
                chaincode["ms_per_execution"] = round(chaincode["cpu_s"] / total * 1000, 3) if total else None
        return result, summary


# The chaincode server logs one line per transaction it runs (chaincode/shim/transaction.py):
# "[<tx>] TRANSACTION <function> on <channel> -> <status> in <ms> ms". Every execution counts:
# each endorsement (one per endorsing org) and each evaluate, the gateway's own reads included.
_EXECUTION = re.compile(rb"\] (?:TRANSACTION|INIT) (\S+) on ")


def executions_since(logs: dict[Path, int]) -> dict[str, Any]:
    """Transactions the chaincode servers ran since ``logs`` (path -> size) was taken, by function."""
    by_function: dict[str, int] = {}
    for path, offset in logs.items():
        try:
            with path.open("rb") as f:
                f.seek(offset)
                tail = f.read()
        except OSError:
            continue
        for match in _EXECUTION.finditer(tail):
            name = match.group(1).decode("utf-8", "replace")
            by_function[name] = by_function.get(name, 0) + 1
    return {"total": sum(by_function.values()), "by_function": dict(sorted(by_function.items()))}


def summarize(before: dict[str, float], after: dict[str, float], elapsed: float, ops: int) -> dict[str, Any]:
    """CPU seconds, cores (CPU s per wall s) and CPU ms per successful operation, by process and role."""

    def entry(cpu: float) -> dict[str, float | None]:
        return {
            "cpu_s": round(cpu, 3),
            "cores": round(cpu / elapsed, 3) if elapsed > 0 else None,
            "ms_per_op": round(cpu / ops * 1000, 3) if ops else None,
        }

    by_process = {name: max(after[name] - before.get(name, 0.0), 0.0) for name in after}
    by_role: dict[str, float] = {}
    for name, cpu in by_process.items():
        by_role[role_of(name)] = by_role.get(role_of(name), 0.0) + cpu
    return {
        "elapsed_s": round(elapsed, 3),
        "by_role": {role: entry(cpu) for role, cpu in sorted(by_role.items())},
        "by_process": {name: entry(cpu) for name, cpu in sorted(by_process.items())},
    }


# The sampler of the network being measured (set by ``python -m bench``); None: no CPU recorded.
SAMPLER: CpuSampler | None = None


def measured(run: Callable[[], T], ops: Callable[[T], int]) -> tuple[T, dict[str, Any] | None]:
    if SAMPLER is None:
        return run(), None
    return SAMPLER.measure(run, ops)
