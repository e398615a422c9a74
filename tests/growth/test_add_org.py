"""`network.sh add-org`: a fourth department org joins the running channel and transacts.

Before it joins, CivilAffairs holds a grant on a Health catalog; after, the data bureau registers
a department under the new MSP, which files an access request that Health approves, the old
grant still checks, and the new peer has the same height. With four orgs the channel's MAJORITY
(Admins, and the chaincode's Endorsement) means 3 of 4; keys an existing org owns still need
that org's peer (their key-level policies name it), which Health's approval shows.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

from tests.growth.conftest import OrgGateway, org_gateways, settle
from tests.integration.localnet import LocalNetwork
from tests.integration.rest import catalog, department, responsibility, unique

BUREAU, CIVIL, HEALTH, NEW = "DataBureauMSP", "CivilAffairsMSP", "HealthMSP", "EnergyMSP"


@dataclass(frozen=True)
class Before:
    civil: str
    health: str
    conditional: str
    grant: str
    join_seconds: float
    added: str  # add-org's output


def data(reply: Any, status: int = 200) -> dict[str, Any]:
    assert reply.status == status, reply
    out: dict[str, Any] = reply.json["data"]
    return out


def request_body(requester: str, catalog_id: str, items: list[str]) -> dict[str, Any]:
    return {
        "requester_id": requester,
        "catalog_id": catalog_id,
        "items": items,
        "purpose": "能源补贴资格复核",
        "legal_basis": "《社会救助暂行办法》第十一条",
        "requested_until": "2028-12-31",
    }


def approve(health: OrgGateway, net: LocalNetwork, req_id: str) -> str:
    settle(net)
    reply = health.api.post(
        f"/access-requests/{req_id}/approve", {"reason": "依法履职需要", "valid_until": "2028-06-30"}
    )
    grant: str = data(reply)["grant"]["id"]
    return grant


def allowed(gw: OrgGateway, department_id: str, catalog_id: str, item: str) -> dict[str, Any]:
    reply = gw.api.get(
        "/access-check",
        query={"department": department_id, "catalog": catalog_id, "item": item},
        as_=(gw.msp_id, "client"),
    )
    return data(reply)


@pytest.fixture(scope="module")
def before(per_org_network: LocalNetwork) -> Before:
    net = per_org_network
    gws = org_gateways(net)
    bureau, civil_gw, health_gw = gws[BUREAU], gws[CIVIL], gws[HEALTH]
    civil, health = unique("civil"), unique("health")
    for dept_id, msp in ((civil, CIVIL), (health, HEALTH)):
        data(bureau.api.post("/departments", department(dept_id, msp)), 201)
    settle(net)
    resp, conditional = unique("resp"), unique("cond")
    data(health_gw.api.post(f"/departments/{health}/responsibilities", responsibility(resp, health)), 201)
    settle(net)
    data(health_gw.api.post("/catalogs", catalog(conditional, health, resp)), 201)
    settle(net)
    data(health_gw.api.post(f"/catalogs/{conditional}/publish"))
    settle(net)
    req = data(
        civil_gw.api.post(
            "/access-requests", request_body(civil, conditional, ["district"]), as_=(CIVIL, "client")
        ),
        201,
    )["request"]["id"]
    grant = approve(health_gw, net, req)
    settle(net)
    assert allowed(civil_gw, civil, conditional, "district")["allowed"] is True

    started = time.monotonic()
    proc = net.run("add-org", "Energy")
    join_seconds = time.monotonic() - started
    print(f"\nadd-org Energy: joined in {join_seconds:.1f}s")
    return Before(civil, health, conditional, grant, join_seconds, proc.stderr)


def test_add_org_says_what_majority_now_means(before: Before) -> None:
    assert "collecting 2 of 3 existing orgs' admin signatures" in before.added
    assert "the channel now has 4 orgs, so MAJORITY means 3 of 4" in before.added


def test_status_shows_the_new_org_its_peer_and_gateway(per_org_network: LocalNetwork, before: Before) -> None:
    status = per_org_network.status()
    orgs = {o["msp_id"]: o for o in status["orgs"]}
    assert list(orgs) == [BUREAU, CIVIL, HEALTH, NEW]
    assert orgs[NEW] == {"msp_id": NEW, "label": "energy", "peers": 1, "added": True}
    assert [p["name"] for p in status["peers"] if p["org"] == NEW] == ["peer0.energy.citydir.local"]
    assert all(p["up"] for p in status["peers"])
    assert [(g["org"], g["up"]) for g in status["gateways"]][-1] == (NEW, True)


def test_the_new_department_transacts_and_old_grants_still_check(
    per_org_network: LocalNetwork, before: Before
) -> None:
    net = per_org_network
    gws = org_gateways(net)
    energy_gw, health_gw, civil_gw = gws[NEW], gws[HEALTH], gws[CIVIL]
    energy = unique("energy")
    registered = data(gws[BUREAU].api.post("/departments", department(energy, NEW)), 201)
    assert registered["msp_id"] == NEW
    settle(net)
    # Its own admin files the request, through its own gateway (the only one with its key).
    req = data(
        energy_gw.api.post(
            "/access-requests", request_body(energy, before.conditional, ["district", "allowance"])
        ),
        201,
    )["request"]
    assert req["status"] == "pending" and req["requested_by"]["msp_id"] == NEW
    # The catalog's owner decides: its request and grant keys need Health's peer, as before.
    grant = approve(health_gw, net, req["id"])
    settle(net)
    assert allowed(energy_gw, energy, before.conditional, "allowance") == {
        "allowed": True,
        "reason": "grant",
        "grant_id": grant,
    }
    assert allowed(energy_gw, energy, before.conditional, "person_id")["allowed"] is False
    # CivilAffairs' grant, made when the channel had three orgs, still checks.
    assert allowed(civil_gw, before.civil, before.conditional, "district") == {
        "allowed": True,
        "reason": "grant",
        "grant_id": before.grant,
    }


def test_the_new_peer_reaches_the_same_height(per_org_network: LocalNetwork, before: Before) -> None:
    height = settle(per_org_network)
    peers = per_org_network.status()["peers"]
    assert {p["height"] for p in peers} == {height}, peers


def test_a_name_that_exists_is_refused_and_changes_nothing(
    per_org_network: LocalNetwork, before: Before
) -> None:
    net = per_org_network
    height = settle(net)
    for name in ("Energy", "Health", "HealthMSP"):
        proc = net.run("add-org", name, check=False)
        assert proc.returncode == 1, proc
        assert "already in this network" in proc.stderr
    assert settle(net) == height
    assert [o["msp_id"] for o in net.status()["orgs"]] == [BUREAU, CIVIL, HEALTH, NEW]


def test_an_update_without_a_majority_leaves_the_channel_as_it_was(
    per_org_network: LocalNetwork, before: Before
) -> None:
    """One admin signature of four orgs' (3 needed): the orderers refuse it; add-org removes
    what it made, and the channel, the orgs file and the crypto are as they were."""
    net = per_org_network
    height = settle(net)
    crypto = sorted(p.name for p in (net.home / "crypto" / "peerOrganizations").iterdir())
    orgs_file = (net.home / "orgs.added").read_text()
    env = {**net.env, "CITYDIR_ADD_ORG_SIGNATURES": "1"}
    proc = net.run("add-org", "Water", check=False, env=env)
    assert proc.returncode == 1, proc
    assert (
        "the orderers refused the channel update" in proc.stderr and "the channel is unchanged" in proc.stderr
    )
    assert sorted(p.name for p in (net.home / "crypto" / "peerOrganizations").iterdir()) == crypto
    assert (net.home / "orgs.added").read_text() == orgs_file
    assert "WaterMSP" not in json.dumps(net.status())
    assert settle(net) == height
