"""The CKAN actions served, each ``(data_dict) → result``; read-only.

Every read goes to the ledger as the caller: a valid department token's own identity, else
(anonymous) the gateway's service identity. Only ``published`` catalogs are packages; an
anonymous caller sees those whose ``open_type`` is not ``none``, a caller with a token sees all.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask import request

from chaincode.interface import ErrorCode
from gateway.api.ledger import ChaincodeError, Ledger
from gateway.api.search import CatalogIndex
from gateway.api.services import services
from gateway.ckan import mapping, query
from gateway.config import IdentityConfig

ROWS_MAX = 1000  # CKAN's ckan.search.rows_max: larger `rows` are capped, not refused
ROWS_DEFAULT = 10
LIST_MAX = 1000  # organization_list / package_list / tag_list
FACET_LIMIT_DEFAULT = 50
_PAGE = 200
_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
CKAN_VERSION = "2.10.0"


class ActionError(Exception):
    """An error CKAN reports inside its envelope: ``__type`` and HTTP status as CKAN's."""

    STATUS: ClassVar[dict[str, int]] = {
        "Not Found Error": 404,
        "Validation Error": 409,
        "Authorization Error": 403,
        "Search Query Error": 400,
        "Search Error": 409,
        "Internal Error": 500,
    }

    def __init__(self, kind: str, message: str, fields: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.fields = kind, message, dict(fields or {})
        self.status = self.STATUS[kind]

    def body(self) -> dict[str, Any]:
        return {"__type": self.kind, "message": self.message, **self.fields}


def not_found(what: str) -> ActionError:
    return ActionError("Not Found Error", f"Not found: {what}")


def invalid(field_name: str, problem: str) -> ActionError:
    return ActionError("Validation Error", f"{field_name}: {problem}", {field_name: [problem]})


# --- the caller and what it may see --------------------------------------------------------


@dataclass
class Reader:
    """One request's view of the directory: its ledger and, read once, what it may see."""

    ledger: Ledger
    identity: IdentityConfig | None
    _catalogs: list[dict[str, Any]] | None = None
    _departments: dict[str, dict[str, Any]] | None = None
    _packages: list[dict[str, Any]] | None = field(default=None)

    @property
    def anonymous(self) -> bool:
        return self.identity is None

    def visible(self, catalog: Mapping[str, Any]) -> bool:
        if catalog.get("status") != "published":
            return False
        return not self.anonymous or catalog.get("open_type") != "none"

    def _all(self, function: str, arg: Mapping[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        bookmark = ""
        while True:
            page_arg = {**arg, "page_size": _PAGE}
            if bookmark:
                page_arg["bookmark"] = bookmark
            page = self.ledger.query(function, page_arg) or {}
            items.extend(page.get("items") or [])
            bookmark = page.get("bookmark") or ""
            if not bookmark or not page.get("items"):
                return items

    def catalogs(self) -> list[dict[str, Any]]:
        if self._catalogs is None:
            published = self._all("ListCatalogs", {"status": "published"})
            self._catalogs = [c for c in published if self.visible(c)]
        return self._catalogs

    def departments(self) -> dict[str, dict[str, Any]]:
        if self._departments is None:
            self._departments = {str(d["id"]): d for d in self._all("ListDepartments", {})}
        return self._departments

    def packages(self) -> list[dict[str, Any]]:
        if self._packages is None:
            departments = self.departments()
            self._packages = [
                mapping.package(c, departments.get(str(c.get("department_id")))) for c in self.catalogs()
            ]
        return self._packages

    def get(self, function: str, entity_id: Any, what: str) -> dict[str, Any]:
        if not isinstance(entity_id, str) or not _SLUG.match(entity_id):
            raise not_found(what)
        try:
            found: dict[str, Any] = self.ledger.query(function, {"id": entity_id})
        except ChaincodeError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.INVALID_ARGUMENT):
                raise not_found(what) from None
            raise
        return found


def _token() -> str | None:
    raw = (request.headers.get("Authorization") or request.headers.get("X-CKAN-API-Key") or "").strip()
    if raw[:7].lower() == "bearer ":
        raw = raw[7:].strip()
    return raw or None


def reader() -> Reader:
    svc = services()
    token = _token()
    if token is None:
        ledger = svc.service_ledger()
        if ledger is None:
            raise ActionError("Authorization Error", "Access denied: anonymous reads are not configured")
        return Reader(ledger, None)
    identity = svc.identity_for_token(token)
    if identity is None:
        raise ActionError("Authorization Error", "Access denied: unknown API key")
    if identity.expired():
        raise ActionError("Authorization Error", "Access denied: API key expired")
    return Reader(svc.ledger_for(identity), identity)


# --- parameters ----------------------------------------------------------------------------


def _int(data: Mapping[str, Any], name: str, default: int, minimum: int = 0) -> int:
    raw = data.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        raise invalid(name, "Invalid integer")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise invalid(name, "Invalid integer") from None
    if value < minimum:
        raise invalid(name, "Must be a natural number" if minimum == 0 else f"Must be at least {minimum}")
    return value


def _bool(data: Mapping[str, Any], name: str, default: bool = False) -> bool:
    raw = data.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int):
        return raw != 0
    text = str(raw).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise invalid(name, "Invalid boolean")


def _str(data: Mapping[str, Any], name: str, default: str = "") -> str:
    raw = data.get(name)
    if raw is None:
        return default
    if isinstance(raw, list):  # a repeated query parameter
        return " ".join(str(v) for v in raw)
    return str(raw)


def _str_list(data: Mapping[str, Any], name: str) -> list[str]:
    """A list given as a JSON list, a JSON list in a string (CKAN's GET form) or repeated."""
    raw = data.get(name)
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("["):
            try:
                raw = json.loads(text)
            except ValueError:
                raise invalid(name, "Invalid JSON list") from None
        else:
            raw = [text]
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise invalid(name, "Must be a list of strings")
    return [v for v in raw if v]


def _page(items: list[Any], data: Mapping[str, Any], maximum: int = LIST_MAX) -> list[Any]:
    offset = _int(data, "offset", 0)
    limit = min(_int(data, "limit", maximum), maximum)
    return items[offset : offset + limit]


# --- actions -------------------------------------------------------------------------------


def package_search(data: Mapping[str, Any]) -> dict[str, Any]:
    """Search packages: q (full text and field:value terms), fq, fq_list, rows (≤ 1000), start,
    sort, facet.field, facet.limit, facet.mincount; include_drafts/include_private accepted."""
    rows = min(_int(data, "rows", ROWS_DEFAULT), ROWS_MAX)
    start = _int(data, "start", 0)
    sort_text = _str(data, "sort").strip() or query.DEFAULT_SORT
    facet_fields = _str_list(data, "facet.field")
    facet_limit = _int(data, "facet.limit", FACET_LIMIT_DEFAULT, minimum=-1)
    facet_mincount = _int(data, "facet.mincount", 1)
    try:
        terms, words = query.parse_terms(_str(data, "q"))
        terms += query.parse_fq(_str(data, "fq"))
        for fq in _str_list(data, "fq_list"):
            terms += query.parse_fq(fq)
        sort_keys = query.parse_sort(sort_text)
    except query.SearchQueryError as exc:
        raise ActionError("Search Query Error", f"Search Query is invalid: {exc}") from None

    r = reader()
    packages = r.packages()
    extra_keys = frozenset(p["key"] for pkg in packages for p in pkg["extras"])
    for name in [t.field for t in terms] + facet_fields:
        if not query.known_field(name, packages, extra_keys) and not _national(name):
            raise ActionError("Search Query Error", f"Search Query is invalid: undefined field {name!r}")

    rank: dict[str, int] = {}
    text = " ".join(words).strip()
    if text:
        hits = _full_text(text, r)
        rank = {catalog_id: len(hits) - i for i, catalog_id in enumerate(hits)}
        packages = [p for p in packages if p["id"] in rank]
    matched = [p for p in packages if all(t.matches(p) for t in terms)]
    ordered = query.sort_packages(matched, sort_keys, rank)

    departments = r.departments()

    def display(field_name: str, value: str) -> str:
        if field_name in ("organization", "owner_org") and value in departments:
            return str(mapping.organization_summary(departments[value], value)["title"])
        return value

    plain, rich = query.facets(matched, facet_fields, facet_limit, facet_mincount, display)
    return {
        "count": len(matched),
        "facets": plain,
        "results": ordered[start : start + rows],
        "sort": sort_text,
        "search_facets": rich,
    }


# Optional catalog fields that may be absent from every catalog yet: filtering on them is not an
# error (it matches nothing, or everything when negated).
_NATIONAL = frozenset(
    {
        "resource_code",
        "classification",
        "classification_kind",
        "classification_path",
        "share_method",
        "related_codes",
        "released_at",
        "no_share_basis",
        "provider_code",
    }
)


def _national(name: str) -> bool:
    return (name[len("extras_") :] if name.startswith("extras_") else name) in _NATIONAL


def _full_text(text: str, r: Reader) -> list[str]:
    """Catalog ids matching ``text``, best first: the gateway's full-text index
    (``gateway.api.search``); when it cannot be built (no service identity), the same index
    over what this caller reads."""
    index = services().index
    # On failure the index retries on next use; meanwhile answer from this caller's reads.
    with contextlib.suppress(Exception):
        index.ensure_ready()
    if not index.ready:
        index = CatalogIndex()
        for catalog in r.catalogs():
            index.upsert(catalog)
    return index.search(text)


def package_show(data: Mapping[str, Any]) -> dict[str, Any]:
    """A package by id or name (the catalog id)."""
    wanted = data.get("id") or data.get("name_or_id")
    if not wanted:
        raise invalid("id", "Missing value")
    r = reader()
    catalog = r.get("GetCatalog", wanted, "package")
    if not r.visible(catalog):
        raise not_found("package")
    department_id = str(catalog.get("department_id"))
    try:
        department: dict[str, Any] | None = r.get("GetDepartment", department_id, "organization")
    except ActionError:
        department = None
    return mapping.package(catalog, department)


def package_list(data: Mapping[str, Any]) -> list[str]:
    """Names of the packages the caller sees, sorted; limit, offset."""
    return _page(sorted(str(c["id"]) for c in reader().catalogs()), data)


def _counts(r: Reader) -> dict[str, int]:
    counts: dict[str, int] = {}
    for catalog in r.catalogs():
        dept = str(catalog.get("department_id"))
        counts[dept] = counts.get(dept, 0) + 1
    return counts


def organization_list(data: Mapping[str, Any]) -> list[Any]:
    """Organizations (departments): names, or dicts with all_fields; sort (name|title|
    package_count asc|desc, default title asc), limit (≤ 1000), offset, q, organizations,
    include_extras, include_groups, include_dataset_count."""
    all_fields = _bool(data, "all_fields")
    include_extras = _bool(data, "include_extras")
    include_groups = _bool(data, "include_groups")
    include_count = _bool(data, "include_dataset_count", True)
    r = reader()
    counts = _counts(r)
    orgs = [
        mapping.organization(
            d,
            package_count=counts.get(i, 0),
            include_extras=include_extras or not all_fields,
            include_groups=include_groups or not all_fields,
        )
        for i, d in r.departments().items()
    ]
    wanted = set(_str_list(data, "organizations"))
    if wanted:
        orgs = [o for o in orgs if o["name"] in wanted]
    text = _str(data, "q").strip().casefold()
    if text:
        orgs = [o for o in orgs if text in o["name"].casefold() or text in str(o["title"]).casefold()]
    sort_text = _str(data, "sort").strip() or "title asc"
    words = sort_text.split()
    field_name, direction = words[0], (words[1].lower() if len(words) > 1 else "asc")
    if field_name not in ("name", "title", "package_count") or direction not in ("asc", "desc"):
        raise invalid("sort", "Must be name, title or package_count, then asc or desc")
    orgs.sort(key=lambda o: o["name"])
    orgs.sort(
        key=lambda o: o[field_name] if field_name == "package_count" else str(o[field_name]).casefold(),
        reverse=direction == "desc",
    )
    orgs = _page(orgs, data)
    if not all_fields:
        return [o["name"] for o in orgs]
    if not include_count:
        for o in orgs:
            o.pop("package_count", None)
    return orgs


def organization_show(data: Mapping[str, Any]) -> dict[str, Any]:
    """An organization (department) by id or name; include_datasets (default false) adds up to
    1000 of its packages."""
    wanted = data.get("id")
    if not wanted:
        raise invalid("id", "Missing value")
    r = reader()
    department = r.get("GetDepartment", wanted, "organization")
    mine = [p for p in r.packages() if p["owner_org"] == department["id"]]
    org = mapping.organization(department, package_count=len(mine))
    org["users"] = []
    org["tags"] = []
    if _bool(data, "include_datasets"):
        org["packages"] = sorted(mine, key=lambda p: p["name"])[:ROWS_MAX]
    return org


def group_list(data: Mapping[str, Any]) -> list[Any]:
    """The directory has no CKAN groups (the hierarchy is the organizations'): always []."""
    return []


def group_show(data: Mapping[str, Any]) -> dict[str, Any]:
    """There are no groups: always Not Found."""
    raise not_found("group")


def tag_list(data: Mapping[str, Any]) -> list[Any]:
    """Tags of the packages the caller sees, sorted; query (substring), all_fields, limit, offset."""
    names = sorted({str(t) for c in reader().catalogs() for t in (c.get("tags") or [])})
    text = _str(data, "query").strip().casefold()
    if text:
        names = [n for n in names if text in n.casefold()]
    if _str(data, "vocabulary_id"):
        names = []  # no vocabularies: free tags only
    names = _page(names, data)
    if _bool(data, "all_fields"):
        return [{"id": mapping.derived_id("tag", n), "name": n, "vocabulary_id": None} for n in names]
    return names


def status_show(data: Mapping[str, Any]) -> dict[str, Any]:
    """The site: its URL, the CKAN API version it answers as, and its extensions."""
    return {
        "site_title": "citydir",
        "site_description": "Smart-city government data directory (read-only CKAN Action API)",
        "site_url": request.host_url.rstrip("/"),
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "zh_Hans_CN",
        "extensions": ["citydir"],
    }


def help_show(data: Mapping[str, Any]) -> str:
    """An action's documentation: name."""
    name = _str(data, "name")
    function = ACTIONS.get(name)
    if function is None:
        raise not_found(f"action {name!r}")
    return function.__doc__ or ""


ACTIONS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "package_search": package_search,
    "package_show": package_show,
    "package_list": package_list,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "group_show": group_show,
    "tag_list": tag_list,
    "status_show": status_show,
    "help_show": help_show,
}
