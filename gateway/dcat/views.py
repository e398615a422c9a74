"""``/dcat``: the directory's DCAT-AP 3 export (JSON-LD, Turtle, RDF/XML), outside ``/api/v1``.

=================================  ==============================================================
``/dcat/catalog``                  the ``dcat:Catalog`` with one page of its datasets; format by
                                   ``Accept`` (406 when none of ours is acceptable)
``/dcat/catalog.{jsonld,ttl,rdf}`` the same, format by extension
``/dcat/datasets/<id>[.ext]``      one dataset
=================================  ==============================================================

Query (catalog only): ``page`` (from 1), ``page_size`` (1-200, default 50), ``modified_since``
(ISO 8601 date-time: datasets whose last change on the ledger is at or after it). The page is a
Hydra ``PartialCollectionView`` (first/next/previous/last); the collection carries
``hydra:totalItems``. Links start with ``public_base_url`` when configured (so they stay right
behind a proxy prefix), else with the request's own root URL.

Who sees what: without credentials, the gateway reads as its service identity and shows the
published catalogs whose ``open_type`` is not ``none``; with a department's bearer token it reads
as that caller and shows every published catalog the ledger gives it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, g, request
from rdflib import Graph

from chaincode.interface import ErrorCode
from gateway.api.auth import authenticate
from gateway.api.errors import ApiError
from gateway.api.ledger import ChaincodeError, Ledger
from gateway.api.services import services
from gateway.config import parse_timestamp
from gateway.dcat.mapping import (
    PREFIXES,
    Iris,
    Paging,
    add_catalog,
    add_dataset,
    bureau_of,
    is_open,
    is_published,
    modified_at,
    new_graph,
)

bp = Blueprint("dcat", __name__, url_prefix="/dcat")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
_LEDGER_PAGE = 200  # the chaincode's largest page

# extension → (rdflib format, media type)
FORMATS: dict[str, tuple[str, str]] = {
    "jsonld": ("json-ld", "application/ld+json"),
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("xml", "application/rdf+xml"),
}
# Media types a client may ask for, in our order of preference → extension.
_ACCEPTABLE = {
    "application/ld+json": "jsonld",
    "text/turtle": "ttl",
    "application/rdf+xml": "rdf",
    "application/json": "jsonld",
    "application/x-turtle": "ttl",
    "application/xml": "rdf",
    "text/xml": "rdf",
}
_CATALOG_PARAMS = ("page", "page_size", "modified_since")


def invalid(parameter: str, message: str, **details: Any) -> ApiError:
    return ApiError(400, ErrorCode.INVALID_ARGUMENT.value, message, {"parameter": parameter, **details})


# --- who reads ---------------------------------------------------------------------------------


def _reader() -> tuple[Ledger, bool]:
    """The ledger to read with and whether the caller authenticated (sees non-open catalogs)."""
    if request.headers.get("Authorization"):
        authenticate()  # 401 for a bad, unknown or expired token: never a silent downgrade
        found: Ledger = g.ledger
        return found, True
    ledger = services().service_ledger()
    if ledger is None:
        raise ApiError(503, "UNAVAILABLE", "the gateway has no service identity to read the directory with")
    return ledger, False


def _visible(catalog: Mapping[str, Any], authenticated: bool) -> bool:
    return is_published(catalog) if authenticated else is_open(catalog)


def _pages(ledger: Ledger, function: str, arg: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    bookmark = ""
    while True:
        page = ledger.query(
            function, {**arg, "page_size": _LEDGER_PAGE, **({"bookmark": bookmark} if bookmark else {})}
        )
        items = (page or {}).get("items") or []
        yield from items
        bookmark = (page or {}).get("bookmark") or ""
        if not bookmark or not items:
            return


def _departments(ledger: Ledger) -> dict[str, dict[str, Any]]:
    return {str(d["id"]): d for d in _pages(ledger, "ListDepartments", {}) if d.get("id")}


def _department(ledger: Ledger, department_id: str) -> dict[str, Any] | None:
    try:
        found = ledger.query("GetDepartment", {"id": department_id})
    except ChaincodeError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
            return None
        raise
    return found if isinstance(found, dict) else None


# --- request parsing ---------------------------------------------------------------------------


def _base_url() -> str:
    configured = services().config.public_base_url
    return configured if configured else request.url_root.rstrip("/")


def _negotiate(ext: str | None) -> str:
    if ext is not None:
        return ext
    accept = request.accept_mimetypes
    if not request.headers.get("Accept") or accept.best == "*/*":
        return "jsonld"
    best = accept.best_match(list(_ACCEPTABLE))
    if best is None:
        raise ApiError(
            406,
            "NOT_ACCEPTABLE",
            "none of the requested media types is available: ask for application/ld+json, "
            "text/turtle or application/rdf+xml, or use the .jsonld, .ttl or .rdf URL",
            {"accept": request.headers.get("Accept", ""), "available": list(FORMATS_BY_TYPE)},
        )
    return _ACCEPTABLE[best]


FORMATS_BY_TYPE = [media for _, media in FORMATS.values()]


def _positive(name: str, default: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise invalid(name, f"{name} must be a whole number from 1, not {raw!r}", value=raw)
    value = int(raw)
    if maximum is not None and value > maximum:
        raise invalid(name, f"{name} must be at most {maximum}, not {value}", value=raw, maximum=maximum)
    return value


def _modified_since() -> datetime | None:
    raw = request.args.get("modified_since")
    if raw is None:
        return None
    try:
        return parse_timestamp(raw.strip())
    except ValueError:
        raise invalid(
            "modified_since",
            f"modified_since must be an ISO 8601 date-time such as 2026-01-02T03:04:05Z, not {raw!r}",
            value=raw,
        ) from None


def _check_params(allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        raise invalid(
            unknown[0],
            f"unknown query parameter(s) {', '.join(unknown)}; allowed: {', '.join(allowed) or 'none'}",
            unknown=unknown,
            allowed=list(allowed),
        )


def _respond(graph: Graph, ext: str, authenticated: bool) -> Response:
    fmt, media = FORMATS[ext]
    if fmt == "json-ld":
        context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
        body = graph.serialize(format=fmt, context=context, indent=2)
    else:
        body = graph.serialize(format=fmt)
    response = Response(body, content_type=f"{media}; charset=utf-8")
    response.headers["Vary"] = "Accept, Authorization"
    # An authenticated export lists what an anonymous one does not: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-store" if authenticated else "public, max-age=60"
    return response


# --- views -------------------------------------------------------------------------------------


@bp.get("/catalog", defaults={"ext": None})
@bp.get("/catalog.<any(jsonld, ttl, rdf):ext>")
def catalog(ext: str | None) -> Response:
    _check_params(_CATALOG_PARAMS)
    chosen = _negotiate(ext)
    page = _positive("page", 1)
    page_size = _positive("page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    since = _modified_since()
    ledger, authenticated = _reader()

    selected = [
        c
        for c in _pages(ledger, "ListCatalogs", {"status": "published"})
        if _visible(c, authenticated) and (since is None or _at_or_after(modified_at(c), since))
    ]
    selected.sort(key=lambda c: str(c.get("id")))
    total = len(selected)
    last = max(1, -(-total // page_size))
    if page > last:
        raise ApiError(
            404,
            ErrorCode.NOT_FOUND.value,
            f"page {page} is past the last page ({last}) at page_size {page_size}",
            {"parameter": "page", "page": page, "last_page": last, "total_items": total},
        )
    shown = selected[(page - 1) * page_size : page * page_size]

    base = _base_url()
    iris = Iris(base)

    def link(number: int) -> str:
        query: dict[str, str | int] = {"page": number, "page_size": page_size}
        if "modified_since" in request.args:
            query = {"modified_since": request.args["modified_since"], **query}
        return f"{base}{request.path}?{urlencode(query)}"

    paging = Paging(
        total=total,
        this=link(page),
        first=link(1),
        last=link(last),
        next=link(page + 1) if page < last else None,
        previous=link(page - 1) if page > 1 else None,
    )
    departments = _departments(ledger)
    graph = new_graph()
    datasets = [add_dataset(graph, iris, c, departments.get(str(c.get("department_id")))) for c in shown]
    newest = max((modified_at(c) for c in selected), default=None)
    add_catalog(graph, iris, bureau_of(departments.values()), datasets, paging, newest)
    return _respond(graph, chosen, authenticated)


@bp.get("/datasets/<catalog_id>", defaults={"ext": None})
@bp.get("/datasets/<catalog_id>.<any(jsonld, ttl, rdf):ext>")
def dataset(catalog_id: str, ext: str | None) -> Response:
    _check_params(())
    chosen = _negotiate(ext)
    ledger, authenticated = _reader()
    missing = ApiError(
        404, ErrorCode.NOT_FOUND.value, f"no published dataset {catalog_id!r}", {"id": catalog_id}
    )
    try:
        found = ledger.query("GetCatalog", {"id": catalog_id})
    except ChaincodeError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN, ErrorCode.INVALID_ARGUMENT):
            raise missing from None
        raise
    if not isinstance(found, dict) or not _visible(found, authenticated):
        raise missing  # an unpublished or closed catalog is not there for this caller
    graph = new_graph()
    iris = Iris(_base_url())
    add_dataset(graph, iris, found, _department(ledger, str(found.get("department_id"))))
    return _respond(graph, chosen, authenticated)


def _at_or_after(stamp: str, since: datetime) -> bool:
    try:
        return parse_timestamp(stamp) >= since
    except ValueError:
        return False
