"""The file's columns, derived from the contract's own ``CreateCatalog`` argument schema at run
time, so a field the interface gains (``resource_code``, ``classification`` ...) is a column
without a change here.

Each top-level field of a new catalog is one of:

* a scalar (string, enum, number, boolean, nullable string): one column of its name;
* a list of scalars (``tags``, ``responsibility_ids``, ``related_codes``): one column, the
  entries ``;``-separated (``\\;`` is a literal semicolon, ``\\\\`` a backslash);
* an object of scalars (``title`` {zh, en}, ``classification`` {kind, path}): one column per
  property, ``<field>_<property>`` (``title_zh``, ``title_en``, ``classification_kind``);
* ``items``, the data items: one row per item, columns ``item_<property>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chaincode.interface import ARGUMENT_SCHEMAS

ITEMS = "items"
ITEM_PREFIX = "item_"
SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    name: str  # header text
    field: str  # the catalog's top-level field
    sub: str | None  # the object's property (or the item's), None for the field itself
    kind: str  # "scalar" | "list"
    types: tuple[str, ...]  # JSON types the value may have (scalars; a list's entries)

    @property
    def is_item(self) -> bool:
        return self.field == ITEMS


def _branch(schema: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of an ``anyOf``/``oneOf`` (a nullable object), else the schema itself."""
    for key in ("anyOf", "oneOf"):
        options = [o for o in schema.get(key, ()) if o.get("type") != "null"]
        if len(options) == 1:
            merged = {k: v for k, v in schema.items() if k != key}
            return {**merged, **options[0]}
    return schema


_JSON_TYPES = {str: "string", type(None): "null", bool: "boolean", int: "integer", float: "number"}


def _types(schema: dict[str, Any]) -> tuple[str, ...]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return (declared,)
    if isinstance(declared, list):
        return tuple(str(t) for t in declared)
    if "enum" in schema:
        return tuple(sorted({_JSON_TYPES.get(type(v), "string") for v in schema["enum"]}))
    return ("string",)


def _scalar_or_list(name: str, field: str, sub: str | None, schema: dict[str, Any]) -> Column:
    schema = _branch(schema)
    if "array" in _types(schema):
        return Column(name, field, sub, "list", _types(_branch(schema.get("items", {}))))
    return Column(name, field, sub, "scalar", _types(schema))


def catalog_schema() -> dict[str, Any]:
    schema: dict[str, Any] = ARGUMENT_SCHEMAS["CreateCatalog"]
    return schema


def content_fields() -> tuple[str, ...]:
    """A catalog's content: what a caller gives (not status, version, timestamps, ledger)."""
    return tuple(catalog_schema()["properties"])


def columns() -> tuple[Column, ...]:
    out: list[Column] = []
    item_columns: list[Column] = []
    for field, raw in catalog_schema()["properties"].items():
        schema = _branch(raw)
        if field == ITEMS:
            item = _branch(schema.get("items", {}))
            for sub, sub_schema in item.get("properties", {}).items():
                item_columns.append(_scalar_or_list(f"{ITEM_PREFIX}{sub}", field, sub, sub_schema))
        elif "object" in _types(schema) and "properties" in schema:
            for sub, sub_schema in schema["properties"].items():
                out.append(_scalar_or_list(f"{field}_{sub}", field, sub, sub_schema))
        else:
            out.append(_scalar_or_list(field, field, None, schema))
    return (*out, *item_columns)


def header() -> list[str]:
    return [c.name for c in columns()]


def column_for(field: str, sub: str | None = None) -> str:
    """The column a field (or an object's property, or an item's) is in; the field's first column
    when ``sub`` is not a column of its own."""
    cols = columns()
    for c in cols:
        if c.field == field and c.sub == sub:
            return c.name
    for c in cols:
        if c.field == field:
            return c.name
    return field


# --- cells ------------------------------------------------------------------------------------


def join_list(values: list[Any]) -> str:
    return SEPARATOR.join(
        str(format_scalar(v)).replace("\\", "\\\\").replace(SEPARATOR, "\\" + SEPARATOR) for v in values
    )


def split_list(cell: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in cell:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == SEPARATOR:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def format_scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_scalar(cell: str, types: tuple[str, ...]) -> Any:
    """The cell's value as the schema's type; ValueError with a message when it is not one."""
    if "string" in types:
        return cell
    text = cell.strip()
    if "integer" in types:
        try:
            return int(text)
        except ValueError:
            if "number" not in types:
                raise ValueError(f"{cell!r} is not an integer") from None
    if "number" in types:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{cell!r} is not a number") from None
    if "boolean" in types:
        lowered = text.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise ValueError(f"{cell!r} is not true or false")
    return cell
