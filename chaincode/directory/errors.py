"""The contract's refusals. The error type, its codes and its wire format are the interface's
(``chaincode.interface.errors``); these are the contract's shorthands for raising them."""

from __future__ import annotations

from typing import Any

from chaincode.interface.errors import DirectoryError, ErrorCode, invalid_argument

__all__ = [
    "DirectoryError",
    "ErrorCode",
    "conflict",
    "failed_precondition",
    "forbidden",
    "internal",
    "invalid_argument",
    "not_found",
]


def not_found(entity: str, entity_id: str) -> DirectoryError:
    return DirectoryError(
        ErrorCode.NOT_FOUND, f"{entity} {entity_id!r} does not exist", {"entity": entity, "id": entity_id}
    )


def forbidden(message: str, **details: Any) -> DirectoryError:
    return DirectoryError(ErrorCode.FORBIDDEN, message, details)


def conflict(message: str, **details: Any) -> DirectoryError:
    return DirectoryError(ErrorCode.CONFLICT, message, details)


def failed_precondition(message: str, **details: Any) -> DirectoryError:
    return DirectoryError(ErrorCode.FAILED_PRECONDITION, message, details)


def internal(message: str) -> DirectoryError:
    return DirectoryError(ErrorCode.INTERNAL, message)
