"""The contract's error codes and their wire format.

A failed function answers peer status 500 with its message set to one JSON object,
``{"code", "message", "details"}`` (``DirectoryError.to_json``); the gateway maps ``code`` to an
HTTP status and answers the same three fields.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

WIRE_FIELDS = ("code", "message", "details")


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

    def to_wire(self) -> dict[str, Any]:
        return {"code": self.code.value, "message": self.message, "details": self.details}

    def to_json(self) -> str:
        return json.dumps(self.to_wire(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def invalid_argument(message: str, field: str | None = None, **details: Any) -> DirectoryError:
    """``details.field`` names the field at fault (the first one, when there are several)."""
    return DirectoryError(
        ErrorCode.INVALID_ARGUMENT, message, {"field": field, **details} if field else details
    )
