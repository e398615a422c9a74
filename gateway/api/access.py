"""Access requests, grants, access checks and usage records.

The three listings are hand-written (they default to the caller's department, or choose between
two filters); every other route is one chaincode call (generic views)."""

from __future__ import annotations

from flask import Blueprint, g
from flask.typing import ResponseReturnValue

from gateway.api.actions import page_arg, query, read_page
from gateway.api.errors import bad_request
from gateway.api.routes import PAGE, Param, Read, Submit, history_of, query_args, route, serve

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


serve(
    bp,
    "/access-requests",
    "POST",
    "request_access",
    Submit("RequestAccess"),
    summary="Request access to a catalog's items",
    status=201,
)
serve(
    bp,
    "/access-requests/<id>",
    "GET",
    "get_access_request",
    Read("GetAccessRequest"),
    summary="Get an access request",
)
serve(
    bp,
    "/access-requests/<id>/history",
    "GET",
    "access_request_history",
    history_of("request"),
    summary="An access request's versions (the request alone, not its grant), newest first",
)
serve(
    bp,
    "/access-requests/<id>/approve",
    "POST",
    "approve_request",
    Submit("ApproveRequest"),
    summary="Approve a request (creates its grant)",
)
serve(
    bp,
    "/access-requests/<id>/reject",
    "POST",
    "reject_request",
    Submit("RejectRequest"),
    summary="Reject a request",
)
serve(
    bp,
    "/access-requests/<id>/withdraw",
    "POST",
    "withdraw_request",
    Submit("WithdrawRequest"),
    summary="Withdraw one's own request",
)


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


serve(bp, "/grants/<id>", "GET", "get_grant", Read("GetGrant"), summary="Get a grant")
serve(
    bp,
    "/grants/<id>/history",
    "GET",
    "grant_history",
    history_of("grant"),
    summary="A grant's versions as stored (status as written, not as of now), newest first",
)
serve(
    bp,
    "/grants/<id>/revoke",
    "POST",
    "revoke_grant",
    Submit("RevokeGrant"),
    summary="Revoke a grant",
)
serve(
    bp,
    "/access-check",
    "GET",
    "check_access",
    Read("CheckAccess", query={"department": "department_id", "catalog": "catalog_id"}),
    summary="May a department use an item of a catalog now?",
    query=(Param("department", required=True), Param("catalog", required=True), Param("item", required=True)),
)


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


serve(
    bp,
    "/usage",
    "POST",
    "record_usage",
    Submit("RecordUsage"),
    summary="Record a use of granted data",
    status=201,
)
serve(bp, "/usage/<id>", "GET", "get_usage", Read("GetUsage"), summary="Get a usage record")
serve(
    bp,
    "/usage/<id>/history",
    "GET",
    "usage_history",
    history_of("usage"),
    summary="A usage record's versions, newest first",
)
