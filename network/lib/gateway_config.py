"""Write the REST gateway's config and the development API tokens for this network.

Run by `network.sh up`: one admin and one client token per org, each mapped to that org's
cryptogen identity, stored hashed in gateway.json and in the clear in tokens.json (0600).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from layout import ORGS, Layout

from gateway.tokens import write_dev_tokens


def main() -> int:
    layout = Layout.from_env()
    users = {(u.msp_id, u.role): u for u in layout.users()}
    orgs = []
    for msp_id, label in ORGS:
        orgs.append(
            {
                "name": label,
                "msp_id": msp_id,
                "peers": [
                    {
                        "name": p.name,
                        "address": p.address,
                        "tls_root_cert": str(p.tls_root_cert),
                        "server_name": p.name,
                    }
                    for p in layout.peers()
                    if p.msp_id == msp_id
                ],
                "admin": {
                    "cert": str(users[(msp_id, "admin")].cert),
                    "key": str(users[(msp_id, "admin")].key),
                },
                "client": {
                    "cert": str(users[(msp_id, "client")].cert),
                    "key": str(users[(msp_id, "client")].key),
                },
            }
        )
    tokens, config = write_dev_tokens(layout.home, orgs, listen=f"127.0.0.1:{layout.gateway_port()}")
    print(f"{config}\n{tokens}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
