"""The grant register: a grant is in force only while its catalog's register lists it.

Key-level policies protect existing keys only, so a colluding MAJORITY (here CivilAffairs +
DataBureau) can commit a NEW grant key for Health's catalog. The register, created with the
catalog under Health's policy, is what such a forgery cannot change.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chaincode.directory.ledger import INDEX_VALUE, canonical_json
from chaincode.directory.policy import peer_of
from tests.unit.memstub import ENDORSEMENT_POLICY_FAILURE, VALID, MemoryLedger

from .helpers import (
    BUREAU,
    CIVIL,
    CIVIL_ADMIN,
    CIVIL_CLIENT,
    HEALTH,
    HEALTH_ADMIN,
    HEALTH_CLIENT,
    HEALTH_PEER,
    Directory,
    access,
    build_city,
    catalog,
    key,
)

LATER = datetime(2028, 6, 1, tzinfo=UTC)
COLLUDERS = (CIVIL, BUREAU)


def register(city: Directory, catalog_id: str) -> Any:
    return json.loads(city.ledger.state[key("grantreg", catalog_id)])


def forged_grant(grant_id: str, grantee: str, catalog_id: str, owner: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": grant_id,
        "request_id": grant_id.removeprefix("grant-"),
        "grantee_id": grantee,
        "owner_id": owner,
        "catalog_id": catalog_id,
        "items": [],
        "valid_from": "2026-11-22T08:00:00.000000Z",
        "valid_until": "2027-12-31T23:59:59.000000Z",
        "status": "active",
        "revoked": None,
        "version": 1,
        "ledger": {"tx_id": "f" * 64, "timestamp": "2026-11-22T08:00:00.000000Z"},
        **extra,
    }


def forge_grant(city: Directory, grant: dict[str, Any], endorsers: tuple[str, ...] = COLLUDERS) -> str:
    """The grant and all three of its index entries, written as NEW keys by modified chaincode."""
    writes: dict[str, bytes | None] = {
        key("grant", grant["id"]): canonical_json(grant),
        key("grant~pair", grant["grantee_id"], grant["catalog_id"], grant["id"]): INDEX_VALUE,
        key("grant~grantee", grant["grantee_id"], "active", grant["id"]): INDEX_VALUE,
        key("grant~catalog", grant["catalog_id"], "active", grant["id"]): INDEX_VALUE,
    }
    return city.ledger.forge(writes, endorsers, claim=peer_of(CIVIL))


def check(city: Directory, dept: str, catalog_id: str, item: str, **kwargs: Any) -> tuple[bool, str, Any]:
    verdict = city.read(
        "CheckAccess", {"department_id": dept, "catalog_id": catalog_id, "item": item}, **kwargs
    )
    return verdict["allowed"], verdict["reason"], verdict["grant_id"]


def usage(grant_id: str, dept: str, items: list[str]) -> dict[str, Any]:
    return {
        "grant_id": grant_id,
        "department_id": dept,
        "items": items,
        "purpose_ref": "p",
        "record_count": 1,
    }


# -- the register follows the catalog and its grants ------------------------------------


def test_a_new_catalog_gets_an_empty_register_under_the_owners_policy(city: Directory) -> None:
    assert register(city, "beds") == {"catalog_id": "beds", "grants": []}
    assert city.ledger.state[key("grantreg", "beds")] == b'{"catalog_id":"beds","grants":[]}'
    for catalog_id, msp in (("beds", HEALTH), ("dibao", CIVIL), ("review-log", CIVIL), ("plans", CIVIL)):
        policy = city.ledger.validation[key("grantreg", catalog_id)]
        assert policy == peer_of(msp) == city.ledger.validation[key("catalog", catalog_id)]
    # Written in the creating transaction itself (CreateCatalog above; CreateCatalogs here).
    city.ok(
        HEALTH_ADMIN,
        "CreateCatalogs",
        {"catalogs": [catalog("wards", "health", ["hw-care"]), catalog("clinics", "health", ["hw-care"])]},
    )
    for catalog_id in ("wards", "clinics"):
        assert city.last.writes[key("grantreg", catalog_id)] == canonical_json(
            {"catalog_id": catalog_id, "grants": []}
        )
        assert city.last.validation_writes[key("grantreg", catalog_id)] == peer_of(HEALTH)


def assert_owner_policy_kept(city: Directory, register_key: str, owner_policy: bytes) -> None:
    """The register was written, under the owner's policy set when it was created, and the write
    did not set it again (Fabric fails later transactions of the block on a re-set key)."""
    assert register_key in city.last.writes
    assert city.ledger.validation[register_key] == owner_policy
    assert register_key not in city.last.validation_writes


def test_issue_adds_and_revocation_removes_sorted_under_the_owners_policy(city: Directory) -> None:
    city.ok(CIVIL_CLIENT, "RequestAccess", access("civil-affairs", "beds", id="req-b"))  # automatic
    assert_owner_policy_kept(city, key("grantreg", "beds"), peer_of(HEALTH))
    city.ok(CIVIL_CLIENT, "RequestAccess", access("haidian", "beds", id="req-a"))
    assert register(city, "beds")["grants"] == ["grant-req-a", "grant-req-b"]
    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", id="req-c"))
    assert register(city, "dibao")["grants"] == []  # pending: nothing issued yet
    city.ok(CIVIL_ADMIN, "ApproveRequest", {"id": "req-c", "reason": "ok"})
    assert register(city, "dibao")["grants"] == ["grant-req-c"]
    assert_owner_policy_kept(city, key("grantreg", "dibao"), peer_of(CIVIL))
    city.ok(HEALTH_ADMIN, "RevokeGrant", {"id": "grant-req-b", "reason": "done"})
    assert register(city, "beds")["grants"] == ["grant-req-a"]
    assert_owner_policy_kept(city, key("grantreg", "beds"), peer_of(HEALTH))
    assert check(city, "civil-affairs", "beds", "free_beds") == (False, "revoked", "grant-req-b")
    assert check(city, "haidian", "beds", "free_beds") == (True, "grant", "grant-req-a")
    # Expiry writes nothing: the register still lists the grant, valid_until ends it.
    assert check(city, "haidian", "beds", "free_beds", at=LATER) == (False, "expired", "grant-req-a")
    assert city.read("GetGrant", {"id": "grant-req-a"}, at=LATER)["status"] == "expired"
    assert register(city, "beds")["grants"] == ["grant-req-a"]


def test_refused_decisions_leave_the_register_alone(city: Directory) -> None:
    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", id="req-r"))
    city.ok(CIVIL_ADMIN, "RejectRequest", {"id": "req-r", "reason": "no"})
    assert key("grantreg", "dibao") not in city.last.writes
    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", id="req-w"))
    city.ok(HEALTH_CLIENT, "WithdrawRequest", {"id": "req-w"})
    assert key("grantreg", "dibao") not in city.last.writes
    assert register(city, "dibao")["grants"] == []


# -- forgeries by a colluding majority ---------------------------------------------------


def test_a_forged_new_grant_commits_but_is_never_honoured(city: Directory) -> None:
    grant = forged_grant("grant-forged", "civil-affairs", "beds", "health")
    assert forge_grant(city, grant, (CIVIL,)) == ENDORSEMENT_POLICY_FAILURE  # one org: no majority
    # Two of three orgs: every key is new, so Fabric takes it as VALID...
    assert forge_grant(city, grant) == VALID
    # ...yet no honest peer honours it: it is not in the catalog's register.
    assert check(city, "civil-affairs", "beds", "free_beds") == (False, "no-grant", None)
    error = city.fail(
        CIVIL_CLIENT,
        "RecordUsage",
        usage("grant-forged", "civil-affairs", ["hospital"]),
        "FAILED_PRECONDITION",
    )
    assert "void" in error["message"] and "grant register" in error["message"]
    assert error["details"] == {"id": "grant-forged", "status": "void"}
    assert city.read("GetGrant", {"id": "grant-forged"})["status"] == "void"
    page = city.read("ListGrants", {"grantee_id": "civil-affairs"})
    assert [(g["id"], g["status"]) for g in page["items"]] == [("grant-forged", "void")]
    assert city.read("ListGrants", {"catalog_id": "beds", "status": "active"})["items"] == []
    assert [g["id"] for g in city.read("ListGrants", {"catalog_id": "beds", "status": "void"})["items"]] == [
        "grant-forged"
    ]
    # Not in force, so nothing to revoke (and its key carries the forgers' policy anyway).
    error = city.fail(
        HEALTH_ADMIN, "RevokeGrant", {"id": "grant-forged", "reason": "x"}, "FAILED_PRECONDITION"
    )
    assert error["details"]["status"] == "void"


def test_a_forgery_that_adds_to_the_register_fails_validation(city: Directory) -> None:
    grant = forged_grant("grant-forged", "civil-affairs", "beds", "health")
    before = dict(city.ledger.state)
    writes = {
        key("grant", grant["id"]): canonical_json(grant),
        key("grant~pair", "civil-affairs", "beds", grant["id"]): INDEX_VALUE,
        key("grantreg", "beds"): canonical_json({"catalog_id": "beds", "grants": [grant["id"]]}),
    }
    assert city.ledger.forge(writes, COLLUDERS, claim=peer_of(CIVIL)) == ENDORSEMENT_POLICY_FAILURE
    assert city.ledger.state == before
    # So is deleting it (to make the catalog look as if it predated registers).
    assert city.ledger.forge({key("grantreg", "beds"): None}, COLLUDERS) == ENDORSEMENT_POLICY_FAILURE
    # The owner's peer is what it takes; an honest Health peer never endorses such a write.
    assert city.ledger.forge(writes, (*COLLUDERS, HEALTH)) == VALID


def test_a_forged_pair_entry_cannot_borrow_another_departments_grant(city: Directory) -> None:
    city.ok(CIVIL_CLIENT, "RequestAccess", access("haidian", "beds", id="req-h"))
    assert check(city, "haidian", "beds", "free_beds") == (True, "grant", "grant-req-h")
    # A new index key pointing civil-affairs at haidian's genuine, registered grant.
    forged = {key("grant~pair", "civil-affairs", "beds", "grant-req-h"): INDEX_VALUE}
    assert city.ledger.forge(forged, COLLUDERS) == VALID
    assert check(city, "civil-affairs", "beds", "free_beds") == (False, "no-grant", None)
    forged = {key("grant~grantee", "civil-affairs", "active", "grant-req-h"): INDEX_VALUE}
    assert city.ledger.forge(forged, COLLUDERS) == VALID
    assert city.read("ListGrants", {"grantee_id": "civil-affairs"})["items"] == []
    error = city.fail(
        CIVIL_CLIENT, "RecordUsage", usage("grant-req-h", "civil-affairs", ["hospital"]), "INVALID_ARGUMENT"
    )
    assert error["details"] == {"field": "usage.department_id"}


def test_a_forged_pair_entry_cannot_carry_a_grant_to_another_catalog(city: Directory) -> None:
    city.ok(HEALTH_CLIENT, "RequestAccess", access("health", "dibao", id="req-d"))
    city.ok(CIVIL_ADMIN, "ApproveRequest", {"id": "req-d", "reason": "ok"})
    # health's genuine grant on dibao, indexed by a forged new key under review-log (not shared).
    forged = {key("grant~pair", "health", "review-log", "grant-req-d"): INDEX_VALUE}
    assert city.ledger.forge(forged, COLLUDERS) == VALID
    assert check(city, "health", "review-log", "amount") == (False, "no-grant", None)
    assert check(city, "health", "dibao", "amount") == (True, "grant", "grant-req-d")


def test_a_pre_created_register_makes_the_catalog_id_unusable_never_open(city: Directory) -> None:
    planted = canonical_json({"catalog_id": "icu", "grants": ["grant-forged"]})
    assert city.ledger.forge({key("grantreg", "icu"): planted}, COLLUDERS, claim=peer_of(CIVIL)) == VALID
    error = city.fail(HEALTH_ADMIN, "CreateCatalog", catalog("icu", "health", ["hw-care"]), "CONFLICT")
    assert error["details"] == {"id": "icu", "field": "catalog.id"} and "grant register" in error["message"]
    batch = {"catalogs": [catalog("wards", "health", ["hw-care"]), catalog("icu", "health", ["hw-care"])]}
    error = city.fail(HEALTH_ADMIN, "CreateCatalogs", batch, "CONFLICT")
    assert error["details"] == {"id": "icu", "field": "catalogs[1].id"}
    city.fail(HEALTH_PEER, "GetCatalog", {"id": "icu"}, "NOT_FOUND")


# -- catalogs without a register (written before registers existed) ----------------------


@pytest.fixture
def unregistered(city: Directory) -> Directory:
    """beds with a genuine grant, then its register gone, as for a catalog that predates them."""
    city.ok(CIVIL_CLIENT, "RequestAccess", access("civil-affairs", "beds", id="req-old"))
    del city.ledger.state[key("grantreg", "beds")]
    return city


def test_without_a_register_no_grant_is_accepted(unregistered: Directory) -> None:
    city = unregistered
    assert check(city, "civil-affairs", "beds", "free_beds") == (False, "no-grant-register", None)
    assert check(city, "health", "beds", "free_beds") == (True, "owner", None)
    assert check(city, "civil-affairs", "beds", "shoe_size") == (False, "unknown-item", None)
    assert city.read("GetGrant", {"id": "grant-req-old"})["status"] == "void"
    city.fail(
        CIVIL_CLIENT,
        "RecordUsage",
        usage("grant-req-old", "civil-affairs", ["hospital"]),
        "FAILED_PRECONDITION",
    )
    city.fail(HEALTH_ADMIN, "RevokeGrant", {"id": "grant-req-old", "reason": "x"}, "FAILED_PRECONDITION")
    error = city.fail(CIVIL_CLIENT, "RequestAccess", access("haidian", "beds"), "FAILED_PRECONDITION")
    assert "no grant register" in error["message"]


def test_a_malformed_register_counts_as_none(city: Directory) -> None:
    city.ok(CIVIL_CLIENT, "RequestAccess", access("civil-affairs", "beds", id="req-m"))
    for bad in (
        b"[]",
        b"not json",
        b'{"grants":["grant-req-m"]}',
        b'{"catalog_id":"dibao","grants":["grant-req-m"]}',
    ):
        city.ledger.state[key("grantreg", "beds")] = bad
        assert check(city, "civil-affairs", "beds", "free_beds") == (False, "no-grant-register", None)


# -- determinism --------------------------------------------------------------------------


def _sequence(city: Directory) -> list[bytes]:
    write_sets = []
    for who, function, arg in (
        (CIVIL_CLIENT, "RequestAccess", access("haidian", "beds", id="req-z")),
        (CIVIL_CLIENT, "RequestAccess", access("civil-affairs", "beds", id="req-a")),
        (HEALTH_CLIENT, "RequestAccess", access("health", "dibao", id="req-m")),
        (CIVIL_ADMIN, "ApproveRequest", {"id": "req-m", "reason": "ok"}),
        (HEALTH_ADMIN, "RevokeGrant", {"id": "grant-req-z", "reason": "done"}),
    ):
        city.ok(who, function, arg)
        write_sets.append(city.last.write_set())
    return write_sets


def test_register_writes_are_the_same_bytes_on_every_peer() -> None:
    first, second = build_city(), build_city()
    assert _sequence(first) == _sequence(second)
    assert first.ledger.state == second.ledger.state and first.ledger.validation == second.ledger.validation
    assert first.ledger.state[key("grantreg", "beds")] == b'{"catalog_id":"beds","grants":["grant-req-a"]}'


def test_forge_models_fabric_validation() -> None:
    ledger = MemoryLedger()
    ledger.state["k"], ledger.validation["k"] = b"v", peer_of(HEALTH)
    assert ledger.forge({"k": b"w"}, (CIVIL, BUREAU)) == ENDORSEMENT_POLICY_FAILURE
    assert ledger.forge({"new": b"w"}, (CIVIL,)) == ENDORSEMENT_POLICY_FAILURE
    assert ledger.forge({"new": b"w"}, (CIVIL, BUREAU), claim=peer_of(CIVIL)) == VALID
    assert ledger.state["new"] == b"w" and ledger.validation["new"] == peer_of(CIVIL)
    assert ledger.forge({"k": b"w"}, (HEALTH,)) == VALID and ledger.state["k"] == b"w"
