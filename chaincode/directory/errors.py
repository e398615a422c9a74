"""The contract's one error type and the codes the gateway maps to HTTP statuses."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    INTERNAL = "INTERNAL"


class DirectoryError(Exception):
    """A refusal the caller should understand; returned as the peer response's message."""

    def __init__(self, code: ErrorCode, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def to_json(self) -> str:
        body = {"code": self.code.value, "message": self.message, "details": self.details}
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def invalid_argument(message: str, field: str | None = None, **details: Any) -> DirectoryError:
    """``details.field`` names the field at fault (the first one, when there are several)."""
    return DirectoryError(
        ErrorCode.INVALID_ARGUMENT, message, {"field": field, **details} if field else details
    )


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
