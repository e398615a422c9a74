"""Rules 5-7: requests, decisions, grants, revocation, expiry and the access check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .helpers import (
    BUREAU_ADMIN,
    BUREAU_CLIENT,
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

LATER = datetime(2028, 6, 1, tzinfo=UTC)  # after the default requested_until (2027-12-31)


def _pending(city: Directory, request_id: str = "req-health-dibao", **extra: object) -> dict[str, Any]:
    result = city.ok(
        HEALTH_CLIENT,
        "RequestAccess",
        access("health", "dibao", ["person_name", "amount"], id=request_id, **extra),
    )
    return dict(result["request"])


# -- filing ---------------------------------------------------------------------------


def test_unconditional_request_is_approved_and_granted_in_one_transaction(city: Directory) -> None:
    result = city.ok(CIVIL_CLIENT, "RequestAccess", access("civil-affairs", "beds", []))
    request, grant = result["request"], result["grant"]
    tx_time = city.last.get_tx_timestamp().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert request["id"] == "req-" + city.last.tx_id[:20]
    assert request["status"] == "approved" and request["grant_id"] == grant["id"] == f"grant-{request['id']}"
    assert request["owner_id"] == "health" and request["created_at"] == tx_time
    assert request["decision"]["by"] == {
        "msp_id": "HealthMSP",
        "role": "policy",
        "subject": "unconditional-share",
    }
    assert request["requested_by"] == {"msp_id": "CivilAffairsMSP", "role": "client", "subject": "dave"}
    assert (
        grant["status"] == "active"
        and grant["grantee_id"] == "civil-affairs"
        and grant["catalog_id"] == "beds"
    )
    assert grant["valid_from"] == tx_time and grant["valid_until"] == "2027-12-31T23:59:59.000000Z"
    assert city.event is not None
    assert (city.event.name, city.event.payload) == (
        "AccessApproved",
        {"entity": "request", "id": request["id"], "version": 1},
    )
    assert city.state("request", request["id"]) == request
    assert city.state("grant", grant["id"]) == grant
    for index_key in (
        key("request~requester", "civil-affairs", "approved", request["id"]),
        key("request~owner", "health", "approved", request["id"]),
        key("grant~grantee", "civil-affairs", "active", grant["id"]),
        key("grant~catalog", "beds", "active", grant["id"]),
        key("grant~pair", "civil-affairs", "beds", grant["id"]),
    ):
        assert city.last.writes[index_key] == b"\x00"


def test_conditional_request_waits(city: Directory) -> None:
    result = city.ok(HEALTH_ADMIN, "RequestAccess", access("health", "dibao", ["person_name"], id="req-1"))
    assert result["grant"] is None
    assert result["request"]["status"] == "pending" and result["request"]["decision"] is None
    assert result["request"]["requested_until"] == "2027-12-31T23:59:59.000000Z"
    assert city.event is not None and city.event.name == "AccessRequested"
    assert city.read("GetAccessRequest", {"id": "req-1"}) == result["request"]
    city.fail(HEALTH_ADMIN, "RequestAccess", access("health", "dibao", [], id="req-1"), "CONFLICT")


def test_what_cannot_be_requested(city: Directory) -> None:
    error = city.fail(HEALTH_CLIENT, "RequestAccess", access("health", "review-log"), "FAILED_PRECONDITION")
    assert "not shared" in error["message"]
    error = city.fail(HEALTH_CLIENT, "RequestAccess", access("health", "plans"), "FAILED_PRECONDITION")
    assert "not published" in error["message"]
    city.ok(CIVIL_ADMIN, "DeprecateCatalog", {"id": "dibao"})
    error = city.fail(HEALTH_CLIENT, "RequestAccess", access("health", "dibao"), "FAILED_PRECONDITION")
    assert "deprecated" in error["message"]
    error = city.fail(HEALTH_CLIENT, "RequestAccess", access("health", "beds"), "INVALID_ARGUMENT")
    assert error["details"] == {"field": "request.requester_id"}
    city.fail(HEALTH_CLIENT, "RequestAccess", access("health", "ghost"), "NOT_FOUND")
    error = city.fail(
        HEALTH_CLIENT,
        "RequestAccess",
        access("civil-affairs", "beds", ["hospital", "beds_total"]),
        "FORBIDDEN",
    )
    error = city.fail(
        CIVIL_CLIENT,
        "RequestAccess",
        access("civil-affairs", "beds", ["hospital", "beds_total"]),
        "INVALID_ARGUMENT",
    )
    assert error["details"] == {"field": "request.items[1]"}
    city.fail(
        CIVIL_CLIENT,
        "RequestAccess",
        access("civil-affairs", "beds", ["hospital", "hospital"]),
        "INVALID_ARGUMENT",
    )


def test_requester_must_act_from_its_own_msp(city: Directory) -> None:
    error = city.fail(HEALTH_CLIENT, "RequestAccess", access("civil-affairs", "beds"), "FORBIDDEN")
    assert "only admins or clients of CivilAffairsMSP may request access" in error["message"]
    city.fail(HEALTH_PEER, "RequestAccess", access("health", "dibao"), "FORBIDDEN")
    # Hosted departments request through their host MSP.
    assert city.ok(BUREAU_CLIENT, "RequestAccess", access("transport", "beds"))["grant"] is not None


def test_suspended_requester_cannot_request(city: Directory) -> None:
    city.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "health", "reason": "review"})
    city.fail(HEALTH_CLIENT, "RequestAccess", access("health", "dibao"), "FAILED_PRECONDITION")


def test_suspended_owner_cannot_share_automatically(city: Directory) -> None:
    city.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "health", "reason": "review"})
    error = city.fail(CIVIL_CLIENT, "RequestAccess", access("civil-affairs", "beds"), "FAILED_PRECONDITION")
    assert "health is suspended" in error["message"]


def test_requested_until_is_future_and_within_three_years(city: Directory) -> None:
    now = city.now + timedelta(seconds=1)
    for until in ("2026-11-21", "2026-11-22T07:00:00Z", "2029-11-23", "2030-01-01T00:00:00+08:00"):
        error = city.fail(
            HEALTH_CLIENT,
            "RequestAccess",
            access("health", "dibao", requested_until=until),
            "INVALID_ARGUMENT",
            at=now,
        )
        assert error["details"] == {"field": "request.requested_until"}
    # The last two overflow datetime once their offset is applied: still a caller error, never INTERNAL.
    for bad in (
        "2027-13-01",
        "2027-02-30",
        "next year",
        "2027-12-31T25:00:00Z",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+01:00",
    ):
        city.fail(
            HEALTH_CLIENT, "RequestAccess", access("health", "dibao", requested_until=bad), "INVALID_ARGUMENT"
        )
    accepted = city.ok(
        HEALTH_CLIENT, "RequestAccess", access("health", "dibao", requested_until="2029-11-22T08:00:00+00:00")
    )
    assert accepted["request"]["requested_until"] == "2029-11-22T08:00:00.000000Z"


# -- decisions -------------------------------------------------------------------------


def test_owner_admin_approves_with_reason(city: Directory) -> None:
    _pending(city)
    city.fail(CIVIL_ADMIN, "ApproveRequest", {"id": "req-health-dibao", "reason": " "}, "INVALID_ARGUMENT")
    city.fail(CIVIL_ADMIN, "ApproveRequest", {"id": "req-health-dibao"}, "INVALID_ARGUMENT")
    city.fail(CIVIL_CLIENT, "ApproveRequest", {"id": "req-health-dibao", "reason": "ok"}, "FORBIDDEN")
    city.fail(HEALTH_ADMIN, "ApproveRequest", {"id": "req-health-dibao", "reason": "ok"}, "FORBIDDEN")
    city.fail(CIVIL_ADMIN, "ApproveRequest", {"id": "ghost", "reason": "ok"}, "NOT_FOUND")
    result = city.ok(CIVIL_ADMIN, "ApproveRequest", {"id": "req-health-dibao", "reason": "needed for checks"})
    request, grant = result["request"], result["grant"]
    assert request["status"] == "approved" and request["version"] == 2
    assert request["decision"] == {
        "by": {"msp_id": "CivilAffairsMSP", "role": "admin", "subject": "carol"},
        "at": grant["valid_from"],
        "reason": "needed for checks",
    }
    assert grant["items"] == ["person_name", "amount"] and grant["request_id"] == "req-health-dibao"
    assert city.event is not None and city.event.payload == {
        "entity": "request",
        "id": "req-health-dibao",
        "version": 2,
    }
    # The owner index moved from pending to approved.
    assert city.last.writes[key("request~owner", "civil-affairs", "pending", "req-health-dibao")] is None
    assert city.last.writes[key("request~owner", "civil-affairs", "approved", "req-health-dibao")] == b"\x00"
    error = city.fail(
        CIVIL_ADMIN, "ApproveRequest", {"id": "req-health-dibao", "reason": "again"}, "FAILED_PRECONDITION"
    )
    assert "approved" in error["message"]
    city.fail(CIVIL_ADMIN, "RejectRequest", {"id": "req-health-dibao", "reason": "no"}, "FAILED_PRECONDITION")


def test_validity_is_the_earliest_of_request_approver_and_three_years(city: Directory) -> None:
    _pending(city, requested_until="2028-06-30")
    city.fail(
        CIVIL_ADMIN,
        "ApproveRequest",
        {"id": "req-health-dibao", "reason": "ok", "valid_until": "2020-01-01"},
        "INVALID_ARGUMENT",
    )
    city.fail(
        CIVIL_ADMIN,
        "ApproveRequest",
        {"id": "req-health-dibao", "reason": "ok", "valid_until": "2031-01-01"},
        "INVALID_ARGUMENT",
    )
    grant = city.ok(
        CIVIL_ADMIN, "ApproveRequest", {"id": "req-health-dibao", "reason": "ok", "valid_until": "2027-06-30"}
    )["grant"]
    assert grant["valid_until"] == "2027-06-30T23:59:59.000000Z"
    _pending(city, "req-2", requested_until="2027-03-31")
    grant = city.ok(
        CIVIL_ADMIN, "ApproveRequest", {"id": "req-2", "reason": "ok", "valid_until": "2028-01-01"}
    )["grant"]
    assert grant["valid_until"] == "2027-03-31T23:59:59.000000Z"
    # A request left pending past its own end can no longer be approved.
    _pending(city, "req-3", requested_until="2026-12-31")
    error = city.fail(
        CIVIL_ADMIN,
        "ApproveRequest",
        {"id": "req-3", "reason": "late"},
        "FAILED_PRECONDITION",
        at=datetime(2027, 1, 5, tzinfo=UTC),
    )
    assert "has passed" in error["message"]


def test_three_year_cap_from_approval(city: Directory) -> None:
    start = datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    result = city.ok(
        CIVIL_CLIENT,
        "RequestAccess",
        access("civil-affairs", "beds", requested_until="2030-02-28T12:00:00Z"),
        at=start,
    )
    assert result["grant"]["valid_until"] == "2030-02-28T12:00:00.000000Z"
    city.fail(
        CIVIL_CLIENT,
        "RequestAccess",
        access("civil-affairs", "beds", requested_until="2030-02-28T12:00:01Z"),
        "INVALID_ARGUMENT",
        at=start,
    )


def test_approval_needs_active_parties_and_a_shareable_catalog(city: Directory) -> None:
    _pending(city, "req-a")
    _pending(city, "req-b")
    _pending(city, "req-c")
    city.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "civil-affairs", "reason": "review"})
    error = city.fail(CIVIL_ADMIN, "ApproveRequest", {"id": "req-a", "reason": "ok"}, "FAILED_PRECONDITION")
    assert "civil-affairs is suspended" in error["message"]
    city.fail(CIVIL_ADMIN, "RejectRequest", {"id": "req-a", "reason": "no"}, "FAILED_PRECONDITION")
    city.ok(BUREAU_ADMIN, "ReactivateDepartment", {"id": "civil-affairs"})
    city.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "health", "reason": "review"})
    error = city.fail(CIVIL_ADMIN, "ApproveRequest", {"id": "req-a", "reason": "ok"}, "FAILED_PRECONDITION")
    assert "health is suspended" in error["message"]
    city.fail(HEALTH_CLIENT, "WithdrawRequest", {"id": "req-a"}, "FAILED_PRECONDITION")
    city.ok(BUREAU_ADMIN, "ReactivateDepartment", {"id": "health"})
    city.ok(
        CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "share_type": "none", "no_share_basis": "《保密法》"}
    )
    city.fail(CIVIL_ADMIN, "ApproveRequest", {"id": "req-b", "reason": "ok"}, "FAILED_PRECONDITION")
    city.ok(
        CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "share_type": "conditional", "no_share_basis": None}
    )
    city.ok(CIVIL_ADMIN, "DeprecateCatalog", {"id": "dibao"})
    city.fail(CIVIL_ADMIN, "ApproveRequest", {"id": "req-c", "reason": "ok"}, "FAILED_PRECONDITION")
    # A deprecated catalog's pending request can still be rejected.
    city.ok(CIVIL_ADMIN, "RejectRequest", {"id": "req-c", "reason": "catalog deprecated"})


def test_reject(city: Directory) -> None:
    _pending(city)
    city.fail(CIVIL_ADMIN, "RejectRequest", {"id": "req-health-dibao", "reason": ""}, "INVALID_ARGUMENT")
    city.fail(HEALTH_CLIENT, "RejectRequest", {"id": "req-health-dibao", "reason": "no"}, "FORBIDDEN")
    rejected = city.ok(
        CIVIL_ADMIN, "RejectRequest", {"id": "req-health-dibao", "reason": "purpose too broad"}
    )
    assert rejected["status"] == "rejected" and rejected["grant_id"] is None
    assert rejected["decision"]["reason"] == "purpose too broad"
    assert city.event is not None and city.event.name == "AccessRejected"
    assert city.ledger.state.get(key("grant", "grant-req-health-dibao")) is None
    city.fail(
        CIVIL_ADMIN,
        "ApproveRequest",
        {"id": "req-health-dibao", "reason": "changed my mind"},
        "FAILED_PRECONDITION",
    )


def test_withdraw_by_the_requesters_members_only(city: Directory) -> None:
    _pending(city)
    city.fail(CIVIL_ADMIN, "WithdrawRequest", {"id": "req-health-dibao"}, "FORBIDDEN")
    city.fail(HEALTH_PEER, "WithdrawRequest", {"id": "req-health-dibao"}, "FORBIDDEN")
    withdrawn = city.ok(HEALTH_CLIENT, "WithdrawRequest", {"id": "req-health-dibao"})
    assert withdrawn["status"] == "withdrawn" and withdrawn["decision"]["by"]["subject"] == "frank"
    assert city.event is not None and city.event.name == "AccessWithdrawn"
    city.fail(HEALTH_CLIENT, "WithdrawRequest", {"id": "req-health-dibao"}, "FAILED_PRECONDITION")


def test_list_requests_by_party_and_status(city: Directory) -> None:
    _pending(city, "req-a")
    _pending(city, "req-b")
    city.ok(CIVIL_ADMIN, "RejectRequest", {"id": "req-b", "reason": "no"})
    city.ok(CIVIL_CLIENT, "RequestAccess", access("civil-affairs", "beds", id="req-c"))

    def ids(query: dict[str, Any]) -> list[str]:
        return [r["id"] for r in city.read("ListAccessRequests", query)["items"]]

    assert ids({"requester_id": "health"}) == ["req-a", "req-b"]
    assert ids({"owner_id": "civil-affairs", "status": "pending"}) == ["req-a"]
    assert ids({"owner_id": "civil-affairs", "status": "rejected"}) == ["req-b"]
    assert ids({"requester_id": "civil-affairs", "status": "approved"}) == ["req-c"]
    assert ids({"owner_id": "health", "status": "pending"}) == []
    for query in ({}, {"requester_id": "health", "owner_id": "civil-affairs"}):
        error = city.fail(HEALTH_PEER, "ListAccessRequests", query, "INVALID_ARGUMENT")
        assert "exactly one of requester_id, owner_id" in error["message"]


# -- grants ----------------------------------------------------------------------------


def _granted(city: Directory, items: list[str] | None = None) -> dict[str, Any]:
    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", items, id="req-g"))
    return dict(city.ok(CIVIL_ADMIN, "ApproveRequest", {"id": "req-g", "reason": "ok"})["grant"])


def test_revoke_by_owner_admin_only_when_active(city: Directory) -> None:
    grant = _granted(city)
    city.fail(HEALTH_ADMIN, "RevokeGrant", {"id": grant["id"], "reason": "x"}, "FORBIDDEN")
    city.fail(CIVIL_CLIENT, "RevokeGrant", {"id": grant["id"], "reason": "x"}, "FORBIDDEN")
    city.fail(CIVIL_ADMIN, "RevokeGrant", {"id": grant["id"]}, "INVALID_ARGUMENT")
    city.fail(CIVIL_ADMIN, "RevokeGrant", {"id": "grant-ghost", "reason": "x"}, "NOT_FOUND")
    revoked = city.ok(CIVIL_ADMIN, "RevokeGrant", {"id": grant["id"], "reason": "purpose fulfilled"})
    assert revoked["status"] == "revoked" and revoked["revoked"]["reason"] == "purpose fulfilled"
    assert revoked["revoked"]["by"]["msp_id"] == "CivilAffairsMSP"
    assert city.event is not None and city.event.payload == {
        "entity": "grant",
        "id": grant["id"],
        "version": 2,
    }
    assert city.last.writes[key("grant~grantee", "health", "active", grant["id"])] is None
    assert city.last.writes[key("grant~grantee", "health", "revoked", grant["id"])] == b"\x00"
    error = city.fail(CIVIL_ADMIN, "RevokeGrant", {"id": grant["id"], "reason": "x"}, "FAILED_PRECONDITION")
    assert "revoked" in error["message"]


def test_expired_grant_reads_as_expired_and_cannot_be_revoked(city: Directory) -> None:
    grant = _granted(city)
    assert city.read("GetGrant", {"id": grant["id"]})["status"] == "active"
    assert city.read("GetGrant", {"id": grant["id"]}, at=LATER)["status"] == "expired"
    assert city.state("grant", grant["id"])["status"] == "active"  # nothing was written
    city.fail(CIVIL_ADMIN, "RevokeGrant", {"id": grant["id"], "reason": "x"}, "FAILED_PRECONDITION", at=LATER)

    def ids(query: dict[str, Any], **kwargs: object) -> list[str]:
        page = city.read("ListGrants", query, **kwargs)
        return [g["id"] + ":" + g["status"] for g in page["items"]]

    assert ids({"grantee_id": "health"}) == [f"{grant['id']}:active"]
    assert ids({"grantee_id": "health", "status": "active"}, at=LATER) == []
    assert ids({"catalog_id": "dibao", "status": "expired"}, at=LATER) == [f"{grant['id']}:expired"]
    assert ids({"catalog_id": "dibao", "status": "revoked"}) == []
    city.fail(HEALTH_PEER, "ListGrants", {"status": "active"}, "INVALID_ARGUMENT")


# -- the access check ------------------------------------------------------------------


def _check(
    city: Directory, dept: str, catalog_id: str, item_name: str, **kwargs: object
) -> tuple[bool, str, str | None]:
    verdict = city.read(
        "CheckAccess", {"department_id": dept, "catalog_id": catalog_id, "item": item_name}, **kwargs
    )
    return verdict["allowed"], verdict["reason"], verdict["grant_id"]


def test_nothing_is_allowed_without_a_grant(city: Directory) -> None:
    assert _check(city, "health", "dibao", "amount") == (False, "no-grant", None)
    assert _check(city, "civil-affairs", "dibao", "amount") == (True, "owner", None)
    assert _check(city, "civil-affairs", "dibao", "shoe_size") == (False, "unknown-item", None)
    city.fail(
        HEALTH_PEER,
        "CheckAccess",
        {"department_id": "ghost", "catalog_id": "dibao", "item": "amount"},
        "NOT_FOUND",
    )
    city.fail(
        HEALTH_PEER, "CheckAccess", {"department_id": "health", "catalog_id": "dibao"}, "INVALID_ARGUMENT"
    )


def test_grant_covers_its_items_only(city: Directory) -> None:
    grant = _granted(city, ["person_name", "amount"])
    assert _check(city, "health", "dibao", "amount") == (True, "grant", grant["id"])
    assert _check(city, "health", "dibao", "id_card_no") == (False, "no-grant", None)
    assert _check(city, "haidian", "dibao", "amount") == (False, "no-grant", None)


def test_whole_catalog_grant_follows_the_catalog_as_it_is_now(city: Directory) -> None:
    grant = _granted(city, [])
    assert _check(city, "health", "dibao", "district") == (True, "grant", grant["id"])
    city.ok(
        CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "items": [item("person_name"), item("household_size")]}
    )
    assert _check(city, "health", "dibao", "household_size") == (True, "grant", grant["id"])
    assert _check(city, "health", "dibao", "district") == (False, "unknown-item", None)


def test_removed_items_drop_out_of_item_grants(city: Directory) -> None:
    _granted(city, ["person_name", "amount"])
    city.ok(CIVIL_ADMIN, "UpdateCatalog", {"id": "dibao", "items": [item("person_name"), item("district")]})
    assert _check(city, "health", "dibao", "amount") == (False, "unknown-item", None)
    assert _check(city, "health", "dibao", "person_name")[0] is True


def test_revoked_expired_and_suspended_are_denied(city: Directory) -> None:
    grant = _granted(city, [])
    assert _check(city, "health", "dibao", "amount", at=LATER) == (False, "expired", grant["id"])
    city.ok(BUREAU_ADMIN, "SuspendDepartment", {"id": "health", "reason": "review"})
    assert _check(city, "health", "dibao", "amount") == (False, "department-suspended", None)
    city.ok(BUREAU_ADMIN, "ReactivateDepartment", {"id": "health"})
    city.ok(CIVIL_ADMIN, "RevokeGrant", {"id": grant["id"], "reason": "done"})
    assert _check(city, "health", "dibao", "amount") == (False, "revoked", grant["id"])
    # Grants outlive deprecation until they end or are revoked.
    city.ok(CIVIL_CLIENT, "RequestAccess", access("civil-affairs", "beds", id="req-beds"))
    city.ok(HEALTH_ADMIN, "DeprecateCatalog", {"id": "beds"})
    assert _check(city, "civil-affairs", "beds", "free_beds") == (True, "grant", "grant-req-beds")


def test_check_reads_only_the_pairs_grants(city: Directory) -> None:
    _granted(city, ["person_name"])
    for n in range(5):  # other grantees' grants on the same catalog
        city.ok(CIVIL_CLIENT, "RequestAccess", access("haidian", "beds", id=f"req-x{n}"))
    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", ["amount"], id="req-h2"))
    city.ok(CIVIL_ADMIN, "ApproveRequest", {"id": "req-h2", "reason": "ok"})
    assert _check(city, "health", "dibao", "amount") == (True, "grant", "grant-req-h2")
    stub = city.last
    assert [(q.kind, q.returned) for q in stub.queries] == [("partial", 2)]
    assert stub.queries[0].start == key("grant~pair", "health", "dibao")
    # department + catalog + its grant register + at most the pair's two grants
    assert len(stub.reads) <= 5
