"""The one definition of a citydir test network: its organisations, names, ports and paths.

Everything derives from two settings, the state directory ``CITYDIR_HOME`` and the first port
``CITYDIR_BASE_PORT``, so a test network can run beside a developer's. The Python helpers use
:class:`Layout`; the bash scripts ask once, when network/lib/common.sh is sourced::

    eval "$(python -m network.lib.layout env)"

which prints shell assignments (the names, and the ports and paths of every node the network
can have); common.sh's functions (peer_port, org_msp, ...) read those. Nothing here imports
beyond the standard library: common.sh runs it before anything is installed (``network.sh
help``), with whichever Python it finds.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[2]

DOMAIN = "citydir.local"
CHANNEL = "citydir"
CHAINCODE = "citydir"
ORDERER_MSP = "OrdererMSP"


class Org(NamedTuple):
    """A peer organisation: its MSP id and the label of its domain (``<label>.citydir.local``)."""

    msp_id: str
    label: str

    @property
    def domain(self) -> str:
        return f"{self.label}.{DOMAIN}"


# The peer organisations, in the order every script numbers them (org 0, 1, 2).
# The data bureau operates the directory.
ORGS: tuple[Org, ...] = (
    Org("DataBureauMSP", "databureau"),
    Org("CivilAffairsMSP", "civilaffairs"),
    Org("HealthMSP", "health"),
)

# Raft (3 orderers) by default; CITYDIR_CONSENSUS=bft gives SmartBFT with 4.
DEFAULT_CONSENSUS = "raft"
ORDERER_COUNT = {"raft": 3, "bft": 4}
DEFAULT_PEERS_PER_ORG = 1
MAX_PEERS_PER_ORG = 2
DEFAULT_BASE_PORT = 27000
DEFAULT_HOME = REPO / ".citydir"

# Port layout (offsets from the base port):
#   orderer i:   +10+i listen, +20+i admin (osnadmin), +30+i operations
#   peer p of org o: +100+10k listen, +101+10k chaincode, +102+10k operations
#                (slot k = o * MAX_PEERS_PER_ORG + p)
#   chaincode service of org o: +200+o
#   REST gateway: +300
# Every port lies in base .. base + PORT_SPAN.
ORDERER_PORT, ORDERER_ADMIN_PORT, ORDERER_OPS_PORT = 10, 20, 30
PEER_PORT, PEER_CC_PORT, PEER_OPS_PORT, PEER_STRIDE = 100, 101, 102, 10
CCAAS_PORT = 200
GATEWAY_PORT = 300
PORT_SPAN = 400

# The identities cryptogen makes per org, by the role the gateway gives them.
USERS = (("admin", "Admin"), ("client", "User1"))


@dataclass(frozen=True)
class Peer:
    name: str
    org: str
    msp_id: str
    address: str
    tls_root_cert: Path


@dataclass(frozen=True)
class User:
    msp_id: str
    role: str  # admin | client
    msp: Path
    cert: Path
    key: Path


def _place(env: Mapping[str, str]) -> tuple[Path, int]:
    """CITYDIR_HOME and CITYDIR_BASE_PORT, or their defaults."""
    return Path(env.get("CITYDIR_HOME") or DEFAULT_HOME), int(
        env.get("CITYDIR_BASE_PORT") or DEFAULT_BASE_PORT
    )


@dataclass(frozen=True)
class Layout:
    home: Path
    base_port: int = DEFAULT_BASE_PORT
    peers_per_org: int = DEFAULT_PEERS_PER_ORG
    consensus: str = DEFAULT_CONSENSUS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Layout:
        """This network: CITYDIR_HOME and CITYDIR_BASE_PORT, and the topology it was created
        with (``$CITYDIR_HOME/topology.env``), else CITYDIR_CONSENSUS / CITYDIR_PEERS_PER_ORG."""
        env = os.environ if env is None else env
        home, base_port = _place(env)
        topology = {
            "CITYDIR_CONSENSUS": env.get("CITYDIR_CONSENSUS") or DEFAULT_CONSENSUS,
            "CITYDIR_PEERS_PER_ORG": env.get("CITYDIR_PEERS_PER_ORG") or str(DEFAULT_PEERS_PER_ORG),
        }
        remembered = home / "topology.env"
        if remembered.is_file():
            for line in remembered.read_text().splitlines():
                name, _, value = line.partition("=")
                if name in topology and value:
                    topology[name] = value
        return cls(home, base_port, int(topology["CITYDIR_PEERS_PER_ORG"]), topology["CITYDIR_CONSENSUS"])

    # --- state directories ---------------------------------------------------------------

    @property
    def crypto(self) -> Path:
        return self.home / "crypto"

    @property
    def config(self) -> Path:
        return self.home / "config"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def pids(self) -> Path:
        return self.home / "pids"

    @property
    def artifacts(self) -> Path:
        return self.home / "artifacts"

    def embedded_ledger(self) -> Path:
        return self.data / "embedded" / "citydir.sqlite"

    def gateway_config(self) -> Path:
        """What gateway.tokens.write_dev_tokens writes for this network, and the gateway reads."""
        return self.home / "gateway" / "gateway.json"

    # --- ports ---------------------------------------------------------------------------

    def orderer_count(self) -> int:
        return ORDERER_COUNT["bft" if self.consensus == "bft" else "raft"]

    def orderer_port(self, i: int) -> int:
        return self.base_port + ORDERER_PORT + i

    def orderer_admin_port(self, i: int) -> int:
        return self.base_port + ORDERER_ADMIN_PORT + i

    def orderer_ops_port(self, i: int) -> int:
        return self.base_port + ORDERER_OPS_PORT + i

    @staticmethod
    def peer_slot(org: int, peer: int) -> int:
        return org * MAX_PEERS_PER_ORG + peer

    def peer_port(self, org: int, peer: int = 0) -> int:
        return self.base_port + PEER_PORT + PEER_STRIDE * self.peer_slot(org, peer)

    def peer_cc_port(self, org: int, peer: int = 0) -> int:
        return self.base_port + PEER_CC_PORT + PEER_STRIDE * self.peer_slot(org, peer)

    def peer_ops_port(self, org: int, peer: int = 0) -> int:
        return self.base_port + PEER_OPS_PORT + PEER_STRIDE * self.peer_slot(org, peer)

    def ccaas_port(self, org: int) -> int:
        return self.base_port + CCAAS_PORT + org

    def gateway_port(self) -> int:
        return self.base_port + GATEWAY_PORT

    # --- names and crypto material (cryptogen's layout) ----------------------------------

    @staticmethod
    def orderer_name(i: int) -> str:
        return f"orderer{i}.{DOMAIN}"

    @staticmethod
    def peer_name(org: int, peer: int = 0) -> str:
        return f"peer{peer}.{ORGS[org].domain}"

    def org_dir(self, org: int) -> Path:
        return self.crypto / "peerOrganizations" / ORGS[org].domain

    def peer_dir(self, org: int, peer: int = 0) -> Path:
        return self.org_dir(org) / "peers" / self.peer_name(org, peer)

    def user(self, org: int, role: str) -> User:
        """An org's admin (Admin@) or client (User1@) identity, as cryptogen makes it."""
        name = f"{dict(USERS)[role]}@{ORGS[org].domain}"
        msp = self.org_dir(org) / "users" / name / "msp"
        cert = msp / "signcerts" / f"{name}-cert.pem"
        return User(ORGS[org].msp_id, role, msp, cert, msp / "keystore" / "priv_sk")

    def admin_msp(self, org: int) -> Path:
        return self.user(org, "admin").msp

    @property
    def orderer_org_dir(self) -> Path:
        return self.crypto / "ordererOrganizations" / DOMAIN

    def orderer_dir(self, i: int) -> Path:
        return self.orderer_org_dir / "orderers" / self.orderer_name(i)

    def orderer_admin_dir(self) -> Path:
        return self.orderer_org_dir / "users" / f"Admin@{DOMAIN}"

    def orderer_ca(self) -> Path:
        return self.orderer_org_dir / "tlsca" / f"tlsca.{DOMAIN}-cert.pem"

    # --- what the Python helpers iterate over --------------------------------------------

    def peers(self) -> list[Peer]:
        return [
            Peer(
                self.peer_name(o, p),
                org.label,
                org.msp_id,
                f"127.0.0.1:{self.peer_port(o, p)}",
                self.peer_dir(o, p) / "tls" / "ca.crt",
            )
            for o, org in enumerate(ORGS)
            for p in range(self.peers_per_org)
        ]

    def users(self) -> list[User]:
        """Each org's admin and client identity, org by org."""
        return [self.user(o, role) for o in range(len(ORGS)) for role, _ in USERS]


# --- for bash --------------------------------------------------------------------------------


def _array(values: Iterable[object]) -> str:
    return "(" + " ".join(shlex.quote(str(v)) for v in values) + ")"


def _table(values: Mapping[str, object]) -> str:
    return "(" + " ".join(f"[{k}]={shlex.quote(str(v))}" for k, v in values.items()) + ")"


def shell_env(env: Mapping[str, str] | None = None) -> str:
    """Shell assignments for network/lib/common.sh: the settings (with their defaults) and the
    names, ports and paths of every node the network can have (the most orderers any consensus
    uses, MAX_PEERS_PER_ORG peers per org); indexed like common.sh's functions: orderer i,
    org o, peer "o.p"."""
    env = os.environ if env is None else env
    layout = Layout(*_place(env))
    orderers = range(max(ORDERER_COUNT.values()))
    orgs = range(len(ORGS))
    peers = [(o, p) for o in orgs for p in range(MAX_PEERS_PER_ORG)]
    q = shlex.quote
    lines = [
        f"export CITYDIR_HOME={q(str(layout.home))}",
        f"export CITYDIR_BASE_PORT={layout.base_port}",
        f"export CITYDIR_CONSENSUS={q(env.get('CITYDIR_CONSENSUS') or DEFAULT_CONSENSUS)}",
        f"export CITYDIR_PEERS_PER_ORG={q(env.get('CITYDIR_PEERS_PER_ORG') or str(DEFAULT_PEERS_PER_ORG))}",
        f"CHANNEL={q(CHANNEL)}",
        f"CHAINCODE={q(CHAINCODE)}",
        f"DOMAIN={q(DOMAIN)}",
        f"ORDERER_MSP={q(ORDERER_MSP)}",
        f"PEER_ORGS={_array([f'{org.msp_id}:{org.label}' for org in ORGS])}",
        f"ORG_DOMAINS={_array([org.domain for org in ORGS])}",
        f"declare -gA ORDERER_COUNT={_table(ORDERER_COUNT)}",
        f"MAX_PEERS_PER_ORG={MAX_PEERS_PER_ORG}",
        f"PORT_SPAN={PORT_SPAN}",
        f"CRYPTO={q(str(layout.crypto))}",
        f"CONFIG={q(str(layout.config))}",
        f"DATA={q(str(layout.data))}",
        f"LOGS={q(str(layout.logs))}",
        f"PIDS={q(str(layout.pids))}",
        f"ARTIFACTS={q(str(layout.artifacts))}",
        f"EMBEDDED_LEDGER={q(str(layout.embedded_ledger()))}",
        f"GATEWAY_CONFIG={q(str(layout.gateway_config()))}",
        f"ORDERER_PORTS={_array([layout.orderer_port(i) for i in orderers])}",
        f"ORDERER_ADMIN_PORTS={_array([layout.orderer_admin_port(i) for i in orderers])}",
        f"ORDERER_OPS_PORTS={_array([layout.orderer_ops_port(i) for i in orderers])}",
        f"ORDERER_NAMES={_array([layout.orderer_name(i) for i in orderers])}",
        f"ORDERER_DIRS={_array([layout.orderer_dir(i) for i in orderers])}",
        f"ORDERER_ADMIN_DIR={q(str(layout.orderer_admin_dir()))}",
        f"ORDERER_CA={q(str(layout.orderer_ca()))}",
        f"CCAAS_PORTS={_array([layout.ccaas_port(o) for o in orgs])}",
        f"GATEWAY_PORT={layout.gateway_port()}",
        f"ORG_DIRS={_array([layout.org_dir(o) for o in orgs])}",
        f"ADMIN_MSPS={_array([layout.admin_msp(o) for o in orgs])}",
        f"declare -gA PEER_PORTS={_table({f'{o}.{p}': layout.peer_port(o, p) for o, p in peers})}",
        f"declare -gA PEER_CC_PORTS={_table({f'{o}.{p}': layout.peer_cc_port(o, p) for o, p in peers})}",
        f"declare -gA PEER_OPS_PORTS={_table({f'{o}.{p}': layout.peer_ops_port(o, p) for o, p in peers})}",
        f"declare -gA PEER_NAMES={_table({f'{o}.{p}': layout.peer_name(o, p) for o, p in peers})}",
        f"declare -gA PEER_DIRS={_table({f'{o}.{p}': layout.peer_dir(o, p) for o, p in peers})}",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if argv[1:] != ["env"]:
        print("usage: python -m network.lib.layout env", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(shell_env())
    except ValueError as err:  # a CITYDIR_BASE_PORT that is no number
        print(f"network layout: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
