"""The contract's own use of its published schemas (``chaincode.interface``).

The argument and entity schemas, the strict JSON parser and ``schema_error`` are the
interface's (``chaincode.interface``), loaded from its data files; this module adds what only
the contract does with them: refuse to store a malformed entity, recognise a well-formed one
read from state, check a whole new-or-edited catalog, and the schemas of the two records only
the chaincode writes (a catalog's grant register, a grant's usage mark). Everything else is
imported from the interface itself: one home for each name.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from chaincode.interface import (
    ARGUMENT_SCHEMAS,
    DEFINITIONS,
    DIALECT,
    argument_validator,
    check,
    entity_validator,
    is_valid,
    schema_error,
)

from .errors import internal

Schema = dict[str, Any]

# The fields a catalog's department may edit: UpdateCatalog's, less the id.
CATALOG_EDITABLE = tuple(name for name in ARGUMENT_SCHEMAS["UpdateCatalog"]["properties"] if name != "id")

# Not an entity: a catalog's grant register (register.py), written only by the chaincode.
GRANT_REGISTER_SCHEMA: Schema = {
    "$schema": DIALECT,
    "title": "grant register",
    "type": "object",
    "additionalProperties": False,
    "required": ["catalog_id", "grants"],
    "properties": {
        "catalog_id": DEFINITIONS["slug"],
        "grants": {"type": "array", "items": DEFINITIONS["grant_id"], "uniqueItems": True},
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
    "properties": {
        "grant_id": DEFINITIONS["grant_id"],
        "usage_id": DEFINITIONS["slug"],
        "at": DEFINITIONS["timestamp"],
    },
}
USAGE_MARK_VALIDATOR = Draft202012Validator(USAGE_MARK_SCHEMA)


def check_catalog(catalog: dict[str, Any], root: str = "catalog") -> None:
    """A whole new-or-edited catalog, with its cross-field rules (CreateCatalog's schema)."""
    check(argument_validator("CreateCatalog"), catalog, root)


def check_entity(kind: str, entity: dict[str, Any]) -> None:
    """Guard against ever storing a malformed entity: that would be our bug, not the caller's."""
    error = schema_error(entity_validator(kind), entity)
    if error is not None:
        raise internal(f"refusing to store a malformed {kind} ({error.details['field']})")


def is_entity(kind: str, value: Any) -> bool:
    """Whether a value read from state is a well-formed stored ``kind`` (a forged key may hold anything)."""
    return is_valid(entity_validator(kind), value)
