"""Prometheus text exposition (format 0.0.4), hand-written: counters and histograms only.

Every number is a sample (a name and its labels) in a ``Samples`` store. With a directory
(``$CITYDIR_GATEWAY_RUN/metrics``), each worker process of the gateway keeps its samples in its
own memory-mapped file there and a scrape sums every file, so ``/metrics`` counts the requests
of all workers whichever one answers it (the files of workers that have stopped still count:
counters never go back). Without one, the samples are in this process's memory.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import threading
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path

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


@cache  # label sets are few (routes × methods × statuses): each key is made once
def _key(name: str, labels: Labels) -> str:
    return json.dumps([name, [list(pair) for pair in labels]], ensure_ascii=False, separators=(",", ":"))


def _unkey(key: str) -> tuple[str, Labels]:
    name, labels = json.loads(key)
    return name, tuple((k, v) for k, v in labels)


def _by_sample(totals: dict[str, float]) -> Iterator[tuple[tuple[str, Labels], float]]:
    return ((_unkey(key), value) for key, value in totals.items())


class Samples:
    """One process's samples, in memory (callers hold the Metrics lock)."""

    def __init__(self) -> None:
        self._values: dict[str, float] = defaultdict(float)

    def add(self, key: str, amount: float) -> None:
        self._values[key] += amount

    def totals(self) -> dict[str, float]:
        """Every sample's value, over every process that keeps samples here."""
        return dict(self._values)


# A process's file: an 8-byte header (bytes of records in use), then records, each a 4-byte key
# length, the key (UTF-8), zeros to a multiple of 8, and the value (float64). Values change in
# place; a new record is written before the header counts it, so a reader never sees half of one.
_HEADER = struct.Struct("<Q")
_LENGTH = struct.Struct("<I")
_VALUE = struct.Struct("<d")


def _records(data: bytes) -> Iterator[tuple[str, float]]:
    """(key, value) of each record of a file's bytes."""
    (used,) = _HEADER.unpack_from(data, 0) if len(data) >= _HEADER.size else (0,)
    at, end = _HEADER.size, min(len(data), _HEADER.size + used)
    while at + _LENGTH.size <= end:
        (length,) = _LENGTH.unpack_from(data, at)
        value_at = (at + _LENGTH.size + length + 7) // 8 * 8
        if value_at + _VALUE.size > end:
            break
        key = data[at + _LENGTH.size : at + _LENGTH.size + length].decode("utf-8")
        yield key, _VALUE.unpack_from(data, value_at)[0]
        at = value_at + _VALUE.size


class SharedSamples(Samples):
    """This process's samples in ``<directory>/<pid>.samples``; totals over every file there."""

    def __init__(self, directory: Path, size: int = 1 << 16) -> None:
        super().__init__()
        self._dir = directory
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._size = size
        self._map: mmap.mmap | None = None
        self._offsets: dict[str, int] = {}
        # A forked child starts a file of its own rather than add to its parent's.
        os.register_at_fork(after_in_child=self._forget)

    def _open(self) -> mmap.mmap:
        if self._map is None:
            self._offsets = {}
            fd = os.open(self._dir / f"{os.getpid()}.samples", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.ftruncate(fd, self._size)
                self._map = mmap.mmap(fd, self._size)
            finally:
                os.close(fd)
        return self._map

    def _forget(self) -> None:
        self._map = None

    def add(self, key: str, amount: float) -> None:
        data = self._open()
        offset = self._offsets.get(key)
        if offset is None:
            offset = self._append(key)
            data = self._open()
        _VALUE.pack_into(data, offset, _VALUE.unpack_from(data, offset)[0] + amount)

    def _append(self, key: str) -> int:
        data = self._open()
        used: int = _HEADER.unpack_from(data, 0)[0]
        encoded = key.encode("utf-8")
        at = _HEADER.size + used
        value_at = (at + _LENGTH.size + len(encoded) + 7) // 8 * 8
        end = value_at + _VALUE.size
        if end > len(data):  # grow the file (and the map) to fit
            while self._size < end:
                self._size *= 2
            data.resize(self._size)
        _LENGTH.pack_into(data, at, len(encoded))
        data[at + _LENGTH.size : at + _LENGTH.size + len(encoded)] = encoded
        _VALUE.pack_into(data, value_at, 0.0)
        _HEADER.pack_into(data, 0, end - _HEADER.size)
        self._offsets[key] = value_at
        return value_at

    def totals(self) -> dict[str, float]:
        self._open()  # this process's file exists even before its first sample
        found: dict[str, float] = defaultdict(float)
        for path in self._dir.glob("*.samples"):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            for key, value in _records(data):
                found[key] += value
        return dict(found)


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: tuple[float, ...]) -> None:
        self.name, self.help, self.buckets = name, help_text, buckets
        self._les = [("le", _number(bound)) for bound in buckets]  # made once, not per request

    def observe(self, samples: Samples, labels: Labels, seconds: float) -> None:
        for bound, le in zip(self.buckets, self._les, strict=True):
            if seconds <= bound:
                samples.add(_key(f"{self.name}_bucket", (*labels, le)), 1)
        samples.add(_key(f"{self.name}_sum", labels), seconds)
        samples.add(_key(f"{self.name}_count", labels), 1)

    def render(self, totals: dict[str, float]) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        counted = sorted(labels for (name, labels), _ in _by_sample(totals) if name == f"{self.name}_count")
        for labels in counted:
            count = totals[_key(f"{self.name}_count", labels)]
            for le in self._les:
                value = totals.get(_key(f"{self.name}_bucket", (*labels, le)), 0)
                lines.append(f"{self.name}_bucket{_labels(labels, le)} {_number(value)}")
            lines.append(f"{self.name}_bucket{_labels(labels, ('le', '+Inf'))} {_number(count)}")
            total = totals[_key(f"{self.name}_sum", labels)]
            lines.append(f"{self.name}_sum{_labels(labels)} {_number(total)}")
            lines.append(f"{self.name}_count{_labels(labels)} {_number(count)}")
        return lines


class Counter:
    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text

    def inc(self, samples: Samples, labels: Labels, amount: float = 1.0) -> None:
        samples.add(_key(self.name, labels), amount)

    def render(self, totals: dict[str, float]) -> list[str]:
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        mine = sorted((labels, value) for (name, labels), value in _by_sample(totals) if name == self.name)
        lines += [f"{self.name}{_labels(labels)} {_number(value)}" for labels, value in mine]
        return lines


class Metrics:
    """The gateway's metrics; one instance per app. ``directory``: shared by its worker processes."""

    def __init__(self, directory: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._samples = SharedSamples(directory) if directory is not None else Samples()
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
            self.requests.inc(self._samples, (("route", route), ("method", method), ("status", str(status))))
            self.latency.observe(self._samples, (("route", route), ("method", method)), seconds)

    def observe_fabric(self, stage: str, seconds: float, ok: bool) -> None:
        with self._lock:
            self.fabric_calls.inc(self._samples, (("stage", stage), ("outcome", "ok" if ok else "error")))
            self.fabric_latency.observe(self._samples, (("stage", stage),), seconds)

    def count_retry(self, function: str) -> None:
        with self._lock:
            self.mvcc_retries.inc(self._samples, (("function", function),))

    def render(self) -> str:
        with self._lock:
            totals = self._samples.totals()
        lines: list[str] = []
        for metric in (
            self.requests,
            self.latency,
            self.fabric_calls,
            self.fabric_latency,
            self.mvcc_retries,
        ):
            lines += metric.render(totals)
        return "\n".join(lines) + "\n"
