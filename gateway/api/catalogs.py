"""Data catalogs: the directory's published data sets, and full-text search over them.

Listing is hand-written (with ``q`` it searches the off-chain index); every other route is one
chaincode call (generic views)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from chaincode.interface import ErrorCode
from gateway.api.actions import add_blocks, page_arg, query, read_page
from gateway.api.errors import bad_request
from gateway.api.ledger import ChaincodeError
from gateway.api.routes import PAGE, Param, Read, Submit, history_of, query_args, route, serve
from gateway.api.services import services

bp = Blueprint("catalogs", __name__)

DEFAULT_PAGE_SIZE = 50
_SEARCH_BOOKMARK = "q:"


@route(
    bp,
    "/catalogs",
    "GET",
    summary="List catalogs; with q, full-text search (results read from the ledger)",
    chaincode=("ListCatalogs", "GetCatalog"),
    query=(
        Param("department", description="owning department id"),
        Param("share_type"),
        Param("status", description="draft, published, deprecated"),
        Param("tag"),
        Param("q", description="full-text query (zh by characters, other languages by words)"),
        *PAGE,
    ),
)
def list_catalogs() -> ResponseReturnValue:
    q = query_args()
    filters = {
        "department_id": q.get("department"),
        "share_type": q.get("share_type"),
        "status": q.get("status"),
        "tag": q.get("tag"),
    }
    if q.get("q"):
        return _search(q["q"], {k: v for k, v in filters.items() if v})
    return read_page("ListCatalogs", page_arg(**filters))


def _matches(catalog: dict[str, Any], filters: dict[str, str]) -> bool:
    for name, wanted in filters.items():
        if name == "tag":
            if wanted not in (catalog.get("tags") or []):
                return False
        elif catalog.get(name) != wanted:
            return False
    return True


def _search(text: str, filters: dict[str, str]) -> ResponseReturnValue:
    """Ids come from the off-chain index; every catalog returned is read from the ledger as the caller."""
    q = query_args()
    bookmark = q.get("bookmark") or ""
    if bookmark and not (
        bookmark.startswith(_SEARCH_BOOKMARK) and bookmark[len(_SEARCH_BOOKMARK) :].isdigit()
    ):
        raise bad_request("bookmark does not belong to a search")
    offset = int(bookmark[len(_SEARCH_BOOKMARK) :]) if bookmark else 0
    page_size = q.get("page_size") or DEFAULT_PAGE_SIZE
    index = services().index
    index.ensure_ready()
    hits = index.search(text)
    items: list[dict[str, Any]] = []
    position = offset
    while position < len(hits) and len(items) < page_size:
        catalog_id = hits[position]
        position += 1
        try:
            catalog = query("GetCatalog", {"id": catalog_id})
        except ChaincodeError as exc:
            # gone since indexed, or not for this caller
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
                continue
            raise
        index.offer(catalog)  # the ledger's answer, unless the index holds a later version
        if _matches(catalog, filters):
            items.append(catalog)
    next_bookmark = f"{_SEARCH_BOOKMARK}{position}" if position < len(hits) else ""
    return jsonify({"data": add_blocks(items), "bookmark": next_bookmark, "count": len(items)})


serve(
    bp,
    "/catalogs",
    "POST",
    "create_catalog",
    Submit("CreateCatalog"),
    summary="Create a catalog (draft)",
    status=201,
)
serve(
    bp,
    "/catalogs/batch",
    "POST",
    "create_catalogs",
    Submit("CreateCatalogs"),
    summary="Create up to 100 catalogs in one transaction",
    status=201,
)
serve(bp, "/catalogs/<id>", "GET", "get_catalog", Read("GetCatalog"), summary="Get a catalog")
serve(
    bp,
    "/catalogs/<id>",
    "PATCH",
    "update_catalog",
    Submit("UpdateCatalog"),
    summary="Update a catalog (version + 1)",
)
serve(
    bp,
    "/catalogs/<id>/publish",
    "POST",
    "publish_catalog",
    Submit("PublishCatalog"),
    summary="Publish a catalog",
)
serve(
    bp,
    "/catalogs/<id>/deprecate",
    "POST",
    "deprecate_catalog",
    Submit("DeprecateCatalog"),
    summary="Deprecate a catalog",
)
serve(
    bp,
    "/catalogs/<id>/history",
    "GET",
    "catalog_history",
    history_of("catalog"),
    summary="A catalog's versions, newest first",
)
