"""The schemas as data: every reference resolves, shared fragments are written once, the files
mean as written what the package hands out inlined, and they are today's (f31ee6d's) schemas."""

from __future__ import annotations

import json
import shutil
import subprocess
import types
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import chaincode.interface as interface
from chaincode.interface import data
from tests.unit.chaincode.helpers import access, build_city, catalog, department, item, responsibility

REPO = Path(__file__).resolve().parents[3]


def _nodes(value: Any) -> Iterator[Any]:
    yield value
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        yield from _nodes(child)


def test_every_reference_resolves_and_every_definition_is_used() -> None:
    refs = {
        n["$ref"]
        for name in data.FILES
        for n in _nodes(data.raw(name))
        if isinstance(n, dict) and "$ref" in n
    }
    used = {ref.rsplit("/", 1)[1] for ref in refs}
    assert used == set(data.raw("definitions.json")["$defs"]), "a definition nothing refers to"
    assert all(ref.startswith(("#/$defs/", "definitions.json#/$defs/")) for ref in refs), refs
    for schemas in (interface.ARGUMENT_SCHEMAS, interface.ENTITY_SCHEMAS, interface.DEFINITIONS):
        assert not [n for n in _nodes(schemas) if isinstance(n, dict) and "$ref" in n]


# Equal by value but not the same fact: a transaction id's bounds happen to be a name's.
COINCIDENCES = [{"type": "string", "minLength": 1, "maxLength": 256}]


def _subschemas(value: Any, top: bool = True) -> Iterator[dict[str, Any]]:
    """Every sub-schema below the top-level ones, property maps excluded (they list fields)."""
    if isinstance(value, dict):
        if not top:
            yield value
        for key, child in value.items():
            if key in ("properties", "$defs"):
                for schema in child.values():
                    yield from _subschemas(schema, top=False)
            else:
                yield from _subschemas(child, top=False)
    elif isinstance(value, list):
        for child in value:
            yield from _subschemas(child, top=False)


def test_no_fragment_is_written_twice() -> None:
    """A sub-schema of two or more keywords appearing twice by value (a definition's body
    included) should be one definition, referred to."""
    definitions = list(data.raw("definitions.json")["$defs"].values())
    tops = [
        *(entry["argument"] for entry in data.raw("functions.json")["functions"].values()),
        *data.raw("entities.json")["entities"].values(),
    ]
    seen: Counter[str] = Counter(
        json.dumps(schema, sort_keys=True)
        for schema in [*definitions, *(s for top in definitions + tops for s in _subschemas(top))]
        if len(schema) >= 2 and schema not in COINCIDENCES
    )
    assert [schema for schema, count in seen.items() if count > 1] == []


def _registry() -> Registry[Any]:
    resource = Resource.from_contents(data.raw("definitions.json"), default_specification=DRAFT202012)
    # Registry.with_resource has no return annotation: name the type it returns.
    registry: Registry[Any] = Registry().with_resource("definitions.json", resource)
    return registry


def _verdict(validator: Any, document: Any) -> set[tuple[tuple[Any, ...], str]]:
    return {(tuple(e.absolute_path), str(e.validator)) for e in validator.iter_errors(document)}


def _arguments() -> Iterator[tuple[str, Any]]:
    good_catalog = catalog("x-cat", "health", ["hw-care"])
    docs: list[Any] = [
        {},
        {"id": "ok-id"},
        {"id": "X"},
        {"id": "grant-req-1", "reason": "  "},
        department("health", "HealthMSP"),
        {**department("health", "HealthMSP"), "contact": {"name": "", "email": "x", "phone": "1"}},
        responsibility("hw-care", "health"),
        good_catalog,
        {**good_catalog, "share_type": "conditional", "share_conditions": " ", "tags": ["a", "a", "\x00"]},
        {**good_catalog, "items": [item("a"), {**item("b"), "type": "text"}], "responsibility_ids": []},
        {"catalogs": [good_catalog, {"id": "c"}]},
        access("health", "beds", ["a", "a"], requested_until="next year"),
        {"grant_id": "grant-r", "department_id": "d", "items": [], "purpose_ref": "p", "record_count": -1},
        {"requester_id": "a", "owner_id": "b", "page_size": 0},
        {"entity": "grant", "id": "grant-req-1"},
        {"department_id": "health", "catalog_id": "beds", "item": "9"},
    ]
    for function in interface.ARGUMENT_SCHEMAS:
        for doc in docs:
            yield function, doc


def test_the_files_mean_as_written_what_the_package_hands_out() -> None:
    """jsonschema resolving the files' own $refs gives the same verdicts as the inlined schemas."""
    registry = _registry()
    functions = data.raw("functions.json")["functions"]
    for function, doc in _arguments():
        as_written = Draft202012Validator(functions[function]["argument"], registry=registry)
        assert _verdict(as_written, doc) == _verdict(interface.argument_validator(function), doc), function
    city = build_city()
    entities = data.raw("entities.json")["entities"]
    for stored_key, raw in city.ledger.state.items():
        kind = stored_key.split("\x00")[1]
        if kind not in entities:
            continue
        value = json.loads(raw)
        as_written = Draft202012Validator(entities[kind], registry=registry)
        for doc in (value, {**value, "colour": 1}, {k: v for k, v in value.items() if k != "id"}):
            assert _verdict(as_written, doc) == _verdict(interface.entity_validator(kind), doc), kind


BEFORE = "f31ee6d"  # the last commit with the schemas as Python definitions


@pytest.fixture
def old_schemas() -> types.ModuleType:
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    shown = subprocess.run(
        [git, "-C", str(REPO), "show", f"{BEFORE}:chaincode/directory/schemas.py"],
        capture_output=True,
        text=True,
    )
    if shown.returncode != 0:
        pytest.skip(f"{BEFORE} is not in this clone's history")
    module = types.ModuleType("chaincode.directory._schemas_before")
    module.__package__ = "chaincode.directory"  # its `from .errors import ...` still resolves
    exec(compile(shown.stdout, f"{BEFORE}:schemas.py", "exec"), module.__dict__)
    return module


def _ordered(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # no sort_keys: the order is compared too


# Added since BEFORE, deliberately: the national guideline's catalog metadata (政务信息资源目录
# 编制指南) and a department's unified social credit code. Each addition is appended, so the
# schemas less these read exactly as before.
ADDED_CATALOG_FIELDS = (
    *("resource_code", "classification", "share_method", "related_codes", "released_at"),
    "no_share_basis",
)
ADDED_FIELDS = {
    "RegisterDepartment": ("provider_code",),
    "UpdateDepartment": ("provider_code",),
    "department": ("provider_code",),
    "CreateCatalog": ADDED_CATALOG_FIELDS,
    "UpdateCatalog": ADDED_CATALOG_FIELDS,
    "catalog": ADDED_CATALOG_FIELDS,
    "ListCatalogs": ("resource_code",),
}
# The basis rule (share_type none needs no_share_basis, other share types refuse one), added
# beside the conditions rule as an allOf on every new-catalog schema.
ADDED_RULES = ("allOf",)
ADDED_MESSAGES = {"basis_required", "basis_given", "no_basis", "no_share_basis", "resource_code"}
ADDED_MESSAGES |= {"catalog_resource_code", "provider_code"}


def _without_additions(schema: Any, fields: tuple[str, ...]) -> Any:
    """``schema`` (a top-level one, or a CreateCatalogs argument's catalog) less ADDED_FIELDS."""
    if not isinstance(schema, dict):
        return schema
    out = {key: value for key, value in schema.items() if not (key in ADDED_RULES and fields)}
    if "properties" in out:
        out["properties"] = {
            name: _without_additions(value, ADDED_CATALOG_FIELDS if name == "catalogs" else ())
            for name, value in out["properties"].items()
            if name not in fields
        }
    if "items" in out and isinstance(out["items"], dict):
        out["items"] = _without_additions(out["items"], fields or ())
    return out


def test_the_additions_are_all_that_changed() -> None:
    catalog_fields = set(interface.ARGUMENT_SCHEMAS["CreateCatalog"]["properties"])
    assert set(ADDED_CATALOG_FIELDS) <= catalog_fields
    assert set(ADDED_CATALOG_FIELDS) <= set(interface.ENTITY_SCHEMAS["catalog"]["properties"])
    assert not set(ADDED_CATALOG_FIELDS) & set(interface.ENTITY_SCHEMAS["catalog"]["required"])


def test_the_loaded_schemas_are_the_python_definitions_they_replaced(old_schemas: types.ModuleType) -> None:
    """The data files were generated from these once; they must mean, and read, the same."""
    old = old_schemas
    assert set(interface.ARGUMENT_SCHEMAS) - set(old.ARGUMENT_SCHEMAS) == {"GetMetadata"}
    for function, schema in old.ARGUMENT_SCHEMAS.items():
        now = _without_additions(interface.ARGUMENT_SCHEMAS[function], ADDED_FIELDS.get(function, ()))
        if function == "CreateCatalogs":
            now["properties"]["catalogs"]["items"] = _without_additions(
                interface.ARGUMENT_SCHEMAS[function]["properties"]["catalogs"]["items"], ADDED_CATALOG_FIELDS
            )
        assert _ordered(now) == _ordered(schema), function
    entities = {
        kind: _without_additions(schema, ADDED_FIELDS.get(kind, ()))
        for kind, schema in interface.ENTITY_SCHEMAS.items()
    }
    assert _ordered(entities) == _ordered(old.ENTITY_SCHEMAS)
    rules = data.raw("messages.json")["rules"]
    kept = [
        rule
        for rule in interface.RULE_MESSAGES
        if rule[0] not in [interface.DEFINITIONS[n] for n in ADDED_MESSAGES]
    ]
    assert {rule["definition"] for rule in rules} - {
        r["definition"] for r in rules[: len(kept)]
    } == ADDED_MESSAGES
    assert _ordered(kept) == _ordered(old.RULE_MESSAGES)
    for name in ("MAX_ARGUMENT_BYTES", "MAX_CATALOG_ITEMS", "MAX_BATCH_CATALOGS", "DIALECT"):
        assert getattr(interface, name) == getattr(old, name), name

    from chaincode.directory import schemas

    assert _ordered(schemas.GRANT_REGISTER_SCHEMA) == _ordered(old.GRANT_REGISTER_SCHEMA)
    assert _ordered(schemas.USAGE_MARK_SCHEMA) == _ordered(old.USAGE_MARK_SCHEMA)
    editable = (*old.CATALOG_EDITABLE, *ADDED_CATALOG_FIELDS)
    assert editable == schemas.CATALOG_EDITABLE
    assert (
        _without_additions(interface.ARGUMENT_SCHEMAS["CreateCatalog"], ADDED_CATALOG_FIELDS)
        == old._CATALOG_VALIDATOR.schema
    )  # check_catalog's
