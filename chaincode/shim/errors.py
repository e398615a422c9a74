"""Failures of the conversation with the peer, as the contract sees them."""

from __future__ import annotations


class ShimError(Exception):
    """Base class: a ledger call could not be completed."""


class PeerError(ShimError):
    """The peer answered a ledger call with ERROR; the text is the peer's reason."""


class StreamClosedError(ShimError):
    """The peer's stream ended while a transaction was waiting for an answer."""


class ProtocolError(ShimError):
    """The peer sent something the chaincode protocol does not allow here."""
