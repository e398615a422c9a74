"""Validate a whole file, plan it against the ledger, then write it in packed batches.

1. ``validate``: every catalog against the contract's own ``CreateCatalog`` schema
   (``chaincode.interface.schema_error``, the one renderer of violations), and cross-row checks
   (department matches, item names unique in a catalog, a catalog fits one argument); every
   violation becomes a ``RowError`` with its row and column.
2. ``plan``: against what the department already has on the ledger: a new id is created, an
   identical catalog (same content fields; ledger metadata and version ignored) is skipped, a
   differing one is an error unless ``update`` (then one ``UpdateCatalog`` each). Linked
   responsibilities must exist and be the department's.
3. ``execute``: nothing is written if any error was found; else ``CreateCatalogs`` batches
   packed by encoded size under ``MAX_ARGUMENT_BYTES`` (and at most ``MAX_BATCH_CATALOGS``
   each), then the updates, reporting progress after each transaction.

Re-running is idempotent, so an interrupted import resumes: what was written is now identical
and skipped, the rest is created.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from chaincode.interface import (
    ARGUMENT_SCHEMAS,
    MAX_ARGUMENT_BYTES,
    MAX_BATCH_CATALOGS,
    argument_validator,
    schema_error,
)
from gateway.imports import columns as cols
from gateway.imports.formats import Entry, Parsed, RowError, content

BATCH_ENVELOPE = len('{"catalogs":[]}')
ROOT = "catalog"
SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")


class ImportFailure(Exception):
    """The ledger (or the gateway) refused or failed a call; ``code`` is the chaincode's or HTTP's."""

    def __init__(self, message: str, code: str = "FAILED", details: Any = None) -> None:
        super().__init__(message)
        self.message, self.code, self.details = message, code, details


class Directory(Protocol):
    """What an import needs from the directory, as the importing identity."""

    def department(self, department_id: str) -> dict[str, Any] | None: ...

    def responsibility(self, responsibility_id: str) -> dict[str, Any] | None: ...

    def catalogs(self, department_id: str) -> list[dict[str, Any]]: ...

    def create_catalogs(self, catalogs: list[dict[str, Any]]) -> str: ...  # the tx id

    def update_catalog(self, patch: dict[str, Any]) -> str: ...


# --- 1. validation ---------------------------------------------------------------------------


def encoded_size(document: Any) -> int:
    """Bytes as the gateway sends an argument to the chaincode (compact JSON, UTF-8)."""
    return len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


_PATH = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")


def locate(path: str, entry: Entry, fmt: str) -> tuple[int, str]:
    """(row, column) of a schema path such as ``catalog.items[3].type`` in the file."""
    parts: list[str | int] = [
        m.group(1) if m.group(1) is not None else int(m.group(2))
        for m in _PATH.finditer(path[len(ROOT) :] if path.startswith(ROOT) else "." + path)
    ]
    if fmt == "json":
        shown = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
        return entry.row, shown or "id"
    if not parts:
        return entry.row, "id"
    top = str(parts[0])
    if top == cols.ITEMS:
        index = parts[1] if len(parts) > 1 and isinstance(parts[1], int) else None
        sub = parts[2] if len(parts) > 2 and isinstance(parts[2], str) else None
        row = entry.item_rows[index] if index is not None and index < len(entry.item_rows) else entry.row
        return row, cols.column_for(top, sub) if sub else cols.column_for(top, "name")
    sub = parts[1] if len(parts) > 1 and isinstance(parts[1], str) else None
    return entry.row, cols.column_for(top, sub)


def validate(parsed: Parsed, department: str) -> list[RowError]:
    """Every error of the file (form, schema, cross-row), sorted by row; [] when it is clean."""
    errors = list(parsed.errors)
    validator = argument_validator("CreateCatalog")
    seen: dict[str, int] = {}
    for entry in parsed.entries:
        catalog = entry.catalog
        catalog.setdefault("department_id", department)
        catalog_id = catalog.get("id")
        if parsed.format == "json" and isinstance(catalog_id, str):
            if catalog_id in seen:
                errors.append(
                    RowError(
                        entry.row, "id", f"catalog {catalog_id} already appeared (row {seen[catalog_id]})"
                    )
                )
            seen.setdefault(catalog_id, entry.row)
        if catalog.get("department_id") != department:
            errors.append(
                RowError(
                    entry.row,
                    cols.column_for("department_id"),
                    f"{catalog.get('department_id')!r} is not the department being imported ({department})",
                )
            )
        error = schema_error(validator, catalog, ROOT)
        if error is not None:
            for violation in error.details.get("errors", []):
                row, column = locate(violation["path"], entry, parsed.format)
                errors.append(RowError(row, column, violation["message"]))
            continue
        names: dict[str, int] = {}
        for index, item in enumerate(catalog.get(cols.ITEMS) or []):
            name = item.get("name")
            row, column = locate(f"{ROOT}.items[{index}].name", entry, parsed.format)
            if name in names:
                errors.append(RowError(row, column, f"item name {name!r} is used twice in the catalog"))
            names.setdefault(name, index)
        size = encoded_size(catalog) + BATCH_ENVELOPE
        if size > MAX_ARGUMENT_BYTES:
            errors.append(
                RowError(
                    entry.row,
                    "id",
                    f"the catalog is {size} bytes encoded: more than one "
                    f"transaction's {MAX_ARGUMENT_BYTES} (64 KiB)",
                )
            )
    return sorted(set(errors))


# --- 2. the plan -----------------------------------------------------------------------------


@dataclass
class Plan:
    creates: list[Entry] = field(default_factory=list)
    updates: list[tuple[Entry, dict[str, Any]]] = field(default_factory=list)
    skips: list[Entry] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {"create": len(self.creates), "update": len(self.updates), "skip": len(self.skips)}


def _cleared(field_name: str) -> tuple[bool, Any]:
    """What UpdateCatalog takes to empty a field: (possible, value)."""
    schema = ARGUMENT_SCHEMAS["UpdateCatalog"]["properties"].get(field_name)
    if schema is None:
        return False, None
    types = cols._types(cols._branch(schema))
    if "null" in types:
        return True, None
    if "array" in types and not schema.get("minItems"):
        return True, []
    if "string" in types and not schema.get("minLength") and "pattern" not in schema:
        return True, ""
    return False, None


def decide(entry: Entry, current: dict[str, Any] | None, update: bool, fmt: str) -> tuple[str, Any]:
    """The idempotence decision for one catalog: ("create"|"skip", None), ("update", patch) or
    ("error", RowError)."""
    if current is None:
        return "create", None
    wanted, have = content(entry.catalog), content(current)
    if wanted == have:
        return "skip", None
    differing = [f for f in cols.content_fields() if wanted.get(f) != have.get(f)]
    first = differing[0]
    row, column = locate(f"{ROOT}.{first}", entry, fmt)
    if not update:
        return "error", RowError(
            row,
            column,
            f"catalog {entry.catalog.get('id')} exists (version {current.get('version')}) and differs in "
            f"{', '.join(differing)}: give --update to update it",
        )
    editable = set(ARGUMENT_SCHEMAS["UpdateCatalog"]["properties"]) - {"id"}
    patch: dict[str, Any] = {"id": entry.catalog["id"]}
    for name in differing:
        if name not in editable:
            return "error", RowError(row, column, f"{name} cannot be changed by an update (UpdateCatalog)")
        if name in wanted:
            patch[name] = wanted[name]
        else:
            possible, value = _cleared(name)
            if not possible:
                return "error", RowError(row, column, f"{name} cannot be cleared by an update")
            patch[name] = value
    return "update", patch


def plan(parsed: Parsed, department: str, directory: Directory, update: bool = False) -> Plan:
    """What the import would do; its ``errors`` are every validation and ledger error."""
    result = Plan(errors=validate(parsed, department))
    if not SLUG.match(department) or directory.department(department) is None:
        result.errors.append(RowError(1, "department_id", f"department {department} does not exist"))
        return result
    responsibilities: dict[str, dict[str, Any] | None] = {}
    for entry in parsed.entries:
        for index, rid in enumerate(entry.catalog.get("responsibility_ids") or []):
            if not isinstance(rid, str) or not SLUG.match(rid):
                continue  # the schema check reported it
            if rid not in responsibilities:
                responsibilities[rid] = directory.responsibility(rid)
            found = responsibilities[rid]
            row, column = locate(f"{ROOT}.responsibility_ids[{index}]", entry, parsed.format)
            if found is None:
                result.errors.append(RowError(row, column, f"responsibility {rid} does not exist"))
            elif found.get("department_id") != department:
                result.errors.append(
                    RowError(row, column, f"responsibility {rid} belongs to {found.get('department_id')}")
                )
    existing = {c["id"]: c for c in directory.catalogs(department)}
    for entry in parsed.entries:
        decision, detail = decide(entry, existing.get(str(entry.catalog.get("id"))), update, parsed.format)
        if decision == "create":
            result.creates.append(entry)
        elif decision == "skip":
            result.skips.append(entry)
        elif decision == "update":
            result.updates.append((entry, detail))
        else:
            result.errors.append(detail)
    result.errors = sorted(set(result.errors))
    return result


# --- 3. writing ------------------------------------------------------------------------------


def batches(catalogs: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """CreateCatalogs arguments: at most MAX_BATCH_CATALOGS catalogs, at most MAX_ARGUMENT_BYTES
    each (as bench/fixtures.py packs them)."""
    batch: list[dict[str, Any]] = []
    used = BATCH_ENVELOPE
    for item in catalogs:
        size = encoded_size(item) + (1 if batch else 0)  # and its comma
        if batch and (len(batch) == MAX_BATCH_CATALOGS or used + size + 1 > MAX_ARGUMENT_BYTES):
            yield batch
            batch, used = [], BATCH_ENVELOPE
            size = encoded_size(item)
        batch.append(item)
        used += size
    if batch:
        yield batch


PREVIEW_LIMIT = 2000  # catalogs listed in a result's preview


def preview(parsed: Parsed, the_plan: Plan) -> list[dict[str, Any]]:
    """Each catalog as parsed (its first row, id, titles, item count) and what the import does with it."""
    action: dict[int, str] = {id(e): "create" for e in the_plan.creates}
    action.update({id(e): "skip" for e in the_plan.skips})
    action.update({id(e): "update" for e, _ in the_plan.updates})
    bad_rows = {e.row for e in the_plan.errors}
    out = []
    for entry in parsed.entries[:PREVIEW_LIMIT]:
        title = entry.catalog.get("title")
        rows = {entry.row, *(entry.item_rows if parsed.format != "json" else ())}
        out.append(
            {
                "row": entry.row,
                "id": entry.catalog.get("id"),
                "title": title if isinstance(title, dict) else {},
                "items": len(entry.catalog.get(cols.ITEMS) or []),
                "action": "error" if rows & bad_rows else action.get(id(entry), "error"),
            }
        )
    return out


Progress = Callable[[dict[str, Any]], None]


def _no_progress(state: dict[str, Any]) -> None:
    return None


def execute(
    parsed: Parsed,
    department: str,
    directory: Directory,
    *,
    update: bool = False,
    dry_run: bool = False,
    progress: Progress = _no_progress,
) -> dict[str, Any]:
    """Validate, plan and (unless ``dry_run`` or any error) write; the result as JSON-able data."""
    started = time.monotonic()
    the_plan = plan(parsed, department, directory, update)
    creates = [content(e.catalog) for e in the_plan.creates]
    packed = list(batches(creates))
    state: dict[str, Any] = {
        "status": "running",
        "format": parsed.format,
        "department": department,
        "dry_run": dry_run,
        "update": update,
        "rows": parsed.rows,
        "catalogs": len(parsed.entries),
        "plan": the_plan.summary(),
        "planned_transactions": len(packed) + len(the_plan.updates),
        "total": len(creates) + len(the_plan.updates),
        "done": 0,
        "created": 0,
        "updated": 0,
        "skipped": len(the_plan.skips),
        "transactions": 0,
        "tx_ids": [],
        "errors": [e.to_json() for e in the_plan.errors],
        "preview": preview(parsed, the_plan),
    }
    if the_plan.errors:
        state["status"] = "invalid"
    elif dry_run:
        state["status"] = "dry-run"
    else:
        progress(dict(state))
        try:
            for batch in packed:
                state["tx_ids"].append(directory.create_catalogs(batch))
                state["transactions"] += 1
                state["created"] += len(batch)
                state["done"] += len(batch)
                progress(dict(state))
            for _, patch in the_plan.updates:
                state["tx_ids"].append(directory.update_catalog(patch))
                state["transactions"] += 1
                state["updated"] += 1
                state["done"] += 1
                progress(dict(state))
            state["status"] = "done"
        except ImportFailure as exc:
            state["status"] = "failed"
            state["failure"] = {"code": exc.code, "message": exc.message, "details": exc.details}
    state["seconds"] = round(time.monotonic() - started, 3)
    progress(dict(state))
    return state
