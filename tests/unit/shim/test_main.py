"""``python -m chaincode``: configuration, the ping contract end to end, and shutdown on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import types
from pathlib import Path

import pytest

from chaincode.__main__ import (
    EXIT_BAD_CONFIG,
    EXIT_MISSING_CONTRACT,
    MissingContractError,
    load_contract,
    main,
)
from chaincode.shim.server import ChaincodeServer
from tests.unit.shim.conftest import PACKAGE_ID
from tests.unit.shim.fake_peer import FakePeer

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("env", "argv", "complaint"),
    [
        ({}, [], "CHAINCODE_ID is required"),
        ({"CHAINCODE_ID": "no-hash"}, [], "label:hash"),
        ({"CHAINCODE_ID": PACKAGE_ID, "CHAINCODE_SERVER_ADDRESS": "localhost"}, [], "host:port"),
        ({"CHAINCODE_ID": PACKAGE_ID, "CHAINCODE_SERVER_ADDRESS": "0.0.0.0:99999"}, [], "host:port"),
        ({"CHAINCODE_ID": PACKAGE_ID, "CHAINCODE_CONTRACT": "nope"}, [], "CHAINCODE_CONTRACT"),
        ({"CHAINCODE_ID": PACKAGE_ID, "CHAINCODE_TLS_CERT": "/x.pem"}, [], "must be set together"),
        (
            {"CHAINCODE_ID": PACKAGE_ID, "CHAINCODE_TLS_CLIENT_CA": "/ca.pem"},
            [],
            "CHAINCODE_TLS_CLIENT_CA needs",
        ),
        (
            {
                "CHAINCODE_ID": PACKAGE_ID,
                "CHAINCODE_TLS_CERT": "/nonexistent.pem",
                "CHAINCODE_TLS_KEY": "/k.pem",
            },
            [],
            "No such file",
        ),
        ({"CHAINCODE_ID": PACKAGE_ID, "CHAINCODE_LOG_LEVEL": "LOUD"}, [], "CHAINCODE_LOG_LEVEL"),
    ],
)
def test_bad_config_exits_2_with_a_clear_message(
    env: dict[str, str], argv: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv, env) == EXIT_BAD_CONFIG
    assert complaint in capsys.readouterr().err


def test_address_in_use_exits_2(server: ChaincodeServer, capsys: pytest.CaptureFixture[str]) -> None:
    # ``server`` is another chaincode server: grpc's default SO_REUSEPORT would let both bind.
    address = f"127.0.0.1:{server.port}"
    env = {"CHAINCODE_ID": PACKAGE_ID, "CHAINCODE_SERVER_ADDRESS": address}
    assert main(["--contract", "ping"], env) == EXIT_BAD_CONFIG
    assert f"cannot listen on {address}" in capsys.readouterr().err


def test_tls_files_that_are_not_pem_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "cert.pem").write_text("not a certificate")
    (tmp_path / "key.pem").write_text("not a key")
    env = {
        "CHAINCODE_ID": PACKAGE_ID,
        "CHAINCODE_TLS_CERT": str(tmp_path / "cert.pem"),
        "CHAINCODE_TLS_KEY": str(tmp_path / "key.pem"),
    }
    assert main([], env) == EXIT_BAD_CONFIG
    assert "not a PEM certificate" in capsys.readouterr().err


def test_unknown_contract_flag_exits_2() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--contract", "nope"], {"CHAINCODE_ID": PACKAGE_ID})
    assert exit_info.value.code == 2


def test_missing_directory_contract_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "chaincode.directory", types.ModuleType("chaincode.directory"))
    with pytest.raises(MissingContractError, match="--contract ping"):
        load_contract("directory")


def test_missing_directory_contract_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "chaincode.directory", types.ModuleType("chaincode.directory"))
    assert main([], {"CHAINCODE_ID": PACKAGE_ID}) == EXIT_MISSING_CONTRACT
    assert "directory contract is not available" in capsys.readouterr().err


def test_ping_contract_served_by_python_m_chaincode_until_sigterm() -> None:
    port = free_port()
    env = {
        **os.environ,
        "CHAINCODE_ID": PACKAGE_ID,
        "CHAINCODE_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "PYTHONPATH": str(REPO),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "chaincode", "--contract", "ping"],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:  # wait until it listens
            if "listening on" in line:
                break
        else:
            pytest.fail(f"chaincode exited early with {process.wait()}")
        peer = FakePeer(f"127.0.0.1:{port}").connect()
        try:
            _, pong = peer.invoke("ping", "{}", tx_id="tx-ping-0001")
            assert json.loads(pong.payload) == {"ok": True, "channel": "citydir", "tx_id": "tx-ping-0001"}
            final, put = peer.invoke("put", '{"key":"k","value":"v"}')
            assert put.status == 200
            assert final.chaincode_event.event_name == "PingPut"
            _, got = peer.invoke("get", '{"key":"k"}')
            assert json.loads(got.payload) == {"key": "k", "value": "v"}
            _, missing = peer.invoke("get", '{"key":"nope"}')
            assert missing.status == 500
            assert json.loads(missing.message)["code"] == "NOT_FOUND"
        finally:
            peer.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        rest = process.stderr.read()
        assert "shutting down" in rest
        assert '"k"' not in rest and "PingPut" not in rest  # payloads are not logged at INFO
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
