"""Wait until every org's peer can plan and collect endorsements for the chaincode.

Gossip needs a few rounds after start before discovery knows the other orgs' peers; until
then the Gateway answers "no combination of peers can be derived". We endorse Ping (a
simulation only; nothing is submitted) as each org's client until it works.
"""

from __future__ import annotations

import sys
import time

from gateway.fabric import (
    EndorseError,
    connect,
    load_identity,
    load_private_key,
    new_grpc_channel,
    new_private_key_signer,
)
from network.lib.layout import CHAINCODE, CHANNEL, Layout


def main(timeout: float) -> int:
    layout = Layout.from_env()
    deadline = time.monotonic() + timeout
    clients = [u for u in layout.users() if u.role == "client"]
    for user in clients:
        peer = next(p for p in layout.peers() if p.msp_id == user.msp_id)
        channel = new_grpc_channel(peer.address, tls_root_cert=peer.tls_root_cert.read_bytes())
        gateway = connect(
            channel, load_identity(user.msp_id, user.cert), new_private_key_signer(load_private_key(user.key))
        )
        contract = gateway.get_network(CHANNEL).get_contract(CHAINCODE)
        try:
            while True:
                try:
                    contract.new_proposal("Ping", args=["{}"]).endorse()
                    break
                except EndorseError as err:
                    if time.monotonic() > deadline:
                        print(
                            f"{user.msp_id}: endorsement still impossible after {timeout:.0f}s: {err}",
                            file=sys.stderr,
                        )
                        return 1
                    time.sleep(1)
        finally:
            gateway.close()
            channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 120))
