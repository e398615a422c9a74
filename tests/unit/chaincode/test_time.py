"""Time is the client's: the transaction timestamp is chosen by whoever proposes it.

Nothing may take effect before it was issued: usage is recorded no earlier than its grant's
valid_from nor its grant's last usage, and a decision cannot precede its request.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chaincode.directory.ledger import format_time, parse_time
from chaincode.directory.policy import peer_of, required_peers

from .helpers import (
    CIVIL,
    CIVIL_ADMIN,
    HEALTH,
    HEALTH_CLIENT,
    Directory,
    access,
    key,
)

AFTER_EXPIRY = datetime(2028, 1, 2, tzinfo=UTC)  # the default requested_until is 2027-12-31
MARK = key("usagemark", "grant-req-g")  # the grant's usage mark


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
        "record_count": 1,
        **extra,
    }


def valid_from(city: Directory) -> datetime:
    return parse_time(city.state("grant", "grant-req-g")["valid_from"])


# -- usage against its grant's valid_from -----------------------------------------------


def test_usage_backdated_before_its_grant_was_issued_is_refused(granted: Directory) -> None:
    """The reported case: after expiry, a proposal timestamped before valid_from."""
    before_issue = valid_from(granted) - timedelta(minutes=1)
    assert before_issue < AFTER_EXPIRY
    error = granted.fail(HEALTH_CLIENT, "RecordUsage", usage(), "FAILED_PRECONDITION", at=before_issue)
    assert "not yet valid" in error["message"] and error["details"]["status"] == "not-yet-valid"
    assert granted.read("ListUsage", {"grant_id": "grant-req-g"})["items"] == []


def test_usage_at_valid_from_itself_is_accepted(granted: Directory) -> None:
    record = granted.ok(HEALTH_CLIENT, "RecordUsage", usage(), at=valid_from(granted))
    assert record["at"] == granted.state("grant", "grant-req-g")["valid_from"]


# -- usage is monotonic per grant -------------------------------------------------------


def test_usage_cannot_be_timestamped_before_the_grants_last_usage(granted: Directory) -> None:
    late = valid_from(granted) + timedelta(minutes=10)
    first = granted.ok(HEALTH_CLIENT, "RecordUsage", usage(id="use-late"), at=late)
    error = granted.fail(
        HEALTH_CLIENT,
        "RecordUsage",
        usage(id="use-early"),
        "FAILED_PRECONDITION",
        at=late - timedelta(minutes=5),
    )
    assert first["at"] in error["message"] and "use-late" in error["message"]
    assert error["details"] == {"id": "grant-req-g", "last_usage_at": first["at"]}
    # At the same moment, or later, is fine.
    granted.ok(HEALTH_CLIENT, "RecordUsage", usage(id="use-same"), at=late)
    granted.ok(HEALTH_CLIENT, "RecordUsage", usage(id="use-next"), at=late + timedelta(seconds=1))


def test_the_bound_is_per_grant(granted: Directory) -> None:
    granted.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", id="req-2"))
    granted.ok(CIVIL_ADMIN, "ApproveRequest", {"id": "req-2", "reason": "ok"})
    late = valid_from(granted) + timedelta(hours=1)
    granted.ok(HEALTH_CLIENT, "RecordUsage", usage(), at=late)
    granted.ok(HEALTH_CLIENT, "RecordUsage", usage(grant_id="grant-req-2"), at=late - timedelta(minutes=30))


def test_the_last_usage_is_one_key_the_grantee_writes(granted: Directory) -> None:
    """No scan that grows with history, no write to the owner's keys, no owner endorsement."""
    for n in range(5):
        granted.ok(HEALTH_CLIENT, "RecordUsage", usage(id=f"use-{n}"))
    stub = granted.last
    assert stub.queries == []  # no range read of the grant's usage
    assert len(stub.reads) == len(set(stub.reads)) <= 8
    mark = json.loads(granted.ledger.state[MARK])
    assert mark == {
        "grant_id": "grant-req-g",
        "usage_id": "use-4",
        "at": format_time(stub.get_tx_timestamp()),
    }
    # Every key the record touches is the grantee's, endorsed by its peers only.
    assert key("grant", "grant-req-g") not in stub.writes
    for written in stub.writes:
        assert required_peers(granted.ledger.validation[written]) == (1, [HEALTH])
    # The mark's policy was set once, when it was new (Fabric fails later txs of a block on a re-set).
    assert MARK not in stub.validation_writes
    assert granted.ledger.validation[MARK] == peer_of(HEALTH)
    assert granted.ledger.validation[key("grant", "grant-req-g")] == peer_of(CIVIL)


# -- decisions cannot precede their request ----------------------------------------------


def test_an_approval_timestamped_before_the_request_is_refused(city: Directory) -> None:
    request = city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", id="req-t"))["request"]
    created = parse_time(request["created_at"])
    error = city.fail(
        CIVIL_ADMIN,
        "ApproveRequest",
        {"id": "req-t", "reason": "ok"},
        "FAILED_PRECONDITION",
        at=created - timedelta(seconds=30),
    )
    assert "cannot precede its request" in error["message"]
    assert error["details"] == {"id": "req-t", "created_at": request["created_at"]}
    for function, arg, who in (
        ("RejectRequest", {"id": "req-t", "reason": "no"}, CIVIL_ADMIN),
        ("WithdrawRequest", {"id": "req-t"}, HEALTH_CLIENT),
    ):
        city.fail(who, function, arg, "FAILED_PRECONDITION", at=created - timedelta(seconds=1))
    # At its creation's moment it may be decided; the grant is valid from the approval.
    grant = city.ok(CIVIL_ADMIN, "ApproveRequest", {"id": "req-t", "reason": "ok"}, at=created)["grant"]
    assert grant["valid_from"] == request["created_at"]


def test_a_grant_is_valid_from_its_approval_not_from_the_request(city: Directory) -> None:
    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", id="req-v"))
    approved_at = city.now + timedelta(days=3)
    result = city.ok(CIVIL_ADMIN, "ApproveRequest", {"id": "req-v", "reason": "ok"}, at=approved_at)
    assert result["grant"]["valid_from"] == format_time(approved_at) == result["request"]["decision"]["at"]
