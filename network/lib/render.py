"""Render the network's Fabric configuration files from their templates in network/config/.

Usage: python -m network.lib.render configtx|crypto-config > FILE

Run by network/lib/generate.sh. The templates (Jinja2) hold the configuration, readable beside
Fabric's documentation; the layout of this network (network/lib/layout.py, from CITYDIR_HOME,
CITYDIR_BASE_PORT and the topology the network was created with) fills in who and where.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import jinja2
import yaml

from network.lib.layout import DOMAIN, ORDERER_MSP, Layout

TEMPLATES = Path(__file__).resolve().parents[1] / "config"


def _render(template: str, context: dict[str, Any]) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,  # a name the template uses but the layout lacks: an error
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    text = env.get_template(template).render(context)
    yaml.safe_load(text)  # what configtxgen or cryptogen would choke on, said here
    return text


def configtx(layout: Layout) -> str:
    orderers = [
        {
            "id": i + 1,  # SmartBFT's consenter ids start at 1
            "port": layout.orderer_port(i),
            "host": layout.orderer_host(i),
            "identity": str(
                layout.orderer_dir(i) / "msp" / "signcerts" / f"{layout.orderer_name(i)}-cert.pem"
            ),
            "tls_cert": str(layout.orderer_dir(i) / "tls" / "server.crt"),
        }
        for i in range(layout.orderer_count())
    ]
    orgs = [
        {
            "msp_id": org.msp_id,
            "msp_dir": str(layout.org_dir(o) / "msp"),
            "anchor_host": layout.org_host(o),
            "anchor_port": layout.peer_port(o),
        }
        for o, org in enumerate(layout.orgs)
    ]
    return _render(
        "configtx.yaml.j2",
        {
            "orderer_msp": ORDERER_MSP,
            "orderer_msp_dir": str(layout.orderer_org_dir / "msp"),
            "orderers": orderers,
            "orgs": orgs,
            "consensus": "bft" if layout.consensus == "bft" else "raft",
        },
    )


def crypto_config(layout: Layout) -> str:
    return _render(
        "crypto-config.yaml.j2",
        {
            "domain": DOMAIN,
            "orderer_count": layout.orderer_count(),
            "orderer_hosts": [layout.orderer_host(i) for i in range(layout.orderer_count())],
            "orgs": [
                {
                    "msp_id": org.msp_id,
                    "domain": org.domain,
                    "peers": layout.org_peers(o),
                    "host": layout.org_host(o),
                }
                for o, org in enumerate(layout.orgs)
            ],
        },
    )


RENDERERS = {"configtx": configtx, "crypto-config": crypto_config}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in RENDERERS:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(RENDERERS[argv[1]](Layout.from_env()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
