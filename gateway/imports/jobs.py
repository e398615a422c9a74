"""The in-process job registry behind ``POST /api/v1/imports``: one thread per import, its state
kept in memory (per app) for ``GET /api/v1/imports/{id}``. Jobs are lost when the gateway
restarts; re-posting the file is safe (an import is idempotent and resumes where it stopped).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from gateway.imports.engine import Directory, execute
from gateway.imports.formats import Parsed

KEEP = 200  # finished jobs kept, oldest dropped first


@dataclass
class Job:
    id: str
    owner: tuple[str, str, str]  # the identity's key: only it may read the job
    state: dict[str, Any]
    started: float = field(default_factory=time.time)

    def view(self) -> dict[str, Any]:
        return {"id": self.id, **self.state}


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
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
            self._jobs[job.id] = job
            finished = [
                j for j in self._jobs.values() if j.state.get("status") not in ("validating", "running")
            ]
            for old in sorted(finished, key=lambda j: j.started)[: max(0, len(finished) - KEEP)]:
                del self._jobs[old.id]

        def progress(state: dict[str, Any]) -> None:
            with self._lock:
                job.state = state

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
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None
