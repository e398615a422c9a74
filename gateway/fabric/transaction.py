"""The life of a transaction: Proposal -> (evaluate | endorse) -> Transaction -> submit -> Commit.

Commit, the last step, is in :mod:`.commit` with the Status it yields.

Each step's signed message can be taken out with ``bytes()``/``digest()``, signed elsewhere,
and brought back through ``Gateway.new_signed_*()``: the offline-signing flow.
"""

from __future__ import annotations

import builtins
from typing import Any

import grpc

from ._protos import Message, gateway_pb2, proposal_pb2
from .client import GatewayClient
from .commit import Commit
from .errors import EndorseError, GatewayError, SubmitError, from_rpc_error
from .proposal import build_commit_status_request, result_from_envelope
from .signing import digest


class Proposal:
    """A signed (or to-be-signed) transaction proposal.

    ``bytes()`` is a serialized ``gateway.ProposedTransaction``; ``digest()`` is the SHA-256 of
    the inner ``peer.Proposal`` bytes, which is what the signature covers.
    """

    def __init__(
        self,
        client: GatewayClient,
        *,
        channel_id: str,
        tx_id: str,
        proposal_bytes: builtins.bytes,
        endorsing_organizations: list[str] | None = None,
        signature: builtins.bytes = b"",
    ) -> None:
        self._client = client
        self.channel_id = channel_id
        self.tx_id = tx_id
        self._proposal_bytes = proposal_bytes
        self._endorsing_organizations = list(endorsing_organizations or [])
        self._signature = signature

    def bytes(self) -> builtins.bytes:
        proposed = gateway_pb2.ProposedTransaction(
            transaction_id=self.tx_id,
            proposal=self._signed_proposal(),
            endorsing_organizations=self._endorsing_organizations,
        )
        return builtins.bytes(proposed.SerializeToString())

    def digest(self) -> builtins.bytes:
        return digest(self._proposal_bytes)

    def _signed_proposal(self) -> Message:
        return proposal_pb2.SignedProposal(proposal_bytes=self._proposal_bytes, signature=self._signature)

    def _sign(self) -> None:
        if not self._signature:
            self._signature = self._client.sign(self.digest())

    def evaluate(self) -> builtins.bytes:
        """Run the function on one peer without ordering it; returns the chaincode's payload."""
        self._sign()
        request = gateway_pb2.EvaluateRequest(
            transaction_id=self.tx_id,
            channel_id=self.channel_id,
            proposed_transaction=self._signed_proposal(),
            # Same meaning as for endorse: only these orgs' peers may run it (private data).
            target_organizations=self._endorsing_organizations,
        )
        try:
            response = self._client.evaluate(request)
        except grpc.RpcError as err:
            raise from_rpc_error(err, GatewayError, self.tx_id) from None
        return builtins.bytes(response.result.payload)

    def endorse(self) -> Transaction:
        """Collect endorsements satisfying the policy; the Gateway picks the peers."""
        self._sign()
        request = gateway_pb2.EndorseRequest(
            transaction_id=self.tx_id,
            channel_id=self.channel_id,
            proposed_transaction=self._signed_proposal(),
            endorsing_organizations=self._endorsing_organizations,
        )
        try:
            response = self._client.endorse(request)
        except grpc.RpcError as err:
            raise from_rpc_error(err, EndorseError, self.tx_id) from None
        return Transaction(
            self._client, channel_id=self.channel_id, tx_id=self.tx_id, envelope=response.prepared_transaction
        )


class Transaction:
    """An endorsed transaction, ready to be signed and sent to the orderer.

    ``bytes()`` is a serialized ``gateway.PreparedTransaction``; ``digest()`` is the SHA-256
    of the envelope payload, which is what the signature covers.
    """

    def __init__(self, client: GatewayClient, *, channel_id: str, tx_id: str, envelope: Message) -> None:
        self._client = client
        self.channel_id = channel_id
        self.tx_id = tx_id
        self._envelope: Any = envelope
        self.result: builtins.bytes = result_from_envelope(envelope)

    def bytes(self) -> builtins.bytes:
        prepared = gateway_pb2.PreparedTransaction(transaction_id=self.tx_id, envelope=self._envelope)
        return builtins.bytes(prepared.SerializeToString())

    def digest(self) -> builtins.bytes:
        return digest(self._envelope.payload)

    def submit(self) -> Commit:
        """Send to the ordering service; returns once the orderer accepted it."""
        if not self._envelope.signature:
            self._envelope.signature = self._client.sign(self.digest())
        request = gateway_pb2.SubmitRequest(
            transaction_id=self.tx_id, channel_id=self.channel_id, prepared_transaction=self._envelope
        )
        try:
            self._client.submit(request)
        except grpc.RpcError as err:
            raise from_rpc_error(err, SubmitError, self.tx_id) from None
        return Commit(
            self._client,
            channel_id=self.channel_id,
            tx_id=self.tx_id,
            request=build_commit_status_request(self.channel_id, self.tx_id, self._client.creator),
        )
