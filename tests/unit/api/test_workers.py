"""What a gateway's worker processes share through their run directory: each caller's last write
(so a read on one worker sees a write made through another), the metrics, and the import jobs.
Separate processes where it matters, since threads would share memory anyway."""

from __future__ import annotations

import multiprocessing
import re
import time
from pathlib import Path
from typing import Any

import pytest

import gateway.imports.jobs as jobs_module
from gateway.api.ledger import ChaincodeEvent
from gateway.api.marks import SharedWriteMarks
from gateway.api.metrics import Metrics
from gateway.api.readcache import Fill, ReadCache
from gateway.imports.formats import parse, write
from gateway.imports.jobs import Jobs
from tests.unit.imports.test_imports import DEPT, FakeDirectory, catalog

_SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter, as granian's workers are
WRITER = ("CivilAffairsMSP", "client", "x509::abc")


def _write_in_another_process(path: Path, caller: tuple[str, str, str], block: int) -> None:
    SharedWriteMarks(path).raise_to(caller, block)


def _run(target: Any, *args: Any) -> None:
    process = _SPAWN.Process(target=target, args=args)
    process.start()
    process.join(timeout=60)
    assert process.exitcode == 0


def test_a_write_through_one_worker_holds_back_the_callers_cached_reads_on_another(tmp_path: Path) -> None:
    marks = tmp_path / "write-marks"
    cache = ReadCache(own_write_wait=0.05, marks=SharedWriteMarks(marks))
    cache.following(5)
    ticket = cache.lookup(WRITER, "GetCatalog", {"id": "c1"})
    assert isinstance(ticket, Fill)
    cache.keep(ticket, b"old")
    _run(_write_in_another_process, marks, WRITER, 8)
    assert cache.lookup(WRITER, "GetCatalog", {"id": "c1"}) is None  # the stream is behind: the peer
    assert cache.lookup(("HealthMSP", "client", "x"), "GetCatalog", {"id": "c1"}) == (b"old", 5)
    cache.apply(ChaincodeEvent(8, "0" * 64, "CatalogUpdated", {"entity": "catalog", "id": "c1"}))
    assert isinstance(cache.lookup(WRITER, "GetCatalog", {"id": "c1"}), Fill)


def test_a_mark_only_rises_and_a_shared_slot_is_conservative(tmp_path: Path) -> None:
    one, two = SharedWriteMarks(tmp_path / "m", slots=1), SharedWriteMarks(tmp_path / "m", slots=1)
    assert one.get(WRITER) is None
    one.raise_to(WRITER, 12)
    two.raise_to(WRITER, 7)  # an older write finishing later does not lower the mark
    assert one.get(WRITER) == two.get(WRITER) == 12
    # One slot for all: another caller waits for the later write too (never reads older).
    assert two.get(("HealthMSP", "client", "y")) == 12
    one.close()
    two.close()


def _observe_in_another_process(directory: Path) -> None:
    metrics = Metrics(directory)
    for _ in range(3):
        metrics.observe_request("/api/v1/catalogs/<id>", "GET", 200, 0.02)
    metrics.observe_fabric("evaluate", 0.01, True)


def test_a_scrape_counts_every_workers_requests(tmp_path: Path) -> None:
    metrics = Metrics(tmp_path)
    metrics.observe_request("/api/v1/catalogs/<id>", "GET", 200, 0.3)
    _run(_observe_in_another_process, tmp_path)
    text = metrics.render()
    assert 'citydir_http_requests_total{route="/api/v1/catalogs/<id>",method="GET",status="200"} 4' in text
    assert (
        'citydir_http_request_duration_seconds_bucket{route="/api/v1/catalogs/<id>",method="GET",'
        'le="0.025"} 3' in text
    )
    assert 'citydir_http_request_duration_seconds_count{route="/api/v1/catalogs/<id>",method="GET"} 4' in text
    assert re.search(
        r'citydir_http_request_duration_seconds_sum\{route="/api/v1/catalogs/<id>",method="GET"\} 0\.36', text
    )
    assert 'citydir_fabric_calls_total{stage="evaluate",outcome="ok"} 1' in text
    # The same text a single process renders for the same observations.
    alone = Metrics()
    alone.observe_request("/api/v1/catalogs/<id>", "GET", 200, 0.3)
    for _ in range(3):
        alone.observe_request("/api/v1/catalogs/<id>", "GET", 200, 0.02)
    alone.observe_fabric("evaluate", 0.01, True)
    assert _without_sums(alone.render()) == _without_sums(text)


def _without_sums(text: str) -> str:  # float sums may differ in their last digit by order
    return "\n".join(line for line in text.splitlines() if "_sum{" not in line)


def test_a_workers_samples_file_grows_past_its_first_size(tmp_path: Path) -> None:
    metrics = Metrics(tmp_path)
    routes = [f"/api/v1/route-{i}-{'x' * 40}" for i in range(400)]  # far more than 64 KiB of keys
    for route in routes:
        metrics.observe_request(route, "GET", 200, 0.001)
    text = metrics.render()
    for route in routes:
        assert f'citydir_http_requests_total{{route="{route}",method="GET",status="200"}} 1' in text


def test_an_import_started_on_one_worker_is_reported_by_another(tmp_path: Path) -> None:
    one, two = Jobs(tmp_path), Jobs(tmp_path)
    owner = ("HealthMSP", "client", "x")
    directory = FakeDirectory()
    parsed = parse(write([catalog(n) for n in range(3)], "json"), "json")
    job = one.start(owner, parsed, DEPT, directory, update=False, dry_run=False)
    deadline = time.monotonic() + 10
    while (seen := two.get(job.id, owner)) is not None and not seen.finished and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen is not None and seen.state["status"] == "done" and seen.state["created"] == 3
    assert two.get(job.id, ("CivilAffairsMSP", "client", "x")) is None  # its own caller only
    assert two.get("../../etc/passwd", owner) is None and two.get("imp-" + "0" * 16, owner) is None
    assert oct((tmp_path / f"{job.id}.json").stat().st_mode & 0o777) == "0o600"


class _StuckDirectory(FakeDirectory):
    """A ledger that never answers a write: the job stays running until its process stops."""

    def create_catalogs(self, catalogs: list[dict[str, Any]]) -> str:
        time.sleep(3600)
        return "never"


def _start_a_stuck_import(path: Path, owner: tuple[str, str, str], ids: Any) -> None:
    parsed = parse(write([catalog(1)], "json"), "json")
    job = Jobs(path).start(owner, parsed, DEPT, _StuckDirectory(), update=False, dry_run=False)
    ids.put(job.id)
    time.sleep(3600)


def _wait_for_status(jobs: Jobs, job_id: str, owner: tuple[str, str, str], status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while (job := jobs.get(job_id, owner)) is None or job.state["status"] != status:
        assert time.monotonic() < deadline, f"{job_id}: {job.state if job else None}, not {status}"
        time.sleep(0.02)
    return job.state


def test_an_import_whose_worker_stopped_is_reported_failed_by_another(tmp_path: Path) -> None:
    owner = ("HealthMSP", "admin", "x")
    ids = _SPAWN.Queue()
    worker = _SPAWN.Process(target=_start_a_stuck_import, args=(tmp_path, owner, ids))
    worker.start()
    try:
        job_id = ids.get(timeout=60)
        other = Jobs(tmp_path)
        _wait_for_status(other, job_id, owner, "running")  # its worker runs: as it reports
        worker.kill()
        worker.join(timeout=30)
        state = _wait_for_status(other, job_id, owner, "failed")
    finally:
        if worker.is_alive():
            worker.kill()
    assert state["failure"]["code"] == "UNAVAILABLE"
    assert "post the file again" in state["failure"]["message"]
    assert state["failure"]["details"] == {"worker_pid": worker.pid}
    assert state["done"] == 0 and state["total"] == 1  # what it had reported stays


def test_finished_jobs_beyond_the_limit_are_dropped_oldest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs_module, "KEEP", 2)
    owner = ("HealthMSP", "client", "x")
    directory = FakeDirectory()
    parsed = parse(write([catalog(1)], "json"), "json")
    jobs, ids = Jobs(tmp_path), []
    for _ in range(4):
        job = jobs.start(owner, parsed, DEPT, directory, update=True, dry_run=True)
        deadline = time.monotonic() + 10
        while not (jobs.get(job.id, owner) or job).finished and time.monotonic() < deadline:
            time.sleep(0.01)
        ids.append(job.id)
        time.sleep(0.01)  # distinct start times
    # Pruned when a job starts: the finished ones beyond KEEP, oldest first.
    assert sorted(p.stem for p in tmp_path.glob("imp-*.json")) == sorted(ids[-3:])


def _observe_once(metrics: Metrics) -> None:
    metrics.observe_request("/api/v1/departments", "GET", 200, 0.01)


def test_a_forked_worker_counts_its_own_requests_not_its_parents_again(tmp_path: Path) -> None:
    metrics = Metrics(tmp_path)
    for _ in range(2):
        _observe_once(metrics)
    child = multiprocessing.get_context("fork").Process(target=_observe_once, args=(metrics,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert len(list(tmp_path.glob("*.samples"))) == 2
    text = metrics.render()
    assert 'citydir_http_requests_total{route="/api/v1/departments",method="GET",status="200"} 3' in text
