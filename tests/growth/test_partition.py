"""Partitions on `network.sh up --hosts`: each orderer and each org on a host (network namespace)
of its own, links cut with `network.sh link HOST down` and restored with `... up`.

* One org cut off while the data bureau and Health write: their writes go on (a majority of the
  three orgs, and of the orderers, is still reachable), CivilAffairs' own writes fail with a
  503/504 (its gateway, reached by its own users, cannot reach the others), and once the link is
  back its peer catches up to the same height and state without a restart.
* The Raft leader's host isolated: a new leader is elected, and no acknowledged write is lost.

Load is bounded (one write at a time, a few dozen in all) and only on the test addresses.
Needs root (network namespaces); skipped otherwise, saying why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.growth.conftest import OrgGateway, org_gateways
from tests.integration.localnet import LocalNetwork, free_base_port
from tests.integration.rest import department, responsibility, unique

BUREAU, CIVIL, HEALTH = "DataBureauMSP", "CivilAffairsMSP", "HealthMSP"


def _netns_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "network namespaces (up --hosts) need root"
    if shutil.which("ip") is None:
        return "iproute2's ip is not installed"
    probe = subprocess.run(["ip", "netns", "add", "citydir-probe"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"ip netns add failed: {probe.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", "citydir-probe"], capture_output=True)
    return None


@pytest.fixture(scope="module")
def hosts(fabric: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    reason = _netns_unavailable()
    if reason:
        pytest.skip(reason)
    net = LocalNetwork(tmp_path_factory.mktemp("citydir-hosts"), free_base_port())
    try:
        net.up("--hosts", "--no-seed")
        yield net
    finally:
        net.remove()
        layout = net.layout
        left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert f"citydir{layout.subnet_index}-" not in left, "clean left a namespace behind"
        assert subprocess.run(["ip", "link", "show", layout.bridge()], capture_output=True).returncode != 0


@dataclass
class Load:
    """Writes one at a time, alternately by the data bureau (a department) and Health (a
    responsibility of its department), each through its own gateway."""

    gws: dict[str, OrgGateway]
    health_dept: str
    acknowledged: list[tuple[str, str]] = field(default_factory=list)  # (kind, id)
    failures: list[int] = field(default_factory=list)

    def write(self) -> bool:
        n = len(self.acknowledged) + len(self.failures)
        if n % 2 == 0:
            kind, new_id = "department", unique("dept")
            reply = self.gws[BUREAU].api.post("/departments", department(new_id, HEALTH))
        else:
            kind, new_id = "responsibility", unique("resp")
            reply = self.gws[HEALTH].api.post(
                f"/departments/{self.health_dept}/responsibilities", responsibility(new_id, self.health_dept)
            )
        if reply.status == 201:
            self.acknowledged.append((kind, new_id))
            return True
        self.failures.append(reply.status)
        return False

    def run(self, count: int) -> list[bool]:
        return [self.write() for _ in range(count)]


def unavailable(status: int, text: str) -> bool:
    """A clear "the others cannot be reached": 503 (Fabric's Gateway cannot plan an endorsement
    without another org's peer) or 504 (a commit not confirmed in time)."""
    return status in (503, 504)


def link(net: LocalNetwork, host: str, state: str) -> None:
    net.run("link", host, state)


def same_height(net: LocalNetwork, timeout: float = 120.0) -> int:
    deadline = time.monotonic() + timeout
    peers: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        peers = net.status()["peers"]
        heights = {p["height"] for p in peers}
        if len(heights) == 1 and None not in heights:
            return int(heights.pop())
        time.sleep(1)
    raise AssertionError(f"the peers did not reach one height: {peers}")


def leader(net: LocalNetwork) -> int | None:
    layout = net.layout
    for i in range(layout.orderer_count()):
        url = f"http://{layout.orderer_host(i)}:{layout.orderer_ops_port(i)}/metrics"
        try:
            text = urllib.request.urlopen(url, timeout=2).read().decode()
        except OSError:
            continue
        if re.search(r'^consensus_etcdraft_is_leader\{channel="citydir"\} 1$', text, re.M):
            return i
    return None


def test_listening_is_only_on_the_test_addresses_and_the_forwards(hosts: LocalNetwork) -> None:
    layout = hosts.layout
    listening = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True).stdout
    ours = range(layout.base_port, layout.base_port + 400)
    local = sorted(
        int(m.group(2)) for m in re.finditer(r"\s(\S+):(\d+)\s", listening) if int(m.group(2)) in ours
    )
    assert local == [layout.gateway_port(o) for o in range(len(layout.orgs))], listening
    cert = (layout.peer_dir(1) / "tls" / "server.crt").read_text()
    proc = subprocess.run(
        ["openssl", "x509", "-noout", "-ext", "subjectAltName"], input=cert, capture_output=True, text=True
    )
    assert layout.org_host(1) in proc.stdout, proc.stdout


def test_one_org_cut_off_while_the_others_write(hosts: LocalNetwork) -> None:
    net = hosts
    gws = org_gateways(net)
    health_dept = unique("health")
    assert gws[BUREAU].api.post("/departments", department(health_dept, HEALTH)).status == 201
    civil_dept = unique("civil")
    assert gws[BUREAU].api.post("/departments", department(civil_dept, CIVIL)).status == 201
    same_height(net)
    load = Load(gws, health_dept)
    assert all(load.run(4)), load.failures
    pids = sorted(net.pids())

    link(net, "civilaffairs", "down")
    try:
        during = load.run(16)
        # CivilAffairs' own write, through its own gateway: a clear "unavailable", not a hang.
        civil = gws[CIVIL].api.post(
            f"/departments/{civil_dept}/responsibilities", responsibility(unique("resp"), civil_dept)
        )
    finally:
        link(net, "civilaffairs", "up")
    # Fabric's Gateway says it cannot plan an endorsement without the other orgs' peers: 503.
    assert unavailable(civil.status, civil.text), civil
    # Writes went on: after the first few (gossip and the Gateway learn that the org is gone)
    # every write of the bureau and Health was acknowledged.
    assert sum(during) >= 8 and all(during[-6:]), (during, load.failures)

    height = same_height(net)
    assert sorted(net.pids()) == pids, "nothing was restarted"
    # Its peer has the state: CivilAffairs' gateway evaluates on its own peer.
    for kind, new_id in load.acknowledged:
        if kind == "department":
            assert gws[CIVIL].api.get(f"/departments/{new_id}").status == 200, new_id
    assert height > 0


def test_the_raft_leader_isolated(hosts: LocalNetwork) -> None:
    net = hosts
    gws = org_gateways(net)
    health_dept = unique("health")
    assert gws[BUREAU].api.post("/departments", department(health_dept, HEALTH)).status == 201
    old = leader(net)
    assert old is not None
    load = Load(gws, health_dept)
    assert all(load.run(2)), load.failures

    cut = time.monotonic()
    link(net, f"orderer{old}", "down")
    try:
        elected = None
        while time.monotonic() - cut < 60:
            found = leader(net)
            if found is not None and found != old:
                elected = time.monotonic() - cut
                break
            time.sleep(0.5)
        assert elected is not None, "no new leader within 60s"
        first_ok = None
        for _ in range(30):
            if load.write() and first_ok is None:
                first_ok = time.monotonic() - cut
            if first_ok is not None and len(load.acknowledged) >= 8:
                break
        assert first_ok is not None, load.failures
        print(
            f"\nRaft leader orderer{old} isolated: orderer{leader(net)} leads after {elected:.1f}s, "
            f"writes acknowledged again after {first_ok:.1f}s (failures meanwhile: {load.failures})"
        )
    finally:
        link(net, f"orderer{old}", "up")
    same_height(net)
    # No acknowledged write is lost.
    for kind, new_id in load.acknowledged:
        path = f"/departments/{new_id}" if kind == "department" else f"/responsibilities/{new_id}"
        assert gws[HEALTH].api.get(path).status == 200, (kind, new_id)
