"""Bulk import and export (``gateway.imports``) against a live directory, on each ledger.

A 1,000-catalog CSV with one bad row writes nothing and names the row and column; fixed, it is
imported in packed CreateCatalogs batches; a re-run skips everything; an import interrupted after
its first batch resumes; export then re-import finds every catalog identical (CSV, XLSX, JSON);
and ``POST /api/v1/imports`` reports its progress to completion.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from chaincode.interface import MAX_BATCH_CATALOGS
from gateway.imports.backends import RestDirectory
from gateway.imports.engine import ImportFailure, execute
from gateway.imports.formats import content, parse, write
from tests.integration.localnet import LocalNetwork
from tests.integration.rest import BUREAU, CIVIL, HEALTH, Api, department, responsibility, unique

N = 1000


@dataclass(frozen=True)
class Dept:
    id: str
    resp: str
    api: Api
    rest: RestDirectory  # as the department's admin


@pytest.fixture(scope="module")
def dept(directory: LocalNetwork) -> Dept:
    api = Api.for_network(directory)
    dept_id, resp_id = unique("imp"), unique("imp-resp")
    assert api.post("/departments", department(dept_id, HEALTH)).status == 201
    reply = api.post(
        f"/departments/{dept_id}/responsibilities", responsibility(resp_id, dept_id), as_=(HEALTH, "admin")
    )
    assert reply.status == 201, reply
    return Dept(dept_id, resp_id, api, RestDirectory(api.base_url, api.token(HEALTH, "admin")))


def catalogs(d: Dept, prefix: str, n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{prefix}-{i:04d}",
            "department_id": d.id,
            "responsibility_ids": [d.resp],
            "title": {"zh": f"导入目录{i}", "en": f"Imported catalog {i}"},
            "description": f"bulk import {i}; 第{i}号",
            "items": [
                {"name": "record_id", "title": "记录编号", "type": "string", "sensitivity": "internal"},
                {
                    "name": "amount",
                    "title": "金额",
                    "type": "number",
                    "sensitivity": "public",
                    "description": "元",
                },
            ],
            "share_type": "conditional",
            "share_conditions": "for statutory checks only",
            "open_type": "none",
            "update_frequency": "monthly",
            "format": "json",
            "tags": ["import", f"batch;{i % 7}"],
        }
        for i in range(n)
    ]


def test_a_thousand_catalogs_all_or_nothing_then_idempotent(dept: Dept) -> None:
    prefix = f"imp{uuid.uuid4().hex[:6]}"
    good = write(catalogs(dept, prefix, N), "csv")
    rows = list(csv.reader(io.StringIO(good.decode())))
    bad_row = 2 * 537 + 2  # the 538th catalog's first item
    rows[bad_row - 1][rows[0].index("item_type")] = "colour"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    before = dept.api.settled_height()
    refused = execute(parse(out.getvalue().encode(), "csv"), dept.id, dept.rest)
    assert refused["status"] == "invalid", refused["status"]
    assert [(e["row"], e["column"]) for e in refused["errors"]] == [(bad_row, "item_type")], refused["errors"]
    assert "colour" in refused["errors"][0]["message"]
    time.sleep(dept.api.settle)
    assert dept.api.settled_height() == before, "a refused import wrote a block"

    done = execute(parse(good, "csv"), dept.id, dept.rest)
    assert done["status"] == "done", done.get("failure")
    assert done["created"] == N and N / MAX_BATCH_CATALOGS <= done["transactions"] <= 20
    again = execute(parse(good, "csv"), dept.id, dept.rest)
    assert again["status"] == "done" and again["skipped"] == N and again["transactions"] == 0

    stored = [c for c in dept.rest.catalogs(dept.id) if c["id"].startswith(prefix)]
    assert len(stored) == N
    for fmt in ("csv", "xlsx", "json"):
        exported = stored if fmt == "json" else [content(c) for c in stored]
        parsed = parse(write(exported, fmt), fmt)
        assert parsed.catalogs == [content(c) for c in stored], fmt
        dry = execute(parsed, dept.id, dept.rest, dry_run=True)
        assert dry["status"] == "dry-run" and dry["skipped"] == N and dry["errors"] == [], fmt


class Interrupted(RestDirectory):
    """Stops (as a crash or a dropped connection would) after its first CreateCatalogs batch."""

    writes = 0

    def create_catalogs(self, catalogs: list[dict[str, Any]]) -> str:
        if self.writes >= 1:
            raise ImportFailure("connection lost", "UNAVAILABLE")
        self.writes += 1
        return super().create_catalogs(catalogs)


def test_an_interrupted_import_resumes(dept: Dept) -> None:
    data = write(catalogs(dept, f"res{uuid.uuid4().hex[:6]}", 250), "csv")
    broken = execute(parse(data, "csv"), dept.id, Interrupted(dept.rest.base_url, dept.rest.token))
    assert broken["status"] == "failed" and broken["created"] == MAX_BATCH_CATALOGS
    resumed = execute(parse(data, "csv"), dept.id, dept.rest)
    assert resumed["status"] == "done" and resumed["skipped"] == MAX_BATCH_CATALOGS
    assert resumed["created"] == 250 - MAX_BATCH_CATALOGS


def test_the_command_line(dept: Dept, directory: LocalNetwork, tmp_path: Any) -> None:
    path = tmp_path / "one.xlsx"
    path.write_bytes(write(catalogs(dept, f"cli{uuid.uuid4().hex[:6]}", 3), "xlsx"))
    base = [sys.executable, "-m", "gateway.imports"]
    who = ["--url", dept.api.base_url, "--token", dept.rest.token, "--department", dept.id]
    dry = subprocess.run([*base, str(path), *who, "--dry-run"], capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0 and "3 to create" in dry.stdout, dry.stdout + dry.stderr
    run = subprocess.run([*base, str(path), *who], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "3 created" in run.stdout, run.stdout + run.stderr
    out = tmp_path / "out.json"
    exported = subprocess.run(
        [*base, "export", *who, "--format", "json", str(out)], capture_output=True, text=True, timeout=120
    )
    assert exported.returncode == 0, exported.stderr
    again = subprocess.run([*base, str(out), *who, "--dry-run"], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "0 to create, 0 to update" in again.stdout, again.stdout


def _multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_the_rest_endpoint_reports_progress_to_completion(dept: Dept) -> None:
    n = 2 * MAX_BATCH_CATALOGS + 10
    body, content_type = _multipart(
        {"department": dept.id}, "c.csv", write(catalogs(dept, f"rest{uuid.uuid4().hex[:6]}", n), "csv")
    )
    who = (HEALTH, "admin")
    reply = dept.api.post("/imports", raw=body, headers={"Content-Type": content_type}, as_=who)
    assert reply.status == 202, reply
    job = reply.data["id"]
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 300
    while True:
        state = dept.api.get(f"/imports/{job}", as_=who)
        assert state.status == 200, state
        seen.append(state.data)
        if state.data["status"] not in ("validating", "running"):
            break
        assert time.monotonic() < deadline, seen[-1]
        time.sleep(0.05)
    final = seen[-1]
    assert final["status"] == "done", final
    assert final["created"] == n and final["done"] == final["total"] == n and final["transactions"] == 3
    assert all(s["done"] <= n for s in seen)
    # Another identity cannot read the job; a body that is not multipart is 415.
    assert dept.api.get(f"/imports/{job}", as_=(CIVIL, "admin")).status == 404
    assert dept.api.post("/imports", {"department": dept.id}, as_=who).status == 415
    odd, odd_type = _multipart({"department": dept.id}, "x.txt", b"x")
    refused = dept.api.post("/imports", raw=odd, headers={"Content-Type": odd_type}, as_=(BUREAU, "admin"))
    assert refused.status == 400 and refused.error["details"]["field"] == "format", refused
