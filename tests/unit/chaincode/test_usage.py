"""Rule 8: usage is recorded only by the grantee, under an active grant covering the items."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chaincode.directory.policy import required_peers

from .helpers import (
    BUREAU_ADMIN,
    CIVIL_ADMIN,
    CIVIL_CLIENT,
    HEALTH_ADMIN,
    HEALTH_CLIENT,
    HEALTH_PEER,
    Directory,
    access,
    item,
    key,
)


@pytest.fixture
def granted(city: Directory) -> Directory:
    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", ["person_name", "amount"], id="req-g"))
    city.ok(CIVIL_ADMIN, "ApproveRequest", {"id": "req-g", "reason": "ok"})
    return city


def usage(**extra: object) -> dict[str, Any]:
    return {
        "grant_id": "grant-req-g",
        "department_id": "health",
        "items": ["person_name"],
        "purpose_ref": "batch 2026-11",
        "record_count": 120,
        **extra,
    }


def test_grantee_records_usage(granted: Directory) -> None:
    record = granted.ok(HEALTH_CLIENT, "RecordUsage", usage())
    assert record["id"] == "use-" + granted.last.tx_id[:20]
    assert record["catalog_id"] == "dibao" and record["record_count"] == 120 and record["version"] == 1
    assert record["at"] == record["ledger"]["timestamp"]
    assert record["recorded_by"] == {"msp_id": "HealthMSP", "role": "client", "subject": "frank"}
    assert granted.event is not None
    assert (granted.event.name, granted.event.payload) == (
        "UsageRecorded",
        {"entity": "usage", "id": record["id"], "version": 1},
    )
    # The grantee's log is endorsed by the grantee's peers.
    assert required_peers(granted.last.validation_writes[key("usage", record["id"])]) == (1, ["HealthMSP"])
    assert granted.read("GetUsage", {"id": record["id"]}) == record
    granted.ok(HEALTH_ADMIN, "RecordUsage", usage(id="use-mine", record_count=0))
    granted.fail(HEALTH_ADMIN, "RecordUsage", usage(id="use-mine"), "CONFLICT")
    listed = granted.read("ListUsage", {"grant_id": "grant-req-g"})
    assert sorted(u["id"] for u in listed["items"]) == sorted([record["id"], "use-mine"])
    assert granted.read("ListUsage", {"department_id": "health"})["count"] == 2
    assert granted.read("ListUsage", {"department_id": "civil-affairs"})["count"] == 0


def test_only_the_grantee_msp_records(granted: Directory) -> None:
    error = granted.fail(CIVIL_CLIENT, "RecordUsage", usage(), "FORBIDDEN")
    assert "HealthMSP" in error["message"]
    granted.fail(HEALTH_PEER, "RecordUsage", usage(), "FORBIDDEN")
    error = granted.fail(
        CIVIL_CLIENT, "RecordUsage", usage(department_id="civil-affairs"), "INVALID_ARGUMENT"
    )
    assert error["details"] == {"field": "usage.department_id"}


def test_items_must_be_granted_and_exist(granted: Directory) -> None:
    error = granted.fail(
        HEALTH_CLIENT, "RecordUsage", usage(items=["person_name", "id_card_no"]), "FORBIDDEN"
    )
    assert "does not cover item 'id_card_no'" in error["message"]
    error = granted.fail(HEALTH_CLIENT, "RecordUsage", usage(items=["shoe_size"]), "INVALID_ARGUMENT")
    assert error["details"] == {"field": "usage.items[0]"}
    granted.fail(HEALTH_CLIENT, "RecordUsage", usage(items=[]), "INVALID_ARGUMENT")
    granted.ok(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "items": [item("person_name")]})
    granted.fail(HEALTH_CLIENT, "RecordUsage", usage(items=["amount"]), "INVALID_ARGUMENT")


@pytest.mark.parametrize("count", [-1, 1.5, "10", True, None])
def test_record_count_is_a_non_negative_integer(granted: Directory, count: object) -> None:
    error = granted.fail(HEALTH_CLIENT, "RecordUsage", usage(record_count=count), "INVALID_ARGUMENT")
    assert error["details"]["field"] == "usage.record_count"


def test_no_usage_without_an_active_grant(granted: Directory) -> None:
    error = granted.fail(
        HEALTH_CLIENT, "RecordUsage", usage(), "FAILED_PRECONDITION", at=datetime(2028, 1, 2, tzinfo=UTC)
    )
    assert "expired" in error["message"]
    granted.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "health", "reason": "review"})
    granted.fail(HEALTH_CLIENT, "RecordUsage", usage(), "FAILED_PRECONDITION")
    granted.ok(BUREAU_ADMIN, "ReactivateDepartment", {"id": "health"})
    granted.ok(CIVIL_ADMIN, "RevokeGrant", {"id": "grant-req-g", "reason": "done"})
    error = granted.fail(HEALTH_CLIENT, "RecordUsage", usage(), "FAILED_PRECONDITION")
    assert "revoked" in error["message"]
    granted.fail(HEALTH_CLIENT, "RecordUsage", usage(grant_id="grant-ghost"), "NOT_FOUND")
    granted.fail(HEALTH_CLIENT, "ListUsage", {}, "INVALID_ARGUMENT")
