from __future__ import annotations

import grpc
import pytest

from gateway.fabric import (
    CommitError,
    CommitStatusError,
    EndorseError,
    ErrorDetail,
    GatewayError,
    Status,
    SubmitError,
    chaincode_message,
)
from gateway.fabric.errors import decode_error_details, from_rpc_error
from tests._protos import gateway_pb2, transaction_pb2

from .helpers import encode_rpc_status

CHAINCODE_JSON = (
    '{"code":"FORBIDDEN","message":"only admins of HealthMSP may change catalog health-beds","details":{}}'
)


def detail(address: str, msp_id: str, message: str) -> tuple[str, bytes]:
    value = gateway_pb2.ErrorDetail(address=address, msp_id=msp_id, message=message).SerializeToString()
    return "type.googleapis.com/gateway.ErrorDetail", value


class FakeRpcError(grpc.RpcError):  # type: ignore[misc]  # grpc is untyped
    """Shaped like the error grpc raises from a unary call (it is also a grpc.Call)."""

    def __init__(self, code: grpc.StatusCode, message: str, trailing: tuple[tuple[str, object], ...] = ()):
        self._code, self._message, self._trailing = code, message, trailing

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._message

    def trailing_metadata(self) -> tuple[tuple[str, object], ...]:
        return self._trailing


def test_decode_status_details_keeps_gateway_error_details_only() -> None:
    status = encode_rpc_status(
        10,
        "failed to endorse transaction, see attached details for more info",
        [
            detail("peer0.health.citydir.local:7051", "HealthMSP", "chaincode response 500, boom"),
            ("type.googleapis.com/google.rpc.DebugInfo", b"\x0a\x01x"),
            detail("peer0.transport.citydir.local:9051", "TransportMSP", "connection refused"),
        ],
    )
    assert decode_error_details(status) == [
        ErrorDetail("peer0.health.citydir.local:7051", "HealthMSP", "chaincode response 500, boom"),
        ErrorDetail("peer0.transport.citydir.local:9051", "TransportMSP", "connection refused"),
    ]


def test_rpc_error_maps_to_typed_error_with_details() -> None:
    status = encode_rpc_status(10, "failed", [detail("peer0:7051", "HealthMSP", "chaincode response 500, x")])
    err = FakeRpcError(
        grpc.StatusCode.ABORTED,
        "failed to endorse transaction, see attached details for more info",
        (("content-type", "x"), ("grpc-status-details-bin", status)),
    )
    mapped = from_rpc_error(err, EndorseError, "tx1")
    assert isinstance(mapped, EndorseError)
    assert isinstance(mapped, GatewayError)
    assert mapped.code == grpc.StatusCode.ABORTED
    assert mapped.tx_id == "tx1"
    assert mapped.message.startswith("failed to endorse transaction")
    assert mapped.details == [ErrorDetail("peer0:7051", "HealthMSP", "chaincode response 500, x")]
    assert "peer0:7051 (HealthMSP)" in str(mapped)
    assert str(mapped).startswith("ABORTED: ")


@pytest.mark.parametrize("cls", [SubmitError, CommitStatusError])
def test_rpc_error_without_details(cls: type[GatewayError]) -> None:
    mapped = from_rpc_error(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "connection refused"), cls, "tx2")
    assert type(mapped) is cls
    assert (mapped.code, mapped.message, mapped.details, mapped.tx_id) == (
        grpc.StatusCode.UNAVAILABLE,
        "connection refused",
        [],
        "tx2",
    )


def test_malformed_status_details_do_not_hide_the_error() -> None:
    err = FakeRpcError(grpc.StatusCode.INTERNAL, "oops", (("grpc-status-details-bin", b"\xff\xff\xff"),))
    mapped = from_rpc_error(err, GatewayError)
    assert mapped.details == []
    assert mapped.message == "oops"


def test_chaincode_message_from_evaluate_error() -> None:
    # Evaluate: code UNKNOWN, message "evaluate call to endorser returned error: chaincode response 500, ..."
    err = GatewayError(
        grpc.StatusCode.UNKNOWN,
        f"evaluate call to endorser returned error: chaincode response 500, {CHAINCODE_JSON}",
        [ErrorDetail("peer0:7051", "HealthMSP", f"chaincode response 500, {CHAINCODE_JSON}")],
    )
    assert chaincode_message(err) == CHAINCODE_JSON


def test_chaincode_message_from_endorse_error_details() -> None:
    # Endorse: code ABORTED, generic message; the chaincode's message is only in the details.
    err = EndorseError(
        grpc.StatusCode.ABORTED,
        "failed to endorse transaction, see attached details for more info",
        [ErrorDetail("peer0:7051", "HealthMSP", 'chaincode response 404, {"code":"NOT_FOUND"}\nline 2')],
        "tx",
    )
    assert chaincode_message(err) == '{"code":"NOT_FOUND"}\nline 2'


def test_chaincode_message_is_none_for_other_failures() -> None:
    peer_error = GatewayError(
        grpc.StatusCode.ABORTED,
        "failed to endorse transaction, see attached details for more info",
        [
            ErrorDetail(
                "peer0:7051", "HealthMSP", "make sure the chaincode citydir has been successfully defined"
            )
        ],
    )
    assert chaincode_message(peer_error) is None
    assert chaincode_message(GatewayError(grpc.StatusCode.UNAVAILABLE, "connection refused")) is None
    assert chaincode_message(ValueError("chaincode response 500, x")) is None


def test_status_code_names_follow_tx_validation_code() -> None:
    for name, code in transaction_pb2.TxValidationCode.items():
        status = Status.of("tx", code, 3)
        assert status.code_name == name
        assert status.successful == (name == "VALID")
        assert status.block_number == 3
    assert Status.of("tx", 9999, 1).code_name == "UNKNOWN_VALIDATION_CODE_9999"


def test_commit_error_carries_status() -> None:
    status = Status.of("tx9", transaction_pb2.MVCC_READ_CONFLICT, 12)
    err = CommitError(status)
    assert (err.tx_id, err.code, err.code_name, err.block_number) == ("tx9", 11, "MVCC_READ_CONFLICT", 12)
    assert err.status is status
    assert "MVCC_READ_CONFLICT" in str(err)
