"""CheckAccess says why access is denied: expired, revoked, not-yet-valid or no-grant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chaincode.directory.ledger import INDEX_VALUE, parse_time
from chaincode.directory.policy import peer_of
from tests.unit.memstub import VALID

from .helpers import BUREAU, CIVIL, CIVIL_ADMIN, HEALTH_CLIENT, Directory, access, key

LATER = datetime(2028, 6, 1, tzinfo=UTC)  # after the default requested_until (2027-12-31)


def check(city: Directory, item: str = "amount", **kwargs: object) -> tuple[bool, str, str | None]:
    verdict = city.read(
        "CheckAccess", {"department_id": "health", "catalog_id": "dibao", "item": item}, **kwargs
    )
    return verdict["allowed"], verdict["reason"], verdict["grant_id"]


def grant(
    city: Directory, request_id: str, items: list[str] | None = None, **extra: object
) -> dict[str, Any]:
    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", items, id=request_id, **extra))
    return dict(city.ok(CIVIL_ADMIN, "ApproveRequest", {"id": request_id, "reason": "ok"})["grant"])


def test_expired(city: Directory) -> None:
    issued = grant(city, "req-e")
    assert check(city, at=LATER) == (False, "expired", issued["id"])


def test_revoked(city: Directory) -> None:
    issued = grant(city, "req-r")
    city.ok(CIVIL_ADMIN, "RevokeGrant", {"id": issued["id"], "reason": "done"})
    assert check(city) == (False, "revoked", issued["id"])


def test_not_yet_valid(city: Directory) -> None:
    issued = grant(city, "req-n")
    before = parse_time(issued["valid_from"]) - timedelta(seconds=1)
    assert check(city, at=before) == (False, "not-yet-valid", issued["id"])
    assert check(city) == (True, "grant", issued["id"])


def test_no_grant_when_none_would_cover_the_item(city: Directory) -> None:
    assert check(city) == (False, "no-grant", None)
    issued = grant(city, "req-i", ["person_name"])
    city.ok(CIVIL_ADMIN, "RevokeGrant", {"id": issued["id"], "reason": "done"})
    # The revoked grant never covered this item: it explains nothing about it.
    assert check(city, "amount") == (False, "no-grant", None)
    assert check(city, "person_name") == (False, "revoked", issued["id"])


def test_the_newest_covering_grant_explains_a_denial(city: Directory) -> None:
    old = grant(city, "req-old", requested_until="2027-01-31")
    new = grant(city, "req-new")
    city.ok(CIVIL_ADMIN, "RevokeGrant", {"id": new["id"], "reason": "done"})
    assert check(city, at=datetime(2027, 6, 1, tzinfo=UTC)) == (False, "revoked", new["id"])
    assert old["valid_from"] < new["valid_from"]
    # Any grant in force allows, whatever else the pair holds.
    current = grant(city, "req-cur")
    assert check(city) == (True, "grant", current["id"])


def test_a_forged_grant_explains_nothing_and_breaks_nothing(city: Directory) -> None:
    """Pair entries to forged keys (void, or not a grant at all) leave the answer no-grant."""
    forged = {
        key("grant", "grant-forged"): b"not json",
        key("grant~pair", "health", "dibao", "grant-forged"): INDEX_VALUE,
        key("grant", "grant-odd"): b'{"id": "grant-odd", "status": "revoked"}',
        key("grant~pair", "health", "dibao", "grant-odd"): INDEX_VALUE,
        key("grant~pair", "health", "dibao", "grant-missing"): INDEX_VALUE,
    }
    assert city.ledger.forge(forged, (CIVIL, BUREAU), claim=peer_of(CIVIL)) == VALID
    assert check(city) == (False, "no-grant", None)
