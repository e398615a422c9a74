"""A malicious org runs modified chaincode on its own peers: its forgeries commit INVALID.

This module runs its own network, since it replaces chaincode servers; it restores nothing
and the network is removed afterwards. The attacker is CivilAffairsMSP; later the data bureau
colludes. What protects the Health catalog is the key-level policy naming Health's peers; what
protects a new department record is the chaincode-level MAJORITY policy.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.directory_client import (
    BUREAU,
    BUREAU_ADMIN,
    CIVIL,
    CIVIL_ADMIN,
    HEALTH,
    HEALTH_ADMIN,
    ORGS,
    Directory,
    catalog,
    department,
    responsibility,
)
from tests.integration.fabricnet import FabricNetwork, free_base_port
from tests.integration.forgery import FORGED_RESULT, replace_chaincode_server, stop

CATALOG = "forge-health-records"


@pytest.fixture(scope="module")
def net(fabric: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FabricNetwork]:
    network = FabricNetwork(tmp_path_factory.mktemp("citydir-forgery"), free_base_port(35000))
    try:
        network.up("--no-seed", "--no-gateway")
        yield network
    finally:
        network.remove()


@pytest.fixture(scope="module")
def directory(net: FabricNetwork) -> Iterator[Directory]:
    with Directory(net) as client:
        client.submit(BUREAU_ADMIN, "RegisterDepartment", department("forge-health", "HealthMSP"))
        client.submit(BUREAU_ADMIN, "RegisterDepartment", department("forge-civil", "CivilAffairsMSP"))
        client.submit(HEALTH_ADMIN, "CreateResponsibility", responsibility("forge-care", "forge-health"))
        client.submit(HEALTH_ADMIN, "CreateCatalog", catalog(CATALOG, "forge-health", ["forge-care"]))
        client.submit(HEALTH_ADMIN, "PublishCatalog", {"id": CATALOG})
        yield client


@pytest.fixture(scope="module")
def forgers(net: FabricNetwork, directory: Directory) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """Forging chaincode servers by org label; started on demand, stopped at the end."""
    running: dict[str, subprocess.Popen[bytes]] = {}
    yield running
    for process in running.values():
        stop(process)


def corrupt(net: FabricNetwork, forgers: dict[str, subprocess.Popen[bytes]], org: int) -> None:
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
    net: FabricNetwork, directory: Directory, forgers: dict[str, subprocess.Popen[bytes]]
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


def test_a_forged_department_endorsed_only_by_the_attacker_commits_invalid(
    net: FabricNetwork, directory: Directory, forgers: dict[str, subprocess.Popen[bytes]]
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
    net: FabricNetwork, directory: Directory, forgers: dict[str, subprocess.Popen[bytes]]
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
