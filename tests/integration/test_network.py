"""The test network itself: up, status, a cross-org transaction over TLS, down."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.integration.localnet import NETWORK_SH, LocalNetwork, port_free, running

ORGS = [("databureau", "DataBureauMSP"), ("civilaffairs", "CivilAffairsMSP"), ("health", "HealthMSP")]


@pytest.fixture(scope="module")
def network(fabric: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    # Non-default base port and its own state dir: runs beside a developer's network.
    with running(tmp_path_factory.mktemp("citydir-network"), "--no-seed", "--no-gateway") as net:
        yield net


def peer_cli(net: LocalNetwork, org: int, *args: str) -> subprocess.CompletedProcess[str]:
    label, msp = ORGS[org]
    return subprocess.run(
        ["peer", *args], env=net.peer_cli_env(org, label, msp), capture_output=True, text=True, timeout=120
    )


def test_every_node_is_up_at_the_same_height_with_the_chaincode_committed(network: LocalNetwork) -> None:
    status = network.status()
    assert status["channel"] == "citydir"
    assert [o["up"] for o in status["orderers"]] == [True, True, True]
    assert sorted(p["org"] for p in status["peers"]) == ["CivilAffairsMSP", "DataBureauMSP", "HealthMSP"]
    assert all(p["up"] for p in status["peers"])
    heights = {p["height"] for p in status["peers"]}
    assert len(heights) == 1 and heights.pop() > 0
    assert status["chaincode"]["committed"] is True
    assert status["chaincode"]["sequence"] >= 1


def test_status_without_fabrics_binaries_still_reports_what_runs(network: LocalNetwork) -> None:
    """With no Fabric CLI on PATH (and none configured) status cannot ask for heights: it says
    so and still lists every node as up, instead of exiting 1 without a word."""
    if (NETWORK_SH.parent / "bin" / ".version").is_file():
        pytest.skip("network/bin holds a Fabric build, which status would find without PATH")
    bare = {k: v for k, v in network.env.items() if k not in ("CITYDIR_FABRIC_BIN", "CITYDIR_FABRIC_CFG")}
    bare["PATH"] = os.pathsep.join(
        d for d in bare["PATH"].split(os.pathsep) if not os.path.exists(os.path.join(d, "peer"))
    )
    proc = subprocess.run(
        [str(NETWORK_SH), "status", "--json"], env=bare, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout)
    assert all(o["up"] for o in status["orderers"]) and all(p["up"] for p in status["peers"])
    assert {p["height"] for p in status["peers"]} == {None}  # not asked, not zero
    assert "not queried" in status["unqueried"] and "peer" in status["unqueried"]
    table = subprocess.run([str(NETWORK_SH), "status"], env=bare, capture_output=True, text=True, timeout=60)
    assert table.returncode == 0 and "note: heights and the chaincode were not queried" in table.stdout


def test_a_transaction_from_one_org_reads_back_from_another_orgs_peer(network: LocalNetwork) -> None:
    department = {
        "id": "net-test-health",
        "name": {"zh": "网络测试卫生局", "en": "Network Test Health"},
        "parent_id": None,
        "level": "municipal",
        "msp_id": "HealthMSP",
        "contact": {"name": "Test", "email": "test@example.org", "phone": "+86 10 0000 0000"},
    }
    # Submitted by the data bureau's admin, endorsed by a majority of orgs, over TLS.
    invoke = peer_cli(
        network,
        0,
        "chaincode",
        "invoke",
        "-o",
        f"127.0.0.1:{network.orderer_port(0)}",
        "--tls",
        "--cafile",
        str(network.orderer_ca()),
        "-C",
        "citydir",
        "-n",
        "citydir",
        "--waitForEvent",
        "--peerAddresses",
        f"127.0.0.1:{network.peer_port(0)}",
        "--tlsRootCertFiles",
        network.peer_cli_env(0, *ORGS[0])["CORE_PEER_TLS_ROOTCERT_FILE"],
        "--peerAddresses",
        f"127.0.0.1:{network.peer_port(2)}",
        "--tlsRootCertFiles",
        network.peer_cli_env(2, *ORGS[2])["CORE_PEER_TLS_ROOTCERT_FILE"],
        "-c",
        json.dumps({"Args": ["RegisterDepartment", json.dumps(department)]}),
    )
    assert invoke.returncode == 0, invoke.stderr
    assert "status:200" in invoke.stderr.replace(" ", "")

    query = peer_cli(
        network,
        2,
        "chaincode",
        "query",
        "-C",
        "citydir",
        "-n",
        "citydir",
        "-c",
        json.dumps({"Args": ["GetDepartment", json.dumps({"id": "net-test-health"})]}),
    )
    assert query.returncode == 0, query.stderr
    stored = json.loads(query.stdout)
    assert stored["name"] == department["name"]
    assert stored["msp_id"] == "HealthMSP"
    assert stored["status"] == "active"


def test_down_stops_every_process_and_frees_every_port(network: LocalNetwork) -> None:
    pids = network.pids()
    assert len(pids) >= 9  # 3 orderers, 3 peers, 3 chaincode servers
    network.down()
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or _is_zombie(pid), f"process {pid} still running"
    busy = [p for p in range(network.base_port, network.base_port + 400) if not port_free(p)]
    assert busy == [], f"ports still open after down: {busy}"
    assert all(not o["up"] for o in network.status()["orderers"])


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] == "Z"
    except FileNotFoundError:
        return True
