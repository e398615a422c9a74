"""JSON Schemas (draft 2020-12) of every function argument and every stored entity.

Plain dicts, so the gateway can validate requests with the very same rules before it
submits anything, and report their violations with the very same words (``schema_error``).
Every object forbids unknown fields. ``title`` names an argument's root in error messages
("catalog.items[3].type: ...").
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from .errors import DirectoryError, internal, invalid_argument

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

RESPONSIBILITY_IDS: Schema = {
    "type": "array",
    "items": SLUG,
    "minItems": 1,
    "maxItems": 50,
    "uniqueItems": True,
}
CATALOG_ITEMS: Schema = {"type": "array", "items": ITEM, "minItems": 1, "maxItems": MAX_CATALOG_ITEMS}
USED_ITEMS: Schema = {**ITEM_NAMES, "minItems": 1}

# The fields a catalog's department may edit.
CATALOG_CONTENT: dict[str, Schema] = {
    "responsibility_ids": RESPONSIBILITY_IDS,
    "title": LOCALIZED,
    "description": TEXT,
    "items": CATALOG_ITEMS,
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
CONDITIONS_GIVEN: Schema = {"type": "string", "minLength": 1, "pattern": r"\S"}
CONDITIONS_REQUIRED: Schema = {
    "required": ["share_conditions"],
    "properties": {"share_conditions": CONDITIONS_GIVEN},
}
CONDITIONAL_NEEDS_CONDITIONS: Schema = {
    "if": {"required": ["share_type"], "properties": {"share_type": {"const": "conditional"}}},
    "then": CONDITIONS_REQUIRED,
}
NEW_CATALOG: Schema = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "department_id", *CATALOG_REQUIRED],
    "properties": {"id": SLUG, "department_id": SLUG, **CATALOG_CONTENT},
    **CONDITIONAL_NEEDS_CONDITIONS,
}

# Violation messages that state the rule a keyword encodes, where the keyword's own wording
# ("should be non-empty") would not: (subschema, keyword, message). Matched by value, so a
# copy of a schema keeps its messages.
RULE_MESSAGES: list[tuple[Schema, str, str]] = [
    (
        RESPONSIBILITY_IDS,
        "minItems",
        "a catalog must serve at least one statutory responsibility; give its id",
    ),
    (CATALOG_ITEMS, "minItems", "a catalog must describe at least one data item"),
    (USED_ITEMS, "minItems", "a usage record must name at least one item it used"),
    (CONDITIONS_REQUIRED, "required", "a conditional share must state its conditions"),
    (CONDITIONS_GIVEN, "minLength", "a conditional share must state its conditions"),
    (CONDITIONS_GIVEN, "pattern", "a conditional share must state its conditions"),
    (REASON, "pattern", "must not be blank"),
]


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
            "items": USED_ITEMS,
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

# Not an entity: a grant's last-usage mark (usage.py), written only by the chaincode.
USAGE_MARK_SCHEMA: Schema = {
    "$schema": DIALECT,
    "title": "usage mark",
    "type": "object",
    "additionalProperties": False,
    "required": ["grant_id", "usage_id", "at"],
    "properties": {"grant_id": GRANT_ID, "usage_id": SLUG, "at": TIMESTAMP},
}
USAGE_MARK_VALIDATOR = Draft202012Validator(USAGE_MARK_SCHEMA)

_ARGUMENT_VALIDATORS = {name: Draft202012Validator(schema) for name, schema in ARGUMENT_SCHEMAS.items()}
_ENTITY_VALIDATORS = {name: Draft202012Validator(schema) for name, schema in ENTITY_SCHEMAS.items()}
_CATALOG_VALIDATOR = Draft202012Validator({"$schema": DIALECT, "title": "catalog", **NEW_CATALOG})

# -- parsing and checking -------------------------------------------------------------

MAX_VIOLATIONS = 20  # listed in details.errors; the message counts them all
MAX_ECHO = 200  # characters of a caller's value (or field name) that a message may repeat
PathPart = str | int  # a field name or an array index


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
    error = schema_error(_ENTITY_VALIDATORS[kind], entity)
    if error is not None:
        raise internal(f"refusing to store a malformed {kind} ({error.details['field']})")


def is_entity(kind: str, value: Any) -> bool:
    """Whether a value read from state is a well-formed stored ``kind`` (a forged key may hold anything)."""
    return bool(_ENTITY_VALIDATORS[kind].is_valid(value))


def check(validator: Validator, document: dict[str, Any], root: str | None = None) -> None:
    error = schema_error(validator, document, root)
    if error is not None:
        raise error


def schema_error(validator: Validator, document: Any, root: str | None = None) -> DirectoryError | None:
    """INVALID_ARGUMENT for every violation of the validator's schema by ``document``; None if none.

    The one rendering of schema violations: the chaincode raises it and the gateway answers with
    it, so a bad body gets the same code, message and details at the edge as from the chaincode.
    Each violation names its field as a path from ``root`` (default: the schema's ``title``):
    ``catalog.items[3].type``. The message is the first violation, and how many more there are;
    ``details`` = ``{"field": <first path>, "errors": [{"path", "message"}, ... at most 20]}``.
    """
    if root is None:
        root = str(_mapping(validator.schema).get("title", ""))
    found: dict[tuple[str, str], tuple[Any, ...]] = {}
    for error in validator.iter_errors(document):
        for order, path, message in _violations(error, root):
            found[(path, message)] = min(order, found.get((path, message), order))
    if not found:
        return None
    # Sorted, so the same document always reports the same errors in the same order.
    ranked = sorted(found, key=lambda violation: (found[violation], violation))
    first_path, first_message = ranked[0]
    more = f" (and {len(ranked) - 1} more)" if len(ranked) > 1 else ""
    listed = [{"path": path, "message": message} for path, message in ranked[:MAX_VIOLATIONS]]
    return invalid_argument(f"{first_path}: {first_message}{more}", first_path, errors=listed)


def _violations(error: ValidationError, root: str) -> Iterator[tuple[tuple[Any, ...], str, str]]:
    """(sort order, path, message) of each field an error is about."""
    parts: list[PathPart] = list(error.absolute_path)
    keyword = str(error.validator)
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        # One violation per unknown field, not one for them all.
        allowed = _mapping(error.schema).get("properties", {})
        for name in sorted(key for key in error.instance if key not in allowed):
            yield _violation([*parts, name], keyword, "unknown field (not allowed here)", root)
        return
    if keyword == "required":
        missing = _missing_property(error)
        if missing is not None:
            parts.append(missing)
    yield _violation(parts, keyword, _rule_message(error) or _message(error), root)


def _violation(
    parts: list[PathPart], keyword: str, message: str, root: str
) -> tuple[tuple[Any, ...], str, str]:
    # Shallow violations first (a wrong shape explains more than a detail inside it), then by
    # path with indexes in numeric order.
    order = (
        len(parts),
        tuple((0, part, "") if isinstance(part, int) else (1, 0, part) for part in parts),
        keyword,
    )
    return order, _path(root, parts), message


def _path(root: str, parts: list[PathPart]) -> str:
    path = root
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            name = _clip(part)
            path += f".{name}" if path else name
    return path or "argument"


def _missing_property(error: ValidationError) -> str | None:
    """The field a 'required' error is about (jsonschema reports each missing field apart)."""
    names = error.validator_value if isinstance(error.validator_value, list) else []
    return next((name for name in names if error.message == f"{name!r} is a required property"), None)


def _rule_message(error: ValidationError) -> str | None:
    for schema, keyword, message in RULE_MESSAGES:
        if error.validator == keyword and error.schema == schema:
            return message
    return None


def _message(error: ValidationError) -> str:
    """The violation in words, repeating at most MAX_ECHO characters of the caller's value."""
    keyword: Any = error.validator
    limit: Any = error.validator_value
    instance: Any = error.instance
    if keyword == "required":
        return "this field is required"
    if keyword == "minProperties":
        return "nothing to change: give at least one field besides id"
    if keyword == "oneOf" and "$comment" in _mapping(error.schema):
        return str(_mapping(error.schema)["$comment"])
    if keyword == "maxItems":
        return f"too long: {len(instance)} entries, at most {limit} allowed"
    if keyword == "maxLength":
        return f"too long: {len(instance)} characters, at most {limit} allowed"
    if keyword == "minItems":
        return "should be non-empty" if limit == 1 else f"too short: at least {limit} entries needed"
    if keyword == "minLength":
        return "should be non-empty" if limit == 1 else f"too short: at least {limit} characters needed"
    if keyword == "uniqueItems":
        repeated = _first_repeated(instance)
        return "has non-unique elements" + (
            f": {_preview(repeated[0])} appears more than once" if repeated else ""
        )
    if keyword == "pattern":
        return f"{_preview(instance)} does not match {limit!r}"
    # jsonschema's own wording starts with the whole value ("'text' is not one of [...]"):
    # keep its wording, shorten the value.
    echoed = repr(instance)
    if error.message.startswith(echoed):
        return _preview(instance) + _clip(error.message[len(echoed) :])
    return _clip(error.message)


def _first_repeated(values: Any) -> tuple[Any] | None:
    seen: list[Any] = []
    for value in values if isinstance(values, list) else ():
        # type() too: JSON's 1 and true are different values, Python's are equal.
        if any(type(earlier) is type(value) and earlier == value for earlier in seen):
            return (value,)
        seen.append(value)
    return None


def _preview(value: object) -> str:
    return _clip(repr(value))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def _mapping(schema: object) -> Mapping[str, Any]:
    return schema if isinstance(schema, Mapping) else {}


def _short(error: object) -> str:
    return _clip(str(error))


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
            raise ValueError(f"duplicate key {_preview(key)}")
        document[key] = value
    return document
