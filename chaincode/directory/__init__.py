"""The citydir directory contract: departments, responsibilities, catalogs and access rights."""

from .contract import ACTIONS, DirectoryContract
from .errors import DirectoryError, ErrorCode
from .schemas import ARGUMENT_SCHEMAS, ENTITY_SCHEMAS

__all__ = [
    "ACTIONS",
    "ARGUMENT_SCHEMAS",
    "ENTITY_SCHEMAS",
    "DirectoryContract",
    "DirectoryError",
    "ErrorCode",
]
