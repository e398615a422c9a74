"""Concurrent writes to one catalog conflict and are retried; none fails as a policy failure.

On Fabric, a transaction that touches a key whose validation parameter an earlier transaction
of the same block set is invalidated as ENDORSEMENT_POLICY_FAILURE. The contract used to re-set
every key's parameter on every write, so parallel approvals and edits of one catalog answered
502. They must instead be MVCC conflicts, which the gateway retries (bounded, with jitter), and a
conflict that outlives the retries is 409 CONFLICT with ``retryable: true``. The same assertions
run on the embedded ledger, whose commits check read sets the same way.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest

from tests.integration.rest import (
    BUREAU,
    CIVIL,
    HEALTH,
    Api,
    Reply,
    catalog,
    department,
    responsibility,
    unique,
)

pytestmark = pytest.mark.integration

HEALTH_ADMIN, CIVIL_CLIENT = (HEALTH, "admin"), (CIVIL, "client")
RETRIES = re.compile(r'^citydir_mvcc_retries_total\{function="(\w+)"\} (\d+(?:\.\d+)?)$', re.M)


@dataclass(frozen=True)
class Hot:
    civil: str
    catalog: str


@pytest.fixture(scope="module")
def hot(api: Api) -> Hot:
    civil, health, resp, cat = unique("hot-civil"), unique("hot-health"), unique("hot-resp"), unique("hot")
    for dept_id, msp in ((civil, CIVIL), (health, HEALTH)):
        assert api.post("/departments", department(dept_id, msp), as_=(BUREAU, "admin")).status == 201
    assert (
        api.post(
            f"/departments/{health}/responsibilities", responsibility(resp, health), as_=HEALTH_ADMIN
        ).status
        == 201
    )
    assert api.post("/catalogs", catalog(cat, health, resp), as_=HEALTH_ADMIN).status == 201
    assert api.post(f"/catalogs/{cat}/publish", as_=HEALTH_ADMIN).status == 200
    return Hot(civil, cat)


def at_once(calls: list[Callable[[], Reply]]) -> list[Reply]:
    """Run every call in its own thread, released together."""
    barrier = threading.Barrier(len(calls))
    replies: list[Reply | None] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait(timeout=30)
        replies[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert all(r is not None for r in replies), "a call did not return"
    return [r for r in replies if r is not None]


def retries(api: Api, function: str) -> float:
    text = api.get("/metrics", auth=False).text
    return sum(float(n) for name, n in RETRIES.findall(text) if name == function)


def file_requests(api: Api, hot: Hot, count: int) -> list[str]:
    ids = [unique("hot-req") for _ in range(count)]
    for req_id in ids:
        body = {
            "id": req_id,
            "requester_id": hot.civil,
            "catalog_id": hot.catalog,
            "items": ["person_id"],
            "purpose": "并发审批测试",
            "legal_basis": "test",
            "requested_until": "2028-12-31",
        }
        reply = api.post("/access-requests", body, as_=CIVIL_CLIENT)
        assert reply.status == 201, reply
    return ids


def no_policy_failures(replies: list[Reply]) -> None:
    assert not [r for r in replies if r.status >= 500], [r for r in replies if r.status >= 500]


def test_parallel_approvals_of_different_requests_on_one_catalog_all_succeed(api: Api, hot: Hot) -> None:
    ids = file_requests(api, hot, 10)
    before = retries(api, "ApproveRequest")
    replies = at_once(
        [partial(api.post, f"/access-requests/{r}/approve", {"reason": "ok"}, as_=HEALTH_ADMIN) for r in ids]
    )
    no_policy_failures(replies)
    assert [r.status for r in replies] == [200] * 10, replies
    grants = {r.data["grant"]["id"] for r in replies}
    assert len(grants) == 10
    # They all wrote the catalog's grant register, one per block: most had to be retried.
    assert retries(api, "ApproveRequest") - before >= 1
    for grant_id in grants:
        assert api.get(f"/grants/{grant_id}", as_=CIVIL_CLIENT).data["status"] == "active"


def test_parallel_approvals_of_one_request_give_one_grant_and_409_for_the_rest(api: Api, hot: Hot) -> None:
    (req_id,) = file_requests(api, hot, 1)
    replies = at_once(
        [lambda: api.post(f"/access-requests/{req_id}/approve", {"reason": "ok"}, as_=HEALTH_ADMIN)] * 20
    )
    no_policy_failures(replies)
    statuses = sorted(r.status for r in replies)
    assert statuses == [200] + [409] * 19, statuses
    # Losers learn either that the request is no longer pending, or that the conflict outlived
    # the retries: both are 409, and the second says a retry may work.
    for reply in replies:
        if reply.status == 409:
            error = reply.error
            assert error["code"] in ("FAILED_PRECONDITION", "CONFLICT"), error
            if error["code"] == "CONFLICT":
                assert error["retryable"] is True
    grants = [
        g["id"]
        for g in api.get("/grants", query={"department": hot.civil, "page_size": 200}, as_=CIVIL_CLIENT).data
        if g["request_id"] == req_id
    ]
    assert len(grants) == 1, grants


def test_parallel_edits_of_one_catalog_land_as_successive_versions_or_409(api: Api, hot: Hot) -> None:
    start = api.get(f"/catalogs/{hot.catalog}", as_=HEALTH_ADMIN).data["version"]
    replies = at_once(
        [
            partial(api.patch, f"/catalogs/{hot.catalog}", {"description": f"edit {n}"}, as_=HEALTH_ADMIN)
            for n in range(10)
        ]
    )
    no_policy_failures(replies)
    landed = [r for r in replies if r.status == 200]
    assert all(r.status in (200, 409) for r in replies), replies
    assert landed, "no edit landed"
    versions = sorted(r.data["version"] for r in landed)
    assert versions == list(range(start + 1, start + 1 + len(landed))), versions
    history = api.get(f"/catalogs/{hot.catalog}/history", as_=HEALTH_ADMIN).data
    assert history[0]["value"]["version"] == start + len(landed)
