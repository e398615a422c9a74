"""Access requests, grants, access checks and usage records."""

from __future__ import annotations

from flask import Blueprint, g, jsonify
from flask.typing import ResponseReturnValue

from gateway.api.actions import json_body, page_arg, query, read, read_page, submit, with_path
from gateway.api.catalogs import read_history
from gateway.api.errors import bad_request
from gateway.api.routes import PAGE, Body, Param, query_args, route

bp = Blueprint("access", __name__)

DEPARTMENT = Param(
    "department",
    description="the department acting; defaults to the caller's MSP's department when it has exactly one",
)


def acting_department(given: str | None) -> str:
    """The department a listing is about: the one given, else the caller MSP's only department.

    An MSP with no or several departments must say which: the gateway does not guess.
    """
    if given:
        return given
    msp_id = g.identity.msp_id
    page = query("ListDepartments", {"msp_id": msp_id, "page_size": 200}) or {}
    ids = [str(d.get("id")) for d in page.get("items", [])]
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise bad_request(f"department is required: no department is registered for {msp_id}", msp_id=msp_id)
    raise bad_request(f"department is required: {msp_id} has several departments", departments=ids)


def one_of(**given: str | None) -> dict[str, str]:
    chosen = {k: v for k, v in given.items() if v}
    if len(chosen) > 1:
        raise bad_request(f"give only one of {', '.join(given)}", given=sorted(chosen))
    return chosen


# --- access requests ---------------------------------------------------------------------------


@route(
    bp,
    "/access-requests",
    "GET",
    summary="List access requests made by (outgoing) or to (incoming) a department",
    chaincode="ListAccessRequests",
    query=(
        Param(
            "role",
            description="outgoing (default): requests the department made; incoming: requests "
            "for its catalogs",
            enum=("incoming", "outgoing"),
        ),
        DEPARTMENT,
        Param("status"),
        *PAGE,
    ),
)
def list_access_requests() -> ResponseReturnValue:
    q = query_args()
    department = acting_department(q.get("department"))
    side = "owner_id" if q.get("role") == "incoming" else "requester_id"
    return read_page("ListAccessRequests", page_arg(**{side: department}, status=q.get("status")))


@route(
    bp,
    "/access-requests",
    "POST",
    summary="Request access to a catalog's items",
    chaincode="RequestAccess",
    body=Body("RequestAccess"),
    status=201,
)
def request_access() -> ResponseReturnValue:
    return submit("RequestAccess", json_body())


@route(bp, "/access-requests/<id>", "GET", summary="Get an access request", chaincode="GetAccessRequest")
def get_access_request(id: str) -> ResponseReturnValue:
    return read("GetAccessRequest", {"id": id})


@route(
    bp,
    "/access-requests/<id>/history",
    "GET",
    summary="An access request's versions (the request alone, not its grant), newest first",
    chaincode="GetHistory",
)
def access_request_history(id: str) -> ResponseReturnValue:
    return read_history("request", id)


@route(
    bp,
    "/access-requests/<id>/approve",
    "POST",
    summary="Approve a request (creates its grant)",
    chaincode="ApproveRequest",
    body=Body("ApproveRequest", ("id",)),
)
def approve_request(id: str) -> ResponseReturnValue:
    return submit("ApproveRequest", with_path(json_body(), id=id), status=200)


@route(
    bp,
    "/access-requests/<id>/reject",
    "POST",
    summary="Reject a request",
    chaincode="RejectRequest",
    body=Body("RejectRequest", ("id",)),
)
def reject_request(id: str) -> ResponseReturnValue:
    return submit("RejectRequest", with_path(json_body(), id=id), status=200)


@route(
    bp,
    "/access-requests/<id>/withdraw",
    "POST",
    summary="Withdraw one's own request",
    chaincode="WithdrawRequest",
    body=Body("WithdrawRequest", ("id",)),
)
def withdraw_request(id: str) -> ResponseReturnValue:
    return submit("WithdrawRequest", with_path(json_body(required=False), id=id), status=200)


# --- grants ------------------------------------------------------------------------------------


@route(
    bp,
    "/grants",
    "GET",
    summary="List grants held by a department or given on a catalog",
    chaincode="ListGrants",
    query=(
        DEPARTMENT,
        Param("catalog", description="instead of department: grants on this catalog"),
        Param("status"),
        *PAGE,
    ),
)
def list_grants() -> ResponseReturnValue:
    q = query_args()
    chosen = one_of(department=q.get("department"), catalog=q.get("catalog"))
    if "catalog" in chosen:
        return read_page("ListGrants", page_arg(catalog_id=chosen["catalog"], status=q.get("status")))
    grantee = acting_department(chosen.get("department"))
    return read_page("ListGrants", page_arg(grantee_id=grantee, status=q.get("status")))


@route(bp, "/grants/<id>", "GET", summary="Get a grant", chaincode="GetGrant")
def get_grant(id: str) -> ResponseReturnValue:
    return read("GetGrant", {"id": id})


@route(
    bp,
    "/grants/<id>/history",
    "GET",
    summary="A grant's versions as stored (status as written, not as of now), newest first",
    chaincode="GetHistory",
)
def grant_history(id: str) -> ResponseReturnValue:
    return read_history("grant", id)


@route(
    bp,
    "/grants/<id>/revoke",
    "POST",
    summary="Revoke a grant",
    chaincode="RevokeGrant",
    body=Body("RevokeGrant", ("id",)),
)
def revoke_grant(id: str) -> ResponseReturnValue:
    return submit("RevokeGrant", with_path(json_body(), id=id), status=200)


@route(
    bp,
    "/access-check",
    "GET",
    summary="May a department use an item of a catalog now?",
    chaincode="CheckAccess",
    query=(Param("department", required=True), Param("catalog", required=True), Param("item", required=True)),
)
def check_access() -> ResponseReturnValue:
    q = query_args()
    arg = {"department_id": q["department"], "catalog_id": q["catalog"], "item": q["item"]}
    return jsonify({"data": query("CheckAccess", arg)})


# --- usage -------------------------------------------------------------------------------------


@route(
    bp,
    "/usage",
    "GET",
    summary="List usage records of a grant or a department",
    chaincode="ListUsage",
    query=(Param("grant", description="instead of department: usage under this grant"), DEPARTMENT, *PAGE),
)
def list_usage() -> ResponseReturnValue:
    q = query_args()
    chosen = one_of(grant=q.get("grant"), department=q.get("department"))
    if "grant" in chosen:
        return read_page("ListUsage", page_arg(grant_id=chosen["grant"]))
    return read_page("ListUsage", page_arg(department_id=acting_department(chosen.get("department"))))


@route(
    bp,
    "/usage",
    "POST",
    summary="Record a use of granted data",
    chaincode="RecordUsage",
    body=Body("RecordUsage"),
    status=201,
)
def record_usage() -> ResponseReturnValue:
    return submit("RecordUsage", json_body())


@route(bp, "/usage/<id>", "GET", summary="Get a usage record", chaincode="GetUsage")
def get_usage(id: str) -> ResponseReturnValue:
    return read("GetUsage", {"id": id})


@route(
    bp,
    "/usage/<id>/history",
    "GET",
    summary="A usage record's versions, newest first",
    chaincode="GetHistory",
)
def usage_history(id: str) -> ResponseReturnValue:
    return read_history("usage", id)
