"""The Fabric protobuf modules these tests decode with, typed as ``Any`` (no stubs ship).

Imported from ``fabric_protos`` directly, not from the verifier, so that the fixtures and tests
read the wire format independently of the code under test.
"""

from typing import Any

from fabric_protos.common import common_pb2 as _common_pb2
from fabric_protos.common import configtx_pb2 as _configtx_pb2
from fabric_protos.common import policies_pb2 as _policies_pb2
from fabric_protos.ledger.rwset import rwset_pb2 as _rwset_pb2
from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2 as _kv_rwset_pb2
from fabric_protos.msp import identities_pb2 as _identities_pb2
from fabric_protos.msp import msp_config_pb2 as _msp_config_pb2
from fabric_protos.msp import msp_principal_pb2 as _msp_principal_pb2
from fabric_protos.peer import proposal_pb2 as _proposal_pb2
from fabric_protos.peer import proposal_response_pb2 as _proposal_response_pb2
from fabric_protos.peer import transaction_pb2 as _transaction_pb2

common_pb2: Any = _common_pb2
configtx_pb2: Any = _configtx_pb2
policies_pb2: Any = _policies_pb2
msp_config_pb2: Any = _msp_config_pb2
msp_principal_pb2: Any = _msp_principal_pb2
rwset_pb2: Any = _rwset_pb2
kv_rwset_pb2: Any = _kv_rwset_pb2
identities_pb2: Any = _identities_pb2
proposal_pb2: Any = _proposal_pb2
proposal_response_pb2: Any = _proposal_response_pb2
transaction_pb2: Any = _transaction_pb2
