"""Departments and their responsibilities: every route is one chaincode call (generic views)."""

from __future__ import annotations

from flask import Blueprint

from gateway.api.routes import PAGE, Page, Param, Read, Submit, history_of, serve

bp = Blueprint("departments", __name__)

serve(
    bp,
    "/departments",
    "GET",
    "list_departments",
    Page("ListDepartments", query={"parent": "parent_id"}),
    summary="List departments",
    query=(Param("parent", description="parent department id"), Param("msp_id"), Param("status"), *PAGE),
)
serve(
    bp,
    "/departments",
    "POST",
    "register_department",
    Submit("RegisterDepartment"),
    summary="Register a department",
    status=201,
)
serve(bp, "/departments/<id>", "GET", "get_department", Read("GetDepartment"), summary="Get a department")
serve(
    bp,
    "/departments/<id>/history",
    "GET",
    "department_history",
    history_of("department"),
    summary="A department's versions, newest first",
)
serve(
    bp,
    "/departments/<id>",
    "PATCH",
    "update_department",
    Submit("UpdateDepartment"),
    summary="Update a department",
)
serve(
    bp,
    "/departments/<id>/suspend",
    "POST",
    "suspend_department",
    Submit("SuspendDepartment"),
    summary="Suspend a department",
)
serve(
    bp,
    "/departments/<id>/reactivate",
    "POST",
    "reactivate_department",
    Submit("ReactivateDepartment"),
    summary="Reactivate a department",
)
serve(
    bp,
    "/departments/<id>/responsibilities",
    "GET",
    "list_responsibilities",
    Page("ListResponsibilities", path={"id": "department_id"}),
    summary="List a department's responsibilities",
    query=PAGE,
)
serve(
    bp,
    "/departments/<id>/responsibilities",
    "POST",
    "create_responsibility",
    Submit("CreateResponsibility", path={"id": "department_id"}),
    summary="Create a responsibility of a department",
    status=201,
)
serve(
    bp,
    "/responsibilities/<id>",
    "GET",
    "get_responsibility",
    Read("GetResponsibility"),
    summary="Get a responsibility",
)
serve(
    bp,
    "/responsibilities/<id>/history",
    "GET",
    "responsibility_history",
    history_of("responsibility"),
    summary="A responsibility's versions, newest first",
)
serve(
    bp,
    "/responsibilities/<id>",
    "PATCH",
    "update_responsibility",
    Submit("UpdateResponsibility"),
    summary="Update a responsibility",
)
