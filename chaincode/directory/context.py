"""What an action gets: the transaction's ledger and, on demand, its caller."""

from __future__ import annotations

from functools import cached_property

from chaincode.shim.api import ChaincodeStub

from .identity import Caller, caller_of
from .ledger import Ledger


class Context:
    def __init__(self, stub: ChaincodeStub) -> None:
        self.stub = stub
        self.ledger = Ledger(stub)

    @cached_property
    def caller(self) -> Caller:
        """Parsed only when an action asks (reads never need to know who asks)."""
        return caller_of(self.stub)
