"""Load drivers: a closed-loop thread driver (exact percentiles), a keep-alive HTTP client, wrk.

Closed loop: ``concurrency`` workers each keep one call in flight for ``duration`` seconds
(after one untimed warm-up call each). Throughput = successful calls / wall time until the last
in-flight call returned, so slow tails are not cut off.
"""

from __future__ import annotations

import http.client
import json
import math
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
WRK_LUA = BENCH_DIR / "wrk_report.lua"

Op = Callable[[int, int], None]
"""op(worker, seq): one call; raises on failure."""


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of already sorted values (exact, no interpolation)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Result:
    """One measured point: a client, an operation, a concurrency."""

    tool: str
    concurrency: int
    ok: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)
    # Set when the tool computes percentiles itself (wrk).
    fixed: dict[str, float] | None = None
    # Per-process CPU over the point (bench.cpu.summarize), when the network was sampled.
    cpu: dict[str, Any] | None = None

    def summary(self) -> dict[str, Any]:
        stats: dict[str, float | None]
        if self.fixed is not None:
            stats = dict(self.fixed)
        else:
            lat = sorted(self.latencies_ms)
            stats = {
                "mean_ms": sum(lat) / len(lat) if lat else None,
                "min_ms": lat[0] if lat else None,
                "p50_ms": percentile(lat, 50),
                "p95_ms": percentile(lat, 95),
                "p99_ms": percentile(lat, 99),
                "max_ms": lat[-1] if lat else None,
            }
        out: dict[str, Any] = {
            "tool": self.tool,
            "concurrency": self.concurrency,
            "ok": self.ok,
            "errors": self.errors,
            "elapsed_s": round(self.elapsed_s, 3),
            "throughput_per_s": round(self.ok / self.elapsed_s, 2) if self.elapsed_s > 0 else 0.0,
        }
        out.update({k: (round(v, 2) if isinstance(v, float) else v) for k, v in stats.items()})
        if self.error_samples:
            out["error_samples"] = self.error_samples[:3]
        if self.cpu is not None:
            out["cpu"] = self.cpu
        return out


def closed_loop(op: Op, concurrency: int, duration: float, tool: str = "python-threads") -> Result:
    result = Result(tool, concurrency)
    lock = threading.Lock()
    ready = threading.Barrier(concurrency + 1)
    start_at: list[float] = []
    ends: list[float] = []

    def worker(w: int) -> None:
        seq = 0
        try:
            op(w, -1)  # warm-up: connection, first-call costs; not timed
        except Exception as exc:
            with lock:
                result.error_samples.append(f"warm-up: {exc!s:.300}")
        ready.wait()
        deadline = start_at[0] + duration
        mine: list[float] = []
        errs = 0
        samples: list[str] = []
        while True:
            t0 = time.perf_counter()
            if t0 >= deadline:
                break
            try:
                op(w, seq)
                mine.append((time.perf_counter() - t0) * 1000.0)
            except Exception as exc:
                errs += 1
                if len(samples) < 3:
                    samples.append(f"{type(exc).__name__}: {exc!s:.300}")
            seq += 1
        with lock:
            result.latencies_ms.extend(mine)
            result.ok += len(mine)
            result.errors += errs
            result.error_samples.extend(samples)
            ends.append(time.perf_counter())

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(concurrency)]
    for t in threads:
        t.start()
    start_at.append(time.perf_counter())
    ready.wait()
    start_at[0] = time.perf_counter()
    for t in threads:
        t.join()
    result.elapsed_s = (max(ends) if ends else time.perf_counter()) - start_at[0]
    return result


class Http:
    """One keep-alive HTTP/1.1 connection per worker thread."""

    def __init__(self, base_url: str, token: str) -> None:
        host_port = base_url.split("://", 1)[1].rstrip("/")
        self._host, _, port = host_port.partition(":")
        self._port = int(port or 80)
        self._headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self._local = threading.local()

    def _conn(self) -> tuple[http.client.HTTPConnection, bool]:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=120)
            self._local.conn = conn
            return conn, True
        return conn, False

    def call(self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200,)) -> Any:
        status, raw = self.request(method, path, body)
        if status not in expect:
            raise RuntimeError(f"{method} {path} -> {status}: {raw[:300]!r}")
        return json.loads(raw) if raw else None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        """The status and raw body, whatever the status."""
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        while True:
            conn, fresh = self._conn()
            try:
                conn.request(method, path, body=data, headers=self._headers)
                resp = conn.getresponse()
                raw = resp.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._local.conn = None
                # The server may close an idle keep-alive connection just as
                # we reuse it; nothing was processed then, so one retry on a fresh one is safe.
                stale = isinstance(
                    exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError
                )
                if fresh or not stale:
                    raise
        return resp.status, raw


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk(url: str, token: str, concurrency: int, duration: float, threads: int = 2) -> Result:
    """wrk, keep-alive, ``concurrency`` connections; p50/p95/p99 from wrk_report.lua's done()."""
    threads = max(1, min(threads, concurrency))
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "-H",
        f"Authorization: Bearer {token}",
        "-s",
        str(WRK_LUA),
        url,
    ]
    # One request per connection first (wrk has no warm-up): the gateway's caches and channels.
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=duration + 120)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr[-500:]} {proc.stdout[-500:]}")
    data = json.loads(line[len("WRK_JSON ") :])
    errors = sum(int(v) for v in data["errors"].values())
    bad = int(data["errors"].get("status", 0))
    ok = int(data["requests"]) - bad
    res = Result("wrk", concurrency, ok=ok, errors=errors, elapsed_s=float(data["duration_us"]) / 1e6)
    res.fixed = {k: float(data[k]) / 1000.0 for k in ("mean", "min", "p50", "p95", "p99", "max") if k in data}
    res.fixed = {f"{k}_ms": v for k, v in res.fixed.items()}
    if errors:
        res.error_samples.append(f"wrk errors: {data['errors']}")
    return res
