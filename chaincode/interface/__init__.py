"""The directory contract's interface, published once for the chaincode and its clients.

What a caller may send and what it gets back, with no contract logic (stdlib and jsonschema
only; nothing from ``chaincode.directory`` or ``chaincode.shim``): the chaincode implements it,
the REST gateway validates with it and compares it with the deployed chaincode's
(``GetMetadata``).

    data/*.json       the argument and entity schemas as data (shared fragments as $defs/$ref),
                      the function table (name, kind, argument schema), the rule messages
    schemas.py        the loaded schemas, ``parse_argument`` and ``schema_error`` (the one
                      renderer of schema violations, used on both sides)
    strict_json.py    the strict JSON parser
    errors.py         the error codes and their wire format ``{"code","message","details"}``
    events.py         the chaincode event names
    functions.py      the function table and ``VERSION``, a SHA-256 over all of it
"""

from __future__ import annotations

from .errors import WIRE_FIELDS, DirectoryError, ErrorCode, invalid_argument
from .events import Event
from .functions import FUNCTIONS, VERSION, Function, Kind, metadata
from .schemas import (
    ARGUMENT_SCHEMAS,
    DEFINITIONS,
    DIALECT,
    ENTITY_SCHEMAS,
    MAX_ARGUMENT_BYTES,
    MAX_BATCH_CATALOGS,
    MAX_CATALOG_ITEMS,
    RULE_MESSAGES,
    argument_validator,
    check,
    entity_validator,
    is_valid,
    parse_argument,
    schema_error,
)
from .strict_json import load_strict_json

__all__ = [
    "ARGUMENT_SCHEMAS",
    "DEFINITIONS",
    "DIALECT",
    "ENTITY_SCHEMAS",
    "FUNCTIONS",
    "MAX_ARGUMENT_BYTES",
    "MAX_BATCH_CATALOGS",
    "MAX_CATALOG_ITEMS",
    "RULE_MESSAGES",
    "VERSION",
    "WIRE_FIELDS",
    "DirectoryError",
    "ErrorCode",
    "Event",
    "Function",
    "Kind",
    "argument_validator",
    "check",
    "entity_validator",
    "invalid_argument",
    "is_valid",
    "load_strict_json",
    "metadata",
    "parse_argument",
    "schema_error",
]
