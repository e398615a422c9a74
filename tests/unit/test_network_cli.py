"""network.sh answers bad input with usage and exit code 2, before touching anything."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

NETWORK_SH = Path(__file__).resolve().parents[2] / "network" / "network.sh"


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CITYDIR_HOME": str(home)}
    return subprocess.run([str(NETWORK_SH), *args], env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "args",
    [
        ["bogus"],
        [],
        ["up", "--nope"],
        ["status", "--xml"],
        ["logs"],
        ["down", "extra"],
        ["up", "--peers", "7"],
        ["fabric", "--nope"],
        ["add-org"],
        ["add-org", "transport"],
        ["add-org", "Trans-port"],
        ["add-org", "Transport", "Extra"],
        ["add-org", "Transport", "--peers", "3"],
        ["add-org", "Transport", "--nope"],
        ["up", "--gateway-per-org", "--nope"],
        ["up", "--hosts", "--nope"],
        ["link"],
        ["link", "health"],
        ["link", "health", "sideways"],
    ],
)
def test_bad_input_prints_usage_and_exits_2(args: list[str], tmp_path: Path) -> None:
    proc = run(*args, home=tmp_path / "state")
    assert proc.returncode == 2, proc.stderr
    assert "Usage: network.sh COMMAND" in proc.stderr
    assert proc.stdout == ""
    assert not (tmp_path / "state").exists(), "bad input must not create state"


def test_help_goes_to_stdout_and_exits_0(tmp_path: Path) -> None:
    proc = run("help", home=tmp_path)
    assert proc.returncode == 0
    assert "up [--bft]" in proc.stdout


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        # The first orderer listens at base+10.
        env = {**os.environ, "CITYDIR_HOME": str(tmp_path / "state"), "CITYDIR_BASE_PORT": str(port - 10)}
        script = f'source "{NETWORK_SH.parent}/lib/common.sh"; require_free_port {port} orderer0'
        proc = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    assert proc.returncode != 0
    assert f"port {port}" in proc.stderr and "orderer0" in proc.stderr
