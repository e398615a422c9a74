"""A malicious org runs modified chaincode on its own peers: its forgeries commit INVALID.

This module runs its own network, since it replaces chaincode servers; it restores nothing
and the network is removed afterwards. The attacker is CivilAffairsMSP; later the data bureau
colludes. What protects the Health catalog is the key-level policy naming Health's peers; what
protects a new department record is the chaincode-level MAJORITY policy.

A colluding majority CAN commit NEW keys (Fabric checks only the chaincode-level policy for
them): a grant of its own invention commits VALID. What keeps it powerless is the catalog's
grant register, an existing key under Health's policy: a grant not in it is not in force, and
a forgery that adds to it commits INVALID.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from citydir_verify import verify_bundle

from gateway.app import create_app
from tests.integration.directory_client import (
    BUREAU,
    BUREAU_ADMIN,
    CIVIL,
    CIVIL_ADMIN,
    HEALTH,
    HEALTH_ADMIN,
    ORGS,
    ChaincodeFailure,
    Directory,
    catalog,
    department,
    gateway_config,
    responsibility,
)
from tests.integration.forgery import FORGED_RESULT, replace_chaincode_server, stop
from tests.integration.localnet import LocalNetwork, running

CIVIL_DEPT = "forge-civil"

CATALOG = "forge-health-records"


@pytest.fixture(scope="module")
def net(fabric: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    with running(tmp_path_factory.mktemp("citydir-forgery"), "--no-seed", "--no-gateway") as network:
        yield network


@pytest.fixture(scope="module")
def directory(net: LocalNetwork) -> Iterator[Directory]:
    with Directory(net) as client:
        client.submit(BUREAU_ADMIN, "RegisterDepartment", department("forge-health", "HealthMSP"))
        client.submit(BUREAU_ADMIN, "RegisterDepartment", department(CIVIL_DEPT, "CivilAffairsMSP"))
        client.submit(HEALTH_ADMIN, "CreateResponsibility", responsibility("forge-care", "forge-health"))
        client.submit(HEALTH_ADMIN, "CreateCatalog", catalog(CATALOG, "forge-health", ["forge-care"]))
        client.submit(HEALTH_ADMIN, "PublishCatalog", {"id": CATALOG})
        wait_discovered(client)
        yield client


def wait_discovered(client: Directory, timeout: float = 60) -> None:
    """Until every org's Gateway can target every org's peer: right after start-up, discovery
    (gossip) may not know yet that another org's peer runs the chaincode."""
    deadline = time.monotonic() + timeout
    for who in (HEALTH_ADMIN, CIVIL_ADMIN, BUREAU_ADMIN):
        for org in (HEALTH, CIVIL, BUREAU):
            while True:
                try:
                    client.evaluate_raw(who, "Ping", {}, target_org=org)
                    break
                except ChaincodeFailure:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)


@pytest.fixture(scope="module")
def forgers(net: LocalNetwork, directory: Directory) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """Forging chaincode servers by org label; started on demand, stopped at the end."""
    running: dict[str, subprocess.Popen[bytes]] = {}
    yield running
    for process in running.values():
        stop(process)


def corrupt(net: LocalNetwork, forgers: dict[str, subprocess.Popen[bytes]], org: int) -> None:
    """Replace ``org``'s chaincode server by a forger; colluders forge alike, for the attacker."""
    label = ORGS[org][0]
    if label not in forgers:
        forgers[label] = replace_chaincode_server(net, label, ORGS[CIVIL][1])


def tampered(original: dict[str, Any]) -> dict[str, Any]:
    """The Health catalog as the attacker would like it: shared with anyone, unconditionally."""
    return {**original, "share_type": "unconditional", "share_conditions": None, "version": 99}


def forge(directory: Directory, function: str, document: dict[str, Any], endorsers: list[int]) -> Any:
    """Submit through the attacker's own peer's Gateway, endorsed only by ``endorsers``' peers."""
    result, commit = directory.submit_async(
        CIVIL_ADMIN, function, document, endorsing_organizations=[ORGS[org][1] for org in endorsers]
    )
    assert result == FORGED_RESULT, "the endorsement came from the real chaincode, not the forger"
    return commit.status()


def unchanged(directory: Directory, before: bytes) -> None:
    directory.wait_same_height()
    for org in (HEALTH, CIVIL, BUREAU):
        assert directory.evaluate_raw(HEALTH_ADMIN, "GetCatalog", {"id": CATALOG}, target_org=org) == before


def test_a_forged_catalog_endorsed_only_by_the_attacker_commits_invalid(
    net: LocalNetwork, directory: Directory, forgers: dict[str, subprocess.Popen[bytes]]
) -> None:
    before = directory.evaluate_raw(HEALTH_ADMIN, "GetCatalog", {"id": CATALOG}, target_org=HEALTH)
    corrupt(net, forgers, CIVIL)
    status = forge(
        directory, "UpdateCatalog", tampered(directory.read("GetCatalog", {"id": CATALOG})), [CIVIL]
    )
    assert (status.successful, status.code_name) == (False, "ENDORSEMENT_POLICY_FAILURE")
    # The invalid transaction is on the ledger, marked so, and wrote nothing.
    network = directory.network(HEALTH_ADMIN)
    assert network.get_transaction_validation(status.tx_id) == (
        "ENDORSEMENT_POLICY_FAILURE",
        status.block_number,
    )
    unchanged(directory, before)


def test_a_forged_transactions_evidence_bundle_is_rejected(
    net: LocalNetwork, directory: Directory, forgers: dict[str, subprocess.Popen[bytes]]
) -> None:
    """The forgery's own bundle, as an honest gateway builds it: the verifier refuses it, on the
    validation flag and, independently of that flag, on the policy the key was under."""
    corrupt(net, forgers, CIVIL)
    status = forge(
        directory, "UpdateCatalog", tampered(directory.read("GetCatalog", {"id": CATALOG})), [CIVIL]
    )
    assert not status.successful
    client = create_app(gateway_config(net, "auditor-token", HEALTH_ADMIN)).test_client()
    auth = {"Authorization": "Bearer auditor-token"}
    genesis = client.get("/api/v1/ledger?blocks=0", headers=auth).get_json()["data"]["genesis_hash"]
    reply = client.get(f"/api/v1/transactions/{status.tx_id}/evidence", headers=auth)
    assert reply.status_code == 200, reply.get_json()
    report = verify_bundle(reply.data, genesis)
    failing = {c.id for c in report.checks if c.status == "fail"}
    assert report.verdict == "INVALID" and report.anchored
    assert {"tx-valid", "owner-policy"} <= failing, report.render()
    # The honest catalog's own bundle, from the same gateway, still verifies.
    honest = client.get(f"/api/v1/catalogs/{CATALOG}/evidence", headers=auth)
    assert verify_bundle(honest.data, genesis).verdict == "VALID"


def test_a_forged_department_endorsed_only_by_the_attacker_commits_invalid(
    net: LocalNetwork, directory: Directory, forgers: dict[str, subprocess.Popen[bytes]]
) -> None:
    corrupt(net, forgers, CIVIL)
    forged = {**department("forge-shadow", "CivilAffairsMSP"), "status": "active", "version": 1}
    status = forge(directory, "RegisterDepartment", forged, [CIVIL])
    assert (status.successful, status.code_name) == (False, "ENDORSEMENT_POLICY_FAILURE")
    directory.wait_same_height()
    for org in (HEALTH, CIVIL, BUREAU):
        error = directory.evaluate_error(
            HEALTH_ADMIN, "GetDepartment", {"id": "forge-shadow"}, target_org=org
        )
        assert error["code"] == "NOT_FOUND"


def test_a_majority_colluding_cannot_forge_a_key_another_org_owns(
    net: LocalNetwork, directory: Directory, forgers: dict[str, subprocess.Popen[bytes]]
) -> None:
    before = directory.evaluate_raw(HEALTH_ADMIN, "GetCatalog", {"id": CATALOG}, target_org=HEALTH)
    corrupt(net, forgers, CIVIL)
    corrupt(net, forgers, BUREAU)
    # Two of three orgs: the chaincode-level MAJORITY is met, the catalog's key-level policy is not.
    status = forge(
        directory, "UpdateCatalog", tampered(directory.read("GetCatalog", {"id": CATALOG})), [CIVIL, BUREAU]
    )
    assert (status.successful, status.code_name) == (False, "ENDORSEMENT_POLICY_FAILURE")
    unchanged(directory, before)
    # Health's own admin still changes its catalog, endorsed by Health's honest peer alone
    # (the other two orgs' servers are forgers now): the key-level policy is all it needs.
    result, commit = directory.submit_async(
        HEALTH_ADMIN, "UpdateCatalog", {"id": CATALOG, "description": "still ours"}, ["HealthMSP"]
    )
    assert commit.status().code_name == "VALID"
    assert (json.loads(result)["share_type"], json.loads(result)["version"]) == ("conditional", 3)


def forged_grant(grant_id: str) -> dict[str, Any]:
    """A grant of Health's catalog to the attacker, as the honest chaincode would have stored it."""
    return {
        "id": grant_id,
        "request_id": grant_id.removeprefix("grant-"),
        "grantee_id": CIVIL_DEPT,
        "owner_id": "forge-health",
        "catalog_id": CATALOG,
        "items": [],
        "valid_from": "2026-01-01T00:00:00.000000Z",
        "valid_until": "2028-12-31T23:59:59.000000Z",
        "status": "active",
        "revoked": None,
        "version": 1,
        "ledger": {"tx_id": "0" * 64, "timestamp": "2026-01-01T00:00:00.000000Z"},
    }


def grant_writes(grant: dict[str, Any]) -> list[dict[str, Any]]:
    """The grant and its index entries: all NEW keys (None = an index value)."""
    return [
        {"key": ["grant", grant["id"]], "value": grant},
        {"key": ["grant~pair", CIVIL_DEPT, CATALOG, grant["id"]], "value": None},
        {"key": ["grant~grantee", CIVIL_DEPT, "active", grant["id"]], "value": None},
        {"key": ["grant~catalog", CATALOG, "active", grant["id"]], "value": None},
    ]


def check_on_health(directory: Directory, item: str = "amount") -> Any:
    check = {"department_id": CIVIL_DEPT, "catalog_id": CATALOG, "item": item}
    return directory.evaluate(HEALTH_ADMIN, "CheckAccess", check, target_org=HEALTH)


def test_a_majority_can_commit_a_new_grant_key_but_no_peer_honours_it(
    net: LocalNetwork, directory: Directory, forgers: dict[str, subprocess.Popen[bytes]]
) -> None:
    corrupt(net, forgers, CIVIL)
    corrupt(net, forgers, BUREAU)
    status = forge(
        directory, "Forge", {"writes": grant_writes(forged_grant("grant-forged"))}, [CIVIL, BUREAU]
    )
    # New keys need only the chaincode-level MAJORITY: Fabric commits the forgery as VALID...
    assert (status.successful, status.code_name) == (True, "VALID")
    directory.wait_same_height()
    # ...and the forged grant is on Health's own peer, yet not in force.
    grant = directory.evaluate(HEALTH_ADMIN, "GetGrant", {"id": "grant-forged"}, target_org=HEALTH)
    assert (grant["grantee_id"], grant["status"]) == (CIVIL_DEPT, "void")
    assert check_on_health(directory) == {"allowed": False, "reason": "no-grant", "grant_id": None}
    usage = {
        "grant_id": "grant-forged",
        "department_id": CIVIL_DEPT,
        "items": ["amount"],
        "purpose_ref": "p",
        "record_count": 1,
    }
    error = directory.submit_error(CIVIL_ADMIN, "RecordUsage", usage)
    assert (error["code"], error["details"]["status"]) == ("FAILED_PRECONDITION", "void")

    # A genuine grant, issued by Health, is honoured beside it.
    request = directory.submit(
        CIVIL_ADMIN,
        "RequestAccess",
        {
            "id": "forge-req-genuine",
            "requester_id": CIVIL_DEPT,
            "catalog_id": CATALOG,
            "items": ["amount"],
            "purpose": "eligibility checks",
            "legal_basis": "statute",
            "requested_until": "2027-12-31",
        },
    )
    assert request.result["grant"] is None
    directory.submit(HEALTH_ADMIN, "ApproveRequest", {"id": "forge-req-genuine", "reason": "ok"})
    assert check_on_health(directory) == {
        "allowed": True,
        "reason": "grant",
        "grant_id": "grant-forge-req-genuine",
    }
    # The forged grant's whole-catalog reach stays out of reach.
    assert check_on_health(directory, "person_name")["allowed"] is False


def test_a_majority_cannot_add_a_forged_grant_to_the_register(
    net: LocalNetwork, directory: Directory, forgers: dict[str, subprocess.Popen[bytes]]
) -> None:
    corrupt(net, forgers, CIVIL)
    corrupt(net, forgers, BUREAU)
    register = {"catalog_id": CATALOG, "grants": ["grant-forged-two"]}
    writes = [
        *grant_writes(forged_grant("grant-forged-two")),
        {"key": ["grantreg", CATALOG], "value": register},
    ]
    status = forge(directory, "Forge", {"writes": writes}, [CIVIL, BUREAU])
    # The register exists and names Health's peers: the whole transaction is INVALID.
    assert (status.successful, status.code_name) == (False, "ENDORSEMENT_POLICY_FAILURE")
    directory.wait_same_height()
    error = directory.evaluate_error(HEALTH_ADMIN, "GetGrant", {"id": "grant-forged-two"}, target_org=HEALTH)
    assert error["code"] == "NOT_FOUND"
    assert check_on_health(directory, "person_name") == {
        "allowed": False,
        "reason": "no-grant",
        "grant_id": None,
    }


def test_a_pre_created_register_blocks_the_catalog_id_and_opens_nothing(
    net: LocalNetwork, directory: Directory, forgers: dict[str, subprocess.Popen[bytes]]
) -> None:
    corrupt(net, forgers, CIVIL)
    corrupt(net, forgers, BUREAU)
    planted = {"catalog_id": "forge-health-icu", "grants": ["grant-planted"]}
    status = forge(
        directory,
        "Forge",
        {"writes": [{"key": ["grantreg", "forge-health-icu"], "value": planted}]},
        [CIVIL, BUREAU],
    )
    assert status.code_name == "VALID"
    directory.wait_same_height()
    error = directory.submit_error(
        HEALTH_ADMIN, "CreateCatalog", catalog("forge-health-icu", "forge-health", ["forge-care"])
    )
    assert (error["code"], error["details"]) == (
        "CONFLICT",
        {"id": "forge-health-icu", "field": "catalog.id"},
    )
