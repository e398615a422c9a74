"""OpenAPI 3.1 document, generated from the route table (``gateway.api.routes.ROUTES``).

Request bodies reference the chaincode's own argument schemas (``components/schemas/<Function>``,
from its published interface, ``chaincode.interface``); a body whose fields partly come from the
path gets a derived ``<Function>Body`` schema without them. A path parameter has the schema of
the argument field the route declares it fills.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from gateway.api.routes import Route

_ERROR = {"$ref": "#/components/schemas/Error"}

_COMPONENTS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {},
                    "retryable": {"type": "boolean"},
                },
            }
        },
    },
    "LedgerMeta": {
        "type": "object",
        "description": "the transaction that last wrote the entity; block added by the gateway",
        "properties": {
            "tx_id": {"type": "string"},
            "timestamp": {"type": "string", "format": "date-time"},
            "block": {"type": ["integer", "null"]},
        },
    },
    "Entity": {
        "type": "object",
        "description": "a directory entity as the chaincode returns it (see docs/chaincode-api.md)",
        "properties": {"id": {"type": "string"}, "ledger": {"$ref": "#/components/schemas/LedgerMeta"}},
    },
    "Read": {"type": "object", "required": ["data"], "properties": {"data": {}}},
    "Page": {
        "type": "object",
        "required": ["data", "bookmark", "count"],
        "properties": {
            "data": {"type": "array", "items": {"$ref": "#/components/schemas/Entity"}},
            "bookmark": {"type": "string", "description": "empty when there are no more pages"},
            "count": {"type": "integer"},
        },
    },
    "Written": {
        "type": "object",
        "required": ["data", "tx_id", "block"],
        "properties": {"data": {}, "tx_id": {"type": "string"}, "block": {"type": "integer"}},
    },
    "Accepted": {"type": "object", "required": ["tx_id"], "properties": {"tx_id": {"type": "string"}}},
    "AnyObject": {
        "type": "object",
        "description": "the chaincode function's argument (schema not available)",
    },
}

_ERROR_STATUSES = {
    "400": "bad input (JSON, query, schema, or the chaincode's INVALID_ARGUMENT); TOKEN_IN_QUERY: "
    "a credential in the query string (send it in the Authorization header)",
    "401": "missing, unknown or expired bearer token",
    "403": "the chaincode refused (FORBIDDEN)",
    "404": "not found",
    "409": "CONFLICT / FAILED_PRECONDITION, or an MVCC conflict after retries (retryable: true)",
    "415": "UNSUPPORTED_MEDIA_TYPE: a body (or a declared Content-Type) that is not application/json "
    "(UTF-8); nothing was written",
    "502": "endorsement failed for a reason other than the chaincode's answer",
    "503": "peers unavailable",
}


def _body_schema(
    route: Route, schemas: Mapping[str, Any] | None, components: dict[str, Any]
) -> dict[str, Any]:
    assert route.body is not None
    function = route.body.function
    if not schemas or function not in schemas:
        return {"$ref": "#/components/schemas/AnyObject"}
    source = {k: v for k, v in copy.deepcopy(dict(schemas[function])).items() if k != "$schema"}
    components.setdefault(function, source)
    if not route.body.from_path:
        return {"$ref": f"#/components/schemas/{function}"}
    derived = copy.deepcopy(source)
    derived["required"] = [r for r in derived.get("required", []) if r not in route.body.from_path]
    if not derived["required"]:
        del derived["required"]
    # The path supplies these: the body leaves them out (one that repeats the path is tolerated,
    # one that differs is refused), and they no longer count towards minProperties.
    for name in route.body.from_path:
        derived.get("properties", {}).pop(name, None)
    if "minProperties" in derived:
        derived["minProperties"] = max(0, derived["minProperties"] - len(route.body.from_path))
    derived["description"] = f"{function}'s argument; {', '.join(route.body.from_path)} taken from the path"
    components.setdefault(f"{function}Body", derived)
    return {"$ref": f"#/components/schemas/{function}Body"}


# Path parameters no chaincode argument describes.
_PATH_SCHEMAS: dict[str, dict[str, Any]] = {"tx_id": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}


def _path_schema(route: Route, name: str, schemas: Mapping[str, Any] | None) -> dict[str, Any]:
    """The schema of the chaincode argument field a path parameter fills, so the document does not
    promise that any string is a valid id; a plain string when no schema says more."""
    field = dict(route.path_fields).get(name, name)
    for function in route.chaincode:
        properties = (schemas or {}).get(function, {}).get("properties", {})
        if isinstance(properties.get(field), Mapping):
            return copy.deepcopy(dict(properties[field]))
    return copy.deepcopy(_PATH_SCHEMAS.get(name, {"type": "string"}))


def _responses(route: Route) -> dict[str, Any]:
    if route.produces == "text/event-stream":
        ok: dict[str, Any] = {
            "description": "SSE stream",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    elif route.produces.startswith("text/plain"):
        ok = {
            "description": "Prometheus text format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    else:
        name = (
            "Written"
            if route.writes
            else ("Page" if any(p.name == "bookmark" for p in route.query) else "Read")
        )
        ok = {
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    responses: dict[str, Any] = {str(route.status): ok}
    if route.writes:
        responses["202"] = {
            "description": "with wait=false: ordered, not yet committed",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Accepted"}}},
        }
    for status, text in _ERROR_STATUSES.items():
        if (status == "401" and not route.auth) or (status == "415" and route.body is None):
            continue
        responses[status] = {"description": text, "content": {"application/json": {"schema": _ERROR}}}
    return responses


def build_openapi(routes: Iterable[Route], schemas: Mapping[str, Any] | None) -> dict[str, Any]:
    components: dict[str, Any] = copy.deepcopy(_COMPONENTS)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation: dict[str, Any] = {
            "operationId": route.endpoint.replace(".", "_"),
            "summary": route.summary,
            "tags": [route.tag],
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": _path_schema(route, name, schemas)}
                for name in route.path_params
            ]
            + [p.openapi() for p in route.query],
            "responses": _responses(route),
        }
        if route.chaincode:
            operation["x-chaincode-functions"] = list(route.chaincode)
        if not route.auth:
            operation["security"] = []
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _body_schema(route, schemas, components)}},
            }
        paths.setdefault(route.openapi_path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "citydir directory API",
            "version": "1",
            "description": "Smart-city governance directory on Hyperledger Fabric. Every call is signed "
            "with the caller's own Fabric identity; the chaincode decides what is allowed.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
