"""The pieces of a growing network that need no Fabric: orgs added by `network.sh add-org` in the
layout (and common.sh), the channel-config JSON edits, per-org gateway configs, status rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.tokens import add_dev_org
from network.lib import channel_update, gateway_config, render, status
from network.lib.layout import MAX_ORGS, ORGS, Layout, Org, org_of_name, shell_env

from .helpers import bash


def _grown(home: Path, gateways: str = "single") -> Layout:
    home.mkdir(parents=True, exist_ok=True)
    (home / "topology.env").write_text(
        f"LEDGER_KIND=fabric\nCITYDIR_CONSENSUS=raft\nCITYDIR_PEERS_PER_ORG=1\nCITYDIR_GATEWAYS={gateways}\n"
    )
    (home / "orgs.added").write_text("EnergyMSP:energy:2\n")
    return Layout.from_env({"CITYDIR_HOME": str(home), "CITYDIR_BASE_PORT": "23000"})


def test_org_names() -> None:
    assert org_of_name("Transport") == Org("TransportMSP", "transport")
    assert org_of_name("TransportMSP") == Org("TransportMSP", "transport")
    for bad in ("transport", "Trans-port", "Tränsport", "", "A" * 33):
        with pytest.raises(ValueError):
            org_of_name(bad)


def test_an_added_org_is_part_of_the_layout_after_the_builtin_ones(tmp_path: Path) -> None:
    layout = _grown(tmp_path)
    assert layout.orgs == (*ORGS, Org("EnergyMSP", "energy", 2))
    assert layout.org_peers(3) == 2 and layout.org_peers(0) == 1
    assert [p.name for p in layout.peers() if p.msp_id == "EnergyMSP"] == [
        "peer0.energy.citydir.local",
        "peer1.energy.citydir.local",
    ]
    ports = {layout.peer_port(o, p) for o in range(MAX_ORGS) for p in range(2)}
    ports |= {layout.ccaas_port(o) for o in range(MAX_ORGS)} | {
        layout.gateway_port(o) for o in range(MAX_ORGS)
    }
    assert len(ports) == MAX_ORGS * 4, "the port layout has room for MAX_ORGS orgs"


def test_common_sh_knows_the_added_org(tmp_path: Path) -> None:
    layout = _grown(tmp_path)
    out = bash(
        'echo "${#PEER_ORGS[@]} $(org_msp 3) $(org_label 3) $(org_peers 3) $(org_peers 0)'
        ' $(peer_port 3 1) $(ccaas_port 3) $(gateway_port 3) $(gateway_port) $(gateway_config 3)"',
        home=tmp_path,
        env={"CITYDIR_BASE_PORT": "23000"},
    )
    assert out.split() == [
        "4",
        "EnergyMSP",
        "energy",
        "2",
        "1",
        str(layout.peer_port(3, 1)),
        str(layout.ccaas_port(3)),
        str(layout.gateway_port(3)),
        str(layout.gateway_port()),
        str(layout.gateway_config(3)),
    ]
    assert "BUILTIN_ORGS=3" in shell_env({"CITYDIR_HOME": str(tmp_path)})


def test_the_rendered_configs_carry_the_added_org(tmp_path: Path) -> None:
    layout = _grown(tmp_path)
    assert "EnergyMSP" in render.configtx(layout) and "energy.citydir.local" in render.crypto_config(layout)
    assert "Template: {Count: 2," in render.crypto_config(layout)


def _config(*orgs: str) -> dict[str, Any]:
    return {"channel_group": {"groups": {"Application": {"groups": {o: {"values": {}} for o in orgs}}}}}


def test_the_channel_update_adds_the_org_with_its_anchor_peer() -> None:
    config = _config("DataBureauMSP", "HealthMSP")
    org: dict[str, Any] = {"policies": {"Admins": {}}, "values": {"MSP": {"value": {}}}}
    updated = channel_update.with_org(config, org, "EnergyMSP", "127.0.0.1", 23160)
    assert channel_update.application_orgs(updated) == ["DataBureauMSP", "EnergyMSP", "HealthMSP"]
    group = updated["channel_group"]["groups"]["Application"]["groups"]["EnergyMSP"]
    assert group["values"]["AnchorPeers"]["value"] == {"anchor_peers": [{"host": "127.0.0.1", "port": 23160}]}
    assert "AnchorPeers" not in org["values"], "the org definition is not changed in place"
    assert channel_update.application_orgs(config) == ["DataBureauMSP", "HealthMSP"]
    with pytest.raises(ValueError, match="already has"):
        channel_update.with_org(updated, org, "EnergyMSP", "127.0.0.1", 23160)
    envelope = channel_update.envelope("citydir", {"x": 1})
    assert envelope["payload"]["header"]["channel_header"] == {"channel_id": "citydir", "type": 2}


def test_per_org_gateway_configs_name_only_their_own_org(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = _grown(tmp_path / "home", "per-org")
    monkeypatch.setenv("CITYDIR_HOME", str(layout.home))
    monkeypatch.setenv("CITYDIR_BASE_PORT", "23000")
    assert gateway_config.main(["gateway_config", "per-org"]) == 0
    for o, org in enumerate(layout.orgs):
        config = json.loads(layout.gateway_config(o).read_text())
        assert config["listen"] == f"127.0.0.1:{layout.gateway_port(o)}"
        assert {i["msp_id"] for i in config["identities"]} == {org.msp_id}
        for other in layout.orgs:
            if other != org:
                assert other.domain not in json.dumps(config)
        assert list(json.loads((layout.gateway_dir(o) / "tokens.json").read_text())) == [org.msp_id]
    assert not layout.gateway_config().exists()


def test_adding_an_org_to_the_one_gateway_keeps_the_issued_tokens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = _grown(tmp_path / "home")
    monkeypatch.setenv("CITYDIR_HOME", str(layout.home))
    (layout.home / "orgs.added").unlink()
    assert gateway_config.main(["gateway_config", "fabric"]) == 0
    before = json.loads((layout.gateway_dir() / "tokens.json").read_text())
    (layout.home / "orgs.added").write_text("EnergyMSP:energy:0\n")
    assert gateway_config.main(["gateway_config", "add", "energy"]) == 0
    after = json.loads((layout.gateway_dir() / "tokens.json").read_text())
    assert {k: v for k, v in after.items() if k != "EnergyMSP"} == before
    assert set(after["EnergyMSP"]) == {"admin", "client"}
    config = json.loads(layout.gateway_config().read_text())
    assert [p["msp_id"] for p in config["peers"]][-1] == "EnergyMSP"
    assert len(config["identities"]) == 2 * len(ORGS) + 2
    with pytest.raises(ValueError, match="already has identities of EnergyMSP"):
        add_dev_org(layout.gateway_dir(), gateway_config.org_entry(Layout.from_env(), 3))


def test_status_lists_every_gateway() -> None:
    one = status.parse("gateway http://127.0.0.1:1 - true 0\n")
    assert one["gateways"] == [{"url": "http://127.0.0.1:1", "org": None, "up": True}]
    assert one["gateway"] == {"url": "http://127.0.0.1:1", "up": True}
    many = status.parse(
        "gateway http://127.0.0.1:1 DataBureauMSP true 0\ngateway http://127.0.0.1:2 HealthMSP false 0\n"
    )
    assert [g["org"] for g in many["gateways"]] == ["DataBureauMSP", "HealthMSP"]
    assert many["gateway"] == {"url": "http://127.0.0.1:1", "up": True}


def test_hosts_give_each_orderer_and_org_a_test_address_and_namespace(tmp_path: Path) -> None:
    flat = Layout(tmp_path, 23000)
    assert {flat.orderer_host(0), flat.org_host(2)} == {"127.0.0.1"} and flat.org_netns(0) == ""
    layout = Layout(tmp_path, 23000, hosts=True)
    k = layout.subnet_index
    assert [layout.orderer_host(i) for i in range(3)] == [f"10.77.{k}.{10 + i}" for i in range(3)]
    assert layout.org_host(1) == f"10.77.{k}.101" and layout.bridge_address() == f"10.77.{k}.1"
    assert layout.peers()[1].address == f"10.77.{k}.101:{layout.peer_port(1)}"
    names = (
        [layout.bridge()]
        + [layout.orderer_veth(i) for i in range(4)]
        + [layout.org_veth(o) for o in range(5)]
    )
    assert all(len(n) + 1 <= 15 for n in names), (
        "Linux link names: 15 characters (and an 'n' for the peer end)"
    )
    assert len({layout.org_netns(o) for o in range(3)} | {layout.orderer_netns(i) for i in range(3)}) == 6
    crypto = render.crypto_config(layout)
    assert f"127.0.0.1, 10.77.{k}.10]" in crypto and f"127.0.0.1, 10.77.{k}.102]" in crypto
    configtx = render.configtx(layout)
    assert f"Host: 10.77.{k}.100" in configtx and f"- 10.77.{k}.12:{layout.orderer_port(2)}" in configtx
    assert Layout(tmp_path, 23100, hosts=True).subnet_index != k, (
        "networks side by side: subnets of their own"
    )
