"""The demo directory as transactions: network/demo/directory.yaml, expanded.

``seed_transactions()`` lists (msp_id, role, function, argument) in the order they are to be
submitted (network/lib/seed.py does, on either ledger; the unit tests replay them on the
in-memory ledger). The data file says what the directory holds; what it leaves out (who signs,
derived fields, defaults) is filled in here, as its header describes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

Tx = tuple[str, str, str, dict[str, Any]]

DIRECTORY = Path(__file__).resolve().parents[1] / "demo" / "directory.yaml"

ADMIN = "admin"
CLIENT = "client"

SECTIONS = {
    "registrar",
    "derive",
    "catalog_defaults",
    "request_defaults",
    "item_groups",
    "departments",
    "responsibilities",
    "catalogs",
    "lifecycle",
    "access",
}
DEPARTMENT_KEYS = {"id", "name", "parent_id", "level", "msp_id", "contact"}
RESPONSIBILITY_KEYS = {"id", "department_id", "code", "title", "legal_basis"}
CATALOG_KEYS = {
    *("id", "department_id", "responsibility_ids", "title", "items", "share_type", "open_type"),
    *("update_frequency", "format", "source_system", "tags", "draft"),
}
REQUEST_KEYS = {"id", "requester_id", "catalog_id", "items", "purpose", "legal_basis", "requested_until"}
TX_KEYS = {"msp_id", "role", "function", "argument"}


class DemoDataError(ValueError):
    """The data file does not say what the seeder needs: which entry, and what is wrong."""


def _id(entry: Any) -> Any:
    return entry.get("id") if isinstance(entry, dict) else entry


def _check_keys(entry: Any, allowed: set[str], what: str, required: Iterable[str] = ()) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise DemoDataError(f"{what}: expected a mapping, got {entry!r}")
    unknown = set(entry) - allowed
    if unknown:
        raise DemoDataError(f"{what}: unknown field(s) {', '.join(sorted(unknown))}")
    missing = [k for k in required if k not in entry]
    if missing:
        raise DemoDataError(f"{what}: missing field(s) {', '.join(missing)}")
    return entry


def load(path: Path = DIRECTORY) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return _check_keys(data, SECTIONS, str(path), sorted(SECTIONS))


class _Directory:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.derive: Mapping[str, str] = data["derive"]
        self.msp_of: dict[str, str] = {}

    def departments(self) -> list[Tx]:
        txs: list[Tx] = []
        registrar = _check_keys(self.data["registrar"], {"msp_id", "role"}, "registrar", ["msp_id", "role"])
        for entry in self.data["departments"]:
            what = f"department {_id(entry)}"
            d = _check_keys(entry, DEPARTMENT_KEYS, what, sorted(DEPARTMENT_KEYS - {"parent_id"}))
            self.msp_of[d["id"]] = d["msp_id"]
            contact = d["contact"]
            argument = {
                "id": d["id"],
                "name": d["name"],
                "parent_id": d.get("parent_id"),
                "level": d["level"],
                "msp_id": d["msp_id"],
                "contact": {
                    "name": contact["name"],
                    "email": self.derive["department_email"].format_map(d),
                    "phone": contact["phone"],
                },
            }
            txs.append((registrar["msp_id"], registrar["role"], "RegisterDepartment", argument))
        return txs

    def owner(self, department_id: str, what: str) -> str:
        try:
            return self.msp_of[department_id]
        except KeyError:
            raise DemoDataError(f"{what}: no department {department_id!r} above it in the file") from None

    def responsibilities(self) -> list[Tx]:
        txs: list[Tx] = []
        for entry in self.data["responsibilities"]:
            what = f"responsibility {_id(entry)}"
            r = _check_keys(entry, RESPONSIBILITY_KEYS, what, sorted(RESPONSIBILITY_KEYS))
            argument = {
                "id": r["id"],
                "department_id": r["department_id"],
                "code": r["code"],
                "title": r["title"],
                "description": self.derive["responsibility_description"].format_map(r),
                "legal_basis": r["legal_basis"],
            }
            txs.append((self.owner(r["department_id"], what), ADMIN, "CreateResponsibility", argument))
        return txs

    def items(self, rows: list[Any], what: str) -> list[list[str]]:
        groups: Mapping[str, list[list[str]]] = self.data["item_groups"]
        out: list[list[str]] = []
        for row in rows:
            if isinstance(row, str):
                if row not in groups:
                    raise DemoDataError(f"{what}: no item group {row!r}")
                out.extend(groups[row])
            elif isinstance(row, list) and len(row) == 4:
                out.append(row)
            else:
                raise DemoDataError(
                    f"{what}: an item is [name, title, type, sensitivity] or a group: {row!r}"
                )
        return out

    def catalog(self, entry: Any) -> dict[str, Any]:
        what = f"catalog {_id(entry)}"
        required = ("id", "department_id", "responsibility_ids", "title", "items", "share_type")
        c = _check_keys(entry, CATALOG_KEYS, what, (*required, "update_frequency", "tags"))
        defaults = self.data["catalog_defaults"]
        items = self.items(c["items"], what)
        catalog: dict[str, Any] = {
            "id": c["id"],
            "department_id": c["department_id"],
            "responsibility_ids": c["responsibility_ids"],
            "title": c["title"],
            "description": self.derive["catalog_description"].format_map(c),
            "items": [{"name": n, "title": t, "type": k, "sensitivity": s} for n, t, k, s in items],
            "share_type": c["share_type"],
            "open_type": c.get("open_type", defaults["open_type"]),
            "update_frequency": c["update_frequency"],
            "format": c.get("format", defaults["format"]),
            "source_system": c.get("source_system") or self.derive["catalog_source_system"].format_map(c),
            "endpoint": self.derive["catalog_endpoint"].format_map(c),
            "schema_hash": hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest(),
            "tags": c["tags"],
        }
        if c["share_type"] == "conditional":
            catalog["share_conditions"] = defaults["share_conditions"]
        return catalog

    def catalogs(self) -> list[Tx]:
        """Batch by batch, one CreateCatalogs per owning org (CreateCatalog for one); then
        PublishCatalog for each, in order, but for a draft."""
        txs: list[Tx] = []
        drafts: set[str] = set()
        batches: list[list[dict[str, Any]]] = []
        for name, entries in self.data["catalogs"].items():
            if not isinstance(entries, list):
                raise DemoDataError(f"catalog batch {name}: expected a list of catalogs")
            batches.append([self.catalog(e) for e in entries])
            drafts.update(e["id"] for e in entries if e.get("draft"))
        for batch in batches:
            by_msp: dict[str, list[dict[str, Any]]] = {}
            for catalog in batch:
                msp = self.owner(catalog["department_id"], f"catalog {catalog['id']}")
                by_msp.setdefault(msp, []).append(catalog)
            for msp, catalogs in by_msp.items():
                if len(catalogs) == 1:
                    txs.append((msp, ADMIN, "CreateCatalog", catalogs[0]))
                else:
                    txs.append((msp, ADMIN, "CreateCatalogs", {"catalogs": catalogs}))
        for catalog in (c for batch in batches for c in batch):
            if catalog["id"] not in drafts:
                msp = self.owner(catalog["department_id"], f"catalog {catalog['id']}")
                txs.append((msp, ADMIN, "PublishCatalog", {"id": catalog["id"]}))
        return txs

    def transactions(self, section: str) -> list[Tx]:
        txs: list[Tx] = []
        until = self.data["request_defaults"]["requested_until"]
        optional = {"requested_until"}
        for n, entry in enumerate(self.data[section]):
            what = f"{section}[{n}]"
            if isinstance(entry, dict) and set(entry) == {"request"}:
                r = _check_keys(entry["request"], REQUEST_KEYS, what, sorted(REQUEST_KEYS - optional))
                argument = {
                    "id": r["id"],
                    "requester_id": r["requester_id"],
                    "catalog_id": r["catalog_id"],
                    "items": r["items"],
                    "purpose": r["purpose"],
                    "legal_basis": r["legal_basis"],
                    "requested_until": r.get("requested_until", until),
                }
                txs.append((self.owner(r["requester_id"], what), CLIENT, "RequestAccess", argument))
            else:
                t = _check_keys(entry, TX_KEYS, what, sorted(TX_KEYS))
                txs.append((t["msp_id"], t["role"], t["function"], t["argument"]))
        return txs


def seed_transactions(path: Path = DIRECTORY) -> list[Tx]:
    """The demo directory's transactions, in order: departments, responsibilities, catalogs,
    lifecycle steps, access requests and what follows them."""
    directory = _Directory(load(path))
    return [
        *directory.departments(),
        *directory.responsibilities(),
        *directory.catalogs(),
        *directory.transactions("lifecycle"),
        *directory.transactions("access"),
    ]
