"""The job registry behind ``POST /api/v1/imports``: one thread per import, in the worker process
that accepted it, its state kept for ``GET /api/v1/imports/{id}``.

With a directory (``$CITYDIR_GATEWAY_RUN/imports``), each job's state is a file there (0600,
replaced whole on each change), so any worker process of the gateway answers for any job; without
one, the state is in this process's memory. Jobs are lost when the gateway restarts (the
directory is emptied). A job whose worker process stopped before the job finished is reported
``failed`` (``UNAVAILABLE``) by every other worker: posting the file again is safe (an import is
idempotent and resumes where it stopped).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.imports.engine import Directory, execute
from gateway.imports.formats import Parsed

EXTENSION = "citydir.imports"  # the app's Jobs, in app.extensions
KEEP = 200  # finished jobs kept, oldest dropped first
UNFINISHED = ("validating", "running")
_ID = re.compile(r"imp-[0-9a-f]{16}")  # what ``start`` makes; nothing else names a file


def process_start(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), None when no such process
    runs (a zombie has stopped) or there is no /proc: with the pid it names one process, even
    once the pid is reused."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return None if fields[0] in (b"Z", b"X") else fields[19].decode("ascii")
    except (OSError, IndexError, UnicodeDecodeError):
        return None


def _this_process() -> dict[str, Any] | None:
    # Asked when a job starts, not when the app is built: a worker forked after that has its own pid.
    started = process_start(os.getpid())
    return None if started is None else {"pid": os.getpid(), "started": started}


@dataclass
class Job:
    id: str
    owner: tuple[str, str, str]  # the identity's key: only it may read the job
    state: dict[str, Any]
    started: float = field(default_factory=time.time)
    # The process running it, as other workers tell whether it still runs (None without /proc:
    # the job is then reported as it last reported).
    worker: dict[str, Any] | None = field(default_factory=_this_process)

    def view(self) -> dict[str, Any]:
        return {"id": self.id, **self.state}

    @property
    def finished(self) -> bool:
        return self.state.get("status") not in UNFINISHED


def _stopped(job_state: dict[str, Any], worker: dict[str, Any]) -> dict[str, Any]:
    """The state of a job whose worker process is gone: it will never report again."""
    return {
        **job_state,
        "status": "failed",
        "failure": {
            "code": "UNAVAILABLE",
            "message": (
                "the gateway worker process that ran this import stopped before it finished; "
                "post the file again: the import resumes where it stopped"
            ),
            "details": {"worker_pid": worker["pid"]},
        },
    }


class Jobs:
    def __init__(self, directory: Path | None = None) -> None:
        self._dir = directory
        if directory is not None:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._jobs: dict[str, Job] = {}  # without a directory: every job
        self._lock = threading.Lock()

    def start(
        self,
        owner: tuple[str, str, str],
        parsed: Parsed,
        department: str,
        directory: Directory,
        *,
        update: bool,
        dry_run: bool,
    ) -> Job:
        job = Job(f"imp-{uuid.uuid4().hex[:16]}", owner, {"status": "validating", "done": 0, "total": 0})
        with self._lock:
            self._save(job)
            self._prune()

        def progress(state: dict[str, Any]) -> None:
            with self._lock:
                job.state = state
                self._save(job)

        def run() -> None:
            try:
                execute(parsed, department, directory, update=update, dry_run=dry_run, progress=progress)
            except Exception as exc:  # reported in the job, never lost in a thread
                progress(
                    {**job.state, "status": "failed", "failure": {"code": "INTERNAL", "message": str(exc)}}
                )

        threading.Thread(target=run, name=f"citydir-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str, owner: tuple[str, str, str]) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id) if self._dir is None else self._load(job_id)
        return job if job is not None and job.owner == owner else None

    # -- where the jobs are kept (called under the lock) --------------------------------------

    def _save(self, job: Job) -> None:
        if self._dir is None:
            self._jobs[job.id] = job
            return
        record = {
            "id": job.id,
            "owner": list(job.owner),
            "started": job.started,
            "state": job.state,
            "worker": job.worker,
        }
        fd, tmp = tempfile.mkstemp(dir=self._dir, prefix=".job-")  # 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(record, out, ensure_ascii=False)
            os.replace(tmp, self._dir / f"{job.id}.json")  # readers see the old state or the new
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _load(self, job_id: str) -> Job | None:
        if self._dir is None or not _ID.fullmatch(job_id):
            return None
        try:
            record = json.loads((self._dir / f"{job_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        owner, state, worker = record["owner"], record["state"], record.get("worker")
        if worker and state.get("status") in UNFINISHED and process_start(worker["pid"]) != worker["started"]:
            state = _stopped(state, worker)
        return Job(record["id"], (owner[0], owner[1], owner[2]), state, record["started"], worker)

    def _prune(self) -> None:
        if self._dir is None:
            jobs = list(self._jobs.values())
        else:
            jobs = [j for p in self._dir.glob("imp-*.json") if (j := self._load(p.stem)) is not None]
        finished = sorted((j for j in jobs if j.finished), key=lambda j: j.started)
        for old in finished[: max(0, len(finished) - KEEP)]:
            self._jobs.pop(old.id, None)
            if self._dir is not None:
                with contextlib.suppress(OSError):
                    (self._dir / f"{old.id}.json").unlink()
