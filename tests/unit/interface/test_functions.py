"""The function table, the events, the error codes and GetMetadata: one source, used by all."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import chaincode.interface as interface
from chaincode.directory import ACTIONS
from chaincode.interface import FUNCTIONS, VERSION, ErrorCode, Event, Kind
from gateway.api.errors import CHAINCODE_STATUS
from tests.unit.chaincode.helpers import READER, Directory

REPO = Path(__file__).resolve().parents[3]
DOCS = (REPO / "docs" / "chaincode-api.md").read_text(encoding="utf-8")


def test_the_contract_runs_exactly_the_table_with_its_kinds() -> None:
    assert list(ACTIONS) == list(FUNCTIONS)
    assert {name: action.submit for name, action in ACTIONS.items()} == {
        name: function.kind is Kind.SUBMIT for name, function in FUNCTIONS.items()
    }
    assert all(function.argument is interface.ARGUMENT_SCHEMAS[name] for name, function in FUNCTIONS.items())


def test_the_docs_list_every_function_with_its_kind() -> None:
    rows = dict(re.findall(r"^\| `(\w+)` \| (\w+) \|", DOCS, re.MULTILINE))
    assert rows == {name: function.kind.value for name, function in FUNCTIONS.items()}


def test_the_docs_list_every_event_and_error_code() -> None:
    events = DOCS[DOCS.index("## Events") :]
    assert set(re.findall(r"`([A-Z][a-z]+[A-Z]\w+)`", events)) == {e.value for e in Event}
    codes = re.search(r"`code` is one of (.*?)\. ", DOCS, re.DOTALL)
    assert codes is not None
    assert set(re.findall(r"`([A-Z_]+)`", codes.group(1))) == {c.value for c in ErrorCode}


def _event_arguments(path: Path) -> list[ast.expr]:
    """The first argument (the event's name) of every ``.announce(...)`` and ``.emit(...)``."""
    found: list[ast.expr] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("announce", "emit")
            and node.args
        ):
            found.append(node.args[0])
    return found


def test_the_contract_names_its_events_from_the_interface_only() -> None:
    sources = sorted((REPO / "chaincode" / "directory").glob("*.py"))
    literals = [
        (path.name, node.value)
        for path in sources
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in {e.value for e in Event}
    ]
    assert literals == [], "an event name written out instead of taken from chaincode.interface.Event"
    used = {
        node.attr
        for path in sources
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Event"
    }
    assert used == {e.name for e in Event}, "an event of the interface that nothing emits"
    for path in sources:
        for arg in _event_arguments(path):
            assert not isinstance(arg, ast.Constant), (path.name, ast.unparse(arg))


def test_the_gateway_maps_every_chaincode_code() -> None:
    assert set(CHAINCODE_STATUS) == set(ErrorCode)


def test_get_metadata_answers_the_version_and_the_table() -> None:
    directory = Directory()
    answer = directory.read("GetMetadata", {})
    assert answer["version"] == VERSION and re.fullmatch(r"[0-9a-f]{64}", VERSION)
    assert [(f["name"], f["kind"]) for f in answer["functions"]] == [
        (name, function.kind.value) for name, function in FUNCTIONS.items()
    ]
    assert answer["functions"][0]["argument"] == interface.ARGUMENT_SCHEMAS["RegisterDepartment"]
    assert directory.event is None and directory.last.writes == {}
    error = directory.fail(READER, "GetMetadata", {"verbose": True}, "INVALID_ARGUMENT")
    assert error["message"] == "metadata.verbose: unknown field (not allowed here)"


def test_the_version_covers_the_error_codes_and_events_too() -> None:
    from chaincode.interface import data

    extra = {"errors": [c.value for c in ErrorCode], "events": [e.value for e in Event]}
    assert data.digest(extra) == VERSION
    assert data.digest({**extra, "events": [*extra["events"], "SomethingNew"]}) != VERSION
