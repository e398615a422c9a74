"""A suspended owner: its grants stay in force, and its admins may still revoke them."""

from __future__ import annotations

import pytest

from .helpers import (
    BUREAU_ADMIN,
    CIVIL_ADMIN,
    CIVIL_CLIENT,
    HEALTH_ADMIN,
    HEALTH_CLIENT,
    Directory,
    access,
    key,
)


@pytest.fixture
def suspended_owner(city: Directory) -> Directory:
    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", id="req-s"))
    city.ok(CIVIL_ADMIN, "ApproveRequest", {"id": "req-s", "reason": "ok"})
    city.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "civil-affairs", "reason": "audit"})
    return city


def check(city: Directory) -> tuple[bool, str, str | None]:
    verdict = city.read("CheckAccess", {"department_id": "health", "catalog_id": "dibao", "item": "amount"})
    return verdict["allowed"], verdict["reason"], verdict["grant_id"]


def test_grants_of_a_suspended_owner_stay_in_force(suspended_owner: Directory) -> None:
    city = suspended_owner
    assert check(city) == (True, "grant", "grant-req-s")
    usage = {
        "grant_id": "grant-req-s",
        "department_id": "health",
        "items": ["amount"],
        "purpose_ref": "p",
        "record_count": 1,
    }
    city.ok(HEALTH_CLIENT, "RecordUsage", usage)


def test_a_suspended_owners_admins_may_revoke(suspended_owner: Directory) -> None:
    city = suspended_owner
    revoked = city.ok(CIVIL_ADMIN, "RevokeGrant", {"id": "grant-req-s", "reason": "suspended: stop sharing"})
    assert revoked["status"] == "revoked" and revoked["revoked"]["by"]["subject"] == "carol"
    assert city.last.writes[key("grant~grantee", "health", "revoked", "grant-req-s")] == b"\x00"
    assert check(city) == (False, "revoked", "grant-req-s")


def test_only_its_admins_and_only_revocation(suspended_owner: Directory) -> None:
    city = suspended_owner
    city.fail(CIVIL_CLIENT, "RevokeGrant", {"id": "grant-req-s", "reason": "x"}, "FORBIDDEN")
    city.fail(HEALTH_ADMIN, "RevokeGrant", {"id": "grant-req-s", "reason": "x"}, "FORBIDDEN")
    # Widening stays closed while suspended.
    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", id="req-t"))
    city.fail(CIVIL_ADMIN, "ApproveRequest", {"id": "req-t", "reason": "ok"}, "FAILED_PRECONDITION")
