"""The Fabric protobuf modules we use, typed as ``Any``.

The generated ``*_pb2`` modules build their classes at import time and ship no type
stubs; pinning them to ``Any`` here keeps that untyped boundary in one place.
"""

from typing import Any

from fabric_protos.common import policies_pb2 as _policies_pb2
from fabric_protos.msp import identities_pb2 as _identities_pb2
from fabric_protos.msp import msp_principal_pb2 as _msp_principal_pb2

policies_pb2: Any = _policies_pb2
identities_pb2: Any = _identities_pb2
msp_principal_pb2: Any = _msp_principal_pb2
