"""Rule 10 as exported data: valid draft 2020-12 schemas, closed objects, entities that conform."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chaincode.directory import ARGUMENT_SCHEMAS, ENTITY_SCHEMAS
from chaincode.directory.errors import DirectoryError
from chaincode.directory.schemas import GRANT_REGISTER_SCHEMA, USAGE_MARK_SCHEMA, check_entity
from network.lib.demo import seed_transactions
from tests.unit.memstub import MemoryLedger, identity


def _objects(schema: Any) -> Iterator[dict[str, Any]]:
    if isinstance(schema, dict):
        if schema.get("type") == "object" or ("properties" in schema and "type" in schema):
            yield schema
        for value in schema.values():
            yield from _objects(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _objects(value)


@pytest.mark.parametrize("schemas", [ARGUMENT_SCHEMAS, ENTITY_SCHEMAS])
def test_schemas_are_valid_plain_json(schemas: dict[str, dict[str, Any]]) -> None:
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert json.loads(json.dumps(schema)) == schema


@pytest.mark.parametrize("schemas", [ARGUMENT_SCHEMAS, ENTITY_SCHEMAS])
def test_every_object_is_closed(schemas: dict[str, dict[str, Any]]) -> None:
    objects = [obj for schema in schemas.values() for obj in _objects(schema)]
    assert len(objects) > 10
    assert all(obj.get("additionalProperties") is False for obj in objects)


def test_every_stored_entity_conforms() -> None:
    ledger = MemoryLedger()
    for msp, role, function, argument in seed_transactions():
        assert ledger.invoke(identity(msp, role), function, argument)[0].status == 200
    kinds: dict[str, int] = {}
    for stored_key, value in ledger.state.items():
        if value == b"\x00":
            continue
        kind = stored_key.split("\x00")[1]
        schema = {"grantreg": GRANT_REGISTER_SCHEMA, "usagemark": USAGE_MARK_SCHEMA}.get(
            kind
        ) or ENTITY_SCHEMAS[kind]
        Draft202012Validator(schema).validate(json.loads(value))
        kinds[kind] = kinds.get(kind, 0) + 1
    assert set(kinds) == {
        *("department", "responsibility", "catalog", "request", "grant", "usage"),
        *("grantreg", "usagemark"),
    }
    assert kinds["grantreg"] == kinds["catalog"]  # one register per catalog
    used = {
        json.loads(value)["grant_id"] for k, value in ledger.state.items() if k.startswith("\x00usage\x00")
    }
    assert kinds["usagemark"] == len(used)  # one mark per grant with usage


def test_a_malformed_entity_is_never_stored() -> None:
    with pytest.raises(DirectoryError) as raised:
        check_entity("usage", {"id": "use-1"})
    assert raised.value.code == "INTERNAL"
