"""An in-process stand-in for a peer's Gateway service.

It checks what a real peer checks about our messages (signatures by the client's key, low-S,
tx ID = sha256(nonce + creator), tx IDs consistent across request and headers, the creator)
and answers with canned results shaped like Fabric's (see internal/pkg/gateway in Fabric).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from concurrent import futures
from typing import Any, NoReturn

import grpc
from cryptography.hazmat.primitives.asymmetric import ec

from tests._protos import (
    chaincode_event_pb2,
    chaincode_pb2,
    common_pb2,
    gateway_pb2,
    gateway_pb2_grpc,
    ledger_pb2,
    proposal_pb2,
    proposal_response_pb2,
    transaction_pb2,
)

from .helpers import encode_rpc_status, prepared_envelope, verify

CHAINCODE_ERROR = '{"code":"NOT_FOUND","message":"catalog nope not found","details":{}}'


def abort(
    context: Any, code: grpc.StatusCode, message: str, details: Sequence[tuple[str, str, str]] = ()
) -> NoReturn:
    """Abort the way the peer's newRpcError does: status details carrying gateway.ErrorDetail."""
    anys = [
        (
            "type.googleapis.com/gateway.ErrorDetail",
            gateway_pb2.ErrorDetail(address=a, msp_id=m, message=t).SerializeToString(),
        )
        for a, m, t in details
    ]
    status = encode_rpc_status(code.value[0], message, anys)
    context.set_trailing_metadata((("grpc-status-details-bin", status),))
    context.abort(code, message)
    raise AssertionError("context.abort raises")  # as it does; mypy cannot see it (grpc is untyped)


class FakeGateway(gateway_pb2_grpc.GatewayServicer):  # type: ignore[misc]  # untyped base
    def __init__(self, public_key: ec.EllipticCurvePublicKey, creator: bytes, name: str = "peer0") -> None:
        self.public_key = public_key
        self.creator = creator
        self.name = name
        self.calls: list[str] = []
        self.requests: list[Any] = []
        self.unavailable = False
        self.submitted: dict[str, str] = {}  # tx_id -> function
        self.commit_codes: dict[str, int] = {}  # function -> validation code at commit
        self.committed_block = 9
        # ChaincodeEvents: the ledger, as block number -> events; next_commit starts at ledger_height.
        self.event_blocks: dict[int, list[Any]] = {}
        self.ledger_height = 0
        self.stream_ended = threading.Event()

    # -- checks --------------------------------------------------------------------------
    def _enter(self, name: str, request: Any, context: Any) -> None:
        self.calls.append(name)
        self.requests.append(request)
        if self.unavailable:
            context.abort(grpc.StatusCode.UNAVAILABLE, f"{self.name} is down")

    def _verify(self, context: Any, signature: bytes, message: bytes) -> None:
        try:
            verify(self.public_key, signature, message)
        except Exception as err:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, f"signature check failed: {err!r}")

    def _proposal(self, request: Any, context: Any) -> tuple[str, str, list[bytes], dict[str, bytes]]:
        signed = request.proposed_transaction
        self._verify(context, signed.signature, signed.proposal_bytes)
        proposal = proposal_pb2.Proposal.FromString(signed.proposal_bytes)
        header = common_pb2.Header.FromString(proposal.header)
        channel_header = common_pb2.ChannelHeader.FromString(header.channel_header)
        signature_header = common_pb2.SignatureHeader.FromString(header.signature_header)
        payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
        spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(payload.input).chaincode_spec
        expected_tx_id = hashlib.sha256(signature_header.nonce + signature_header.creator).hexdigest()
        problems = [
            channel_header.tx_id != expected_tx_id and "tx id is not sha256(nonce+creator)",
            request.transaction_id != channel_header.tx_id and "request tx id differs from header",
            request.channel_id != channel_header.channel_id and "request channel differs from header",
            signature_header.creator != self.creator and "unexpected creator",
            channel_header.type != common_pb2.ENDORSER_TRANSACTION and "not an endorser transaction",
        ]
        if any(problems):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "; ".join(p for p in problems if p))
        args = list(spec.input.args)
        return spec.chaincode_id.name, args[0].decode(), args[1:], dict(payload.TransientMap)

    # -- "chaincode" ---------------------------------------------------------------------------
    def _run(
        self, chaincode: str, function: str, args: list[bytes], transient: dict[str, bytes]
    ) -> bytes | None:
        """Result payload, or None for a chaincode error response (status 500)."""
        if chaincode == "qscc":
            if function == "GetChainInfo":
                return bytes(ledger_pb2.BlockchainInfo(height=self.committed_block + 1).SerializeToString())
            if function == "GetBlockByNumber":
                block = common_pb2.Block(header=common_pb2.BlockHeader(number=int(args[1])))
                return bytes(block.SerializeToString())
            if function == "GetTransactionByID":
                processed = transaction_pb2.ProcessedTransaction(validationCode=0)
                return bytes(processed.SerializeToString())
            if function == "GetBlockByTxID":
                block = common_pb2.Block(header=common_pb2.BlockHeader(number=self.committed_block))
                return bytes(block.SerializeToString())
        if function == "Fail":
            return None
        if function == "Transient":
            return transient.get("secret", b"")
        return b"|".join([function.encode(), *args])

    # -- service -------------------------------------------------------------------------
    def Evaluate(self, request: Any, context: Any) -> Any:
        self._enter("Evaluate", request, context)
        chaincode, function, args, transient = self._proposal(request, context)
        result = self._run(chaincode, function, args, transient)
        if result is None:
            message = f"chaincode response 500, {CHAINCODE_ERROR}"
            abort(
                context,
                grpc.StatusCode.UNKNOWN,
                f"evaluate call to endorser returned error: {message}",
                [(f"{self.name}.health.citydir.local:7051", "HealthMSP", message)],
            )
        return gateway_pb2.EvaluateResponse(result=proposal_response_pb2.Response(status=200, payload=result))

    def Endorse(self, request: Any, context: Any) -> Any:
        self._enter("Endorse", request, context)
        chaincode, function, args, transient = self._proposal(request, context)
        result = self._run(chaincode, function, args, transient)
        if result is None:
            message = f"chaincode response 500, {CHAINCODE_ERROR}"
            abort(
                context,
                grpc.StatusCode.ABORTED,
                "failed to endorse transaction, see attached details for more info",
                [
                    (f"{self.name}.health.citydir.local:7051", "HealthMSP", message),
                    ("peer1.health.citydir.local:8051", "HealthMSP", message),
                ],
            )
        envelope = prepared_envelope(request.proposed_transaction.proposal_bytes, result)
        self.submitted[request.transaction_id] = function
        return gateway_pb2.EndorseResponse(prepared_transaction=envelope)

    def Submit(self, request: Any, context: Any) -> Any:
        self._enter("Submit", request, context)
        envelope = request.prepared_transaction
        self._verify(context, envelope.signature, envelope.payload)
        payload = common_pb2.Payload.FromString(envelope.payload)
        channel_header = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        if channel_header.tx_id != request.transaction_id or request.transaction_id not in self.submitted:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown or inconsistent transaction")
        if self.submitted[request.transaction_id] == "OrdererRejects":
            abort(
                context,
                grpc.StatusCode.ABORTED,
                "received unsuccessful response from orderer: status=BAD_REQUEST, info=bad",
            )
        self.submitted[request.transaction_id] += "+ordered"
        return gateway_pb2.SubmitResponse()

    def CommitStatus(self, request: Any, context: Any) -> Any:
        self._enter("CommitStatus", request, context)
        self._verify(context, request.signature, request.request)
        inner = gateway_pb2.CommitStatusRequest.FromString(request.request)
        if inner.identity != self.creator or not inner.channel_id:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "bad identity")
        function = self.submitted.get(inner.transaction_id, "")
        if not function.endswith("+ordered"):
            while context.is_active():  # Like the peer: wait for a commit that never comes.
                time.sleep(0.01)
            return gateway_pb2.CommitStatusResponse()
        code = self.commit_codes.get(function.removesuffix("+ordered"), transaction_pb2.VALID)
        return gateway_pb2.CommitStatusResponse(result=code, block_number=self.committed_block)

    def ChaincodeEvents(self, request: Any, context: Any) -> Any:
        self._enter("ChaincodeEvents", request, context)
        self._verify(context, request.signature, request.request)
        inner = gateway_pb2.ChaincodeEventsRequest.FromString(request.request)
        if inner.identity != self.creator:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "bad identity")
        # Same start rules as the peer's chaincodeEventsStartBlock / chaincodeEventMatcher.
        start = None
        if inner.after_transaction_id:
            for number, events in self.event_blocks.items():
                if any(e.tx_id == inner.after_transaction_id for e in events):
                    start = number
        if start is None:
            kind = inner.start_position.WhichOneof("Type")
            start = inner.start_position.specified.number if kind == "specified" else self.ledger_height
        passed = not inner.after_transaction_id
        for number in sorted(n for n in self.event_blocks if n >= start):
            matching = []
            for event in self.event_blocks[number]:
                if not passed:
                    passed = event.tx_id == inner.after_transaction_id
                    continue
                if event.chaincode_id == inner.chaincode_id:
                    matching.append(event)
            if matching:
                yield gateway_pb2.ChaincodeEventsResponse(events=matching, block_number=number)
        while context.is_active():  # Wait for blocks that never come, until the client cancels.
            time.sleep(0.01)
        self.stream_ended.set()


def event(chaincode: str, tx_id: str, name: str, payload: bytes = b"{}") -> Any:
    return chaincode_event_pb2.ChaincodeEvent(
        chaincode_id=chaincode, tx_id=tx_id, event_name=name, payload=payload
    )


def start_server(
    servicer: FakeGateway, credentials: grpc.ServerCredentials | None = None
) -> tuple[grpc.Server, int]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    gateway_pb2_grpc.add_GatewayServicer_to_server(servicer, server)
    if credentials is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return server, port
