"""Load the demo directory through real transactions, each signed by the org that owns it.

Run by `network.sh up` (skip with --no-seed), on either ledger: transactions come in order from
network/demo/directory.yaml (expanded by network.lib.demo) and go through the gateway's own
ledger seam (Fabric's Gateway service, or the embedded ledger's file), as the identities of
gateway.json (with per-org gateways: each org's own gateway.json, so each org's transactions
are signed with the keys its own gateway holds). Each is waited for, since later ones read what
earlier ones wrote.
"""

from __future__ import annotations

import sys
import time

from gateway.api.ledger import Ledger
from gateway.config import load_config
from gateway.ledgers import connector_for
from network.lib.demo import seed_transactions
from network.lib.layout import Layout


def main() -> int:
    layout = Layout.from_env()
    ledgers: dict[tuple[str, str], Ledger] = {}
    for org in layout.gateway_orgs():
        config = load_config(layout.gateway_config(org))
        connect = connector_for(config)
        for identity in config.identities:
            ledgers.setdefault((identity.msp_id, identity.role), connect(identity))
    started = time.monotonic()
    transactions = seed_transactions()
    for n, (msp_id, role, function, argument) in enumerate(transactions, 1):
        ledgers[(msp_id, role)].submit(function, argument)
        print(f"[{n}/{len(transactions)}] {msp_id} {role}: {function} {argument.get('id', '')}", flush=True)
    print(f"demo directory loaded: {len(transactions)} transactions in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
