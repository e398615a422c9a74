"""Typed errors, carrying the per-endorser / per-orderer detail the peer's Gateway attaches."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory

from ._protos import gateway_pb2

_STATUS_DETAILS_KEY = "grpc-status-details-bin"
_ERROR_DETAIL_TYPE = "gateway.ErrorDetail"


@dataclass(frozen=True)
class ErrorDetail:
    """What one endorsing peer or orderer node said, as reported by the Gateway peer."""

    address: str
    msp_id: str
    message: str


class GatewayError(Exception):
    """A gRPC call to the Gateway failed.

    ``details`` lists the individual peers/orderers that failed, when the Gateway said so.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        details: Sequence[ErrorDetail] = (),
        tx_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: list[ErrorDetail] = list(details)
        self.tx_id = tx_id

    def __str__(self) -> str:
        name = getattr(self.code, "name", str(self.code))
        text = f"{name}: {self.message}"
        if self.details:
            text += " [" + "; ".join(f"{d.address} ({d.msp_id}): {d.message}" for d in self.details) + "]"
        return text


class EndorseError(GatewayError):
    """The proposal could not be endorsed (chaincode error, policy unsatisfiable, peers down...)."""

    tx_id: str


class SubmitError(GatewayError):
    """The endorsed transaction was not accepted by the ordering service."""

    tx_id: str


class CommitStatusError(GatewayError):
    """The commit status of a submitted transaction could not be obtained (it may still commit)."""

    tx_id: str


# google.rpc.Status is not in the Fabric protos and googleapis-common-protos is not a
# dependency; it is three fields, so describe it ourselves in a private pool (a private pool
# cannot clash with the real definition if another library registers it).
def _rpc_status_class() -> Any:
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(any_pb2.DESCRIPTOR.serialized_pb)
    file = descriptor_pb2.FileDescriptorProto(
        name="citydir/google/rpc/status.proto",
        package="google.rpc",
        dependency=["google/protobuf/any.proto"],
        syntax="proto3",
    )
    message = file.message_type.add(name="Status")
    f = descriptor_pb2.FieldDescriptorProto
    message.field.add(name="code", number=1, type=f.TYPE_INT32, label=f.LABEL_OPTIONAL)
    message.field.add(name="message", number=2, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL)
    message.field.add(
        name="details",
        number=3,
        type=f.TYPE_MESSAGE,
        label=f.LABEL_REPEATED,
        type_name=".google.protobuf.Any",
    )
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))


_RpcStatus: Any = _rpc_status_class()


def decode_error_details(status_details: bytes) -> list[ErrorDetail]:
    """Decode the ``gateway.ErrorDetail`` entries of a serialized ``google.rpc.Status``."""
    status = _RpcStatus.FromString(status_details)
    details: list[ErrorDetail] = []
    for entry in status.details:
        if str(entry.type_url).rsplit("/", 1)[-1] != _ERROR_DETAIL_TYPE:
            continue
        detail = gateway_pb2.ErrorDetail.FromString(entry.value)
        details.append(ErrorDetail(address=detail.address, msp_id=detail.msp_id, message=detail.message))
    return details


def _details_from_rpc_error(err: grpc.RpcError) -> list[ErrorDetail]:
    trailing = err.trailing_metadata() if hasattr(err, "trailing_metadata") else None
    for key, value in trailing or ():
        if key == _STATUS_DETAILS_KEY and isinstance(value, bytes):
            try:
                return decode_error_details(value)
            except Exception:  # Malformed details must not hide the error itself.
                return []
    return []


_E = TypeVar("_E", bound=GatewayError)


def from_rpc_error(err: grpc.RpcError, cls: type[_E], tx_id: str | None = None) -> _E:
    """The typed error (``cls``) for a failed Gateway call, with the peer's error details."""
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
    message = (err.details() if hasattr(err, "details") else None) or ""
    return cls(code, message, _details_from_rpc_error(err), tx_id)


# The Gateway reports a chaincode's own error response (status >= 400 with a payload, or any
# status 400-499) as "chaincode response <status>, <message>"; see responseStatus() in
# fabric/internal/pkg/gateway/apiutils.go. Evaluate puts it in the message and the details,
# Endorse only in the per-endorser details.
_CHAINCODE_RESPONSE = re.compile(r"chaincode response \d+, (.*)\Z", re.DOTALL)


def chaincode_message(err: BaseException) -> str | None:
    """The message the chaincode returned with its error response, or None for other failures."""
    if not isinstance(err, GatewayError):
        return None
    for text in [d.message for d in err.details] + [err.message]:
        match = _CHAINCODE_RESPONSE.search(text)
        if match:
            return match.group(1)
    return None
