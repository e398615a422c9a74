"""Reading and writing the three formats: catalogs <-> rows, with each catalog's row numbers.

CSV and XLSX: one header row (``columns.header()``), then one row per data item; the catalog's
columns are repeated on every row of the catalog (a continuation row may leave them empty: it
then inherits the catalog's first row; one that fills them must agree). Rows are numbered as a
spreadsheet shows them: the header is row 1. JSON: a list of the API's catalog objects (ledger
metadata such as status, version and ledger is ignored on import); its "row" is the catalog's
position in the list, from 1.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from chaincode.interface import ENTITY_SCHEMAS, load_strict_json
from gateway.imports import columns as cols

FORMATS = ("csv", "xlsx", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
EMPTY: tuple[Any, ...] = (None, "", [], {})


@dataclass(frozen=True, order=True)
class RowError:
    row: int  # 1 = the header (CSV/XLSX); the catalog's position (JSON)
    column: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Entry:
    """One catalog as read from the file, and where it came from."""

    catalog: dict[str, Any]
    row: int  # its first row
    item_rows: list[int] = field(default_factory=list)  # the row of each item


@dataclass
class Parsed:
    format: str
    entries: list[Entry]
    errors: list[RowError]
    rows: int  # data rows read

    @property
    def catalogs(self) -> list[dict[str, Any]]:
        return [e.catalog for e in self.entries]


def format_of(name: str, declared: str | None = None) -> str:
    fmt = (declared or name.rsplit(".", 1)[-1]).lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return fmt


# --- content -------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if _clean(v) not in EMPTY}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def content(catalog: dict[str, Any]) -> dict[str, Any]:
    """A catalog's content fields, empty values left out: what the file holds and what identical
    means (a ledger catalog's defaults — "" descriptions, null endpoints, [] tags — equal their
    absence in the file)."""
    fields = cols.content_fields()
    return {k: _clean(v) for k, v in catalog.items() if k in fields and _clean(v) not in EMPTY}


# --- rows -> catalogs ----------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_rows(data: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return rows


def parse(data: bytes, fmt: str, department: str | None = None) -> Parsed:
    """The file's catalogs and every error of form (unknown column, a cell of the wrong type,
    rows of one catalog that disagree). Schema checks are ``engine.validate``'s."""
    if fmt == "json":
        return _parse_json(data)
    try:
        rows = read_rows(data, fmt)
    except Exception as exc:  # a file that is not CSV/XLSX at all
        return Parsed(fmt, [], [RowError(1, "", f"cannot read the file as {fmt}: {exc}")], 0)
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        return Parsed(fmt, [], [RowError(1, "", "the file is empty: expected a header row")], 0)
    return _parse_table(rows, fmt)


def _parse_table(rows: list[list[str]], fmt: str) -> Parsed:
    known = {c.name: c for c in cols.columns()}
    header = [h.strip() for h in rows[0]]
    errors: list[RowError] = []
    for name in header:
        if name and name not in known:
            errors.append(RowError(1, name, "unknown column (not a field of a catalog)"))
    seen_header: set[str] = set()
    for name in header:
        if name in seen_header and name:
            errors.append(RowError(1, name, "column appears twice"))
        seen_header.add(name)
    if "id" not in header:
        errors.append(RowError(1, "id", "the id column is required"))
        return Parsed(fmt, [], errors, len(rows) - 1)
    entries: dict[str, Entry] = {}
    firsts: dict[str, dict[str, str]] = {}
    last_id: str | None = None
    data_rows = 0
    for number, raw in enumerate(rows[1:], start=2):
        cells = {header[i]: v for i, v in enumerate(raw) if i < len(header) and header[i] in known}
        if not any(v.strip() for v in cells.values()):
            continue  # a blank line
        data_rows += 1
        catalog_id = cells.get("id", "").strip()
        if not catalog_id:
            errors.append(RowError(number, "id", "every row needs its catalog's id"))
            continue
        entry = entries.get(catalog_id)
        if entry is None:
            entry = entries[catalog_id] = Entry({}, number)
            firsts[catalog_id] = cells
            _catalog_fields(entry, cells, number, known, errors)
        else:
            if last_id != catalog_id:
                errors.append(
                    RowError(
                        number,
                        "id",
                        f"catalog {catalog_id} already appeared (row {entry.row}): ids must be unique "
                        "and a catalog's rows together",
                    )
                )
            _agree(firsts[catalog_id], cells, number, entry.row, known, errors)
        last_id = catalog_id
        _item(entry, cells, number, known, errors)
    return Parsed(fmt, list(entries.values()), errors, data_rows)


def _value(column: cols.Column, cell: str) -> Any:
    if column.kind == "list":
        return [cols.parse_scalar(p, column.types) for p in cols.split_list(cell)]
    return cols.parse_scalar(cell, column.types)


def _catalog_fields(
    entry: Entry, cells: dict[str, str], row: int, known: dict[str, cols.Column], errors: list[RowError]
) -> None:
    for name, cell in cells.items():
        column = known[name]
        if column.is_item or cell == "":
            continue
        try:
            value = _value(column, cell)
        except ValueError as exc:
            errors.append(RowError(row, name, str(exc)))
            continue
        if value in EMPTY:
            continue
        if column.sub is None:
            entry.catalog[column.field] = value
        else:
            entry.catalog.setdefault(column.field, {})[column.sub] = value


def _agree(
    first: dict[str, str],
    cells: dict[str, str],
    row: int,
    first_row: int,
    known: dict[str, cols.Column],
    errors: list[RowError],
) -> None:
    for name, cell in cells.items():
        if known[name].is_item or cell == "" or cell == first.get(name, ""):
            continue
        errors.append(
            RowError(row, name, f"differs from the catalog's first row (row {first_row}): {_short(cell)}")
        )


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _item(
    entry: Entry, cells: dict[str, str], row: int, known: dict[str, cols.Column], errors: list[RowError]
) -> None:
    item: dict[str, Any] = {}
    for name, cell in cells.items():
        column = known[name]
        if not column.is_item or cell == "" or column.sub is None:
            continue
        try:
            value = _value(column, cell)
        except ValueError as exc:
            errors.append(RowError(row, name, str(exc)))
            continue
        if value not in EMPTY:
            item[column.sub] = value
    if item:
        entry.catalog.setdefault(cols.ITEMS, []).append(item)
        entry.item_rows.append(row)


_METADATA = frozenset(ENTITY_SCHEMAS["catalog"]["properties"]) - frozenset(cols.content_fields())


def _parse_json(data: bytes) -> Parsed:
    try:
        document = load_strict_json(data.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:
        return Parsed("json", [], [RowError(1, "", f"not valid JSON: {exc}")], 0)
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        document = document["data"]  # an API answer ({"data": [...]}) as saved
    if not isinstance(document, list):
        return Parsed("json", [], [RowError(1, "", "expected a JSON list of catalog objects")], 0)
    entries: list[Entry] = []
    errors: list[RowError] = []
    for number, raw in enumerate(document, start=1):
        if not isinstance(raw, dict):
            errors.append(RowError(number, "", "expected a catalog object"))
            continue
        # Ledger metadata (status, version, timestamps, ledger) is the ledger's, not content.
        kept = {k: v for k, v in raw.items() if k not in _METADATA}
        catalog = {k: _clean(v) for k, v in kept.items() if _clean(v) not in EMPTY}
        entries.append(Entry(catalog, number, list(range(len(catalog.get(cols.ITEMS) or [])))))
    return Parsed("json", entries, errors, len(document))


# --- catalogs -> files ---------------------------------------------------------------------


def table(catalogs: Iterable[dict[str, Any]]) -> list[list[str]]:
    """The header and one row per item (the catalog's columns repeated on each)."""
    columns = cols.columns()
    rows = [[c.name for c in columns]]
    for raw in catalogs:
        catalog = content(raw)
        base = {c.name: _render(c, catalog) for c in columns if not c.is_item}
        for item in catalog.get(cols.ITEMS) or [{}]:
            row = dict(base)
            for c in columns:
                if c.is_item and c.sub is not None:
                    row[c.name] = _render_value(c, item.get(c.sub))
            rows.append([row.get(c.name, "") for c in columns])
    return rows


def _render(column: cols.Column, catalog: dict[str, Any]) -> str:
    value = catalog.get(column.field)
    if column.sub is not None:
        value = value.get(column.sub) if isinstance(value, dict) else None
    return _render_value(column, value)


def _render_value(column: cols.Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind == "list" and isinstance(value, list):
        return cols.join_list(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return cols.format_scalar(value)


def write(catalogs: list[dict[str, Any]], fmt: str) -> bytes:
    if fmt == "json":
        return (json.dumps(catalogs, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    rows = table(catalogs)
    if fmt == "csv":
        text = io.StringIO(newline="")
        csv.writer(text, lineterminator="\r\n").writerows(rows)
        return text.getvalue().encode("utf-8")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "catalogs"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value == "":
                continue
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            cell.data_type = "s"  # text, always: "=..." is not a formula, "007" not a number
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
