"""Rule 2 for responsibilities: only admins of the department's MSP; suspended ones are frozen."""

from __future__ import annotations

from .helpers import (
    BUREAU_ADMIN,
    CIVIL_ADMIN,
    CIVIL_CLIENT,
    HEALTH_ADMIN,
    Directory,
    key,
    responsibility,
)


def test_admins_of_the_department_msp_create(city: Directory) -> None:
    created = city.ok(CIVIL_ADMIN, "CreateResponsibility", responsibility("ca-marriage", "civil-affairs"))
    assert created["status"] == "active" and created["description"] == "" and created["version"] == 1
    assert city.event is not None and city.event.name == "ResponsibilityCreated"
    assert key("resp~dept", "civil-affairs", "ca-marriage") in city.last.writes
    # Hosted departments are run by the admins of their host MSP.
    city.ok(BUREAU_ADMIN, "CreateResponsibility", responsibility("tr-taxi", "transport"))


def test_others_may_not(city: Directory) -> None:
    error = city.fail(
        HEALTH_ADMIN, "CreateResponsibility", responsibility("x-duty", "civil-affairs"), "FORBIDDEN"
    )
    assert "only admins of CivilAffairsMSP" in error["message"] and "HealthMSP" in error["message"]
    city.fail(CIVIL_CLIENT, "CreateResponsibility", responsibility("x-duty", "civil-affairs"), "FORBIDDEN")
    city.fail(CIVIL_ADMIN, "CreateResponsibility", responsibility("x-duty", "ghost"), "NOT_FOUND")
    city.fail(CIVIL_ADMIN, "CreateResponsibility", responsibility("ca-assist", "civil-affairs"), "CONFLICT")
    city.fail(
        CIVIL_ADMIN,
        "CreateResponsibility",
        responsibility("x-duty", "civil-affairs", legal_basis=""),
        "INVALID_ARGUMENT",
    )


def test_suspended_department_cannot_change_its_responsibilities(city: Directory) -> None:
    city.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "civil-affairs", "reason": "review"})
    error = city.fail(
        CIVIL_ADMIN, "CreateResponsibility", responsibility("x-duty", "civil-affairs"), "FAILED_PRECONDITION"
    )
    assert "suspended" in error["message"]
    city.fail(CIVIL_ADMIN, "UpdateResponsibility", {"id": "ca-assist", "code": "MZ-9"}, "FAILED_PRECONDITION")
    assert city.read("GetResponsibility", {"id": "ca-assist"})["code"] == "CA-ASSIST"


def test_update_and_retire(city: Directory) -> None:
    updated = city.ok(CIVIL_ADMIN, "UpdateResponsibility", {"id": "ca-assist", "description": "最低生活保障"})
    assert updated["description"] == "最低生活保障" and updated["version"] == 2
    retired = city.ok(CIVIL_ADMIN, "UpdateResponsibility", {"id": "ca-assist", "status": "retired"})
    assert retired["status"] == "retired" and city.event is not None
    assert city.event.payload == {"entity": "responsibility", "id": "ca-assist", "version": 3}
    city.fail(HEALTH_ADMIN, "UpdateResponsibility", {"id": "ca-assist", "status": "active"}, "FORBIDDEN")
    city.fail(
        CIVIL_ADMIN,
        "UpdateResponsibility",
        {"id": "ca-assist", "department_id": "health"},
        "INVALID_ARGUMENT",
    )


def test_list_by_department(city: Directory) -> None:
    city.ok(CIVIL_ADMIN, "CreateResponsibility", responsibility("ca-marriage", "civil-affairs"))
    page = city.read("ListResponsibilities", {"department_id": "civil-affairs"})
    assert [r["id"] for r in page["items"]] == ["ca-assist", "ca-marriage"] and page["bookmark"] == ""
    assert city.read("ListResponsibilities", {"department_id": "haidian"})["items"] == []
    city.fail(CIVIL_ADMIN, "ListResponsibilities", {"department_id": "ghost"}, "NOT_FOUND")
    city.fail(CIVIL_ADMIN, "ListResponsibilities", {}, "INVALID_ARGUMENT")
