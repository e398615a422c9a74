"""The gateway's read cache on a running directory (both ledgers): answers say the height they
reflect and where they came from; no read is older than the caller's own last write, or older
than the height it claims, while a writer updates the catalog under concurrent readers."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from tests.integration.rest import (
    BUREAU,
    CIVIL,
    HEALTH,
    Api,
    Reply,
    catalog,
    department,
    ok,
    responsibility,
    unique,
)

HEIGHT, SOURCE = "X-Ledger-Height", "X-Citydir-Read"


@pytest.fixture(scope="module")
def catalog_id(api: Api) -> str:
    health, resp, cat = unique("health"), unique("resp"), unique("cat")
    ok(api.post("/departments", department(health, HEALTH)), 201)
    ok(
        api.post(
            f"/departments/{health}/responsibilities", responsibility(resp, health), as_=(HEALTH, "admin")
        ),
        201,
    )
    ok(api.post("/catalogs", catalog(cat, health, resp), as_=(HEALTH, "admin")), 201)
    return cat


def header(reply: Reply, name: str) -> str:
    found = {k.lower(): v for k, v in reply.headers.items()}.get(name.lower())
    assert found is not None, (name, reply.headers)
    return found


def cached(api: Api, path: str) -> Reply:
    """Read ``path`` until an answer comes from the cache: each worker process of the gateway
    fills its own on a miss, and its event stream starts with its warm-up."""
    deadline = time.monotonic() + 30
    while True:
        reply = api.get(path, as_=(CIVIL, "client"))
        if header(reply, SOURCE) == "cache" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert header(reply, SOURCE) == "cache"
    return reply


def test_a_repeated_read_comes_from_the_cache_and_says_its_height(api: Api, catalog_id: str) -> None:
    path = f"/catalogs/{catalog_id}"
    reply = cached(api, path)
    claimed = int(header(reply, HEIGHT))
    assert reply.data["ledger"]["block"] < claimed <= api.settled_height() + 1
    fresh = api.get(path, as_=(CIVIL, "client"), headers={"Cache-Control": "no-cache"})
    assert header(fresh, SOURCE) == "peer" and fresh.data == reply.data
    # Lists are cached too, and so is the department-filtered one.
    listed = cached(api, f"/catalogs?department={reply.data['department_id']}")
    assert int(header(listed, HEIGHT)) <= api.settled_height() + 1


@dataclass(frozen=True)
class Seen:
    who: str
    version: int
    claimed: int
    after_own_write: int  # the version of the reader's own last committed write before the read (0: none)
    source: str


def test_no_read_is_older_than_its_callers_write_or_its_claimed_height(api: Api, catalog_id: str) -> None:
    path = f"/catalogs/{catalog_id}"
    writer = (HEALTH, "admin")
    seen: list[Seen] = []
    lock = threading.Lock()
    own_write = {"version": 0}
    stop = threading.Event()

    def read(who: tuple[str, str]) -> None:
        while not stop.is_set():
            before = own_write["version"] if who == writer else 0
            reply = api.get(path, as_=who)
            assert reply.status == 200, reply
            with lock:
                seen.append(
                    Seen(
                        who[0],
                        reply.data["version"],
                        int(header(reply, HEIGHT)),
                        before,
                        header(reply, SOURCE),
                    )
                )

    readers = [
        threading.Thread(target=read, args=(who,)) for who in (writer, (CIVIL, "client"), (BUREAU, "admin"))
    ]
    for thread in readers:
        thread.start()
    try:
        for n in range(6):
            body = ok(api.patch(path, {"description": f"revision {n}"}, as_=writer))
            own_write["version"] = body["data"]["version"]
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=60)
    history = ok(api.get(f"{path}/history"))["data"]  # newest first, each with its block
    written = sorted((entry["block"], entry["value"]["version"]) for entry in history)

    def newest_before(height: int) -> int:
        return max((version for block, version in written if block < height), default=0)

    assert len(seen) > 20 and {s.who for s in seen} == {HEALTH, CIVIL, BUREAU}
    assert {s.source for s in seen} == {"cache", "peer"}  # both paths were taken under the writes
    for s in seen:
        assert s.version >= s.after_own_write, s  # its own write, read back
        assert s.version >= newest_before(s.claimed), s  # not older than the height it claims
    # Another org's caller sees the last write within the staleness bound (the event lag).
    deadline = time.monotonic() + 5
    while api.get(path, as_=(BUREAU, "admin")).data["version"] != own_write["version"]:
        assert time.monotonic() < deadline, "the cache still served an older version after 5 s"
        time.sleep(0.1)
