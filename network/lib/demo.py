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
    *("update_frequency", "format", "source_system", "tags", "draft", "no_share_basis", "related"),
}
# GB 32100-2015 unified social credit codes: the check character over the first 17 characters.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(first17: str) -> str:
    """The full 18-character code: ``first17`` and its check character (weights 3^i mod 31)."""
    total = sum(USCC_ALPHABET.index(char) * pow(3, i, 31) for i, char in enumerate(first17))
    return first17 + USCC_ALPHABET[(31 - total % 31) % 31]


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
        self.department_names: dict[str, str] = {}
        self.department_numbers: dict[str, int] = {}
        self.codes: dict[str, str] = {}

    def departments(self) -> list[Tx]:
        txs: list[Tx] = []
        registrar = _check_keys(self.data["registrar"], {"msp_id", "role"}, "registrar", ["msp_id", "role"])
        for n, entry in enumerate(self.data["departments"], start=1):
            what = f"department {_id(entry)}"
            d = _check_keys(entry, DEPARTMENT_KEYS, what, sorted(DEPARTMENT_KEYS - {"parent_id"}))
            self.msp_of[d["id"]] = d["msp_id"]
            self.department_names[d["id"]] = d["name"]["zh"]
            self.department_numbers[d["id"]] = n
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
                "provider_code": uscc(self.derive["department_provider_code"].format(n=n)),
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
        if c["share_type"] == "none":
            if "no_share_basis" not in c:
                raise DemoDataError(f"{what}: share_type none needs its no_share_basis")
            catalog["no_share_basis"] = c["no_share_basis"]
        elif "no_share_basis" in c:
            raise DemoDataError(f"{what}: no_share_basis is for share_type none only")
        # 部门信息资源 (类 3), 项 = the department's place in the file; 后段码 = its n-th catalog.
        self.owner(c["department_id"], what)
        catalog["resource_code"] = self.codes[c["id"]]
        catalog["classification"] = {
            "kind": "department",
            "path": ["部门信息资源", self.department_names[c["department_id"]]],
        }
        if catalog["format"] not in defaults["share_method"]:
            raise DemoDataError(
                f"{what}: no share_method under catalog_defaults for format {catalog['format']!r}"
            )
        catalog["share_method"] = defaults["share_method"][catalog["format"]]
        catalog["released_at"] = defaults["released_at"]
        related = c.get("related", [])
        unknown = [r for r in related if r not in self.codes]
        if unknown:
            raise DemoDataError(f"{what}: related catalog(s) {', '.join(unknown)} not in the file")
        catalog["related_codes"] = [self.codes[r] for r in related]
        return catalog

    def assign_codes(self) -> None:
        """Every catalog's resource code, before any is expanded (related catalogs may come later)."""
        counts: dict[str, int] = {}
        for entries in self.data["catalogs"].values():
            for entry in entries if isinstance(entries, list) else ():
                department_id = str(entry.get("department_id")) if isinstance(entry, dict) else ""
                number = self.department_numbers.get(department_id)
                if number is None:
                    continue  # reported by owner() / catalog() with its context
                counts[department_id] = counts.get(department_id, 0) + 1
                self.codes[str(entry.get("id"))] = f"3{number:02d}/{counts[department_id]:06d}"

    def catalogs(self) -> list[Tx]:
        """Batch by batch, one CreateCatalogs per owning org (CreateCatalog for one); then
        PublishCatalog for each, in order, but for a draft."""
        txs: list[Tx] = []
        drafts: set[str] = set()
        batches: list[list[dict[str, Any]]] = []
        self.assign_codes()
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
