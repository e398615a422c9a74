"""Write the REST gateway's config and the development API tokens for this network.

Run by `network.sh up` and `network.sh add-org`::

    python -m network.lib.gateway_config [embedded]   # the one gateway, every org's identities
    python -m network.lib.gateway_config per-org      # a gateway per org, each only its own
    python -m network.lib.gateway_config add LABEL    # an org added to the running channel

One admin and one client token per org, each mapped to that org's identity, stored hashed in
gateway.json and in the clear in tokens.json (0600): in ``$CITYDIR_HOME/gateway/`` for the one
gateway, in ``$CITYDIR_HOME/gateway/<label>/`` for org <label>'s own gateway, which lists only
that org's peers and identities (no path into another org's crypto). With ``embedded`` the
gateway keeps the directory itself (no peers). ``add`` keeps every token already issued.
"""

from __future__ import annotations

import sys
from typing import Any

from gateway.tokens import add_dev_org, write_dev_tokens
from network.lib.layout import CHAINCODE, CHANNEL, Layout


def org_entry(layout: Layout, org: int, *, embedded: bool = False) -> dict[str, Any]:
    """The layout gateway.tokens wants for one org: its peers (none on the embedded ledger) and
    its admin and client identities."""
    msp_id, label = layout.orgs[org].msp_id, layout.orgs[org].label
    entry: dict[str, Any] = {
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
    }
    for role in ("admin", "client"):
        user = layout.user(org, role)
        entry[role] = {"cert": str(user.cert), "key": str(user.key)}
    return entry


def write_single(layout: Layout, embedded: bool) -> list[str]:
    orgs = [org_entry(layout, o, embedded=embedded) for o in range(len(layout.orgs))]
    ledger = {"kind": "embedded", "path": str(layout.embedded_ledger())} if embedded else {"kind": "fabric"}
    tokens, config = write_dev_tokens(
        layout.home,
        orgs,
        channel=CHANNEL,
        chaincode=CHAINCODE,
        listen=f"127.0.0.1:{layout.gateway_port()}",
        ledger=ledger,
    )
    return [str(config), str(tokens)]


def write_org(layout: Layout, org: int) -> list[str]:
    """Org ORG's own gateway: only its peers and its identities."""
    tokens, config = write_dev_tokens(
        layout.home,
        [org_entry(layout, org)],
        channel=CHANNEL,
        chaincode=CHAINCODE,
        listen=f"{layout.org_host(org)}:{layout.gateway_port(org)}",
        ledger={"kind": "fabric"},
        out_dir=layout.gateway_dir(org),
    )
    return [str(config), str(tokens)]


def add(layout: Layout, label: str) -> list[str]:
    labels = [org.label for org in layout.orgs]
    if label not in labels:
        raise SystemExit(f"no org {label!r} in this network's layout (orgs: {', '.join(labels)})")
    org = labels.index(label)
    if layout.gateway_mode == "per-org":
        return write_org(layout, org)
    tokens, config = add_dev_org(layout.gateway_dir(), org_entry(layout, org))
    return [str(config), str(tokens)]


def main(argv: list[str]) -> int:
    layout = Layout.from_env()
    args = argv[1:]
    if args[:1] == ["add"] and len(args) == 2:
        written = add(layout, args[1])
    elif args == ["per-org"]:
        written = [path for o in range(len(layout.orgs)) for path in write_org(layout, o)]
    elif args in ([], ["embedded"], ["fabric"]):
        written = write_single(layout, args == ["embedded"])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
