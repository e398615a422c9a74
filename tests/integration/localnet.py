"""Drive a citydir network from tests: its own state dir and ports, on Fabric or embedded.

Everything goes through network/network.sh, the same script developers use; ``ledger`` picks
the ledger (``CITYDIR_LEDGER``), so the REST suites run the same assertions on both.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from network.lib.layout import DOMAIN, PORT_SPAN, Layout  # PORT_SPAN: ports in base .. base+PORT_SPAN

REPO = Path(__file__).resolve().parents[2]
NETWORK_SH = REPO / "network" / "network.sh"


@functools.cache
def fabric_location() -> dict[str, str] | None:
    """Where network.sh finds Fabric (FABRIC_BIN, FABRIC_CFG, FABRIC_VERSION), or None."""
    proc = subprocess.run([str(NETWORK_SH), "fabric", "--check"], capture_output=True, text=True)
    if proc.returncode != 0:
        return None
    return dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)


def fabric_unavailable_reason() -> str | None:
    """None when Fabric's binaries are there; otherwise why not, in the script's words."""
    if fabric_location() is not None:
        return None
    proc = subprocess.run([str(NETWORK_SH), "fabric", "--check"], capture_output=True, text=True)
    reason = (proc.stderr or proc.stdout).strip() or f"network.sh fabric --check exited {proc.returncode}"
    # `make test` tried to find and build it first and kept what went wrong, every step: that
    # line says more than the lookup alone.
    build_log = REPO / ".citydir" / "fabric-build.log"
    if build_log.is_file():
        for line in build_log.read_text(errors="replace").splitlines():
            if line.startswith("Fabric v3.1.x was not found"):
                return line.strip()
    return reason


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) != 0


# Below Linux's ephemeral range (32768-60999): there an outgoing connection can hold a port
# that a connect-probe sees as free, and a node's bind then fails.
EPHEMERAL_START = 32768


def free_port_span(start: int, stop: int = EPHEMERAL_START) -> int:
    """The first base port from START whose whole span below STOP is free (tests and bench)."""
    for base in range(start, stop - PORT_SPAN, PORT_SPAN + 100):
        if all(port_free(p) for p in range(base, base + PORT_SPAN)):
            return base
    raise RuntimeError(f"no free port range of {PORT_SPAN} between {start} and {stop}")


def free_base_port(start: int = 12000) -> int:
    """A base port whose whole span is free, so a test network runs beside any other.

    CITYDIR_TEST_PORT_START moves the search, for test sessions running side by side.
    """
    return free_port_span(int(os.environ.get("CITYDIR_TEST_PORT_START", start)))


@dataclass
class LocalNetwork:
    home: Path
    base_port: int
    ledger: str = "fabric"  # or "embedded"
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = {
            **os.environ,
            "CITYDIR_HOME": str(self.home),
            "CITYDIR_BASE_PORT": str(self.base_port),
            "CITYDIR_LEDGER": self.ledger,
        }

    @property
    def embedded(self) -> bool:
        return self.ledger == "embedded"

    def run(
        self, *args: str, check: bool = True, timeout: float = 900, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [str(NETWORK_SH), *args], env=env or self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"network.sh {' '.join(args)} exited {proc.returncode}:\n"
                f"{proc.stderr[-4000:]}\n{self.log_tail()}"
            )
        return proc

    def up(self, *flags: str) -> None:
        self.run("up", *flags)

    def down(self) -> None:
        self.run("down", check=False)

    def status(self) -> dict[str, Any]:
        out = self.run("status", "--json").stdout
        result: dict[str, Any] = json.loads(out)
        return result

    def log_tail(self, lines: int = 30) -> str:
        logs = self.home / "logs"
        if not logs.is_dir():
            return ""
        parts = []
        for log in sorted(logs.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(parts)[-20000:]

    def pids(self) -> list[int]:
        pids_dir = self.home / "pids"
        return [int(p.read_text()) for p in pids_dir.glob("*.pid")] if pids_dir.is_dir() else []

    # Paths and ports the tests need, from the network's one definition (network/lib/layout.py).
    @property
    def layout(self) -> Layout:
        """As the network is now: its topology and the orgs `add-org` added (read from its home)."""
        return Layout.from_env(self.env)

    def org_dir(self, org_domain: str) -> Path:
        layout = self.layout
        return layout.org_dir([org.label for org in layout.orgs].index(org_domain))

    def peer_port(self, org: int, peer: int = 0) -> int:
        return self.layout.peer_port(org, peer)

    def orderer_port(self, n: int = 0) -> int:
        return self.layout.orderer_port(n)

    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.layout.gateway_port()}"

    def peer_cli_env(self, org: int, org_domain: str, msp_id: str, user: str = "Admin") -> dict[str, str]:
        """Environment for the `peer` CLI acting as USER@org against the org's first peer."""
        org_dir = self.org_dir(org_domain)
        domain = f"{org_domain}.{DOMAIN}"
        return {
            **self.env,
            "FABRIC_CFG_PATH": str(self.layout.config / "peer"),
            "CORE_PEER_TLS_ENABLED": "true",
            "CORE_PEER_LOCALMSPID": msp_id,
            "CORE_PEER_MSPCONFIGPATH": str(org_dir / "users" / f"{user}@{domain}" / "msp"),
            "CORE_PEER_ADDRESS": f"127.0.0.1:{self.peer_port(org)}",
            "CORE_PEER_TLS_ROOTCERT_FILE": str(org_dir / "peers" / f"peer0.{domain}" / "tls" / "ca.crt"),
            "PATH": f"{fabric_bin()}:{os.environ['PATH']}",
        }

    def orderer_ca(self) -> Path:
        return self.layout.orderer_ca()

    def remove(self) -> None:
        self.down()
        shutil.rmtree(self.home, ignore_errors=True)


@contextmanager
def running(home: Path, *flags: str, ledger: str = "fabric") -> Iterator[LocalNetwork]:
    """A network of its own on a free base port, ``up`` with ``flags``; removed (stopped, its state
    deleted) afterwards, also when ``up`` failed half-way."""
    net = LocalNetwork(home, free_base_port(), ledger=ledger)
    try:
        net.up(*flags)
        yield net
    finally:
        net.remove()


def fabric_bin() -> str:
    found = fabric_location()
    return found["FABRIC_BIN"] if found else str(REPO / "network" / "bin")
