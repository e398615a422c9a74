"""The function table (``data/functions.json``) and the interface's version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from . import data
from .errors import ErrorCode
from .events import Event
from .schemas import ARGUMENT_SCHEMAS


class Kind(StrEnum):
    QUERY = "query"  # evaluated on one peer; writes nothing, emits nothing
    SUBMIT = "submit"  # endorsed, ordered and committed; writes and emits exactly one event


@dataclass(frozen=True)
class Function:
    name: str
    kind: Kind
    argument: Mapping[str, Any]  # its argument's JSON Schema, self-contained

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind.value, "argument": self.argument}


FUNCTIONS: dict[str, Function] = {
    name: Function(name, Kind(entry["kind"]), ARGUMENT_SCHEMAS[name])
    for name, entry in data.raw("functions.json")["functions"].items()
}

# SHA-256 over the data files (schemas, function table, rule messages) and the error codes and
# event names: equal on both sides of the wire exactly when they speak the same interface.
VERSION: str = data.digest({"errors": [code.value for code in ErrorCode], "events": [e.value for e in Event]})


def metadata() -> dict[str, Any]:
    """What ``GetMetadata`` answers: the interface version and the function table."""
    return {"version": VERSION, "functions": [function.describe() for function in FUNCTIONS.values()]}
