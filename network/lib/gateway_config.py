"""Write the REST gateway's config and the development API tokens for this network.

Run by `network.sh up`: one admin and one client token per org, each mapped to that org's
identity, stored hashed in gateway.json and in the clear in tokens.json (0600). With
``embedded`` as the argument the gateway keeps the directory itself (no peers).
"""

from __future__ import annotations

import sys

from gateway.tokens import write_dev_tokens
from network.lib.layout import CHAINCODE, CHANNEL, ORGS, Layout


def main(argv: list[str]) -> int:
    embedded = argv[1:] == ["embedded"]
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
                    if p.msp_id == msp_id and not embedded
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
    ledger = {"kind": "embedded", "path": str(layout.embedded_ledger())} if embedded else {"kind": "fabric"}
    tokens, config = write_dev_tokens(
        layout.home,
        orgs,
        channel=CHANNEL,
        chaincode=CHAINCODE,
        listen=f"127.0.0.1:{layout.gateway_port()}",
        ledger=ledger,
    )
    print(f"{config}\n{tokens}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
