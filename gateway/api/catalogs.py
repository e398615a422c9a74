"""Data catalogs: the directory's published data sets, and full-text search over them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from gateway.api.actions import (
    add_blocks,
    block_of,
    json_body,
    page_arg,
    query,
    read,
    read_page,
    submit,
    with_path,
)
from gateway.api.errors import bad_request
from gateway.api.ledger import ChaincodeError
from gateway.api.routes import PAGE, Body, Param, query_args, route
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
            if exc.code in ("NOT_FOUND", "FORBIDDEN"):  # gone since indexed, or not for this caller
                continue
            raise
        index.upsert(catalog)  # the ledger's answer is fresher than the index
        if _matches(catalog, filters):
            items.append(catalog)
    next_bookmark = f"{_SEARCH_BOOKMARK}{position}" if position < len(hits) else ""
    return jsonify({"data": add_blocks(items), "bookmark": next_bookmark, "count": len(items)})


@route(
    bp,
    "/catalogs",
    "POST",
    summary="Create a catalog (draft)",
    chaincode="CreateCatalog",
    body=Body("CreateCatalog"),
    status=201,
)
def create_catalog() -> ResponseReturnValue:
    return submit("CreateCatalog", json_body())


@route(
    bp,
    "/catalogs/batch",
    "POST",
    summary="Create up to 100 catalogs in one transaction",
    chaincode="CreateCatalogs",
    body=Body("CreateCatalogs"),
    status=201,
)
def create_catalogs() -> ResponseReturnValue:
    return submit("CreateCatalogs", json_body())


@route(bp, "/catalogs/<id>", "GET", summary="Get a catalog", chaincode="GetCatalog")
def get_catalog(id: str) -> ResponseReturnValue:
    return read("GetCatalog", {"id": id})


@route(
    bp,
    "/catalogs/<id>",
    "PATCH",
    summary="Update a catalog (version + 1)",
    chaincode="UpdateCatalog",
    body=Body("UpdateCatalog", ("id",)),
)
def update_catalog(id: str) -> ResponseReturnValue:
    return submit("UpdateCatalog", with_path(json_body(), id=id), status=200)


@route(
    bp,
    "/catalogs/<id>/publish",
    "POST",
    summary="Publish a catalog",
    chaincode="PublishCatalog",
    body=Body("PublishCatalog", ("id",)),
)
def publish_catalog(id: str) -> ResponseReturnValue:
    return submit("PublishCatalog", with_path(json_body(required=False), id=id), status=200)


@route(
    bp,
    "/catalogs/<id>/deprecate",
    "POST",
    summary="Deprecate a catalog",
    chaincode="DeprecateCatalog",
    body=Body("DeprecateCatalog", ("id",)),
)
def deprecate_catalog(id: str) -> ResponseReturnValue:
    return submit("DeprecateCatalog", with_path(json_body(required=False), id=id), status=200)


def read_history(entity: str, entity_id: str) -> ResponseReturnValue:
    """Every committed version of an entity, newest first (``GetHistory``), for each kind's
    ``/<kind>/<id>/history`` route: ``{"data": [{tx_id, timestamp, value, is_delete, block}]}``,
    ``value.ledger.block`` added too. (Shared by the blueprints; it would sit in actions.py.)"""
    entries = query("GetHistory", {"entity": entity, "id": entity_id}) or []
    for entry in entries:
        entry["block"] = block_of(entry["tx_id"]) if isinstance(entry.get("tx_id"), str) else None
    return jsonify({"data": add_blocks(entries)})


@route(
    bp, "/catalogs/<id>/history", "GET", summary="A catalog's versions, newest first", chaincode="GetHistory"
)
def catalog_history(id: str) -> ResponseReturnValue:
    return read_history("catalog", id)
