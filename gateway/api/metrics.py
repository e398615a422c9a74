"""Prometheus text exposition (format 0.0.4), hand-written: counters and histograms only."""

from __future__ import annotations

import threading
from collections import defaultdict

HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
FABRIC_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)

Labels = tuple[tuple[str, str], ...]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Labels, extra: tuple[str, str] | None = None) -> str:
    items = [*labels, extra] if extra else list(labels)
    if not items:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in items) + "}"


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...]) -> None:
        self.name, self.help, self.buckets = name, help_text, buckets
        self._counts: dict[Labels, list[int]] = defaultdict(lambda: [0] * len(buckets))
        self._sum: dict[Labels, float] = defaultdict(float)
        self._total: dict[Labels, int] = defaultdict(int)

    def observe(self, labels: Labels, seconds: float) -> None:
        counts = self._counts[labels]
        for i, bound in enumerate(self.buckets):
            if seconds <= bound:
                counts[i] += 1
        self._sum[labels] += seconds
        self._total[labels] += 1

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for labels in sorted(self._total):
            for bound, count in zip(self.buckets, self._counts[labels], strict=True):
                lines.append(f"{self.name}_bucket{_labels(labels, ('le', _number(bound)))} {count}")
            lines.append(f"{self.name}_bucket{_labels(labels, ('le', '+Inf'))} {self._total[labels]}")
            lines.append(f"{self.name}_sum{_labels(labels)} {_number(self._sum[labels])}")
            lines.append(f"{self.name}_count{_labels(labels)} {self._total[labels]}")
        return lines


class Counter:
    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self._values: dict[Labels, float] = defaultdict(float)

    def inc(self, labels: Labels, amount: float = 1.0) -> None:
        self._values[labels] += amount

    def render(self) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        lines += [f"{self.name}{_labels(k)} {_number(v)}" for k, v in sorted(self._values.items())]
        return lines


class Metrics:
    """The gateway's metrics; one instance per app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = Counter("citydir_http_requests_total", "HTTP requests by route, method and status.")
        self.latency = Histogram(
            "citydir_http_request_duration_seconds", "HTTP request latency by route and method.", HTTP_BUCKETS
        )
        self.fabric_calls = Counter(
            "citydir_fabric_calls_total",
            "Fabric calls by stage (evaluate, endorse, submit, commit, ...) and outcome.",
        )
        self.fabric_latency = Histogram(
            "citydir_fabric_call_duration_seconds", "Fabric call latency by stage.", FABRIC_BUCKETS
        )
        self.mvcc_retries = Counter(
            "citydir_mvcc_retries_total", "Transactions re-endorsed after an MVCC conflict."
        )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests.inc((("route", route), ("method", method), ("status", str(status))))
            self.latency.observe((("route", route), ("method", method)), seconds)

    def observe_fabric(self, stage: str, seconds: float, ok: bool) -> None:
        with self._lock:
            self.fabric_calls.inc((("stage", stage), ("outcome", "ok" if ok else "error")))
            self.fabric_latency.observe((("stage", stage),), seconds)

    def count_retry(self, function: str) -> None:
        with self._lock:
            self.mvcc_retries.inc((("function", function),))

    def render(self) -> str:
        with self._lock:
            lines: list[str] = []
            for metric in (
                self.requests,
                self.latency,
                self.fabric_calls,
                self.fabric_latency,
                self.mvcc_retries,
            ):
                lines += metric.render()
            return "\n".join(lines) + "\n"
