"""The interface's data files (``data/*.json``), read once, and their ``$ref``s resolved.

The files are JSON Schema (draft 2020-12) documents and the tables that use them: shared
fragments live once, in ``definitions.json`` under ``$defs``, and are referred to by ``$ref``
(``definitions.json#/$defs/slug`` from another file, ``#/$defs/slug`` within it). ``inline``
replaces every reference by what it names, so every schema the package hands out is one
self-contained plain dict (what both the validators and the OpenAPI document need). A ``$ref``
with sibling keywords means both, so it is inlined as the referenced keys merged with the
siblings; a sibling that the referenced schema also has is refused (that would not be a merge).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from .strict_json import load_strict_json

FILES = ("definitions.json", "functions.json", "entities.json", "messages.json")


@cache
def raw(name: str) -> Any:
    """A data file as written (references unresolved)."""
    if name not in FILES:
        raise KeyError(name)
    return load_strict_json(resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8"))


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(extra: Mapping[str, Any]) -> str:
    """SHA-256 over every data file's content (canonical JSON, so formatting does not count) and
    ``extra`` (facts the package keeps in code: error codes, event names)."""
    document = {name: raw(name) for name in FILES} | dict(extra)
    return hashlib.sha256(canonical(document)).hexdigest()


class _Inliner:
    def __init__(self) -> None:
        self._done: dict[tuple[str, str], Any] = {}

    def inline(self, value: Any, here: str, active: tuple[tuple[str, str], ...] = ()) -> Any:
        if isinstance(value, list):
            return [self.inline(item, here, active) for item in value]
        if not isinstance(value, dict):
            return value
        if "$ref" not in value:
            return {key: self.inline(item, here, active) for key, item in value.items()}
        target = self._resolve(value["$ref"], here, active)
        overlap = sorted(set(target) & (set(value) - {"$ref"}))
        if overlap:
            raise ValueError(f"$ref {value['$ref']} in {here} repeats {overlap}")
        merged: dict[str, Any] = {}
        for key, item in value.items():
            if key == "$ref":
                merged.update(target)
            else:
                merged[key] = self.inline(item, here, active)
        return merged

    def _resolve(self, ref: Any, here: str, active: tuple[tuple[str, str], ...]) -> dict[str, Any]:
        if not isinstance(ref, str) or "#" not in ref:
            raise ValueError(f"$ref {ref!r} in {here}: expected '<file>#/<pointer>' or '#/<pointer>'")
        name, _, pointer = ref.partition("#")
        key = (name or here, pointer)
        if key in active:
            raise ValueError(f"$ref {ref} in {here} refers to itself")
        if key not in self._done:
            node: Any = raw(key[0])
            for part in pointer.split("/")[1:] if pointer else ():
                node = node[part.replace("~1", "/").replace("~0", "~")]
            if not isinstance(node, dict):
                raise ValueError(f"$ref {ref} in {here} does not name a schema object")
            self._done[key] = self.inline(node, key[0], (*active, key))
        found: dict[str, Any] = self._done[key]
        return found


_INLINER = _Inliner()


def inline(value: Any, here: str) -> Any:
    """``value`` (a part of data file ``here``) with every ``$ref`` replaced by what it names.

    A fragment referred to from many places is one shared object in the result: treat the
    schemas as read-only.
    """
    return _INLINER.inline(value, here)
