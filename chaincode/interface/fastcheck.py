"""A fast yes/no for "is this document valid under this schema?", for the common case: it is.

``jsonschema`` walks a schema by building a validator object per subschema and an error
generator per keyword; for a whole catalog that costs most of a transaction's CPU, on every
write, to learn that nothing is wrong. ``compile_schema`` turns one of our (inlined,
self-contained) schemas into nested Python closures that answer the same question with the
same rules: the same keyword semantics as ``jsonschema`` for draft 2020-12 (its type checker,
``re.search`` for ``pattern``, its own ``equal``/``uniq`` for ``enum``/``const``/``uniqueItems``).

It is only ever a shortcut to "valid": ``schema_error`` still asks ``jsonschema`` to render
the violations whenever this says "invalid", so messages stay exactly ``jsonschema``'s. A
schema with a keyword this module does not know compiles to ``None`` and is always checked by
``jsonschema`` alone; so does anything else it cannot be sure of.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema._utils import equal, uniq

Check = Callable[[Any], bool]

# Keywords that never change validity.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "examples", "default"})
_KNOWN = _ANNOTATIONS | {
    "type",
    "enum",
    "const",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "required",
    "properties",
    "additionalProperties",
    "minProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "allOf",
    "anyOf",
    "oneOf",
    "if",
    "then",
    "else",
}


class _Unsupported(Exception):
    """The schema uses something this compiler does not reproduce exactly."""


def compile_schema(schema: Any) -> Check | None:
    """A predicate equal to ``Draft202012Validator(schema).is_valid``, or None when unsure."""
    try:
        return _compile(schema)
    except _Unsupported:
        return None


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "null": lambda value: value is None,
    "boolean": lambda value: isinstance(value, bool),
    "integer": _is_integer,
    "number": _is_number,
}


def _type_check(spec: Any) -> Check:
    names = [spec] if isinstance(spec, str) else spec
    if not isinstance(names, list) or not names or any(name not in _TYPES for name in names):
        raise _Unsupported(f"type {spec!r}")
    checks = [_TYPES[name] for name in names]
    if len(checks) == 1:
        return checks[0]
    return lambda value: any(check(value) for check in checks)


def _compile(schema: Any) -> Check:
    if schema is True:
        return lambda value: True
    if schema is False:
        return lambda value: False
    if not isinstance(schema, Mapping):
        raise _Unsupported("a schema that is neither an object nor a boolean")
    unknown = set(schema) - _KNOWN
    if unknown:
        raise _Unsupported(f"keywords {sorted(unknown)}")
    checks: list[Check] = []
    if "type" in schema:
        checks.append(_type_check(schema["type"]))
    if "enum" in schema:
        checks.append(_enum(schema["enum"]))
    if "const" in schema:
        const = schema["const"]
        checks.append(lambda value: bool(equal(value, const)))
    checks += _string_checks(schema)
    checks += _number_checks(schema)
    if any(key in schema for key in ("required", "properties", "additionalProperties", "minProperties")):
        checks.append(_object_check(schema))
    if any(key in schema for key in ("items", "minItems", "maxItems", "uniqueItems")):
        checks.append(_array_check(schema))
    checks += _combinators(schema)
    if not checks:
        return lambda value: True
    if len(checks) == 1:
        return checks[0]

    def check_all(value: Any) -> bool:
        for check in checks:  # noqa: SIM110 (a plain loop: this is the hot path)
            if not check(value):
                return False
        return True

    return check_all


def _enum(values: Any) -> Check:
    if not isinstance(values, list):
        raise _Unsupported("enum that is not an array")
    if all(isinstance(value, str) for value in values):
        # equal() compares a string only with == (and nothing else equals a string).
        allowed = frozenset(values)
        return lambda value: isinstance(value, str) and value in allowed
    return lambda value: any(equal(each, value) for each in values)


def _string_checks(schema: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search  # jsonschema: re.search(pattern, instance)
        checks.append(lambda value: not isinstance(value, str) or search(value) is not None)
    low, high = schema.get("minLength"), schema.get("maxLength")
    for limit in (low, high):
        if limit is not None and not _is_integer(limit):
            raise _Unsupported("a length limit that is not an integer")
    if low is not None or high is not None:
        lo = low if low is not None else 0
        hi = high if high is not None else float("inf")
        checks.append(lambda value: not isinstance(value, str) or lo <= len(value) <= hi)
    return checks


def _number_checks(schema: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    low, high = schema.get("minimum"), schema.get("maximum")
    for limit in (low, high):
        if limit is not None and not _is_number(limit):
            raise _Unsupported("a numeric limit that is not a number")
    if low is not None:
        checks.append(lambda value: not _is_number(value) or not value < low)
    if high is not None:
        checks.append(lambda value: not _is_number(value) or not value > high)
    return checks


def _object_check(schema: Mapping[str, Any]) -> Check:
    required = schema.get("required", [])
    properties = schema.get("properties", {})
    if not isinstance(required, list) or not isinstance(properties, Mapping):
        raise _Unsupported("required/properties of an unexpected shape")
    compiled = {name: _compile(sub) for name, sub in properties.items()}
    extra = schema.get("additionalProperties", True)
    extra_check: Check | None = None if extra is True else _compile(extra)
    min_properties = schema.get("minProperties", 0)
    if not _is_integer(min_properties):
        raise _Unsupported("minProperties that is not an integer")
    names = tuple(required)

    def check_object(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        if len(value) < min_properties:
            return False
        for name in names:
            if name not in value:
                return False
        for key, item in value.items():
            check = compiled.get(key)
            if check is None:
                if extra_check is not None and not extra_check(item):
                    return False
            elif not check(item):
                return False
        return True

    return check_object


def _array_check(schema: Mapping[str, Any]) -> Check:
    item_check = _compile(schema["items"]) if "items" in schema else None
    low, high = schema.get("minItems"), schema.get("maxItems")
    for limit in (low, high):
        if limit is not None and not _is_integer(limit):
            raise _Unsupported("an item limit that is not an integer")
    lo = low if low is not None else 0
    hi = high if high is not None else float("inf")
    unique = bool(schema.get("uniqueItems", False))

    def check_array(value: Any) -> bool:
        if not isinstance(value, list):
            return True
        if not lo <= len(value) <= hi:
            return False
        if item_check is not None:
            for item in value:
                if not item_check(item):
                    return False
        return not unique or bool(uniq(value))

    return check_array


def _combine(keyword: str, compiled: list[Check]) -> Check:
    if keyword == "allOf":
        return lambda value: all(check(value) for check in compiled)
    if keyword == "anyOf":
        return lambda value: any(check(value) for check in compiled)
    return lambda value: sum(1 for check in compiled if check(value)) == 1  # oneOf


def _combinators(schema: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    for keyword in ("allOf", "anyOf", "oneOf"):
        if keyword in schema:
            subs = schema[keyword]
            if not isinstance(subs, list) or not subs:
                raise _Unsupported(f"{keyword} that is not a non-empty array")
            checks.append(_combine(keyword, [_compile(sub) for sub in subs]))
    if "if" in schema:
        condition = _compile(schema["if"])
        then = _compile(schema["then"]) if "then" in schema else None
        otherwise = _compile(schema["else"]) if "else" in schema else None

        def check_if(value: Any) -> bool:
            if condition(value):
                return then is None or then(value)
            return otherwise is None or otherwise(value)

        checks.append(check_if)
    return checks
