"""JSON Schemas (draft 2020-12) of every function argument and every stored entity, and the one
renderer of their violations (``schema_error``).

Loaded from the data files (``data/functions.json``, ``data/entities.json``, shared fragments in
``data/definitions.json``) as plain, self-contained dicts: the chaincode checks every argument
with them, and the gateway checks request bodies with the very same rules before it submits
anything, reporting violations in the very same words. Every object forbids unknown fields.
``title`` names an argument's root in error messages ("catalog.items[3].type: ...").
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from . import data
from .errors import DirectoryError, invalid_argument
from .fastcheck import Check, compile_schema
from .strict_json import clip, load_strict_json, preview

Schema = dict[str, Any]

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# The shared fragments by name (``definitions.json``'s ``$defs``), references resolved.
DEFINITIONS: dict[str, Schema] = {
    name: data.inline(schema, "definitions.json")
    for name, schema in data.raw("definitions.json")["$defs"].items()
}
ARGUMENT_SCHEMAS: dict[str, Schema] = {
    name: data.inline(entry["argument"], "functions.json")
    for name, entry in data.raw("functions.json")["functions"].items()
}
ENTITY_SCHEMAS: dict[str, Schema] = {
    name: data.inline(schema, "entities.json")
    for name, schema in data.raw("entities.json")["entities"].items()
}
MAX_ARGUMENT_BYTES: int = data.raw("functions.json")["max_argument_bytes"]
MAX_CATALOG_ITEMS: int = DEFINITIONS["catalog_items"]["maxItems"]
MAX_BATCH_CATALOGS: int = ARGUMENT_SCHEMAS["CreateCatalogs"]["properties"]["catalogs"]["maxItems"]

# Violation messages that state the rule a keyword encodes, where the keyword's own wording
# ("should be non-empty") would not: (subschema, keyword, message). Matched by value, so every
# use of a fragment keeps its messages.
RULE_MESSAGES: list[tuple[Schema, str, str]] = [
    (DEFINITIONS[rule["definition"]], rule["keyword"], rule["message"])
    for rule in data.raw("messages.json")["rules"]
]

MAX_VIOLATIONS = 20  # listed in details.errors; the message counts them all
PathPart = str | int  # a field name or an array index


@cache
def argument_validator(function: str) -> Validator:
    return Draft202012Validator(ARGUMENT_SCHEMAS[function])


@cache
def entity_validator(kind: str) -> Validator:
    return Draft202012Validator(ENTITY_SCHEMAS[kind])


def parse_argument(function: str, raw: bytes) -> dict[str, Any]:
    """The caller's argument to ``function`` as a validated JSON object, or INVALID_ARGUMENT."""
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
        raise invalid_argument(f"the argument is not valid JSON: {clip(str(exc))}") from exc
    if not isinstance(document, dict):
        raise invalid_argument("the argument must be a JSON object")
    check(argument_validator(function), document)
    return document


# Each live validator's compiled fast check (fastcheck.py), or None where there is none; by id,
# since validators are unhashable, and dropped with the validator (so an id is never reused
# while its entry exists, and validators made per use do not pile up).
_FAST: dict[int, tuple[weakref.ref[Validator], Check | None]] = {}


def _fast_check(validator: Validator) -> Check | None:
    key = id(validator)
    entry = _FAST.get(key)
    if entry is not None and entry[0]() is validator:
        return entry[1]
    # Only for draft 2020-12 exactly: fastcheck reproduces that dialect's keywords (the gateway
    # may build a validator of another draft from a deployed chaincode's metadata).
    check = compile_schema(validator.schema) if type(validator) is Draft202012Validator else None

    def forget(_gone: object) -> None:
        _FAST.pop(key, None)

    try:
        ref = weakref.ref(validator, forget)
    except TypeError:  # not weakly referenceable: no fast path rather than a leak
        return None
    _FAST[key] = (ref, check)
    return check


def is_valid(validator: Validator, document: Any) -> bool:
    """``validator.is_valid(document)``, answered by the compiled check when there is one."""
    fast = _fast_check(validator)
    if fast is not None:
        return fast(document)
    return bool(validator.is_valid(document))


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
    fast = _fast_check(validator)
    if fast is not None and fast(document):
        return None  # valid: nothing to render (jsonschema renders what is not)
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
            name = clip(part)
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
            f": {preview(repeated[0])} appears more than once" if repeated else ""
        )
    if keyword == "pattern":
        return f"{preview(instance)} does not match {limit!r}"
    # jsonschema's own wording starts with the whole value ("'text' is not one of [...]"):
    # keep its wording, shorten the value.
    echoed = repr(instance)
    if error.message.startswith(echoed):
        return preview(instance) + clip(error.message[len(echoed) :])
    return clip(error.message)


def _first_repeated(values: Any) -> tuple[Any] | None:
    seen: list[Any] = []
    for value in values if isinstance(values, list) else ():
        # type() too: JSON's 1 and true are different values, Python's are equal.
        if any(type(earlier) is type(value) and earlier == value for earlier in seen):
            return (value,)
        seen.append(value)
    return None


def _mapping(schema: object) -> Mapping[str, Any]:
    return schema if isinstance(schema, Mapping) else {}
