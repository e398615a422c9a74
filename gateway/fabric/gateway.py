"""Gateway -> Network -> Contract: the small surface applications use."""

from __future__ import annotations

import builtins
import functools
import inspect
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Concatenate, ParamSpec, TypeVar

import grpc

from . import ledger
from ._protos import Message, gateway_pb2
from .client import GatewayClient, Timeouts
from .commit import Commit, CommitError, Status
from .events import ChaincodeEvents, ChaincodeEventsRequest
from .identity import Identity
from .proposal import (
    ProposalOptions,
    build_chaincode_events_request,
    build_commit_status_request,
    build_proposal,
    envelope_channel_and_tx_id,
    new_transaction_context,
    proposal_channel_and_tx_id,
)
from .signing import Signer
from .transaction import Proposal, Transaction

_P = ParamSpec("_P")
_O = TypeVar("_O")
_S = TypeVar("_S")
_R = TypeVar("_R")


def _takes_options(
    options_type: Callable[_P, _O],
) -> Callable[[Callable[[_S, str, _O], _R]], Callable[Concatenate[_S, str, _P], _R]]:
    """Turn ``method(self, function, options)`` into ``method(self, function, *<fields of options>)``.

    Callers keep writing ``contract.submit("Fn", args=[...])`` (or positionally), checked by
    mypy against ``options_type``'s fields, while the parameters are declared once.
    """

    def decorate(method: Callable[[_S, str, _O], _R]) -> Callable[Concatenate[_S, str, _P], _R]:
        @functools.wraps(method)
        def call(self: _S, function: str, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
            return method(self, function, options_type(*args, **kwargs))

        # For help() and IDEs: what call() accepts, rather than functools.wraps' ``options``.
        signature = inspect.signature(method)
        leading = list(signature.parameters.values())[:2]  # self, function
        call.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[
                *(p.replace(kind=inspect.Parameter.POSITIONAL_ONLY) for p in leading),
                *inspect.signature(options_type).parameters.values(),
            ]
        )
        return call

    return decorate


def connect(
    channels: grpc.Channel | Sequence[grpc.Channel],
    identity: Identity,
    signer: Signer | None = None,
    *,
    evaluate_timeout: float | None = 5.0,
    endorse_timeout: float | None = 15.0,
    submit_timeout: float | None = 5.0,
    commit_status_timeout: float | None = 60.0,
    chaincode_events_timeout: float | None = None,
) -> Gateway:
    """Connect to a peer's Gateway service over existing gRPC channel(s).

    Several channels must lead to peers of the same organization: evaluate, endorse and
    commit status move to the next one when a peer is unavailable or times out. The
    channels stay the caller's: ``Gateway.close()`` does not close them, so one channel per
    peer can serve many identities. With ``signer=None`` only the offline-signing flows
    (``digest()`` + ``new_signed_*()``) can send anything.
    """
    channel_list = list(channels) if isinstance(channels, Sequence) else [channels]
    timeouts = Timeouts(
        evaluate=evaluate_timeout,
        endorse=endorse_timeout,
        submit=submit_timeout,
        commit_status=commit_status_timeout,
        chaincode_events=chaincode_events_timeout,
    )
    return Gateway(GatewayClient(channel_list, identity, signer, timeouts))


class Gateway:
    """A client identity's connection to the Fabric Gateway."""

    def __init__(self, client: GatewayClient) -> None:
        self._client = client

    @property
    def identity(self) -> Identity:
        return self._client.identity

    def get_network(self, channel_id: str) -> Network:
        if not channel_id:
            raise ValueError("channel_id is required")
        return Network(self._client, channel_id)

    # -- offline signing: rebuild a step from its bytes() plus an externally made signature --
    def new_signed_proposal(self, proposal_bytes: builtins.bytes, signature: builtins.bytes) -> Proposal:
        proposed = gateway_pb2.ProposedTransaction.FromString(proposal_bytes)
        channel_id, tx_id = proposal_channel_and_tx_id(proposed.proposal.proposal_bytes)
        return Proposal(
            self._client,
            channel_id=channel_id,
            tx_id=tx_id,
            proposal_bytes=builtins.bytes(proposed.proposal.proposal_bytes),
            endorsing_organizations=list(proposed.endorsing_organizations),
            signature=signature,
        )

    def new_signed_transaction(
        self, transaction_bytes: builtins.bytes, signature: builtins.bytes
    ) -> Transaction:
        prepared = gateway_pb2.PreparedTransaction.FromString(transaction_bytes)
        envelope = prepared.envelope
        envelope.signature = signature
        channel_id, tx_id = envelope_channel_and_tx_id(envelope)
        return Transaction(self._client, channel_id=channel_id, tx_id=tx_id, envelope=envelope)

    def new_signed_commit(self, commit_bytes: builtins.bytes, signature: builtins.bytes) -> Commit:
        signed = gateway_pb2.SignedCommitStatusRequest.FromString(commit_bytes)
        request = gateway_pb2.CommitStatusRequest.FromString(signed.request)
        return Commit(
            self._client,
            channel_id=request.channel_id,
            tx_id=request.transaction_id,
            request=builtins.bytes(signed.request),
            signature=signature,
        )

    def new_signed_chaincode_events_request(
        self, request_bytes: builtins.bytes, signature: builtins.bytes
    ) -> ChaincodeEventsRequest:
        signed = gateway_pb2.SignedChaincodeEventsRequest.FromString(request_bytes)
        return ChaincodeEventsRequest(self._client, builtins.bytes(signed.request), signature)

    def close(self) -> None:
        """Stop this Gateway's event streams. The gRPC channels are left open for their owner."""
        self._client.close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Network:
    """A channel, seen through the Gateway."""

    def __init__(self, client: GatewayClient, channel_id: str) -> None:
        self._client = client
        self.name = channel_id

    def get_contract(self, chaincode_name: str, contract_name: str | None = None) -> Contract:
        if not chaincode_name:
            raise ValueError("chaincode_name is required")
        return Contract(self._client, self.name, chaincode_name, contract_name)

    def get_commit_status(self, tx_id: str) -> Status:
        """Commit status of any transaction on this channel; waits if it is not committed yet.

        The peer checks the signed request against the channel's Readers policy, so any
        member of a channel org may ask, not just the transaction's creator.
        """
        request = build_commit_status_request(self.name, tx_id, self._client.creator)
        return Commit(self._client, channel_id=self.name, tx_id=tx_id, request=request).status()

    def new_chaincode_events_request(
        self,
        chaincode_name: str,
        start_block: int | None = None,
        after_transaction_id: str | None = None,
    ) -> ChaincodeEventsRequest:
        request = build_chaincode_events_request(
            self.name, chaincode_name, self._client.creator, start_block, after_transaction_id
        )
        return ChaincodeEventsRequest(self._client, request)

    def chaincode_events(
        self,
        chaincode_name: str,
        start_block: int | None = None,
        after_transaction_id: str | None = None,
    ) -> ChaincodeEvents:
        """Events of one chaincode from ``start_block`` (default: the next block committed).

        Resume after a seen event with ``start_block=event.block_number,
        after_transaction_id=event.tx_id``.
        """
        return self.new_chaincode_events_request(chaincode_name, start_block, after_transaction_id).events()

    # -- ledger, through qscc ------------------------------------------------------------------
    def _qscc(self, function: str, args: Sequence[str]) -> builtins.bytes:
        return self.get_contract(ledger.QSCC).evaluate(function, args=args)

    def block_height(self) -> int:
        return ledger.block_height(self._qscc, self.name)

    def get_block(self, number: int) -> Message:
        return ledger.get_block(self._qscc, self.name, number)

    def get_block_bytes(self, number: int) -> builtins.bytes:
        """The peer's block, serialized exactly as ``peer channel fetch`` writes it."""
        return ledger.get_block_bytes(self._qscc, self.name, number)

    def get_block_bytes_by_tx_id(self, tx_id: str) -> builtins.bytes:
        return ledger.get_block_bytes_by_tx_id(self._qscc, self.name, tx_id)

    def get_transaction_validation(self, tx_id: str) -> tuple[str, int]:
        return ledger.get_transaction_validation(self._qscc, self.name, tx_id)

    @staticmethod
    def block_summary(block: Message) -> list[ledger.TransactionSummary]:
        return ledger.block_summary(block)


class Contract:
    """A chaincode (optionally one named contract inside it) on a channel."""

    def __init__(
        self, client: GatewayClient, channel_id: str, chaincode_name: str, contract_name: str | None = None
    ) -> None:
        self._client = client
        self.channel_id = channel_id
        self.chaincode_name = chaincode_name
        self.contract_name = contract_name

    def _function(self, name: str) -> str:
        # Contract-API chaincodes address "contract:function" when a chaincode holds several.
        return f"{self.contract_name}:{name}" if self.contract_name else name

    def _proposal(self, function: str, options: ProposalOptions) -> Proposal:
        context = new_transaction_context(self._client.creator)
        proposal_bytes = build_proposal(
            context,
            self.channel_id,
            self.chaincode_name,
            self._function(function),
            options.args,
            options.transient,
        )
        return Proposal(
            self._client,
            channel_id=self.channel_id,
            tx_id=context.tx_id,
            proposal_bytes=proposal_bytes,
            endorsing_organizations=list(options.endorsing_organizations or []),
        )

    def _submit_async(self, function: str, options: ProposalOptions) -> tuple[builtins.bytes, Commit]:
        transaction = self._proposal(function, options).endorse()
        return transaction.result, transaction.submit()

    # Each takes the function name, then the fields of ProposalOptions: args, transient,
    # endorsing_organizations (positionally or by keyword).
    @_takes_options(ProposalOptions)
    def new_proposal(self, function: str, options: ProposalOptions) -> Proposal:
        """A proposal to evaluate or endorse step by step (or to sign offline)."""
        return self._proposal(function, options)

    @_takes_options(ProposalOptions)
    def evaluate(self, function: str, options: ProposalOptions) -> builtins.bytes:
        """Query: run on one peer, nothing is ordered or written."""
        return self._proposal(function, options).evaluate()

    @_takes_options(ProposalOptions)
    def submit(self, function: str, options: ProposalOptions) -> builtins.bytes:
        """Endorse, order and wait for commit; raises CommitError if it commits invalid."""
        result, commit = self._submit_async(function, options)
        status = commit.status()
        if not status.successful:
            raise CommitError(status)
        return result

    @_takes_options(ProposalOptions)
    def submit_async(self, function: str, options: ProposalOptions) -> tuple[builtins.bytes, Commit]:
        """Endorse and order; returns (result, commit) once the orderer has accepted it."""
        return self._submit_async(function, options)
