"""JSON Schemas (draft 2020-12) of every function argument and every stored entity.

Plain dicts, so the gateway can validate requests with the very same rules before it
submits anything. Every object forbids unknown fields. ``title`` names an argument's root
in error messages ("catalog.items[3].type: ...").
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import internal, invalid_argument

DIALECT = "https://json-schema.org/draft/2020-12/schema"
MAX_ARGUMENT_BYTES = 64 * 1024
MAX_CATALOG_ITEMS = 500
MAX_BATCH_CATALOGS = 100

Schema = dict[str, Any]

# -- building blocks ------------------------------------------------------------------

SLUG: Schema = {"type": "string", "pattern": "^[a-z][a-z0-9-]{1,62}$"}
GRANT_ID: Schema = {"type": "string", "pattern": "^grant-[a-z][a-z0-9-]{1,62}$"}
MSP_ID: Schema = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9.-]{0,127}$"}
NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 256}
SHORT_TEXT: Schema = {"type": "string", "maxLength": 256}
TEXT: Schema = {"type": "string", "maxLength": 4000}
REASON: Schema = {"type": "string", "minLength": 1, "maxLength": 4000, "pattern": r"\S"}
LOCALIZED: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["zh", "en"],
    "properties": {"zh": NAME, "en": NAME},
}
# Tags become composite-key attributes: no NUL/control characters, no U+10FFFF.
TAG: Schema = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[^\\x00-\\x1f\\U0010ffff]+$"}
TIMESTAMP: Schema = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"}
# What a caller may give: a date (meaning the end of that day, UTC) or a date-time with a zone.
DATE_OR_TIME: Schema = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2}))?$",
}
PAGE_SIZE: Schema = {"type": "integer", "minimum": 1, "maximum": 200}
BOOKMARK: Schema = {"type": "string", "maxLength": 4096}
ACTOR: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["msp_id", "role", "subject"],
    "properties": {"msp_id": MSP_ID, "role": NAME, "subject": SHORT_TEXT},
}
STAMPED_REASON: Schema = {  # who did something, when, and why
    "type": "object",
    "additionalProperties": False,
    "required": ["by", "at", "reason"],
    "properties": {"by": ACTOR, "at": TIMESTAMP, "reason": TEXT},
}
LEDGER_META: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["tx_id", "timestamp"],
    "properties": {"tx_id": {"type": "string", "minLength": 1, "maxLength": 256}, "timestamp": TIMESTAMP},
}
VERSION: Schema = {"type": "integer", "minimum": 1}

LEVELS = ["municipal", "district", "subdistrict"]
CONTACT: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "email", "phone"],
    "properties": {
        "name": NAME,
        "email": {"type": "string", "maxLength": 256, "pattern": r"^[^@\s]+@[^@\s]+\.[^@\s]+$"},
        "phone": {"type": "string", "pattern": r"^[0-9+()\- ]{3,32}$"},
    },
}

ITEM_TYPES = ["string", "integer", "number", "boolean", "date", "datetime", "binary", "geometry"]
SENSITIVITIES = ["public", "internal", "confidential", "secret"]
SHARE_TYPES = ["unconditional", "conditional", "none"]
OPEN_TYPES = ["open", "conditional", "none"]
FREQUENCIES = ["realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular"]
CATALOG_STATUSES = ["draft", "published", "deprecated"]

ITEM: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "title", "type", "sensitivity"],
    "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_.-]{0,255}$"},
        "title": NAME,
        "type": {"enum": ITEM_TYPES},
        "description": TEXT,
        "sensitivity": {"enum": SENSITIVITIES},
    },
}
ITEM_NAMES: Schema = {
    "type": "array",
    "maxItems": MAX_CATALOG_ITEMS,
    "uniqueItems": True,
    "items": ITEM["properties"]["name"],
}

# The fields a catalog's department may edit.
CATALOG_CONTENT: dict[str, Schema] = {
    "responsibility_ids": {
        "type": "array",
        "items": SLUG,
        "minItems": 1,
        "maxItems": 50,
        "uniqueItems": True,
    },
    "title": LOCALIZED,
    "description": TEXT,
    "items": {"type": "array", "items": ITEM, "minItems": 1, "maxItems": MAX_CATALOG_ITEMS},
    "share_type": {"enum": SHARE_TYPES},
    "share_conditions": {"type": ["string", "null"], "maxLength": 4000},
    "open_type": {"enum": OPEN_TYPES},
    "update_frequency": {"enum": FREQUENCIES},
    "format": {"type": "string", "maxLength": 64},
    "source_system": SHORT_TEXT,
    # Where the data lives, off chain; the data itself never goes on the ledger.
    "endpoint": {"type": ["string", "null"], "maxLength": 2048, "pattern": r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$"},
    "schema_hash": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
    "tags": {"type": "array", "items": TAG, "maxItems": 32, "uniqueItems": True},
}
CATALOG_EDITABLE = tuple(CATALOG_CONTENT)
CATALOG_REQUIRED = ["responsibility_ids", "title", "items", "share_type", "open_type", "update_frequency"]
# Conditional sharing must say its conditions.
CONDITIONAL_NEEDS_CONDITIONS: Schema = {
    "if": {"required": ["share_type"], "properties": {"share_type": {"const": "conditional"}}},
    "then": {
        "required": ["share_conditions"],
        "properties": {"share_conditions": {"type": "string", "minLength": 1, "pattern": r"\S"}},
    },
}
NEW_CATALOG: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "department_id", *CATALOG_REQUIRED],
    "properties": {"id": SLUG, "department_id": SLUG, **CATALOG_CONTENT},
    **CONDITIONAL_NEEDS_CONDITIONS,
}


def _arguments(title: str, properties: dict[str, Schema], required: Iterable[str] = ("id",)) -> Schema:
    return {
        "$schema": DIALECT,
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "required": list(required),
        "properties": properties,
    }


def _exactly_one(schema: Schema, *fields: str) -> Schema:
    schema["oneOf"] = [{"required": [field]} for field in fields]
    schema["$comment"] = "give exactly one of " + ", ".join(fields)
    return schema


PAGING = {"page_size": PAGE_SIZE, "bookmark": BOOKMARK}

# One definition per field set, shared by the arguments that write it and the stored entity.
PARENT_ID: Schema = {"type": ["string", "null"], "pattern": SLUG["pattern"]}
DEPARTMENT_STATUS: Schema = {"enum": ["active", "suspended"]}
DEPARTMENT_CONTENT: dict[str, Schema] = {
    "name": LOCALIZED,
    "parent_id": PARENT_ID,
    "level": {"enum": LEVELS},
    "msp_id": MSP_ID,
    "contact": CONTACT,
}
RESPONSIBILITY_STATUS: Schema = {"enum": ["active", "retired"]}
RESPONSIBILITY_CONTENT: dict[str, Schema] = {
    "code": {"type": "string", "minLength": 1, "maxLength": 64},
    "title": LOCALIZED,
    "description": TEXT,
    "legal_basis": REASON,
}

# -- function arguments ---------------------------------------------------------------

ARGUMENT_SCHEMAS: dict[str, Schema] = {
    "RegisterDepartment": _arguments(
        "department",
        {"id": SLUG, **DEPARTMENT_CONTENT},
        ("id", "name", "level", "msp_id", "contact"),  # no parent_id: a top-level department
    ),
    "UpdateDepartment": {
        **_arguments("department", {"id": SLUG, **DEPARTMENT_CONTENT}),
        "minProperties": 2,
    },
    "SuspendDepartment": _arguments("department", {"id": SLUG, "reason": REASON}, ("id", "reason")),
    "ReactivateDepartment": _arguments("department", {"id": SLUG}),
    "GetDepartment": _arguments("department", {"id": SLUG}),
    "ListDepartments": _arguments(
        "query",
        {
            "parent_id": PARENT_ID,
            "msp_id": MSP_ID,
            "status": DEPARTMENT_STATUS,
            **PAGING,
        },
        (),
    ),
    "CreateResponsibility": _arguments(
        "responsibility",
        {"id": SLUG, "department_id": SLUG, **RESPONSIBILITY_CONTENT},
        ("id", "department_id", "code", "title", "legal_basis"),
    ),
    "UpdateResponsibility": {
        **_arguments(
            "responsibility", {"id": SLUG, **RESPONSIBILITY_CONTENT, "status": RESPONSIBILITY_STATUS}
        ),
        "minProperties": 2,
    },
    "GetResponsibility": _arguments("responsibility", {"id": SLUG}),
    "ListResponsibilities": _arguments("query", {"department_id": SLUG, **PAGING}, ("department_id",)),
    "CreateCatalog": {"$schema": DIALECT, "title": "catalog", **NEW_CATALOG},
    "CreateCatalogs": _arguments(
        "",
        {"catalogs": {"type": "array", "items": NEW_CATALOG, "minItems": 1, "maxItems": MAX_BATCH_CATALOGS}},
        ("catalogs",),
    ),
    "UpdateCatalog": {
        **_arguments("catalog", {"id": SLUG, **CATALOG_CONTENT}),
        "minProperties": 2,
    },
    "PublishCatalog": _arguments("catalog", {"id": SLUG}),
    "DeprecateCatalog": _arguments("catalog", {"id": SLUG, "reason": REASON}),
    "GetCatalog": _arguments("catalog", {"id": SLUG}),
    "ListCatalogs": _arguments(
        "query",
        {
            "department_id": SLUG,
            "share_type": {"enum": SHARE_TYPES},
            "status": {"enum": CATALOG_STATUSES},
            "tag": TAG,
            **PAGING,
        },
        (),
    ),
    "RequestAccess": _arguments(
        "request",
        {
            "id": SLUG,
            "requester_id": SLUG,
            "catalog_id": SLUG,
            "items": ITEM_NAMES,
            "purpose": REASON,
            "legal_basis": REASON,
            "requested_until": DATE_OR_TIME,
        },
        ("requester_id", "catalog_id", "items", "purpose", "legal_basis", "requested_until"),
    ),
    "ApproveRequest": _arguments(
        "decision", {"id": SLUG, "reason": REASON, "valid_until": DATE_OR_TIME}, ("id", "reason")
    ),
    "RejectRequest": _arguments("decision", {"id": SLUG, "reason": REASON}, ("id", "reason")),
    "WithdrawRequest": _arguments("request", {"id": SLUG}),
    "GetAccessRequest": _arguments("request", {"id": SLUG}),
    "ListAccessRequests": _exactly_one(
        _arguments(
            "query",
            {
                "requester_id": SLUG,
                "owner_id": SLUG,
                "status": {"enum": ["pending", "approved", "rejected", "withdrawn"]},
                **PAGING,
            },
            (),
        ),
        "requester_id",
        "owner_id",
    ),
    "GetGrant": _arguments("grant", {"id": GRANT_ID}),
    "ListGrants": _exactly_one(
        _arguments(
            "query",
            {
                "grantee_id": SLUG,
                "catalog_id": SLUG,
                "status": {"enum": ["active", "revoked", "expired", "void"]},
                **PAGING,
            },
            (),
        ),
        "grantee_id",
        "catalog_id",
    ),
    "RevokeGrant": _arguments("grant", {"id": GRANT_ID, "reason": REASON}, ("id", "reason")),
    "CheckAccess": _arguments(
        "check",
        {"department_id": SLUG, "catalog_id": SLUG, "item": ITEM["properties"]["name"]},
        ("department_id", "catalog_id", "item"),
    ),
    "RecordUsage": _arguments(
        "usage",
        {
            "id": SLUG,
            "grant_id": GRANT_ID,
            "department_id": SLUG,
            "items": {**ITEM_NAMES, "minItems": 1},
            "purpose_ref": NAME,
            "record_count": {"type": "integer", "minimum": 0, "maximum": 2**53},
        },
        ("grant_id", "department_id", "items", "purpose_ref", "record_count"),
    ),
    "GetUsage": _arguments("usage", {"id": SLUG}),
    "ListUsage": _exactly_one(
        _arguments("query", {"grant_id": GRANT_ID, "department_id": SLUG, **PAGING}, ()),
        "grant_id",
        "department_id",
    ),
    "GetHistory": _arguments(
        "query",
        {
            "entity": {"enum": ["department", "responsibility", "catalog", "request", "grant", "usage"]},
            "id": {"anyOf": [SLUG, GRANT_ID]},
        },
        ("entity", "id"),
    ),
    "Ping": _arguments("ping", {}, ()),
}

# -- stored entities ------------------------------------------------------------------


def _entity(title: str, properties: dict[str, Schema], **extra: Any) -> Schema:
    properties = {**properties, "version": VERSION, "ledger": LEDGER_META}
    return {
        "$schema": DIALECT,
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
        **extra,
    }


ENTITY_SCHEMAS: dict[str, Schema] = {
    "department": _entity(
        "department",
        {
            "id": SLUG,
            **DEPARTMENT_CONTENT,
            "status": DEPARTMENT_STATUS,
            "suspension": {"anyOf": [{"type": "null"}, STAMPED_REASON]},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        },
    ),
    "responsibility": _entity(
        "responsibility",
        {
            "id": SLUG,
            "department_id": SLUG,
            **RESPONSIBILITY_CONTENT,
            "status": RESPONSIBILITY_STATUS,
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        },
    ),
    "catalog": _entity(
        "catalog",
        {
            "id": SLUG,
            "department_id": SLUG,
            **CATALOG_CONTENT,
            "status": {"enum": CATALOG_STATUSES},
            "deprecation": {"anyOf": [{"type": "null"}, STAMPED_REASON]},
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        },
        **CONDITIONAL_NEEDS_CONDITIONS,
    ),
    "request": _entity(
        "request",
        {
            "id": SLUG,
            "requester_id": SLUG,
            "owner_id": SLUG,
            "catalog_id": SLUG,
            "items": ITEM_NAMES,
            "purpose": REASON,
            "legal_basis": REASON,
            "requested_until": TIMESTAMP,
            "status": {"enum": ["pending", "approved", "rejected", "withdrawn"]},
            "decision": {"anyOf": [{"type": "null"}, STAMPED_REASON]},
            "grant_id": {"anyOf": [{"type": "null"}, GRANT_ID]},
            "requested_by": ACTOR,
            "created_at": TIMESTAMP,
        },
    ),
    "grant": _entity(
        "grant",
        {
            "id": GRANT_ID,
            "request_id": SLUG,
            "grantee_id": SLUG,
            "owner_id": SLUG,
            "catalog_id": SLUG,
            "items": ITEM_NAMES,
            "valid_from": TIMESTAMP,
            "valid_until": TIMESTAMP,
            # Stored grants are active or revoked; "expired" and "void" (not in the catalog's
            # grant register) are computed when read.
            "status": {"enum": ["active", "revoked", "expired", "void"]},
            "revoked": {"anyOf": [{"type": "null"}, STAMPED_REASON]},
        },
    ),
    "usage": _entity(
        "usage",
        {
            "id": SLUG,
            "grant_id": GRANT_ID,
            "department_id": SLUG,
            "catalog_id": SLUG,
            "items": ITEM_NAMES,
            "purpose_ref": NAME,
            "record_count": {"type": "integer", "minimum": 0},
            "at": TIMESTAMP,
            "recorded_by": ACTOR,
        },
    ),
}

# Not an entity: a catalog's grant register (register.py), written only by the chaincode.
GRANT_REGISTER_SCHEMA: Schema = {
    "$schema": DIALECT,
    "title": "grant register",
    "type": "object",
    "additionalProperties": False,
    "required": ["catalog_id", "grants"],
    "properties": {
        "catalog_id": SLUG,
        "grants": {"type": "array", "items": GRANT_ID, "uniqueItems": True},
    },
}
GRANT_REGISTER_VALIDATOR = Draft202012Validator(GRANT_REGISTER_SCHEMA)

_ARGUMENT_VALIDATORS = {name: Draft202012Validator(schema) for name, schema in ARGUMENT_SCHEMAS.items()}
_ENTITY_VALIDATORS = {name: Draft202012Validator(schema) for name, schema in ENTITY_SCHEMAS.items()}
_CATALOG_VALIDATOR = Draft202012Validator({"$schema": DIALECT, "title": "catalog", **NEW_CATALOG})

# -- parsing and checking -------------------------------------------------------------


def parse_argument(function: str, raw: bytes) -> dict[str, Any]:
    """The caller's argument as a validated JSON object, or INVALID_ARGUMENT."""
    if len(raw) > MAX_ARGUMENT_BYTES:
        raise invalid_argument(
            f"the argument is {len(raw)} bytes; at most {MAX_ARGUMENT_BYTES} (64 KiB) are accepted"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid_argument("the argument is not valid UTF-8") from exc
    try:
        document = load_strict_json(text)
    except (ValueError, RecursionError) as exc:
        raise invalid_argument(f"the argument is not valid JSON: {_short(exc)}") from exc
    if not isinstance(document, dict):
        raise invalid_argument("the argument must be a JSON object")
    check(_ARGUMENT_VALIDATORS[function], document)
    return document


def load_strict_json(text: str) -> Any:
    """JSON as the directory accepts it: no duplicate keys, no NaN/Infinity, finite numbers and
    valid Unicode. Raises ValueError (RecursionError for absurd nesting).

    The gateway parses request bodies with this too, so the edge is exactly as strict as the chaincode.
    """
    document = json.loads(
        text, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_no_duplicates
    )
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate such as "\ud800"
        raise ValueError("it contains text that is not valid Unicode") from exc
    return document


def check_catalog(catalog: dict[str, Any], root: str = "catalog") -> None:
    """A whole new-or-edited catalog, with its cross-field rules."""
    check(_CATALOG_VALIDATOR, catalog, root)


def check_entity(kind: str, entity: dict[str, Any]) -> None:
    """Guard against ever storing a malformed entity: that would be our bug, not the caller's."""
    error = _first_error(_ENTITY_VALIDATORS[kind], entity)
    if error is not None:
        raise internal(f"refusing to store a malformed {kind} ({_field(error, kind)})")


def check(validator: Draft202012Validator, document: dict[str, Any], root: str | None = None) -> None:
    error = _first_error(validator, document)
    if error is None:
        return
    field = _field(error, str(_mapping(validator.schema).get("title", "")) if root is None else root)
    raise invalid_argument(f"{field or 'argument'}: {_message(error)}", field or None)


def _first_error(validator: Draft202012Validator, document: Any) -> ValidationError | None:
    # Sorted, so the same document always reports the same error.
    errors = sorted(validator.iter_errors(document), key=_error_order)
    return errors[0] if errors else None


def _error_order(error: ValidationError) -> tuple[int, list[str], str]:
    # Shallow errors first: a wrong shape explains more than a detail inside it.
    path = [str(part) for part in error.absolute_path]
    return (len(path), path, str(error.validator))


def _field(error: ValidationError, root: str) -> str:
    field = root
    for part in error.absolute_path:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    extra = _named_property(error)
    if extra:
        field += f".{extra}" if field else extra
    return field


def _named_property(error: ValidationError) -> str | None:
    """For 'required' and 'additionalProperties' errors: the property the message is about."""
    if error.validator == "required":
        return str(error.message.split("'")[1]) if "'" in error.message else None
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = _mapping(error.schema).get("properties", {})
        unknown = sorted(key for key in error.instance if key not in allowed)
        return unknown[0] if unknown else None
    return None


def _message(error: ValidationError) -> str:
    if error.validator == "required":
        return "this field is required"
    if error.validator == "additionalProperties":
        return "unknown field (not allowed here)"
    if error.validator == "minProperties":
        return "nothing to change: give at least one field besides id"
    if error.validator == "oneOf" and "$comment" in _mapping(error.schema):
        return str(_mapping(error.schema)["$comment"])
    return _sized(error) or _short(error.message)


def _sized(error: ValidationError) -> str | None:
    """Size errors without echoing a huge value back."""
    limit: Any = error.validator_value
    instance: Any = error.instance
    if error.validator == "maxItems":
        return f"too long: {len(instance)} entries, at most {limit} allowed"
    if error.validator == "maxLength":
        return f"too long: {len(instance)} characters, at most {limit} allowed"
    if error.validator == "minItems":
        return "should be non-empty" if limit == 1 else f"too short: at least {limit} entries needed"
    if error.validator == "minLength":
        return "should be non-empty" if limit == 1 else f"too short: at least {limit} characters needed"
    if error.validator == "uniqueItems":
        return "has non-unique elements"
    if error.validator == "pattern":
        return f"{_preview(instance)} does not match {limit}"
    if error.validator in ("type", "enum", "const") and " is " in error.message:
        # jsonschema's wording, with the value shortened: "'text' is not one of [...]".
        return f"{_preview(instance)} is {error.message.split(' is ', 1)[1]}"
    return None


def _preview(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _mapping(schema: object) -> Mapping[str, Any]:
    return schema if isinstance(schema, Mapping) else {}


def _short(error: object) -> str:
    text = str(error)
    return text if len(text) <= 300 else text[:297] + "..."


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate key {key!r}")
        document[key] = value
    return document
