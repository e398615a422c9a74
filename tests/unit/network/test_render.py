"""configtx.yaml and crypto-config.yaml come from templates in network/config/ and say what the
bash heredocs said before (golden/), as YAML; Fabric's own tools take them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from network.lib import render
from network.lib.layout import ORGS, Layout

GOLDEN = Path(__file__).resolve().parent / "golden"
GOLDEN_HOME = Path("/golden/home")


def _golden(name: str) -> object:
    return yaml.safe_load((GOLDEN / name).read_text())


@pytest.mark.parametrize("consensus", ["raft", "bft"])
def test_configtx_says_what_it_said_before(consensus: str) -> None:
    for peers in (1, 2):  # configtx names each org's anchor (peer 0) only
        rendered = render.configtx(Layout(GOLDEN_HOME, 27000, peers, consensus))
        assert yaml.safe_load(rendered) == _golden(f"configtx-{consensus}.yaml")


@pytest.mark.parametrize(("consensus", "peers"), [("raft", 1), ("bft", 2)])
def test_crypto_config_says_what_it_said_before(consensus: str, peers: int) -> None:
    rendered = render.crypto_config(Layout(GOLDEN_HOME, 27000, peers, consensus))
    assert yaml.safe_load(rendered) == _golden(f"crypto-config-{consensus}-{peers}.yaml")


def test_the_templates_are_files_beside_the_scripts() -> None:
    assert render.TEMPLATES.parent == Path(__file__).resolve().parents[3] / "network"
    text = (render.TEMPLATES / "configtx.yaml.j2").read_text()
    assert "Profiles:" in text and "{% for org in orgs %}" in text


def test_bench_still_reads_the_batch_settings_from_the_text() -> None:
    """bench/env.py reads BatchTimeout and MaxMessageCount from configtx.yaml with regexes."""
    text = render.configtx(Layout(GOLDEN_HOME))
    timeout = re.search(r"^\s*BatchTimeout:\s*(\S+)", text, re.M)
    count = re.search(r"MaxMessageCount:\s*(\d+)", text)
    assert timeout and timeout.group(1) == "500ms" and count and count.group(1) == "200"


def test_a_missing_value_is_an_error_not_an_empty_field() -> None:
    with pytest.raises(Exception, match="orderer_msp"):
        render._render("configtx.yaml.j2", {"orderers": [], "orgs": [], "consensus": "raft"})


@pytest.mark.skipif(
    not (shutil.which("cryptogen") and shutil.which("configtxgen")), reason="Fabric's tools are not on PATH"
)
@pytest.mark.parametrize("consensus", ["raft", "bft"])
def test_fabric_makes_the_channel_from_them(tmp_path: Path, consensus: str) -> None:
    layout = Layout(tmp_path, 27000, 1, consensus)
    layout.config.mkdir()
    (layout.config / "crypto-config.yaml").write_text(render.crypto_config(layout))
    crypto_config = layout.config / "crypto-config.yaml"
    subprocess.run(
        ["cryptogen", "generate", f"--config={crypto_config}", f"--output={layout.crypto}"],
        check=True,
        capture_output=True,
    )
    (layout.config / "configtx.yaml").write_text(render.configtx(layout))
    block = tmp_path / "citydir.block"
    configtxgen = ["configtxgen", "-configPath", str(layout.config)]
    made = subprocess.run(
        [*configtxgen, "-profile", "CitydirChannel", "-channelID", "citydir", "-outputBlock", str(block)],
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    inspected = subprocess.run([*configtxgen, "-inspectBlock", str(block)], capture_output=True, text=True)
    assert inspected.returncode == 0, inspected.stderr
    config = json.loads(inspected.stdout)["data"]["data"][0]["payload"]["data"]["config"]["channel_group"][
        "groups"
    ]
    assert sorted(config["Application"]["groups"]) == sorted(org.msp_id for org in ORGS)
    orderer = config["Orderer"]["values"]["ConsensusType"]["value"]
    assert orderer["type"] == {"raft": "etcdraft", "bft": "BFT"}[consensus]
    if consensus == "raft":
        assert len(orderer["metadata"]["consenters"]) == 3
    else:
        assert len(config["Orderer"]["values"]["Orderers"]["value"]["consenter_mapping"]) == 4
