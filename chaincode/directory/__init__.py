"""The citydir directory contract: departments, responsibilities, catalogs and access rights.

Its interface (schemas, function table, error codes, events) is ``chaincode.interface``."""

from chaincode.interface import ARGUMENT_SCHEMAS, ENTITY_SCHEMAS, DirectoryError, ErrorCode

from .contract import ACTIONS, DirectoryContract

__all__ = [
    "ACTIONS",
    "ARGUMENT_SCHEMAS",
    "ENTITY_SCHEMAS",
    "DirectoryContract",
    "DirectoryError",
    "ErrorCode",
]
