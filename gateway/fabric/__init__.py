"""citydir's client of the Hyperledger Fabric Gateway gRPC service (Fabric 2.4+ peers).

Usage::

    identity = load_identity("HealthMSP", "signcerts/cert.pem")
    signer = new_private_key_signer(load_private_key("keystore/key.pem"))
    channel = new_grpc_channel("127.0.0.1:7051", tls_root_cert=ca_pem,
                               server_name_override="peer0.health.citydir.local")
    with connect(channel, identity, signer) as gw:
        contract = gw.get_network("citydir").get_contract("citydir")
        contract.submit("CreateCatalog", args=[json_text])
    channel.close()
"""

from .channel import new_grpc_channel
from .commit import Commit, CommitError, Status
from .errors import (
    CommitStatusError,
    EndorseError,
    ErrorDetail,
    GatewayError,
    SubmitError,
    chaincode_message,
)
from .events import ChaincodeEvent, ChaincodeEvents, ChaincodeEventsRequest
from .gateway import Contract, Gateway, Network, connect
from .identity import Identity, load_identity
from .ledger import BlockFacts, TransactionSummary, block_facts, transaction_writes
from .proposal import ProposalOptions
from .signing import Signer, load_private_key, new_private_key_signer
from .transaction import Proposal, Transaction

__all__ = [
    "BlockFacts",
    "ChaincodeEvent",
    "ChaincodeEvents",
    "ChaincodeEventsRequest",
    "Commit",
    "CommitError",
    "CommitStatusError",
    "Contract",
    "EndorseError",
    "ErrorDetail",
    "Gateway",
    "GatewayError",
    "Identity",
    "Network",
    "Proposal",
    "ProposalOptions",
    "Signer",
    "Status",
    "SubmitError",
    "Transaction",
    "TransactionSummary",
    "block_facts",
    "chaincode_message",
    "connect",
    "load_identity",
    "load_private_key",
    "new_grpc_channel",
    "new_private_key_signer",
    "transaction_writes",
]
