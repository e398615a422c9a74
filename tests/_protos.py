"""The Fabric protobuf modules the tests build and decode messages with, typed as ``Any``.

The generated ``*_pb2`` modules build their classes at import time and ship no type stubs, so
mypy cannot see their attributes. As in the packages under test (``chaincode/shim/protos.py``,
``chaincode/directory/_protos.py``, ``gateway/fabric/_protos.py``), they are pinned to ``Any``
once, here: tests import them from this module, never from ``fabric_protos`` directly. This module
imports ``fabric_protos`` itself rather than re-using those modules, so that the tests check the
wire format independently of the code under test.
"""

from typing import Any

from fabric_protos.common import common_pb2 as _common_pb2
from fabric_protos.common import ledger_pb2 as _ledger_pb2
from fabric_protos.common import policies_pb2 as _policies_pb2
from fabric_protos.gateway import gateway_pb2 as _gateway_pb2
from fabric_protos.gateway import gateway_pb2_grpc as _gateway_pb2_grpc
from fabric_protos.ledger.queryresult import kv_query_result_pb2 as _kv_query_result_pb2
from fabric_protos.ledger.rwset import rwset_pb2 as _rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2 as _kv_rwset_pb2
from fabric_protos.msp import identities_pb2 as _identities_pb2
from fabric_protos.msp import msp_principal_pb2 as _msp_principal_pb2
from fabric_protos.orderer import ab_pb2 as _ab_pb2
from fabric_protos.peer import chaincode_event_pb2 as _chaincode_event_pb2
from fabric_protos.peer import chaincode_pb2 as _chaincode_pb2
from fabric_protos.peer import chaincode_shim_pb2 as _chaincode_shim_pb2
from fabric_protos.peer import chaincode_shim_pb2_grpc as _chaincode_shim_pb2_grpc
from fabric_protos.peer import proposal_pb2 as _proposal_pb2
from fabric_protos.peer import proposal_response_pb2 as _proposal_response_pb2
from fabric_protos.peer import transaction_pb2 as _transaction_pb2

common_pb2: Any = _common_pb2
ledger_pb2: Any = _ledger_pb2
policies_pb2: Any = _policies_pb2
gateway_pb2: Any = _gateway_pb2
gateway_pb2_grpc: Any = _gateway_pb2_grpc
kv_query_result_pb2: Any = _kv_query_result_pb2
rwset_pb2: Any = _rwset_pb2
kv_rwset_pb2: Any = _kv_rwset_pb2
identities_pb2: Any = _identities_pb2
msp_principal_pb2: Any = _msp_principal_pb2
ab_pb2: Any = _ab_pb2
chaincode_event_pb2: Any = _chaincode_event_pb2
chaincode_pb2: Any = _chaincode_pb2
chaincode_shim_pb2: Any = _chaincode_shim_pb2
chaincode_shim_pb2_grpc: Any = _chaincode_shim_pb2_grpc
proposal_pb2: Any = _proposal_pb2
proposal_response_pb2: Any = _proposal_response_pb2
transaction_pb2: Any = _transaction_pb2

# A protobuf message instance; untyped for the reason above.
Message = Any
