"""The directory chaincode on a real Fabric network, through our Gateway client and the peer CLI.

Every call here is a real proposal to real peers (TLS), every submit is ordered by the Raft
orderers and validated by every peer. Entity ids start with ``itc-``: the network is the
session's shared one.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.fabric import GatewayError
from tests.integration.directory_client import (
    BUREAU,
    BUREAU_ADMIN,
    CIVIL,
    CIVIL_ADMIN,
    CIVIL_CLIENT,
    HEALTH,
    HEALTH_ADMIN,
    HEALTH_CLIENT,
    ORGS,
    Directory,
    Submitted,
    access,
    catalog,
    cli_invoke,
    department,
    error_json,
    peer_cli,
    responsibility,
)
from tests.integration.localnet import LocalNetwork

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
IN_A_YEAR = (datetime.now(UTC) + timedelta(days=365)).date().isoformat()


@dataclass(frozen=True)
class City:
    """What the module's tests share: departments, duties and two published Health catalogs."""

    civil: str = "itc-civil"
    health: str = "itc-health"
    bureau: str = "itc-bureau"
    civil_duty: str = "itc-civil-duty"
    health_duty: str = "itc-health-duty"
    beds: str = "itc-beds"  # unconditional
    records: str = "itc-records"  # conditional


@pytest.fixture(scope="module")
def directory(directory_network: LocalNetwork) -> Iterator[Directory]:
    with Directory(directory_network) as client:
        yield client


@pytest.fixture(scope="module")
def city(directory: Directory) -> City:
    city = City()
    for dept_id, msp in ((city.bureau, BUREAU), (city.civil, CIVIL), (city.health, HEALTH)):
        directory.submit(BUREAU_ADMIN, "RegisterDepartment", department(dept_id, ORGS[msp][1]))
    directory.submit(CIVIL_ADMIN, "CreateResponsibility", responsibility(city.civil_duty, city.civil))
    directory.submit(HEALTH_ADMIN, "CreateResponsibility", responsibility(city.health_duty, city.health))
    beds = catalog(city.beds, city.health, [city.health_duty], "unconditional", ("hospital", "free_beds"))
    records = catalog(city.records, city.health, [city.health_duty], items=("patient", "diagnosis"))
    directory.submit(HEALTH_ADMIN, "CreateCatalogs", {"catalogs": [beds, records]})
    for catalog_id in (city.beds, city.records):
        directory.submit(HEALTH_ADMIN, "PublishCatalog", {"id": catalog_id})
    return city


def assert_event(directory: Directory, submitted: Submitted, name: str, payload: dict[str, Any]) -> None:
    event = directory.event_of(submitted)
    assert event.chaincode_name == "citydir"
    assert event.event_name == name
    assert json.loads(event.payload) == payload


def assert_stamped(entity: dict[str, Any], submitted: Submitted) -> None:
    """The chaincode stamps what the transaction wrote with that transaction."""
    assert entity["ledger"]["tx_id"] == submitted.tx_id
    assert TIMESTAMP.match(entity["ledger"]["timestamp"])


# -- 1. happy paths ---------------------------------------------------------------------------


def test_departments_register_update_suspend_reactivate(directory: Directory, city: City) -> None:
    registered = directory.submit(
        BUREAU_ADMIN,
        "RegisterDepartment",
        department("itc-district", "CivilAffairsMSP", "district", city.civil),
    )
    dept = registered.result
    assert (dept["status"], dept["version"], dept["parent_id"]) == ("active", 1, city.civil)
    assert dept["created_at"] == dept["updated_at"] == dept["ledger"]["timestamp"]
    assert_stamped(dept, registered)
    assert_event(
        directory,
        registered,
        "DepartmentRegistered",
        {"entity": "department", "id": dept["id"], "version": 1},
    )

    contact = {"name": "New Contact", "email": "new@city.example", "phone": "+86 10 0000 0001"}
    updated = directory.submit(BUREAU_ADMIN, "UpdateDepartment", {"id": "itc-district", "contact": contact})
    assert (updated.result["contact"], updated.result["version"]) == (contact, 2)
    assert_event(
        directory, updated, "DepartmentUpdated", {"entity": "department", "id": "itc-district", "version": 2}
    )

    suspended = directory.submit(BUREAU_ADMIN, "SuspendDepartment", {"id": "itc-district", "reason": "audit"})
    assert suspended.result["status"] == "suspended"
    assert suspended.result["suspension"]["by"] == {
        "msp_id": "DataBureauMSP",
        "role": "admin",
        "subject": "Admin@databureau.citydir.local",
    }
    assert_event(
        directory,
        suspended,
        "DepartmentSuspended",
        {"entity": "department", "id": "itc-district", "version": 3},
    )
    listed = directory.read("ListDepartments", {"parent_id": city.civil, "status": "suspended"})
    assert [d["id"] for d in listed["items"]] == ["itc-district"]

    reactivated = directory.submit(BUREAU_ADMIN, "ReactivateDepartment", {"id": "itc-district"})
    assert (reactivated.result["status"], reactivated.result["suspension"]) == ("active", None)
    assert_event(
        directory,
        reactivated,
        "DepartmentReactivated",
        {"entity": "department", "id": "itc-district", "version": 4},
    )
    # Read back from another org's peer: what was committed, stamped by the last transaction.
    stored = directory.read("GetDepartment", {"id": "itc-district"}, target_org=HEALTH)
    assert stored == reactivated.result
    assert_stamped(stored, reactivated)
    assert [d["id"] for d in directory.read("ListDepartments", {"parent_id": city.civil})["items"]] == [
        "itc-district"
    ]
    health_depts = directory.read("ListDepartments", {"msp_id": "HealthMSP", "page_size": 200})["items"]
    assert city.health in [d["id"] for d in health_depts]
    assert {d["msp_id"] for d in health_depts} == {"HealthMSP"}


def test_responsibilities_create_update_get_and_list(directory: Directory, city: City) -> None:
    created = directory.submit(
        CIVIL_ADMIN, "CreateResponsibility", responsibility("itc-civil-relief", city.civil)
    )
    assert (created.result["status"], created.result["version"]) == ("active", 1)
    assert_event(
        directory,
        created,
        "ResponsibilityCreated",
        {"entity": "responsibility", "id": "itc-civil-relief", "version": 1},
    )
    updated = directory.submit(
        CIVIL_ADMIN, "UpdateResponsibility", {"id": "itc-civil-relief", "description": "disaster relief"}
    )
    assert (updated.result["description"], updated.result["version"]) == ("disaster relief", 2)
    assert_event(
        directory,
        updated,
        "ResponsibilityUpdated",
        {"entity": "responsibility", "id": "itc-civil-relief", "version": 2},
    )
    assert directory.read("GetResponsibility", {"id": "itc-civil-relief"}, target_org=CIVIL) == updated.result

    first = directory.read("ListResponsibilities", {"department_id": city.civil, "page_size": 1})
    assert [r["id"] for r in first["items"]] == [city.civil_duty] and first["bookmark"]
    second = directory.read(
        "ListResponsibilities", {"department_id": city.civil, "page_size": 1, "bookmark": first["bookmark"]}
    )
    assert [r["id"] for r in second["items"]] == ["itc-civil-relief"]
    if second["bookmark"]:
        rest = directory.read(
            "ListResponsibilities",
            {"department_id": city.civil, "page_size": 1, "bookmark": second["bookmark"]},
        )
        assert rest == {"items": [], "bookmark": "", "count": 0}


def test_catalog_history_has_every_version_newest_first(directory: Directory, city: City) -> None:
    created = directory.submit(
        CIVIL_ADMIN, "CreateCatalog", catalog("itc-dibao", city.civil, [city.civil_duty], tags=["welfare"])
    )
    assert (created.result["status"], created.result["version"]) == ("draft", 1)
    assert created.result["endpoint"] is None and created.result["schema_hash"] is None
    assert_event(directory, created, "CatalogCreated", {"entity": "catalog", "id": "itc-dibao", "version": 1})

    updated = directory.submit(
        CIVIL_ADMIN, "UpdateCatalog", {"id": "itc-dibao", "description": "minimum living allowance"}
    )
    assert (updated.result["description"], updated.result["version"]) == ("minimum living allowance", 2)
    assert_event(directory, updated, "CatalogUpdated", {"entity": "catalog", "id": "itc-dibao", "version": 2})

    published = directory.submit(CIVIL_ADMIN, "PublishCatalog", {"id": "itc-dibao"})
    assert (published.result["status"], published.result["version"]) == ("published", 3)
    assert_event(
        directory, published, "CatalogPublished", {"entity": "catalog", "id": "itc-dibao", "version": 3}
    )

    history = directory.read("GetHistory", {"entity": "catalog", "id": "itc-dibao"}, target_org=HEALTH)
    assert [h["tx_id"] for h in history] == [published.tx_id, updated.tx_id, created.tx_id]
    assert [h["value"] for h in history] == [published.result, updated.result, created.result]
    assert [h["is_delete"] for h in history] == [False, False, False]
    for entry in history:
        assert entry["timestamp"] == entry["value"]["ledger"]["timestamp"]
    assert history[0]["timestamp"] >= history[1]["timestamp"] >= history[2]["timestamp"]

    deprecated = directory.submit(
        CIVIL_ADMIN, "DeprecateCatalog", {"id": "itc-dibao", "reason": "superseded"}
    )
    assert deprecated.result["status"] == "deprecated"
    assert deprecated.result["deprecation"]["reason"] == "superseded"
    assert_event(
        directory, deprecated, "CatalogDeprecated", {"entity": "catalog", "id": "itc-dibao", "version": 4}
    )


def test_catalog_lists_page_with_bookmarks(directory: Directory, city: City) -> None:
    dept = "itc-paging"
    directory.submit(BUREAU_ADMIN, "RegisterDepartment", department(dept, "DataBureauMSP"))
    directory.submit(BUREAU_ADMIN, "CreateResponsibility", responsibility("itc-paging-duty", dept))
    ids = [f"itc-page-{n}" for n in range(5)]
    batch = [
        catalog(i, dept, ["itc-paging-duty"], tags=["paging"] if n % 2 else []) for n, i in enumerate(ids)
    ]
    created = directory.submit(BUREAU_ADMIN, "CreateCatalogs", {"catalogs": batch})
    assert created.result == {"created": ids}
    assert_event(directory, created, "CatalogsCreated", {"entity": "catalog", "ids": ids, "version": 1})

    pages: list[list[str]] = []
    bookmark = ""
    while True:
        query: dict[str, Any] = {"department_id": dept, "page_size": 2}
        if bookmark:
            query["bookmark"] = bookmark
        page = directory.read("ListCatalogs", query, target_org=len(pages) % 3)
        assert page["count"] == len(page["items"])
        pages.append([c["id"] for c in page["items"]])
        bookmark = page["bookmark"]
        if not bookmark:
            break
        assert len(pages) < 10, "the bookmark never ran out"
    assert [i for p in pages for i in p] == ids
    assert [len(p) for p in pages][:3] == [2, 2, 1]

    tagged = directory.read("ListCatalogs", {"tag": "paging"})
    assert [c["id"] for c in tagged["items"]] == [ids[1], ids[3]]
    # A bookmark resumes only the query that returned it.
    first = directory.read("ListCatalogs", {"department_id": dept, "page_size": 2})
    error = directory.evaluate_error(
        HEALTH_CLIENT, "ListCatalogs", {"tag": "paging", "bookmark": first["bookmark"]}
    )
    assert (error["code"], error["details"]) == ("INVALID_ARGUMENT", {"field": "bookmark"})


def test_unconditional_request_is_granted_used_and_revoked(directory: Directory, city: City) -> None:
    requested = directory.submit(
        CIVIL_CLIENT, "RequestAccess", access(city.civil, city.beds, requested_until=IN_A_YEAR)
    )
    request, grant = requested.result["request"], requested.result["grant"]
    assert request["status"] == "approved"
    assert request["decision"]["by"] == {
        "msp_id": "HealthMSP",
        "role": "policy",
        "subject": "unconditional-share",
    }
    assert request["requested_by"]["role"] == "client"
    assert request["id"] == "req-" + requested.tx_id[:20]
    assert (grant["id"], grant["status"], grant["grantee_id"]) == (
        f"grant-{request['id']}",
        "active",
        city.civil,
    )
    assert_event(
        directory, requested, "AccessApproved", {"entity": "request", "id": request["id"], "version": 1}
    )

    check = {"department_id": city.civil, "catalog_id": city.beds, "item": "free_beds"}
    assert directory.read("CheckAccess", check) == {
        "allowed": True,
        "reason": "grant",
        "grant_id": grant["id"],
    }
    owner_check = {**check, "department_id": city.health}
    assert directory.read("CheckAccess", owner_check) == {
        "allowed": True,
        "reason": "owner",
        "grant_id": None,
    }
    unknown = {**check, "item": "no_such_item"}
    assert directory.read("CheckAccess", unknown)["reason"] == "unknown-item"

    used = directory.submit(
        CIVIL_CLIENT,
        "RecordUsage",
        {
            "grant_id": grant["id"],
            "department_id": city.civil,
            "items": ["free_beds"],
            "purpose_ref": "case-2026-001",
            "record_count": 12,
        },
    )
    usage = used.result
    assert (usage["id"], usage["catalog_id"], usage["record_count"]) == (
        "use-" + used.tx_id[:20],
        city.beds,
        12,
    )
    assert usage["recorded_by"]["msp_id"] == "CivilAffairsMSP"
    assert_event(directory, used, "UsageRecorded", {"entity": "usage", "id": usage["id"], "version": 1})
    assert directory.read("GetUsage", {"id": usage["id"]}, target_org=HEALTH) == usage
    assert [u["id"] for u in directory.read("ListUsage", {"grant_id": grant["id"]})["items"]] == [usage["id"]]
    assert directory.read("GetGrant", {"id": grant["id"]}, target_org=CIVIL) == grant
    active = directory.read("ListGrants", {"catalog_id": city.beds, "status": "active"})
    assert grant["id"] in [g["id"] for g in active["items"]]

    revoked = directory.submit(HEALTH_ADMIN, "RevokeGrant", {"id": grant["id"], "reason": "no longer needed"})
    assert (revoked.result["status"], revoked.result["version"]) == ("revoked", 2)
    assert revoked.result["revoked"]["by"]["msp_id"] == "HealthMSP"
    assert_event(directory, revoked, "GrantRevoked", {"entity": "grant", "id": grant["id"], "version": 2})
    # The denial says why, and which grant it was.
    assert directory.read("CheckAccess", check) == {
        "allowed": False,
        "reason": "revoked",
        "grant_id": grant["id"],
    }
    history = directory.read("GetHistory", {"entity": "grant", "id": grant["id"]})
    assert [h["tx_id"] for h in history] == [revoked.tx_id, requested.tx_id]


def test_conditional_requests_are_approved_rejected_or_withdrawn(directory: Directory, city: City) -> None:
    def file(request_id: str) -> Submitted:
        arg = access(city.civil, city.records, ["patient"], id=request_id, requested_until=IN_A_YEAR)
        submitted = directory.submit(CIVIL_ADMIN, "RequestAccess", arg)
        assert submitted.result["grant"] is None
        assert submitted.result["request"]["status"] == "pending"
        assert_event(
            directory, submitted, "AccessRequested", {"entity": "request", "id": request_id, "version": 1}
        )
        return submitted

    for request_id in ("itc-req-approve", "itc-req-reject", "itc-req-withdraw"):
        file(request_id)
    pending = directory.read("ListAccessRequests", {"owner_id": city.health, "status": "pending"})
    assert {"itc-req-approve", "itc-req-reject", "itc-req-withdraw"} <= {r["id"] for r in pending["items"]}

    valid_until = (datetime.now(UTC) + timedelta(days=200)).date().isoformat()
    approved = directory.submit(
        HEALTH_ADMIN,
        "ApproveRequest",
        {"id": "itc-req-approve", "reason": "statutory duty", "valid_until": valid_until},
    )
    request, grant = approved.result["request"], approved.result["grant"]
    assert (request["status"], request["grant_id"], request["version"]) == ("approved", grant["id"], 2)
    assert grant["valid_until"] == f"{valid_until}T23:59:59.000000Z"
    assert grant["items"] == ["patient"]
    assert_event(
        directory, approved, "AccessApproved", {"entity": "request", "id": "itc-req-approve", "version": 2}
    )
    check = {"department_id": city.civil, "catalog_id": city.records}
    assert directory.read("CheckAccess", {**check, "item": "patient"})["allowed"] is True
    assert directory.read("CheckAccess", {**check, "item": "diagnosis"}) == {
        "allowed": False,
        "reason": "no-grant",
        "grant_id": None,
    }

    rejected = directory.submit(
        HEALTH_ADMIN, "RejectRequest", {"id": "itc-req-reject", "reason": "not necessary"}
    )
    assert (rejected.result["status"], rejected.result["decision"]["reason"]) == ("rejected", "not necessary")
    assert_event(
        directory, rejected, "AccessRejected", {"entity": "request", "id": "itc-req-reject", "version": 2}
    )

    withdrawn = directory.submit(CIVIL_CLIENT, "WithdrawRequest", {"id": "itc-req-withdraw"})
    assert withdrawn.result["status"] == "withdrawn"
    assert withdrawn.result["decision"]["by"]["subject"] == "User1@civilaffairs.citydir.local"
    assert_event(
        directory, withdrawn, "AccessWithdrawn", {"entity": "request", "id": "itc-req-withdraw", "version": 2}
    )

    mine = directory.read("ListAccessRequests", {"requester_id": city.civil, "page_size": 200})
    statuses = {r["id"]: r["status"] for r in mine["items"]}
    assert {k: statuses[k] for k in ("itc-req-approve", "itc-req-reject", "itc-req-withdraw")} == {
        "itc-req-approve": "approved",
        "itc-req-reject": "rejected",
        "itc-req-withdraw": "withdrawn",
    }
    assert (
        directory.read("GetAccessRequest", {"id": "itc-req-withdraw"}, target_org=HEALTH) == withdrawn.result
    )
    granted = directory.read("ListGrants", {"grantee_id": city.civil})
    assert grant["id"] in [g["id"] for g in granted["items"]]


# -- 2. another org's admin, through the peer CLI -------------------------------------------------


def cli_error(output: str) -> dict[str, Any]:
    """The chaincode's error JSON inside the CLI's 'endorsement failure ... message:"..."'.

    Go's protobuf text output varies its spacing on purpose (per binary), so match any run of it.
    """
    match = re.search(r'status:500\s+message:"((?:[^"\\]|\\.)*)"', output)
    assert match, f"no chaincode error in the CLI output:\n{output}"
    text = codecs.escape_decode(match.group(1).encode("utf-8"))[0].decode("utf-8")  # Go-quoted bytes
    document: dict[str, Any] = json.loads(text)
    return document


def test_another_orgs_admin_cannot_change_a_catalog_through_the_cli(
    directory_network: LocalNetwork, directory: Directory, city: City
) -> None:
    before = directory.evaluate_raw(HEALTH_CLIENT, "GetCatalog", {"id": city.records}, target_org=HEALTH)
    heights = directory.heights()
    tampered = {"id": city.records, "share_type": "unconditional", "share_conditions": None}
    invoke = cli_invoke(directory_network, CIVIL_ADMIN, [CIVIL, HEALTH], "UpdateCatalog", tampered)
    assert invoke.returncode != 0, invoke.stderr
    error = cli_error(invoke.stderr + invoke.stdout)
    assert error["code"] == "FORBIDDEN"
    assert error["details"] == {"required_msp": "HealthMSP", "required_role": "admin"}
    assert "Admin@civilaffairs.citydir.local" in error["message"]

    # The right org's admin, the same way, succeeds: the refusal was about who asked.
    allowed = cli_invoke(
        directory_network, HEALTH_ADMIN, [HEALTH, BUREAU], "UpdateCatalog", {"id": city.beds, "format": "csv"}
    )
    assert allowed.returncode == 0, allowed.stderr
    assert "status:200" in allowed.stderr.replace(" ", "")
    assert (
        directory.evaluate_raw(HEALTH_CLIENT, "GetCatalog", {"id": city.records}, target_org=HEALTH) == before
    )
    assert directory.wait_same_height() == heights[0] + 1


# -- 4. peers agree -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "arg"),
    [
        ("ListCatalogs", {"department_id": "itc-health"}),
        ("ListCatalogs", {"status": "published", "page_size": 200}),
        ("GetCatalog", {"id": "itc-records"}),
        ("GetHistory", {"entity": "catalog", "id": "itc-beds"}),
        ("ListDepartments", {"page_size": 200}),
    ],
)
def test_every_orgs_peer_returns_the_same_bytes(
    directory: Directory, city: City, function: str, arg: dict[str, Any]
) -> None:
    directory.wait_same_height()
    answers = [
        directory.evaluate_raw(HEALTH_CLIENT, function, arg, target_org=org) for org in range(len(ORGS))
    ]
    assert answers[0] == answers[1] == answers[2]
    assert json.loads(answers[0])  # and not empty


# -- 5. bad input through the real peers ----------------------------------------------------------

BAD_INPUT: list[tuple[str, str, str | bytes, str | None]] = [
    ("malformed-json", "GetCatalog", '{"id": "itc-beds"', None),
    ("not-an-object", "GetCatalog", '["itc-beds"]', None),
    ("duplicate-key", "GetCatalog", '{"id": "itc-beds", "id": "itc-records"}', None),
    ("not-utf8", "GetCatalog", b'{"id": "\xff"}', None),
    ("oversized", "UpdateCatalog", json.dumps({"id": "itc-beds", "description": "x" * (64 * 1024)}), None),
    ("unknown-function", "DropEverything", "{}", None),
    ("unknown-field", "UpdateCatalog", '{"id": "itc-beds", "owner": "CivilAffairsMSP"}', "catalog.owner"),
    ("wrong-type", "UpdateCatalog", '{"id": "itc-beds", "tags": "welfare"}', "catalog.tags"),
    ("status-is-not-editable", "UpdateCatalog", '{"id": "itc-beds", "status": "draft"}', "catalog.status"),
    ("bad-slug", "RegisterDepartment", json.dumps(department("Bad Id!", "HealthMSP")), "department.id"),
]


@pytest.mark.parametrize(
    ("function", "raw", "field"), [case[1:] for case in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_is_refused_at_endorsement_and_the_server_survives(
    directory: Directory, city: City, function: str, raw: str | bytes, field: str | None
) -> None:
    height = directory.wait_same_height()
    submitted = directory.submit_error(HEALTH_ADMIN, function, raw)
    evaluated = directory.evaluate_error(HEALTH_CLIENT, function, raw, target_org=CIVIL)
    for error in (submitted, evaluated):
        assert error["code"] == "INVALID_ARGUMENT", error
        if field is not None:
            assert error["details"]["field"] == field, error
    for org in range(len(ORGS)):  # every org's chaincode server still answers
        ping = directory.read("Ping", {}, target_org=org)
        assert ping["ok"] is True and ping["channel"] == "citydir"
    assert directory.heights() == [height] * len(ORGS)


def test_two_arguments_and_no_arguments_are_refused(directory: Directory, city: City) -> None:
    contract = directory.contract(HEALTH_CLIENT)
    for args in ([], ['{"id": "itc-beds"}', "{}"]):
        with pytest.raises(GatewayError) as raised:
            contract.evaluate("GetCatalog", args)
        error = error_json(raised.value)
        assert error["code"] == "INVALID_ARGUMENT"
        assert f"it was given {len(args)}" in error["message"]


def test_the_cli_query_sees_the_same_chaincode(directory_network: LocalNetwork, city: City) -> None:
    query = peer_cli(
        directory_network,
        HEALTH_CLIENT,
        "chaincode",
        "query",
        "-C",
        "citydir",
        "-n",
        "citydir",
        "-c",
        json.dumps({"Args": ["GetCatalog", json.dumps({"id": city.beds})]}),
    )
    assert query.returncode == 0, query.stderr
    assert json.loads(query.stdout)["id"] == city.beds
