"""The generated Fabric protobuf modules, as seen by the rest of the shim.

The ``*_pb2`` modules build their message classes at import time, so mypy cannot see
them (and the package ships no stubs). They are re-exported here typed as ``Any``:
this module is the one place where the untyped boundary is crossed.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from fabric_protos.common import common_pb2 as _common_pb2
from fabric_protos.ledger.queryresult import kv_query_result_pb2 as _queryresult_pb2
from fabric_protos.msp import identities_pb2 as _identities_pb2
from fabric_protos.peer import chaincode_event_pb2 as _chaincode_event_pb2
from fabric_protos.peer import chaincode_pb2 as _chaincode_pb2
from fabric_protos.peer import chaincode_shim_pb2 as _shim_pb2
from fabric_protos.peer import chaincode_shim_pb2_grpc as _shim_grpc
from fabric_protos.peer import proposal_pb2 as _proposal_pb2
from fabric_protos.peer import proposal_response_pb2 as _proposal_response_pb2

common: Any = _common_pb2  # Header, ChannelHeader, SignatureHeader, HeaderType
queryresult: Any = _queryresult_pb2  # KV, KeyModification
identities: Any = _identities_pb2  # SerializedIdentity
chaincode: Any = _chaincode_pb2  # ChaincodeID, ChaincodeInput, ChaincodeAdditionalParams
chaincode_event: Any = _chaincode_event_pb2  # ChaincodeEvent
shim: Any = _shim_pb2  # ChaincodeMessage and the per-request payloads
shim_grpc: Any = _shim_grpc  # ChaincodeStub (the peer's side, for the bench)
proposal: Any = _proposal_pb2  # SignedProposal, Proposal, ChaincodeProposalPayload
proposal_response: Any = _proposal_response_pb2  # Response

# The metadata key the peer reads a key-level endorsement policy from (peer.MetaDataKeys).
VALIDATION_PARAMETER = "VALIDATION_PARAMETER"


_message: Any = shim.ChaincodeMessage


class MessageType(IntEnum):
    """The ChaincodeMessage.Type values this shim sends or expects."""

    REGISTER = _message.REGISTER
    REGISTERED = _message.REGISTERED
    INIT = _message.INIT
    READY = _message.READY
    TRANSACTION = _message.TRANSACTION
    COMPLETED = _message.COMPLETED
    ERROR = _message.ERROR
    GET_STATE = _message.GET_STATE
    PUT_STATE = _message.PUT_STATE
    DEL_STATE = _message.DEL_STATE
    RESPONSE = _message.RESPONSE
    GET_STATE_BY_RANGE = _message.GET_STATE_BY_RANGE
    QUERY_STATE_NEXT = _message.QUERY_STATE_NEXT
    QUERY_STATE_CLOSE = _message.QUERY_STATE_CLOSE
    KEEPALIVE = _message.KEEPALIVE
    GET_HISTORY_FOR_KEY = _message.GET_HISTORY_FOR_KEY
    GET_STATE_METADATA = _message.GET_STATE_METADATA
    PUT_STATE_METADATA = _message.PUT_STATE_METADATA
    WRITE_BATCH_STATE = _message.WRITE_BATCH_STATE
    GET_STATE_MULTIPLE = _message.GET_STATE_MULTIPLE


def type_name(message_type: int) -> str:
    """A ChaincodeMessage.Type for logs ("GET_STATE" rather than 8)."""
    try:
        name: str = shim.ChaincodeMessage.Type.Name(message_type)
    except ValueError:  # a type newer than our protos
        return str(message_type)
    return name
