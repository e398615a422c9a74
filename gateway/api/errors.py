"""Error responses: always ``{"error": {"code", "message", "details"}}``.

HTTP status for the chaincode's codes (the chaincode decides; the gateway only translates) and
for the gateway's own:

=======================  ====  ========================================================
INVALID_ARGUMENT         400   also the gateway's own checks (schema, query, JSON) — one code
                               for all bad input, whether caught at the edge or by the chaincode
TOKEN_IN_QUERY           400   a credential in the query string (URLs end up in logs, proxies
                               and browser history): send it in the Authorization header
UNAUTHENTICATED          401   missing, unknown or expired bearer token
FORBIDDEN                403
NOT_FOUND                404   also a URL no route serves
METHOD_NOT_ALLOWED       405   ``Allow`` lists the methods the URL has
CONFLICT                 409
FAILED_PRECONDITION      409
MVCC conflict            409   ``retryable: true``, after the gateway's own bounded retries
PAYLOAD_TOO_LARGE        413   body over ``limits.max_content_length``
UNSUPPORTED_MEDIA_TYPE   415   a body, or a declared Content-Type, that is not
                               ``application/json`` (UTF-8); nothing was written
INTERNAL                 500
HTTP_ERROR               any   another HTTP error (status as werkzeug raised it)
endorsement failure      502   not the chaincode's answer; ``details.peers`` per peer
peers unavailable        503
commit status unknown    504   submitted, commit not confirmed in time: poll /transactions/{tx_id},
                               do not resubmit blindly
=======================  ====  ========================================================
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from chaincode.interface import ErrorCode
from gateway.api.ledger import (
    ChaincodeError,
    CommitUnknown,
    EndorsementFailed,
    PeersUnavailable,
    TransactionInvalid,
)

log = logging.getLogger(__name__)

# The chaincode's codes are the interface's (``chaincode.interface.ErrorCode``); their HTTP
# statuses are the gateway's business, and every code has one.
CHAINCODE_STATUS: dict[str, int] = {
    ErrorCode.INVALID_ARGUMENT: 400,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.FAILED_PRECONDITION: 409,
    ErrorCode.INTERNAL: 500,
}
assert set(CHAINCODE_STATUS) == set(ErrorCode), "every chaincode error code has an HTTP status"

# The gateway's own codes that a caller may act on; defined here only.
TOKEN_IN_QUERY = "TOKEN_IN_QUERY"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"

_HTTP_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: UNSUPPORTED_MEDIA_TYPE,
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details if details is not None else {}
        self.headers = headers or {}
        self.extra = extra


def bad_request(message: str, **details: Any) -> ApiError:
    return ApiError(400, ErrorCode.INVALID_ARGUMENT.value, message, details)


def not_found(message: str, **details: Any) -> ApiError:
    return ApiError(404, ErrorCode.NOT_FOUND.value, message, details)


def unauthenticated(message: str) -> ApiError:
    return ApiError(401, "UNAUTHENTICATED", message, headers={"WWW-Authenticate": 'Bearer realm="citydir"'})


def token_in_query(parameters: list[str]) -> ApiError:
    """``parameters``: names only; a value (or a name that is itself a token) is never repeated."""
    return ApiError(
        400,
        TOKEN_IN_QUERY,
        "credentials must not be sent in the query string (URLs are logged): "
        "send the token in the Authorization header as 'Authorization: Bearer <token>'",
        {"parameters": parameters},
    )


def unsupported_media_type(message: str, content_type: str | None) -> ApiError:
    return ApiError(415, UNSUPPORTED_MEDIA_TYPE, message, {"content_type": content_type})


def error_response(err: ApiError) -> ResponseReturnValue:
    body: dict[str, Any] = {"code": err.code, "message": err.message, "details": err.details}
    body.update(err.extra)
    return jsonify({"error": body}), err.status, err.headers


def from_ledger(exc: Exception) -> ApiError:
    if isinstance(exc, ChaincodeError):
        return ApiError(CHAINCODE_STATUS.get(exc.code, 500), exc.code, exc.message, exc.details)
    if isinstance(exc, TransactionInvalid):
        details = {"tx_id": exc.tx_id, "validation_code": exc.code_name, "block": exc.block}
        if exc.retryable:
            return ApiError(
                409,
                "CONFLICT",
                "the transaction conflicted with a concurrent one; retry",
                details,
                retryable=True,
            )
        return ApiError(
            502, "TRANSACTION_INVALID", f"the transaction was committed as {exc.code_name}", details
        )
    if isinstance(exc, PeersUnavailable):
        return ApiError(503, "UNAVAILABLE", exc.message, {"peers": exc.peers}, headers={"Retry-After": "5"})
    if isinstance(exc, CommitUnknown):
        return ApiError(
            504,
            "COMMIT_STATUS_UNKNOWN",
            "submitted, but its commit status did not arrive in time: it may still commit, or never; "
            "poll /api/v1/transactions/{tx_id} before retrying",
            {"tx_id": exc.tx_id, "cause": exc.message},
        )
    if isinstance(exc, EndorsementFailed):
        return ApiError(502, "ENDORSEMENT_FAILED", exc.message, {"peers": exc.peers, "tx_id": exc.tx_id})
    return ApiError(500, "INTERNAL", "internal error")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(err: ApiError) -> ResponseReturnValue:
        return error_response(err)

    @app.errorhandler(ChaincodeError)
    @app.errorhandler(TransactionInvalid)
    @app.errorhandler(PeersUnavailable)
    @app.errorhandler(EndorsementFailed)
    @app.errorhandler(CommitUnknown)
    def _ledger_error(exc: Exception) -> ResponseReturnValue:
        return error_response(from_ledger(exc))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        err = ApiError(status, _HTTP_CODES.get(status, "HTTP_ERROR"), exc.description or exc.name)
        if status == 405 and exc.response is None:
            allowed = getattr(exc, "valid_methods", None)
            if allowed:
                err.headers["Allow"] = ", ".join(allowed)
        return error_response(err)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        # Logged without the request: headers carry bearer tokens.
        log.exception("unhandled error: %s", type(exc).__name__)
        return error_response(ApiError(500, "INTERNAL", "internal error"))
