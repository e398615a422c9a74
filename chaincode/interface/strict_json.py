"""JSON as the directory accepts it, on both sides of the wire."""

from __future__ import annotations

import json
import math
from typing import Any

MAX_ECHO = 200  # characters of a caller's value (or field name) that a message may repeat


def load_strict_json(text: str) -> Any:
    """JSON as the directory accepts it: no duplicate keys, no NaN/Infinity, finite numbers and
    valid Unicode. Raises ValueError (RecursionError for absurd nesting).

    The chaincode parses every argument with this, and the gateway every request body, so the
    edge is exactly as strict as the chaincode.
    """
    document = json.loads(
        text, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_no_duplicates
    )
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate such as "\ud800"
        raise ValueError("it contains text that is not valid Unicode") from exc
    return document


def clip(text: str) -> str:
    """At most MAX_ECHO characters of ``text``; a longer one ends in an ellipsis."""
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


def preview(value: object) -> str:
    return clip(repr(value))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate key {preview(key)}")
        document[key] = value
    return document
