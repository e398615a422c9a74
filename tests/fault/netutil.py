"""Helpers shared by the fault and security suites: REST calls, identities, one client per peer.

Everything here talks to a real network started by ``tests.integration.localnet``; the paths
mirror ``network/lib/common.sh`` and ``network/lib/layout.py``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from gateway.fabric import (
    Contract,
    Network,
    connect,
    load_identity,
    load_private_key,
    new_grpc_channel,
    new_private_key_signer,
)
from tests.integration.localnet import REPO, LocalNetwork
from tests.integration.rest import Headers

DOMAIN = "citydir.local"
ORGS = [("DataBureauMSP", "databureau"), ("CivilAffairsMSP", "civilaffairs"), ("HealthMSP", "health")]
CHANNEL = "citydir"
CHAINCODE = "citydir"


# --- REST -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    raw: bytes
    headers: Headers


def rest(
    base_url: str,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    timeout: float = 120.0,
    headers: dict[str, str] | None = None,
) -> Reply:
    """One HTTP call to the REST gateway; never raises for an HTTP error status."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(base_url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, got = response.status, response.read(), Headers(response.headers.items())
    except urllib.error.HTTPError as err:
        status, raw, got = err.code, err.read(), Headers(err.headers.items())
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Reply(status, parsed, raw, got)


def tokens(net: LocalNetwork) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = json.loads((net.home / "gateway" / "tokens.json").read_text())
    return found


# --- identities and per-peer clients --------------------------------------------------------------


def org_dir(net: LocalNetwork, label: str) -> Path:
    return net.home / "crypto" / "peerOrganizations" / f"{label}.{DOMAIN}"


def user_files(net: LocalNetwork, msp_id: str, role: str) -> tuple[Path, Path]:
    """(cert, key) of an org's cryptogen Admin (role admin) or User1 (role client)."""
    label = dict(ORGS)[msp_id]
    user = "Admin" if role == "admin" else "User1"
    msp = org_dir(net, label) / "users" / f"{user}@{label}.{DOMAIN}" / "msp"
    return msp / "signcerts" / f"{user}@{label}.{DOMAIN}-cert.pem", msp / "keystore" / "priv_sk"


@dataclass(frozen=True)
class PeerRef:
    org: int
    index: int
    msp_id: str
    label: str
    port: int

    @property
    def name(self) -> str:  # the process / pid-file name
        return f"peer{self.index}.{self.label}"

    @property
    def host(self) -> str:  # the TLS server name
        return f"peer{self.index}.{self.label}.{DOMAIN}"


def peers(net: LocalNetwork, per_org: int = 1) -> list[PeerRef]:
    return [
        PeerRef(o, p, msp_id, label, net.peer_port(o, p))
        for o, (msp_id, label) in enumerate(ORGS)
        for p in range(per_org)
    ]


def peer_tls_ca(net: LocalNetwork, peer: PeerRef) -> bytes:
    return (org_dir(net, peer.label) / "peers" / peer.host / "tls" / "ca.crt").read_bytes()


@contextmanager
def peer_network(
    net: LocalNetwork, peer: PeerRef, msp_id: str | None = None, role: str = "client"
) -> Iterator[Network]:
    """A Fabric client connected to exactly one peer (no failover), as an identity of ``msp_id``
    (default: the peer's own org)."""
    cert, key = user_files(net, msp_id or peer.msp_id, role)
    channel = new_grpc_channel(
        f"127.0.0.1:{peer.port}", tls_root_cert=peer_tls_ca(net, peer), server_name_override=peer.host
    )
    gateway = connect(
        channel,
        load_identity(msp_id or peer.msp_id, cert),
        new_private_key_signer(load_private_key(key)),
        evaluate_timeout=10,
    )
    try:
        yield gateway.get_network(CHANNEL)
    finally:
        gateway.close()
        channel.close()


def contract_of(network: Network) -> Contract:
    return network.get_contract(CHAINCODE)


def wait_peer_answers(network: Network, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            network.block_height()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# --- processes ------------------------------------------------------------------------------------


def pid_file(net: LocalNetwork, name: str) -> Path:
    return net.home / "pids" / f"{name}.pid"


def read_pid(net: LocalNetwork, name: str) -> int:
    return int(pid_file(net, name).read_text().strip())


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def kill9(net: LocalNetwork, name: str) -> int:
    """SIGKILL the process recorded for ``name``; returns its pid once it is gone."""
    pid = read_pid(net, name)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), f"{name} (pid {pid}) survived SIGKILL"
    return pid


def start_role(net: LocalNetwork, name: str, *command: str) -> int:
    """Run a role script in the background like ``start_process`` in common.sh; record its pid."""
    logs = net.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"{name}.log", "ab") as log:
        proc = subprocess.Popen(
            [str(REPO / "network" / command[0]), *command[1:]],
            env=net.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    pid_file(net, name).write_text(f"{proc.pid}\n")
    return proc.pid


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def http_get(url: str, timeout: float = 5) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        text: str = response.read().decode()
        return text


def grpc_ready(channel: grpc.Channel, timeout: float) -> bool:
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
        return True
    except grpc.FutureTimeoutError:
        return False
