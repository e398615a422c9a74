"""The embedded ledger as a process: durability across kill -9 and restarts, SSE resumption, status.

A gateway of this module's own (``network.sh up`` with ``CITYDIR_LEDGER=embedded``: no Fabric,
so this runs on every machine) is killed and restarted here, which the shared session networks
must never see. Everything is on 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests.integration.localnet import LocalNetwork, port_free, running
from tests.integration.rest import BUREAU, Api, Reply, SseStream, catalog, department, responsibility, unique

WRITERS = 4
ACKS_BEFORE_KILL = 24
DEADLINE = 30.0


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    """This module's own embedded gateway; removed (stopped, state deleted) at the end."""
    with running(tmp_path_factory.mktemp("embedded-durability"), "--no-seed", ledger="embedded") as network:
        yield network


@pytest.fixture(scope="module")
def api(net: LocalNetwork) -> Api:
    client = Api.for_network(net)
    client.timeout = 20.0  # a request must not outlive the test's own deadlines
    return client


@pytest.fixture(scope="module")
def place(api: Api) -> tuple[str, str]:
    """A department of the data bureau and a responsibility, for the catalogs below."""
    dept_id, resp_id = unique("durable"), unique("duty")
    for path, body in (
        ("/departments", department(dept_id, BUREAU)),
        (f"/departments/{dept_id}/responsibilities", responsibility(resp_id, dept_id)),
    ):
        reply = api.post(path, body)
        assert reply.status == 201, reply
    return dept_id, resp_id


def ledger_file(net: LocalNetwork) -> Path:
    return net.home / "data" / "embedded" / "citydir.sqlite"


def height(api: Api) -> int:
    reply = api.get("/ledger", query={"blocks": 0})
    assert reply.status == 200, reply
    return int(reply.data["height"])


def verified_height(path: Path) -> int:
    """Recompute the file's hash chain read-only, independently of the gateway's code: its height."""
    previous, count = "0" * 64, 0
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as db:
        rows = db.execute("SELECT number, previous_hash, data_hash, hash, data FROM blocks ORDER BY number")
        for number, previous_hash, data_hash, block_hash, data in rows:
            assert number == count and previous_hash == previous, f"block {number} does not link"
            assert hashlib.sha256(bytes(data)).hexdigest() == data_hash, f"block {number}'s data changed"
            header = {"data_hash": data_hash, "number": number, "previous_hash": previous_hash}
            expected = hashlib.sha256(json.dumps(header, sort_keys=True, separators=(",", ":")).encode())
            assert expected.hexdigest() == block_hash, f"block {number}'s header changed"
            previous, count = block_hash, count + 1
    return count


def _dead(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"  # a zombie holds no socket and no file


def kill_gateway(net: LocalNetwork) -> None:
    """SIGKILL the gateway's whole process group (the server's main process and its worker), as a crash would,
    and wait until it is dead and its port free.

    The crash leaves its pid file behind, which is removed here: network.sh trusts ``kill -0``,
    which also succeeds on a zombie (the killed master is one until init reaps it, which some
    sandboxes' init does late or never), and ``up`` would then take the dead gateway for running.
    """
    pid_file = net.home / "pids" / "gateway.pid"
    pid = int(pid_file.read_text())
    assert os.getpgid(pid) == pid, "the gateway should lead its own process group (started by setsid)"
    os.killpg(pid, signal.SIGKILL)
    port = net.base_port + 300
    deadline = time.monotonic() + DEADLINE
    while not (_dead(pid) and port_free(port)):
        assert time.monotonic() < deadline, f"the gateway (pid {pid}) did not die within {DEADLINE}s"
        time.sleep(0.05)
    pid_file.unlink()


def test_no_acknowledged_write_is_lost_across_kill_9(
    net: LocalNetwork, api: Api, place: tuple[str, str]
) -> None:
    """Writers create catalogs until the gateway is SIGKILLed under them. A 201 is sent only
    after the block's COMMIT reached the disk, so every acknowledged catalog must be there after
    the restart, in the block it was acknowledged in, its transaction VALID. Writes that got no
    answer (in flight at the kill) may or may not have committed; both are correct, but one that
    did must be whole and VALID. The hash chain must still verify."""
    dept_id, resp_id = place
    acked: dict[str, tuple[str, int]] = {}
    unanswered: list[str] = []
    refused: list[Reply] = []
    lock = threading.Lock()
    stop = threading.Event()

    def write(n: int) -> None:
        for _ in range(500):
            if stop.is_set():
                return
            catalog_id = unique(f"kill{n}")
            try:
                reply = api.post("/catalogs", catalog(catalog_id, dept_id, resp_id))
            except (OSError, http.client.HTTPException):  # the gateway died under this request
                with lock:
                    unanswered.append(catalog_id)
                return
            with lock:
                if reply.status != 201:
                    refused.append(reply)
                    return
                acked[catalog_id] = (reply.json["tx_id"], reply.json["block"])

    writers = [threading.Thread(target=write, args=(n,), name=f"writer-{n}") for n in range(WRITERS)]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + DEADLINE
    while len(acked) < ACKS_BEFORE_KILL and not refused and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not refused, refused
    assert len(acked) >= ACKS_BEFORE_KILL, f"only {len(acked)} catalogs created in {DEADLINE}s"
    kill_gateway(net)
    stop.set()
    for writer in writers:
        writer.join(timeout=DEADLINE)
    assert not any(writer.is_alive() for writer in writers)
    assert not refused, refused

    net.up("--no-seed")

    for catalog_id, (tx_id, block) in acked.items():
        reply = api.get(f"/catalogs/{catalog_id}")
        assert reply.status == 200, (catalog_id, reply)
        assert reply.data["ledger"]["tx_id"] == tx_id and reply.data["ledger"]["block"] == block
        status = api.get(f"/transactions/{tx_id}")
        assert status.status == 200 and (status.data["status"], status.data["block"]) == ("VALID", block)
    for catalog_id in unanswered:
        reply = api.get(f"/catalogs/{catalog_id}")
        assert reply.status in (200, 404), (catalog_id, reply)
        if reply.status == 200:
            status = api.get(f"/transactions/{reply.data['ledger']['tx_id']}")
            assert status.data["status"] == "VALID" and status.data["block"] == reply.data["ledger"]["block"]
    now = height(api)
    assert now > max(block for _, block in acked.values())
    assert verified_height(ledger_file(net)) == now


def test_a_restart_keeps_height_history_events_and_sse_resumes_from_last_event_id(
    net: LocalNetwork, api: Api, place: tuple[str, str]
) -> None:
    """After ``down`` + ``up`` the gateway serves the same height, catalog and history, and an
    SSE client reconnecting with Last-Event-ID gets exactly the events after that one: the
    missed ones, then new ones, no duplicate."""
    dept_id, resp_id = place
    token = api.token(BUREAU, "client")
    catalog_id = unique("restart")
    with SseStream(api.base_url, token, query={"start_block": height(api)}) as stream:
        created = api.post("/catalogs", catalog(catalog_id, dept_id, resp_id))
        assert created.status == 201, created
        updates = [api.patch(f"/catalogs/{catalog_id}", {"description": f"version {v}"}) for v in (2, 3)]
        assert [u.status for u in updates] == [200, 200], updates
        seen = stream.events_until(lambda events: len(events) >= 3, timeout=DEADLINE)
    assert [e.json["tx_id"] for e in seen] == [created.json["tx_id"], *(u.json["tx_id"] for u in updates)]
    assert [e.event for e in seen] == ["CatalogCreated", "CatalogUpdated", "CatalogUpdated"]
    height_before = height(api)
    catalog_before = api.get(f"/catalogs/{catalog_id}").data
    history_before = api.get(f"/catalogs/{catalog_id}/history").data

    net.down()
    net.up("--no-seed")

    assert height(api) == height_before == verified_height(ledger_file(net))
    assert api.get(f"/catalogs/{catalog_id}").data == catalog_before
    history = api.get(f"/catalogs/{catalog_id}/history").data
    assert history == history_before and [h["value"]["version"] for h in history] == [3, 2, 1]

    with SseStream(api.base_url, token, last_event_id=seen[0].id) as stream:
        marker = api.patch(f"/catalogs/{catalog_id}", {"description": "after the restart"})
        assert marker.status == 200, marker
        resumed = stream.events_until(lambda events: len(events) >= 3, timeout=DEADLINE)
        assert [e.id for e in resumed[:2]] == [e.id for e in seen[1:]]
        assert resumed[2].id == f"{marker.json['block']}:{marker.json['tx_id']}"
        stream.set_read_timeout(1.5)
        with pytest.raises(TimeoutError):  # nothing else follows: only heartbeats, if anything
            stream.next_event()


def test_status_names_the_embedded_ledger_at_the_gateway_height(net: LocalNetwork, api: Api) -> None:
    """``network.sh status --json`` reads the file itself; it must agree with what the gateway serves."""
    status: dict[str, Any] = net.status()
    assert status["ledger"] == "embedded"
    assert status["gateway"]["up"] is True
    assert Path(status["embedded"]["path"]) == ledger_file(net)
    served = height(api)
    assert served > 1 and status["embedded"]["height"] == served
