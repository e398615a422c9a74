"""Load the demo directory through real transactions, each signed by the org that owns it.

Run by `network.sh up` (skip with --no-seed). Transactions come in order from
chaincode.directory.seed; each is submitted through the peer's Gateway service and waited
for, since later ones read what earlier ones wrote.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from chaincode.directory.seed import seed_transactions
from layout import Layout

from gateway.fabric import (
    Contract,
    connect,
    load_identity,
    load_private_key,
    new_grpc_channel,
    new_private_key_signer,
)


def main() -> int:
    layout = Layout.from_env()
    with ExitStack() as stack:
        contracts: dict[tuple[str, str], Contract] = {}
        channels = {}
        for peer in layout.peers():
            if peer.msp_id not in channels:
                channel = new_grpc_channel(peer.address, tls_root_cert=peer.tls_root_cert.read_bytes())
                stack.callback(channel.close)
                channels[peer.msp_id] = channel
        for user in layout.users():
            gateway = connect(
                channels[user.msp_id],
                load_identity(user.msp_id, user.cert),
                new_private_key_signer(load_private_key(user.key)),
            )
            stack.callback(gateway.close)
            contracts[(user.msp_id, user.role)] = gateway.get_network("citydir").get_contract("citydir")
        started = time.monotonic()
        transactions = seed_transactions()
        for n, (msp_id, role, function, argument) in enumerate(transactions, 1):
            contracts[(msp_id, role)].submit(function, args=[json.dumps(argument, ensure_ascii=False)])
            print(
                f"[{n}/{len(transactions)}] {msp_id} {role}: {function} {argument.get('id', '')}", flush=True
            )
        print(f"demo directory loaded: {len(transactions)} transactions in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
