"""One definition of the network: common.sh's functions answer what network/lib/layout.py says,
the Python helpers run as modules of network.lib, and no other file spells the layout out."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from network.lib.layout import (
    CHAINCODE,
    CHANNEL,
    DEFAULT_BASE_PORT,
    DOMAIN,
    MAX_PEERS_PER_ORG,
    ORDERER_COUNT,
    ORDERER_MSP,
    ORGS,
    REPO,
    Layout,
)

from .helpers import NETWORK, bash


@pytest.mark.parametrize("consensus", ["raft", "bft"])
def test_every_port_name_and_path_of_common_sh_is_the_layouts(tmp_path: Path, consensus: str) -> None:
    layout = Layout(tmp_path / "state", 23000, MAX_PEERS_PER_ORG, consensus)
    expected: dict[str, object] = {
        "orderer_count": layout.orderer_count(),
        "gateway_port": layout.gateway_port(),
        "orderer_admin_dir": layout.orderer_admin_dir(),
        "orderer_ca": layout.orderer_ca(),
        "echo $CHANNEL": CHANNEL,
        "echo $CHAINCODE": CHAINCODE,
        "echo $DOMAIN": DOMAIN,
        "echo ${#PEER_ORGS[@]}": len(ORGS),
        "echo $CITYDIR_HOME": layout.home,
        "echo $CITYDIR_BASE_PORT": layout.base_port,
        "echo $CRYPTO": layout.crypto,
        "echo $CONFIG": layout.config,
        "echo $DATA": layout.data,
        "echo $LOGS": layout.logs,
        "echo $PIDS": layout.pids,
        "echo $ARTIFACTS": layout.artifacts,
        "echo $EMBEDDED_LEDGER": layout.embedded_ledger(),
        "echo $GATEWAY_CONFIG": layout.gateway_config(),
    }
    for i in range(layout.orderer_count()):
        expected |= {
            f"orderer_port {i}": layout.orderer_port(i),
            f"orderer_admin_port {i}": layout.orderer_admin_port(i),
            f"orderer_ops_port {i}": layout.orderer_ops_port(i),
            f"orderer_name {i}": layout.orderer_name(i),
            f"orderer_dir {i}": layout.orderer_dir(i),
        }
    for o, org in enumerate(ORGS):
        expected |= {
            f"org_msp {o}": org.msp_id,
            f"org_label {o}": org.label,
            f"org_domain {o}": org.domain,
            f"org_dir {o}": layout.org_dir(o),
            f"admin_msp {o}": layout.admin_msp(o),
            f"ccaas_port {o}": layout.ccaas_port(o),
        }
        for p in range(MAX_PEERS_PER_ORG):
            expected |= {
                f"peer_port {o} {p}": layout.peer_port(o, p),
                f"peer_cc_port {o} {p}": layout.peer_cc_port(o, p),
                f"peer_ops_port {o} {p}": layout.peer_ops_port(o, p),
                f"peer_name {o} {p}": layout.peer_name(o, p),
                f"peer_dir {o} {p}": layout.peer_dir(o, p),
            }
    calls = list(expected)
    out = bash(
        "; ".join(f'echo "$({call})"' for call in calls),
        home=layout.home,
        env={"CITYDIR_BASE_PORT": "23000", "CITYDIR_CONSENSUS": consensus},
    )
    assert dict(zip(calls, out.splitlines(), strict=True)) == {k: str(v) for k, v in expected.items()}


def test_the_defaults_are_the_layouts(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYDIR_")}
    env["CITYDIR_PYTHON"] = sys.executable
    script = f'source "{NETWORK}/lib/common.sh"; echo "$CITYDIR_HOME $CITYDIR_BASE_PORT $(orderer_count)"'
    proc = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(REPO / ".citydir"), str(DEFAULT_BASE_PORT), str(ORDERER_COUNT["raft"])]
    assert Layout.from_env({}) == Layout(REPO / ".citydir", DEFAULT_BASE_PORT, 1, "raft")


def test_from_env_takes_the_topology_the_network_was_created_with(tmp_path: Path) -> None:
    env = {"CITYDIR_HOME": str(tmp_path), "CITYDIR_BASE_PORT": "21000", "CITYDIR_CONSENSUS": "raft"}
    assert Layout.from_env(env) == Layout(tmp_path, 21000, 1, "raft")
    (tmp_path / "topology.env").write_text(
        "LEDGER_KIND=fabric\nCITYDIR_CONSENSUS=bft\nCITYDIR_PEERS_PER_ORG=2\n"
    )
    assert Layout.from_env(env) == Layout(tmp_path, 21000, 2, "bft")


def test_the_layout_needs_only_the_standard_library(tmp_path: Path) -> None:
    """common.sh asks it before `make venv` has installed anything (e.g. for `network.sh help`)."""
    proc = subprocess.run(
        [sys.executable, "-S", "-m", "network.lib.layout", "env"],  # -S: no site-packages
        env={**os.environ, "PYTHONPATH": str(REPO), "CITYDIR_HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"export CITYDIR_HOME={tmp_path}" in proc.stdout.splitlines()


def test_a_base_port_that_is_no_number_is_refused(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CITYDIR_HOME": str(tmp_path / "state"),
        "CITYDIR_BASE_PORT": "27k",
        "CITYDIR_PYTHON": sys.executable,
    }
    proc = subprocess.run(
        [str(NETWORK / "network.sh"), "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert "could not read the network layout" in proc.stderr and "27k" in proc.stderr
    assert not (tmp_path / "state").exists()


def _network_files() -> list[Path]:
    return sorted([*NETWORK.glob("*.sh"), *(NETWORK / "lib").glob("*.sh"), *(NETWORK / "lib").glob("*.py")])


def test_no_other_file_of_the_network_spells_the_layout_out() -> None:
    spelled = [f".{DOMAIN}", f"@{DOMAIN}", f"={DOMAIN}", ORDERER_MSP, *(org.msp_id for org in ORGS)]
    arithmetic = re.compile(r"BASE_PORT\s*\+|base_port\s*\+")
    offenders = []
    for path in _network_files():
        if path.name == "layout.py":
            continue
        text = path.read_text()
        offenders += [f"{path.name}: {word}" for word in spelled if word in text]
        if arithmetic.search(text):
            offenders.append(f"{path.name}: port arithmetic")
    assert offenders == []


def test_the_helpers_are_modules_of_network_lib_without_path_hacks() -> None:
    helpers = sorted((NETWORK / "lib").glob("*.py"))
    assert (NETWORK / "__init__.py").is_file() and (NETWORK / "lib" / "__init__.py").is_file()
    for path in helpers:
        text = path.read_text()
        assert "sys.path" not in text, path.name
        assert not re.search(r"^\s*(from|import) layout\b", text, re.M), path.name
    scripts = "\n".join(p.read_text() for p in _network_files() if p.suffix == ".sh")
    run_by_path = re.findall(r'"\$PYTHON" "[^"]*\.py"', scripts)
    assert run_by_path == []


def test_status_runs_the_helpers_from_any_working_directory(tmp_path: Path) -> None:
    """network.sh runs `python -m network.lib.status` with PYTHONPATH naming the checkout, so a
    working directory elsewhere (with a `network` of its own) changes nothing."""
    (tmp_path / "network").mkdir()
    (tmp_path / "network" / "__init__.py").write_text("raise ImportError('not this one')\n")
    home = tmp_path / "state"
    env = {
        **os.environ,
        "CITYDIR_HOME": str(home),
        "CITYDIR_BASE_PORT": "23500",
        "CITYDIR_PYTHON": sys.executable,
    }
    proc = subprocess.run(
        [str(NETWORK / "network.sh"), "status", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    status = json.loads(proc.stdout)
    layout = Layout(home, 23500)
    assert status["ledger"] == "fabric" and status["channel"] == CHANNEL
    assert [o["name"] for o in status["orderers"]] == [f"orderer{i}" for i in range(3)]
    assert [(p["name"], p["org"]) for p in status["peers"]] == [(p.name, p.msp_id) for p in layout.peers()]
    assert status["gateway"] == {"url": f"http://127.0.0.1:{layout.gateway_port()}", "up": False}
    assert not any(o["up"] for o in status["orderers"]) and not home.exists()
