"""The dispatcher: arity, parsing, unknown functions, error shape, never an escaping exception."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chaincode.directory import ACTIONS, ARGUMENT_SCHEMAS, DirectoryContract
from chaincode.directory.contract import Action
from chaincode.interface import MAX_ARGUMENT_BYTES
from tests.unit.memstub import START, MemoryStub

from .helpers import BUREAU_ADMIN, READER, Directory
from .helpers import department as new_department

DOCS = Path(__file__).resolve().parents[3] / "docs" / "chaincode-api.md"


def test_every_documented_function_is_implemented_and_nothing_else() -> None:
    documented = set(re.findall(r"^\| `(\w+)` \|", DOCS.read_text(encoding="utf-8"), re.MULTILINE))
    assert len(documented) == 33
    assert set(ACTIONS) == documented == set(ARGUMENT_SCHEMAS)


def test_unknown_function_is_invalid_argument(directory: Directory) -> None:
    error = directory.fail(READER, "DropEverything", {}, "INVALID_ARGUMENT")
    assert "unknown function 'DropEverything'" in error["message"]


@pytest.mark.parametrize("args", [[b"Ping"], [b"Ping", b"{}", b"{}"], []])
def test_exactly_one_argument(directory: Directory, args: list[bytes]) -> None:
    error = directory.fail(READER, "Ping", None, "INVALID_ARGUMENT", args=args)
    assert "argument" in error["message"] or "no function" in error["message"]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"[]", "must be a JSON object"),
        (b'"Ping"', "must be a JSON object"),
        (b"42", "must be a JSON object"),
        (b"{", "not valid JSON"),
        (b"", "not valid JSON"),
        (b'{"id": NaN}', "NaN is not allowed"),
        (b'{"id": Infinity}', "Infinity is not allowed"),
        (b'{"page_size": 1e999}', "out of range"),
        (b'{"id": "a", "id": "b"}', "duplicate key"),
        (b'{"id": "\xff\xfe"}', "not valid UTF-8"),
        (b'{"id": "\\ud800"}', "not valid Unicode"),
    ],
)
def test_malformed_arguments_are_refused(directory: Directory, raw: bytes, fragment: str) -> None:
    error = directory.fail(READER, "GetDepartment", raw, "INVALID_ARGUMENT")
    assert fragment in error["message"]


def test_oversize_argument_is_refused_before_parsing(directory: Directory) -> None:
    padding = "x" * MAX_ARGUMENT_BYTES
    raw = json.dumps({"id": "health", "name": padding}).encode()
    error = directory.fail(BUREAU_ADMIN, "UpdateDepartment", raw, "INVALID_ARGUMENT")
    assert "64 KiB" in error["message"]
    # Never parsed, so no read at all.
    assert directory.last.reads == []


def test_unexpected_exception_becomes_internal_without_details(
    directory: Directory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setitem(ACTIONS, "RegisterDepartment", Action(explode, True))
    error = directory.fail(BUREAU_ADMIN, "RegisterDepartment", new_department("x-dept", "XMSP"), "INTERNAL")
    assert error["message"] == "internal error in RegisterDepartment (RuntimeError)"
    assert "secret" not in error["message"] and "Traceback" not in error["message"]


def test_error_shape_is_json_with_code_message_details(directory: Directory) -> None:
    response, _ = directory.call(READER, "GetDepartment", {"id": "nowhere"})
    assert response.status == 500 and response.payload == b""
    assert json.loads(response.message) == {
        "code": "NOT_FOUND",
        "message": "department 'nowhere' does not exist",
        "details": {"entity": "department", "id": "nowhere"},
    }


def test_init_is_a_no_op(directory: Directory) -> None:
    stub = MemoryStub(directory.ledger, [b"init"], BUREAU_ADMIN, "tx-init", START)
    assert DirectoryContract().init(stub).status == 200
    assert stub.writes == {} and stub.events == []


def test_ping_answers_channel_and_tx(directory: Directory) -> None:
    pong = directory.read("Ping", {})
    assert pong == {"ok": True, "channel": "citydir", "tx_id": directory.last.tx_id}
    assert directory.event is None and directory.last.writes == {}


def test_reads_need_no_parseable_identity_but_writes_do(directory: Directory) -> None:
    directory.ok(BUREAU_ADMIN, "RegisterDepartment", new_department("health", "HealthMSP"))
    assert directory.ok(b"garbage", "GetDepartment", {"id": "health"})["id"] == "health"
    error = directory.fail(b"garbage", "UpdateDepartment", {"id": "health", "level": "district"}, "FORBIDDEN")
    assert "X.509" in error["message"]
