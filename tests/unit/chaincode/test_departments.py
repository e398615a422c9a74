"""Rule 1 and the department tree: only bureau admins keep the register; levels nest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from .helpers import (
    BUREAU,
    BUREAU_ADMIN,
    BUREAU_CLIENT,
    CIVIL,
    CIVIL_ADMIN,
    HEALTH,
    Directory,
    department,
    key,
)


def test_register_stores_department_with_ledger_time_and_event(directory: Directory) -> None:
    at = datetime(2026, 12, 1, 9, 30, 0, 123456, tzinfo=UTC)
    dept = directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("health", HEALTH), at=at)
    assert dept["status"] == "active" and dept["version"] == 1 and dept["suspension"] is None
    assert dept["created_at"] == dept["updated_at"] == "2026-12-01T09:30:00.123456Z"
    assert dept["ledger"] == {"tx_id": directory.last.tx_id, "timestamp": "2026-12-01T09:30:00.123456Z"}
    assert directory.state("department", "health") == dept
    assert directory.event is not None
    assert (directory.event.name, directory.event.payload) == (
        "DepartmentRegistered",
        {"entity": "department", "id": "health", "version": 1},
    )
    assert sorted(directory.last.writes) == sorted(
        [
            key("department", "health"),
            key("dept~parent", "", "active", "health"),
            key("dept~msp", HEALTH, "active", "health"),
            key("dept~status", "active", "health"),
        ]
    )
    assert directory.last.writes[key("dept~status", "active", "health")] == b"\x00"


def test_caller_cannot_set_ledger_fields(directory: Directory) -> None:
    error = directory.fail(
        BUREAU_ADMIN,
        "RegisterDepartment",
        department("health", HEALTH, created_at="1999-01-01"),
        "INVALID_ARGUMENT",
    )
    assert error["details"]["field"] == "department.created_at"


@pytest.mark.parametrize("who", [BUREAU_CLIENT, CIVIL_ADMIN])
def test_only_bureau_admins_register(directory: Directory, who: bytes) -> None:
    error = directory.fail(who, "RegisterDepartment", department("health", HEALTH), "FORBIDDEN")
    assert "only admins of DataBureauMSP may register departments" in error["message"]
    assert error["details"] == {"required_msp": "DataBureauMSP", "required_role": "admin"}


def test_duplicate_id_conflicts(directory: Directory) -> None:
    directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("health", HEALTH))
    directory.fail(BUREAU_ADMIN, "RegisterDepartment", department("health", CIVIL), "CONFLICT")


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"id": "Health"}, "department.id", "does not match"),
        ({"id": "h"}, "department.id", "does not match"),
        ({"level": "provincial"}, "department.level", "is not one of"),
        ({"msp_id": ""}, "department.msp_id", "does not match"),
        ({"name": {"zh": "卫健委"}}, "department.name.en", "required"),
        ({"name": {"zh": "x" * 257, "en": "Health"}}, "department.name.zh", "too long"),
        (
            {"contact": {"name": "n", "email": "not-an-email", "phone": "123"}},
            "department.contact.email",
            "match",
        ),
        ({"nickname": "hw"}, "department.nickname", "unknown field"),
    ],
)
def test_schema_violations_name_the_field(
    directory: Directory, change: dict[str, Any], field: str, fragment: str
) -> None:
    error = directory.fail(
        BUREAU_ADMIN, "RegisterDepartment", {**department("health", HEALTH), **change}, "INVALID_ARGUMENT"
    )
    assert error["details"]["field"] == field == error["details"]["errors"][0]["path"]
    assert error["message"].startswith(f"{field}: ") and fragment in error["message"]


def test_parent_must_exist_and_sit_higher(directory: Directory) -> None:
    directory.fail(
        BUREAU_ADMIN, "RegisterDepartment", department("haidian", CIVIL, "district", "ghost"), "NOT_FOUND"
    )
    directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("civil-affairs", CIVIL))
    error = directory.fail(
        BUREAU_ADMIN,
        "RegisterDepartment",
        department("other", CIVIL, "municipal", "civil-affairs"),
        "INVALID_ARGUMENT",
    )
    assert error["details"] == {"field": "department.parent_id"}
    directory.ok(
        BUREAU_ADMIN, "RegisterDepartment", department("haidian", CIVIL, "district", "civil-affairs")
    )
    directory.fail(
        BUREAU_ADMIN,
        "RegisterDepartment",
        department("haidian-2", CIVIL, "district", "haidian"),
        "INVALID_ARGUMENT",
    )
    street = directory.ok(
        BUREAU_ADMIN, "RegisterDepartment", department("street", CIVIL, "subdistrict", "haidian")
    )
    assert street["parent_id"] == "haidian"


def _tree(directory: Directory) -> None:
    directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("civil-affairs", CIVIL))
    directory.ok(
        BUREAU_ADMIN, "RegisterDepartment", department("haidian", CIVIL, "district", "civil-affairs")
    )
    directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("street", CIVIL, "subdistrict", "haidian"))


def test_update_keeps_the_tree_consistent(directory: Directory) -> None:
    _tree(directory)
    # Self-parenting and cycles are refused (levels alone would already forbid a cycle).
    error = directory.fail(
        BUREAU_ADMIN, "UpdateDepartment", {"id": "haidian", "parent_id": "haidian"}, "INVALID_ARGUMENT"
    )
    assert "own parent" in error["message"]
    directory.fail(
        BUREAU_ADMIN, "UpdateDepartment", {"id": "civil-affairs", "parent_id": "street"}, "INVALID_ARGUMENT"
    )
    # A parent must stay above its children.
    error = directory.fail(
        BUREAU_ADMIN, "UpdateDepartment", {"id": "haidian", "level": "subdistrict"}, "FAILED_PRECONDITION"
    )
    assert "child street" in error["message"]
    # Moving the street office straight under the municipal bureau is fine.
    moved = directory.ok(BUREAU_ADMIN, "UpdateDepartment", {"id": "street", "parent_id": "civil-affairs"})
    assert moved["parent_id"] == "civil-affairs" and moved["version"] == 2
    assert key("dept~parent", "haidian", "active", "street") in directory.last.writes  # deleted
    assert directory.last.writes[key("dept~parent", "haidian", "active", "street")] is None
    assert directory.last.writes[key("dept~parent", "civil-affairs", "active", "street")] == b"\x00"


def test_update_changes_fields_and_keeps_creation_time(directory: Directory) -> None:
    created = directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("health", HEALTH))
    updated = directory.ok(
        BUREAU_ADMIN, "UpdateDepartment", {"id": "health", "name": {"zh": "卫健委", "en": "Health"}}
    )
    assert updated["name"] == {"zh": "卫健委", "en": "Health"}
    assert updated["created_at"] == created["created_at"] and updated["updated_at"] > created["updated_at"]
    assert updated["version"] == 2 and directory.event is not None
    assert directory.event.payload == {"entity": "department", "id": "health", "version": 2}
    # Only the record changed; its index entries stay.
    assert list(directory.last.writes) == [key("department", "health")]
    directory.fail(BUREAU_ADMIN, "UpdateDepartment", {"id": "health"}, "INVALID_ARGUMENT")
    directory.fail(BUREAU_ADMIN, "UpdateDepartment", {"id": "ghost", "level": "district"}, "NOT_FOUND")
    directory.fail(BUREAU_CLIENT, "UpdateDepartment", {"id": "health", "level": "district"}, "FORBIDDEN")


def test_msp_change_moves_the_msp_index(directory: Directory) -> None:
    directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("transport", BUREAU))
    directory.ok(BUREAU_ADMIN, "UpdateDepartment", {"id": "transport", "msp_id": "TransportMSP"})
    writes = directory.last.writes
    assert writes[key("dept~msp", BUREAU, "active", "transport")] is None
    assert writes[key("dept~msp", "TransportMSP", "active", "transport")] == b"\x00"
    listed = directory.read("ListDepartments", {"msp_id": "TransportMSP"})
    assert [d["id"] for d in listed["items"]] == ["transport"]
    assert directory.read("ListDepartments", {"msp_id": BUREAU})["items"] == []


def test_suspend_and_reactivate(directory: Directory) -> None:
    directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("health", HEALTH))
    directory.fail(BUREAU_ADMIN, "SuspendDepartment", {"id": "health", "reason": "  "}, "INVALID_ARGUMENT")
    directory.fail(BUREAU_ADMIN, "ReactivateDepartment", {"id": "health"}, "FAILED_PRECONDITION")
    suspended = directory.ok(
        BUREAU_ADMIN, "SuspendDepartment", {"id": "health", "reason": "data breach review"}
    )
    assert suspended["status"] == "suspended"
    assert suspended["suspension"]["reason"] == "data breach review"
    assert suspended["suspension"]["at"] == suspended["updated_at"]
    assert directory.event is not None and directory.event.name == "DepartmentSuspended"
    # Every index carrying the status moved.
    writes = directory.last.writes
    for old, new in (
        (("dept~status", "active", "health"), ("dept~status", "suspended", "health")),
        (("dept~msp", HEALTH, "active", "health"), ("dept~msp", HEALTH, "suspended", "health")),
        (("dept~parent", "", "active", "health"), ("dept~parent", "", "suspended", "health")),
    ):
        assert writes[key(*old)] is None and writes[key(*new)] == b"\x00"
    directory.fail(
        BUREAU_ADMIN, "SuspendDepartment", {"id": "health", "reason": "again"}, "FAILED_PRECONDITION"
    )
    directory.fail(CIVIL_ADMIN, "ReactivateDepartment", {"id": "health"}, "FORBIDDEN")
    active = directory.ok(BUREAU_ADMIN, "ReactivateDepartment", {"id": "health"})
    assert active["status"] == "active" and active["suspension"] is None and active["version"] == 3
    assert directory.event is not None and directory.event.name == "DepartmentReactivated"


def test_list_departments_filters(directory: Directory) -> None:
    _tree(directory)
    directory.ok(BUREAU_ADMIN, "RegisterDepartment", department("health", HEALTH))
    directory.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "health", "reason": "review"})

    def ids(query: dict[str, Any]) -> list[str]:
        return [d["id"] for d in directory.read("ListDepartments", query)["items"]]

    assert ids({}) == ["civil-affairs", "haidian", "health", "street"]
    assert ids({"parent_id": None}) == ["civil-affairs", "health"]
    assert ids({"parent_id": None, "status": "active"}) == ["civil-affairs"]
    assert ids({"parent_id": "civil-affairs"}) == ["haidian"]
    assert ids({"msp_id": CIVIL}) == ["civil-affairs", "haidian", "street"]
    assert ids({"status": "suspended"}) == ["health"]
    assert ids({"parent_id": None, "msp_id": HEALTH}) == ["health"]
    assert directory.read("GetDepartment", {"id": "haidian"})["level"] == "district"
