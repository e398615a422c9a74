"""The ledger adapters behind the API's ``Ledger`` seam, and the choice between them.

``fabric``: the production ledger, the peers' Gateway service (``gateway.ledgers.fabric``).
``embedded``: one process on SQLite for one machine (``gateway.ledgers.embedded``); it runs
the same contract, and has none of Fabric's multi-organisation guarantees.
"""

from __future__ import annotations

from gateway.api.ledger import LedgerFactory, StageTimer, no_timer
from gateway.config import GatewayConfig


def connector_for(config: GatewayConfig, timer: StageTimer = no_timer) -> LedgerFactory:
    """The configured ledger's connector. Each adapter is imported only when chosen: the Fabric
    gateway never loads the contract, and the embedded one never dials a peer."""
    if config.ledger.kind == "embedded":
        from gateway.ledgers.embedded import EmbeddedConnector

        return EmbeddedConnector(config, timer)
    from gateway.ledgers.fabric import FabricConnector

    return FabricConnector(config, timer)
