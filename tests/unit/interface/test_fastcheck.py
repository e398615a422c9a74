"""The compiled fast check answers exactly as jsonschema does, on every schema we ship."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chaincode.interface import ARGUMENT_SCHEMAS, ENTITY_SCHEMAS, argument_validator, schema_error
from chaincode.interface.fastcheck import compile_schema
from network.lib import demo

ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    1.0,
    1.5,
    -1,
    "",
    "x",
    "x" * 600,
    "a\x00b",
    [],
    [1],
    ["x", "x"],
    {},
    {"x": 1},
]


def test_every_shipped_schema_compiles() -> None:
    """Otherwise its documents silently go the slow way."""
    for name, schema in {**ARGUMENT_SCHEMAS, **ENTITY_SCHEMAS}.items():
        assert compile_schema(schema) is not None, name


def test_an_unknown_keyword_is_left_to_jsonschema() -> None:
    assert compile_schema({"type": "string", "format": "email"}) is None
    assert compile_schema({"properties": {"a": {"patternProperties": {}}}}) is None


def variants(document: Any, depth: int = 0) -> Iterator[Any]:
    """The document, and copies with one field dropped, replaced by an odd value, or added."""
    yield document
    if depth > 2:
        return
    if isinstance(document, dict):
        for key in document:
            dropped = {k: v for k, v in document.items() if k != key}
            yield dropped
            for odd in ODD_VALUES:
                yield {**document, key: odd}
            for inner in variants(document[key], depth + 1):
                yield {**document, key: inner}
        yield {**document, "unknown_field": 1}
    elif isinstance(document, list) and document:
        yield document + document[:1]  # a repeated item
        for inner in variants(document[0], depth + 1):
            yield [inner, *document[1:]]


def seed_arguments() -> Iterator[tuple[str, Any]]:
    for _msp, _role, function, arg in demo.seed_transactions():
        yield function, arg


@pytest.mark.parametrize("function", sorted({f for f, _ in seed_arguments()}))
def test_fast_check_agrees_with_jsonschema_on_seed_arguments_and_their_variants(function: str) -> None:
    schema = ARGUMENT_SCHEMAS[function]
    fast = compile_schema(schema)
    assert fast is not None
    slow = Draft202012Validator(schema)
    checked = valid = 0
    for name, arg in seed_arguments():
        if name != function:
            continue
        for variant in variants(copy.deepcopy(arg)):
            expected = slow.is_valid(variant)
            assert fast(variant) == expected, (function, variant)
            checked += 1
            valid += expected
    assert checked > valid > 0  # both answers were exercised


def test_fast_check_agrees_with_jsonschema_on_stored_entities_and_their_variants() -> None:
    import json

    from bench.chaincode_cpu import Bench, setup
    from chaincode.shim.api import split_composite_key
    from chaincode.shim.stub import PeerFeatures

    bench = Bench(PeerFeatures())
    setup(bench, 3, 0)
    kinds = set()
    for key, raw in bench.state.values.items():
        kind = split_composite_key(key)[0]
        if kind not in ENTITY_SCHEMAS:
            continue
        kinds.add(kind)
        fast, slow = compile_schema(ENTITY_SCHEMAS[kind]), Draft202012Validator(ENTITY_SCHEMAS[kind])
        assert fast is not None
        for variant in variants(json.loads(raw)):
            assert fast(variant) == slow.is_valid(variant), (kind, variant)
    assert kinds == {"department", "responsibility", "catalog"}


def test_schema_error_still_renders_jsonschemas_violations() -> None:
    error = schema_error(argument_validator("GetCatalog"), {"id": 5})
    assert error is not None
    assert error.details["field"] == "catalog.id"
    assert error.message == "catalog.id: 5 is not of type 'string'"
    assert schema_error(argument_validator("GetCatalog"), {"id": "beds"}) is None


def test_a_validator_of_another_draft_gets_no_fast_path() -> None:
    """Draft 4 does not count 1.0 as an integer; 2020-12 (all fastcheck speaks) does."""
    from jsonschema import Draft4Validator

    from chaincode.interface import is_valid

    schema = {"type": "integer"}
    assert not is_valid(Draft4Validator(schema), 1.0)
    assert is_valid(Draft202012Validator(schema), 1.0)
