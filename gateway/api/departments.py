"""Departments and their responsibilities."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from gateway.api.actions import json_body, page_arg, read, read_page, submit, with_path
from gateway.api.catalogs import read_history
from gateway.api.routes import PAGE, Body, Param, query_args, route

bp = Blueprint("departments", __name__)


@route(
    bp,
    "/departments",
    "GET",
    summary="List departments",
    chaincode="ListDepartments",
    query=(Param("parent", description="parent department id"), Param("msp_id"), Param("status"), *PAGE),
)
def list_departments() -> ResponseReturnValue:
    q = query_args()
    return read_page(
        "ListDepartments", page_arg(parent_id=q.get("parent"), msp_id=q.get("msp_id"), status=q.get("status"))
    )


@route(
    bp,
    "/departments",
    "POST",
    summary="Register a department",
    chaincode="RegisterDepartment",
    body=Body("RegisterDepartment"),
    status=201,
)
def register_department() -> ResponseReturnValue:
    return submit("RegisterDepartment", json_body())


@route(bp, "/departments/<id>", "GET", summary="Get a department", chaincode="GetDepartment")
def get_department(id: str) -> ResponseReturnValue:
    return read("GetDepartment", {"id": id})


@route(
    bp,
    "/departments/<id>/history",
    "GET",
    summary="A department's versions, newest first",
    chaincode="GetHistory",
)
def department_history(id: str) -> ResponseReturnValue:
    return read_history("department", id)


@route(
    bp,
    "/departments/<id>",
    "PATCH",
    summary="Update a department",
    chaincode="UpdateDepartment",
    body=Body("UpdateDepartment", ("id",)),
)
def update_department(id: str) -> ResponseReturnValue:
    return submit("UpdateDepartment", with_path(json_body(), id=id), status=200)


@route(
    bp,
    "/departments/<id>/suspend",
    "POST",
    summary="Suspend a department",
    chaincode="SuspendDepartment",
    body=Body("SuspendDepartment", ("id",)),
)
def suspend_department(id: str) -> ResponseReturnValue:
    return submit("SuspendDepartment", with_path(json_body(), id=id), status=200)


@route(
    bp,
    "/departments/<id>/reactivate",
    "POST",
    summary="Reactivate a department",
    chaincode="ReactivateDepartment",
    body=Body("ReactivateDepartment", ("id",)),
)
def reactivate_department(id: str) -> ResponseReturnValue:
    return submit("ReactivateDepartment", with_path(json_body(required=False), id=id), status=200)


@route(
    bp,
    "/departments/<id>/responsibilities",
    "GET",
    summary="List a department's responsibilities",
    chaincode="ListResponsibilities",
    query=PAGE,
)
def list_responsibilities(id: str) -> ResponseReturnValue:
    return read_page("ListResponsibilities", page_arg(department_id=id))


@route(
    bp,
    "/departments/<id>/responsibilities",
    "POST",
    summary="Create a responsibility of a department",
    chaincode="CreateResponsibility",
    body=Body("CreateResponsibility", ("department_id",)),
    status=201,
)
def create_responsibility(id: str) -> ResponseReturnValue:
    return submit("CreateResponsibility", with_path(json_body(), department_id=id))


@route(bp, "/responsibilities/<id>", "GET", summary="Get a responsibility", chaincode="GetResponsibility")
def get_responsibility(id: str) -> ResponseReturnValue:
    return read("GetResponsibility", {"id": id})


@route(
    bp,
    "/responsibilities/<id>/history",
    "GET",
    summary="A responsibility's versions, newest first",
    chaincode="GetHistory",
)
def responsibility_history(id: str) -> ResponseReturnValue:
    return read_history("responsibility", id)


@route(
    bp,
    "/responsibilities/<id>",
    "PATCH",
    summary="Update a responsibility",
    chaincode="UpdateResponsibility",
    body=Body("UpdateResponsibility", ("id",)),
)
def update_responsibility(id: str) -> ResponseReturnValue:
    return submit("UpdateResponsibility", with_path(json_body(), id=id), status=200)
