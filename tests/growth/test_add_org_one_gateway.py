"""`add-org` on the default network (one gateway for every org): the org joins with two peers,
the gateway gains its identities while every token already issued keeps working, and the org
stays part of the network across `down` and `up`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.integration.localnet import LocalNetwork, running
from tests.integration.rest import Api, department, responsibility, unique

BUREAU, NEW = "DataBureauMSP", "TransportMSP"


@pytest.fixture(scope="module")
def grown(
    fabric: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LocalNetwork, dict[str, str]]]:
    with running(tmp_path_factory.mktemp("citydir-grow1"), "--no-seed") as net:
        before = json.loads((net.home / "gateway" / "tokens.json").read_text())
        net.run("add-org", "Transport", "--peers", "2")
        yield net, before[BUREAU]


def same_height(net: LocalNetwork, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        found = {p["height"] for p in net.status()["peers"]}
        if len(found) == 1 and None not in found:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


def write_as_new_org(api: Api) -> None:
    dept, resp = unique("transport"), unique("resp")
    assert api.post("/departments", department(dept, NEW)).status == 201
    reply = api.post(f"/departments/{dept}/responsibilities", responsibility(resp, dept), as_=(NEW, "admin"))
    assert reply.status == 201, reply
    assert api.get(f"/departments/{dept}", as_=(NEW, "client")).json["data"]["msp_id"] == NEW


def test_issued_tokens_still_work_and_the_new_org_writes(grown: tuple[LocalNetwork, dict[str, str]]) -> None:
    net, bureau_before = grown
    api = Api.for_network(net)
    assert api.tokens[BUREAU] == bureau_before
    assert api.get("/departments", token=bureau_before["admin"]).status == 200
    assert set(api.tokens) == {"DataBureauMSP", "CivilAffairsMSP", "HealthMSP", NEW}
    write_as_new_org(api)


def test_both_new_peers_reach_the_same_height(grown: tuple[LocalNetwork, dict[str, str]]) -> None:
    net, _ = grown
    status = net.status()
    assert [p["name"] for p in status["peers"] if p["org"] == NEW] == [
        "peer0.transport.citydir.local",
        "peer1.transport.citydir.local",
    ]
    assert same_height(net), net.status()["peers"]


def test_the_org_stays_across_down_and_up(grown: tuple[LocalNetwork, dict[str, str]]) -> None:
    net, _ = grown
    net.down()
    assert not any(p["up"] for p in net.status()["peers"])
    net.up("--no-seed")
    status = net.status()
    assert [o["msp_id"] for o in status["orgs"]][-1] == NEW
    assert all(p["up"] for p in status["peers"]) and len(status["peers"]) == 5
    write_as_new_org(Api.for_network(net))
