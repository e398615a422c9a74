"""The ledger adapters behind the API's ``Ledger`` seam, and the choice between them.

``fabric``: the production ledger, the peers' Gateway service (``gateway.ledgers.fabric``).
``embedded``: one process on SQLite for one machine (``gateway.ledgers.embedded``); it runs
the same contract, and has none of Fabric's multi-organisation guarantees.

Nothing is imported at module level: the app factory in ``gateway.api`` imports this package,
and each adapter imports ``gateway.api.ledger``, so either may be imported first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.api.ledger import LedgerFactory, StageTimer
    from gateway.config import GatewayConfig


def connector_for(config: GatewayConfig, timer: StageTimer | None = None) -> LedgerFactory:
    """The configured ledger's connector. Each adapter is imported only when chosen: the Fabric
    gateway never loads the contract, and the embedded one never dials a peer."""
    if config.ledger.kind == "embedded":
        from gateway.ledgers.embedded import EmbeddedConnector

        return EmbeddedConnector(config) if timer is None else EmbeddedConnector(config, timer)
    from gateway.ledgers.fabric import FabricConnector

    return FabricConnector(config) if timer is None else FabricConnector(config, timer)
