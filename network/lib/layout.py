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
    """A peer organisation: its MSP id, the label of its domain (``<label>.citydir.local``) and,
    for an org added to a running channel (``network.sh add-org``), its own number of peers
    (0: the network's peers per org)."""

    msp_id: str
    label: str
    peers: int = 0

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

# Orgs added to the running channel by `network.sh add-org`, one "MSP:label:peers" a line, in the
# order they joined (org 3, 4, ...). Kept with the state, so they survive `down` and `up`.
ADDED_ORGS_FILE = "orgs.added"
# The port layout has room for this many peer orgs (peer slots below the chaincode ports).
MAX_ORGS = 5
# Gateways: one for every org (the default on one machine; it holds every org's keys), or one
# per org holding only that org's identities (`network.sh up --gateway-per-org`).
GATEWAY_MODES = ("single", "per-org")
DEFAULT_GATEWAY_MODE = "single"

# `network.sh up --hosts`: each orderer and each org (its peers, chaincode server and gateway) in
# a network namespace of its own, on a bridge with private test addresses 10.77.<k>.0/24, where
# k derives from the base port (so networks side by side get subnets of their own). Otherwise
# every node is on 127.0.0.1.
HOSTS_NET = "10.77"
LOOPBACK = "127.0.0.1"

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
#   REST gateway: +300 (one per org: org o's at +300+o)
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


def added_orgs(home: Path) -> tuple[Org, ...]:
    """The orgs `network.sh add-org` added to this network (``$CITYDIR_HOME/orgs.added``)."""
    file = home / ADDED_ORGS_FILE
    if not file.is_file():
        return ()
    orgs = []
    for line in file.read_text().splitlines():
        if line.strip():
            msp_id, label, peers = line.strip().split(":")
            orgs.append(Org(msp_id, label, int(peers)))
    return tuple(orgs)


def org_of_name(name: str) -> Org:
    """The org `network.sh add-org NAME` makes: ``Transport`` -> TransportMSP, transport.<DOMAIN>.

    NAME is ASCII letters and digits starting with a capital letter (how MSP ids are spelled
    here), at most 32; a trailing ``MSP`` is the same name.
    """
    if not (name[:1].isupper() and name.isascii() and name.isalnum() and len(name) <= 32):
        raise ValueError(f"an org NAME is ASCII letters and digits, starting with a capital: not {name!r}")
    base = name.removesuffix("MSP") or name
    return Org(f"{base}MSP", base.lower())


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
    orgs: tuple[Org, ...] = ORGS
    gateway_mode: str = DEFAULT_GATEWAY_MODE
    hosts: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Layout:
        """This network: CITYDIR_HOME and CITYDIR_BASE_PORT, and the topology it was created
        with (``$CITYDIR_HOME/topology.env``), else CITYDIR_CONSENSUS / CITYDIR_PEERS_PER_ORG."""
        env = os.environ if env is None else env
        home, base_port = _place(env)
        topology = {
            "CITYDIR_CONSENSUS": env.get("CITYDIR_CONSENSUS") or DEFAULT_CONSENSUS,
            "CITYDIR_PEERS_PER_ORG": env.get("CITYDIR_PEERS_PER_ORG") or str(DEFAULT_PEERS_PER_ORG),
            "CITYDIR_GATEWAYS": env.get("CITYDIR_GATEWAYS") or DEFAULT_GATEWAY_MODE,
            "CITYDIR_HOSTS": env.get("CITYDIR_HOSTS") or "0",
        }
        remembered = home / "topology.env"
        if remembered.is_file():
            for line in remembered.read_text().splitlines():
                name, _, value = line.partition("=")
                if name in topology and value:
                    topology[name] = value
        return cls(
            home,
            base_port,
            int(topology["CITYDIR_PEERS_PER_ORG"]),
            topology["CITYDIR_CONSENSUS"],
            ORGS + added_orgs(home),
            topology["CITYDIR_GATEWAYS"],
            topology["CITYDIR_HOSTS"] == "1",
        )

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

    def gateway_config(self, org: int | None = None) -> Path:
        """What gateway.tokens.write_dev_tokens writes for this network, and the gateway reads:
        the one gateway's, or (per-org gateways) org ORG's gateway's."""
        return self.gateway_dir(org) / "gateway.json"

    def gateway_dir(self, org: int | None = None) -> Path:
        """The one gateway's config and tokens, or org ORG's own gateway's (``gateway/<label>``)."""
        base = self.home / "gateway"
        return base if org is None else base / self.orgs[org].label

    def gateway_orgs(self) -> list[int | None]:
        """Which gateways this network runs: [None] (one for all orgs), or one per org."""
        return list(range(len(self.orgs))) if self.gateway_mode == "per-org" else [None]

    def org_peers(self, org: int) -> int:
        """How many peers org ORG runs: its own count if it was added with one, else the network's."""
        return self.orgs[org].peers or self.peers_per_org

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

    def gateway_port(self, org: int | None = None) -> int:
        """The one gateway's port, or org ORG's own gateway's."""
        return self.base_port + GATEWAY_PORT + (org or 0)

    # --- hosts (up --hosts: network namespaces on a bridge) -------------------------------

    @property
    def subnet_index(self) -> int:
        return (self.base_port // 100) % 250 + 1

    def _address(self, host: int) -> str:
        return f"{HOSTS_NET}.{self.subnet_index}.{host}" if self.hosts else LOOPBACK

    def bridge_address(self) -> str:
        """The developer's side of the bridge (the CLI and the forwards run there)."""
        return f"{HOSTS_NET}.{self.subnet_index}.1"

    def orderer_host(self, i: int) -> str:
        return self._address(10 + i)

    def org_host(self, org: int) -> str:
        """Where org ORG's peers, chaincode server and gateway listen."""
        return self._address(100 + org)

    def bridge(self) -> str:
        return f"cdbr{self.subnet_index}"

    def orderer_netns(self, i: int) -> str:
        return f"citydir{self.subnet_index}-orderer{i}" if self.hosts else ""

    def org_netns(self, org: int) -> str:
        return f"citydir{self.subnet_index}-{self.orgs[org].label}" if self.hosts else ""

    def orderer_veth(self, i: int) -> str:
        """The bridge side of orderer I's link (at most 15 characters, as Linux wants)."""
        return f"cd{self.subnet_index}o{i}"

    def org_veth(self, org: int) -> str:
        return f"cd{self.subnet_index}p{org}"

    # --- names and crypto material (cryptogen's layout) ----------------------------------

    @staticmethod
    def orderer_name(i: int) -> str:
        return f"orderer{i}.{DOMAIN}"

    def peer_name(self, org: int, peer: int = 0) -> str:
        return f"peer{peer}.{self.orgs[org].domain}"

    def org_dir(self, org: int) -> Path:
        return self.crypto / "peerOrganizations" / self.orgs[org].domain

    def peer_dir(self, org: int, peer: int = 0) -> Path:
        return self.org_dir(org) / "peers" / self.peer_name(org, peer)

    def user(self, org: int, role: str) -> User:
        """An org's admin (Admin@) or client (User1@) identity, as cryptogen makes it."""
        name = f"{dict(USERS)[role]}@{self.orgs[org].domain}"
        msp = self.org_dir(org) / "users" / name / "msp"
        cert = msp / "signcerts" / f"{name}-cert.pem"
        return User(self.orgs[org].msp_id, role, msp, cert, msp / "keystore" / "priv_sk")

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
                f"{self.org_host(o)}:{self.peer_port(o, p)}",
                self.peer_dir(o, p) / "tls" / "ca.crt",
            )
            for o, org in enumerate(self.orgs)
            for p in range(self.org_peers(o))
        ]

    def users(self) -> list[User]:
        """Each org's admin and client identity, org by org."""
        return [self.user(o, role) for o in range(len(self.orgs)) for role, _ in USERS]


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
    home, base_port = _place(env)
    layout = Layout(home, base_port, orgs=ORGS + added_orgs(home), hosts=Layout.from_env(env).hosts)
    orderers = range(max(ORDERER_COUNT.values()))
    orgs = range(len(layout.orgs))
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
        f"PEER_ORGS={_array([f'{org.msp_id}:{org.label}' for org in layout.orgs])}",
        f"ORG_PEER_COUNTS={_array([org.peers for org in layout.orgs])}",
        f"ORG_DOMAINS={_array([org.domain for org in layout.orgs])}",
        f"MAX_ORGS={MAX_ORGS}",
        f"BUILTIN_ORGS={len(ORGS)}",
        f"ADDED_ORGS_FILE={q(str(home / ADDED_ORGS_FILE))}",
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
        f"CITYDIR_HOSTS={int(layout.hosts)}",
        f"HOSTS_BRIDGE={q(layout.bridge())}",
        f"HOSTS_BRIDGE_ADDR={q(layout.bridge_address())}",
        f"ORDERER_HOSTS={_array([layout.orderer_host(i) for i in orderers])}",
        f"ORDERER_NETNS={_array([layout.orderer_netns(i) for i in orderers])}",
        f"ORDERER_VETHS={_array([layout.orderer_veth(i) for i in orderers])}",
        f"ORG_HOSTS={_array([layout.org_host(o) for o in orgs])}",
        f"ORG_NETNS={_array([layout.org_netns(o) for o in orgs])}",
        f"ORG_VETHS={_array([layout.org_veth(o) for o in orgs])}",
        f"GATEWAY_PORTS={_array([layout.gateway_port(o) for o in orgs])}",
        f"GATEWAY_CONFIGS={_array([layout.gateway_config(o) for o in orgs])}",
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
    if len(argv) == 3 and argv[1] == "org":  # the MSP id and label add-org NAME makes
        try:
            org = org_of_name(argv[2])
        except ValueError as err:
            print(err, file=sys.stderr)
            return 2
        print(org.msp_id, org.label)
        return 0
    if argv[1:] != ["env"]:
        print("usage: python -m network.lib.layout env | org NAME", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(shell_env())
    except ValueError as err:  # a CITYDIR_BASE_PORT that is no number
        print(f"network layout: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
