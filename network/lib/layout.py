"""Where a citydir test network keeps its identities and where its nodes listen.

Mirrors network/lib/common.sh for the Python tools beside it (gateway config, seeding).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DOMAIN = "citydir.local"
ORGS = [("DataBureauMSP", "databureau"), ("CivilAffairsMSP", "civilaffairs"), ("HealthMSP", "health")]


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
    cert: Path
    key: Path


@dataclass(frozen=True)
class Layout:
    home: Path
    base_port: int
    peers_per_org: int = 1

    @classmethod
    def from_env(cls) -> Layout:
        repo = Path(__file__).resolve().parents[2]
        home = Path(os.environ.get("CITYDIR_HOME") or repo / ".citydir")
        peers = 1
        topology = home / "topology.env"
        if topology.is_file():
            for line in topology.read_text().splitlines():
                if line.startswith("CITYDIR_PEERS_PER_ORG="):
                    peers = int(line.split("=", 1)[1])
        return cls(home, int(os.environ.get("CITYDIR_BASE_PORT", "27000")), peers)

    def org_dir(self, label: str) -> Path:
        return self.home / "crypto" / "peerOrganizations" / f"{label}.{DOMAIN}"

    def peers(self) -> list[Peer]:
        result = []
        for o, (msp_id, label) in enumerate(ORGS):
            for p in range(self.peers_per_org):
                name = f"peer{p}.{label}.{DOMAIN}"
                port = self.base_port + 100 + 10 * (o * 2 + p)
                tls = self.org_dir(label) / "peers" / name / "tls" / "ca.crt"
                result.append(Peer(name, label, msp_id, f"127.0.0.1:{port}", tls))
        return result

    def users(self) -> list[User]:
        """Each org's admin (Admin@) and client (User1@) identity made by cryptogen."""
        result = []
        for msp_id, label in ORGS:
            for role, user in (("admin", "Admin"), ("client", "User1")):
                msp = self.org_dir(label) / "users" / f"{user}@{label}.{DOMAIN}" / "msp"
                result.append(
                    User(
                        msp_id,
                        role,
                        msp / "signcerts" / f"{user}@{label}.{DOMAIN}-cert.pem",
                        msp / "keystore" / "priv_sk",
                    )
                )
        return result

    def gateway_port(self) -> int:
        return self.base_port + 300

    def embedded_ledger(self) -> Path:
        return self.home / "data" / "embedded" / "citydir.sqlite"
