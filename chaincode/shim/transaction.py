"""Running one INIT/TRANSACTION message through the contract, producing the final message."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Protocol

from chaincode.shim import protos
from chaincode.shim.api import ERROR, ChaincodeStub, Response
from chaincode.shim.errors import ShimError
from chaincode.shim.proposal import decode_proposal
from chaincode.shim.protos import MessageType
from chaincode.shim.stub import NO_FEATURES, PeerConversation, PeerFeatures, PeerStub

log = logging.getLogger("chaincode.shim.transaction")

# peer.Response statuses from this value up make the endorser reject the proposal.
ERROR_THRESHOLD = 400


class Contract(Protocol):
    """What the runtime needs from a contract."""

    def init(self, stub: ChaincodeStub) -> Response: ...

    def invoke(self, stub: ChaincodeStub) -> Response: ...


def short_tx_id(tx_id: str) -> str:
    return tx_id[:8]


def run_transaction(
    contract: Contract, message: Any, conversation: PeerConversation, features: PeerFeatures = NO_FEATURES
) -> Any:
    """Execute ``message`` (INIT or TRANSACTION) and return the COMPLETED/ERROR reply for the peer.

    With the peer's write batching (``features``), the writes go to the peer after the contract
    returned and before COMPLETED, as the Go shim's FinishWriteBatch does; a failed send fails
    the transaction with ERROR. A failed response's writes are not sent: the peer discards a
    failed proposal's simulation anyway.
    """
    started = time.monotonic()
    try:
        args = [bytes(arg) for arg in protos.chaincode.ChaincodeInput.FromString(message.payload).args]
        proposal = decode_proposal(message.proposal if message.HasField("proposal") else None)
    except Exception as exc:  # a malformed message: refuse it the way the Go shim does
        log.error("[%s] cannot start transaction: %s", short_tx_id(message.txid), exc)
        return error_message(message, f"failed to start transaction: {exc}")

    stub = PeerStub(conversation, message.channel_id, message.txid, args, proposal, features)
    function = _function_name(args)
    try:
        response = contract.init(stub) if message.type == MessageType.INIT else contract.invoke(stub)
        if not isinstance(response, Response):
            raise TypeError(f"contract returned {type(response).__name__}, not Response")
    except Exception as exc:
        log.exception("[%s] %s raised %s", short_tx_id(message.txid), function, type(exc).__name__)
        response = internal_error(exc)
    finally:
        _release_iterators(stub)
    if response.status < ERROR_THRESHOLD:
        try:
            stub.finish_write_batch()
        except ShimError as exc:
            log.error("[%s] %s: could not send its writes: %s", short_tx_id(message.txid), function, exc)
            return error_message(message, f"failed send batch: {exc}")

    completed = protos.shim.ChaincodeMessage(
        type=MessageType.COMPLETED,
        payload=protos.proposal_response.Response(
            status=response.status, message=response.message, payload=response.payload
        ).SerializeToString(),
        txid=message.txid,
        channel_id=message.channel_id,
    )
    # The peer discards everything of a failed proposal; an event would only mislead.
    if stub.event is not None and response.status < ERROR_THRESHOLD:
        completed.chaincode_event.CopyFrom(stub.event)
    log.info(
        "[%s] %s %s on %s -> %d in %.1f ms",
        short_tx_id(message.txid),
        protos.type_name(message.type),
        function,
        message.channel_id,
        response.status,
        (time.monotonic() - started) * 1000,
    )
    return completed


def internal_error(exc: BaseException) -> Response:
    detail = str(exc) or type(exc).__name__
    return Response(status=ERROR, message=json.dumps({"code": "INTERNAL", "message": detail}))


def error_message(message: Any, text: str) -> Any:
    """An ERROR reply to ``message``: the peer fails the proposal with ``text``."""
    return protos.shim.ChaincodeMessage(
        type=MessageType.ERROR, payload=text.encode("utf-8"), txid=message.txid, channel_id=message.channel_id
    )


def _function_name(args: list[bytes]) -> str:
    # Only the function name is logged: arguments may carry personal data.
    if not args:
        return "<no function>"
    return args[0][:64].decode("utf-8", errors="replace")


def _release_iterators(stub: PeerStub) -> None:
    try:
        stub.close_open_iterators()
    except ShimError as exc:  # the conversation is already broken; the peer cleans up on its own
        log.debug("[%s] could not close iterators: %s", short_tx_id(stub.tx_id), exc)
