"""Every committed version of an entity, newest first, straight from the peer's history index;
and the two functions about the chaincode itself (``Ping``, ``GetMetadata``)."""

from __future__ import annotations

from typing import Any

from chaincode.interface import metadata

from .context import Context
from .errors import not_found
from .ledger import JSON


def get_history(ctx: Context, args: JSON) -> list[dict[str, Any]]:
    changes = ctx.ledger.history(args["entity"], args["id"])
    if not changes:
        raise not_found(args["entity"], args["id"])
    return changes


def ping(ctx: Context, args: JSON) -> JSON:
    return {"ok": True, "channel": ctx.ledger.channel_id, "tx_id": ctx.ledger.tx_id}


def get_metadata(ctx: Context, args: JSON) -> JSON:
    """The interface this chaincode implements: its version and its function table."""
    return metadata()
