"""Where the benchmark runs: the machine, and the network (a running one, or our own), on
Fabric or on the embedded ledger (as ``network.sh status --json`` says)."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from gateway.config import LEDGER_KINDS, GatewayConfig, IdentityConfig, PeerConfig, load_config
from tests.integration.localnet import free_port_span  # the harness owns the port layout

REPO = Path(__file__).resolve().parents[1]
NETWORK_SH = REPO / "network" / "network.sh"


def machine() -> dict[str, Any]:
    """Cores, RAM, CPU model, load, date: printed in every output, numbers mean nothing without it."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gib = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    commit = ""
    with contextlib.suppress(OSError):  # read-only
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "host": socket.gethostname(),
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram_gib,
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "node": _version(["node", "--version"]),
        "wrk": _version(["wrk", "--version"]).split(" [")[0],
        "commit": commit,
    }


def _version(cmd: list[str]) -> str:
    if shutil.which(cmd[0]) is None:
        return ""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if (proc.stdout or proc.stderr) else ""


@dataclass
class Network:
    """A running citydir network as the benchmark sees it: REST URL, tokens, peers, identities."""

    home: Path
    config: GatewayConfig
    tokens: dict[str, dict[str, str]]
    owned: bool  # started by us: torn down by us
    base_port: int
    env: dict[str, str] = field(default_factory=dict)
    ledger: str = "fabric"  # or "embedded": no peers, no orderer
    status: dict[str, Any] = field(default_factory=dict)  # `network.sh status --json`

    @property
    def embedded(self) -> bool:
        return self.ledger == "embedded"

    @property
    def url(self) -> str:
        return f"http://{self.config.listen}"

    def token(self, msp_id: str, role: str) -> str:
        return self.tokens[msp_id][role]

    def identity(self, msp_id: str, role: str) -> IdentityConfig:
        for identity in self.config.identities:
            if identity.msp_id == msp_id and identity.role == role:
                return identity
        raise KeyError(f"no {role} identity of {msp_id} in {self.home}/gateway/gateway.json")

    def peer(self, msp_id: str) -> PeerConfig:
        return self.config.peers_for(msp_id)[0]

    def batch_config(self) -> dict[str, Any]:
        """The orderer's BatchTimeout and BatchSize, read from the network's configtx.yaml."""
        path = self.home / "config" / "configtx.yaml"
        out: dict[str, Any] = {"configtx": str(path)}
        try:
            text = path.read_text()
        except OSError as exc:
            out["error"] = str(exc)
            return out
        m = re.search(r"^\s*BatchTimeout:\s*(\S+)", text, re.M)
        if m:
            out["batch_timeout"] = m.group(1)
            out["batch_timeout_ms"] = _duration_ms(m.group(1))
        m = re.search(r"MaxMessageCount:\s*(\d+)", text)
        if m:
            out["max_message_count"] = int(m.group(1))
        return out


def _duration_ms(text: str) -> float | None:
    m = re.fullmatch(r"([\d.]+)(ms|s|m)", text.strip())
    if not m:
        return None
    return float(m.group(1)) * {"ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def gateway_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v1/readyz", timeout=3) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def attach(home: Path) -> Network | None:
    """The network whose state is in ``home``, if its REST gateway answers; else None."""
    config_file = home / "gateway" / "gateway.json"
    tokens_file = home / "gateway" / "tokens.json"
    if not (config_file.is_file() and tokens_file.is_file()):
        return None
    config = load_config(config_file)
    if not gateway_up(f"http://{config.listen}"):
        return None
    tokens = json.loads(tokens_file.read_text())
    base = int(config.listen.rsplit(":", 1)[1]) - 300
    net = Network(home, config, tokens, owned=False, base_port=base)
    net.ledger, net.status = detect_ledger(home, base, config)
    return net


def detect_ledger(home: Path, base_port: int, config: GatewayConfig) -> tuple[str, dict[str, Any]]:
    """The ledger ``network.sh status --json`` names, and that status; the gateway's configuration
    must agree (a network on one ledger with a gateway on the other would measure nonsense)."""
    env = {**_network_env(), "CITYDIR_HOME": str(home), "CITYDIR_BASE_PORT": str(base_port)}
    proc = subprocess.run(
        [str(NETWORK_SH), "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    try:
        status: dict[str, Any] = json.loads(proc.stdout)
    except ValueError:
        raise RuntimeError(
            f"network.sh status --json in {home} did not answer JSON ({proc.returncode}): "
            f"{proc.stderr[-1500:]}"
        ) from None
    ledger = str(status.get("ledger") or "fabric")  # a status from before the choice existed
    if ledger not in LEDGER_KINDS:
        raise RuntimeError(f"network.sh status names an unknown ledger {ledger!r}")
    if ledger != config.ledger.kind:
        raise RuntimeError(
            f"network.sh status says the {ledger} ledger, but {home}/gateway/gateway.json says "
            f"{config.ledger.kind}"
        )
    return ledger, status


def _network_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CITYDIR_PYTHON", sys.executable)
    return env


def start_own(port_start: int, log: Any, ledger: str | None = None) -> Network:
    """``network.sh up --no-seed`` in a fresh temporary CITYDIR_HOME on a free base port, on
    ``ledger`` (CITYDIR_LEDGER), or when None on what ``up`` chooses: Fabric when found, else the
    embedded ledger."""
    home = Path(tempfile.mkdtemp(prefix="citydir-bench-"))
    base = free_port_span(port_start)
    env = {**_network_env(), "CITYDIR_HOME": str(home), "CITYDIR_BASE_PORT": str(base)}
    if ledger is not None:
        env["CITYDIR_LEDGER"] = ledger  # else CITYDIR_LEDGER from the caller's shell, as `make up`
    chosen = f"the {ledger} ledger" if ledger else "the ledger network.sh chooses"
    log(f"starting a network of our own on {chosen}: CITYDIR_HOME={home} CITYDIR_BASE_PORT={base}")
    started = time.monotonic()
    net = Network(home, load_config_placeholder(), {}, owned=True, base_port=base, env=env)
    _install_teardown(net)
    proc = subprocess.run(
        [str(NETWORK_SH), "up", "--no-seed"], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        tails = _log_tails(home)
        stop_own(net)
        raise RuntimeError(f"network.sh up failed ({proc.returncode}):\n{proc.stderr[-3000:]}\n{tails}")
    try:
        attached = attach(home)
    except Exception:  # the ledger could not be told: still ours to remove
        stop_own(net)
        raise
    if attached is None:
        stop_own(net)
        raise RuntimeError(f"the network in {home} started but its REST gateway does not answer")
    attached.owned, attached.env = True, env
    if ledger is not None and attached.ledger != ledger:
        stop_own(attached)
        raise RuntimeError(f"asked for the {ledger} ledger, network.sh started the {attached.ledger} one")
    log(f"network up on the {attached.ledger} ledger in {time.monotonic() - started:.0f}s")
    _install_teardown(attached)
    return attached


def _log_tails(home: Path, lines: int = 15) -> str:
    """The end of every node log: the home is deleted on failure, so keep what explains it."""
    parts = []
    for log in sorted((home / "logs").glob("*.log")):
        text = log.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"--- {log.name}\n" + "\n".join(text))
    return "\n".join(parts)[-8000:]


def load_config_placeholder() -> GatewayConfig:
    return GatewayConfig(peers=(), identities=())


_to_stop: list[Network] = []


def _install_teardown(net: Network) -> None:
    _to_stop.clear()
    _to_stop.append(net)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        for n in list(_to_stop):
            stop_own(n)
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)


def stop_own(net: Network) -> None:
    """``network.sh clean`` (stops only the processes it recorded, then deletes the home)."""
    if not net.owned:
        return
    if net in _to_stop:
        _to_stop.remove(net)
    subprocess.run([str(NETWORK_SH), "clean"], env=net.env, capture_output=True, text=True, check=False)
    shutil.rmtree(net.home, ignore_errors=True)
