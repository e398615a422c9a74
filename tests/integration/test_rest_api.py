"""The REST gateway's whole surface, as each org's admin and client, on each ledger.

Every call goes over HTTP to the gateway started by ``network.sh up``, which acts with the
caller's own identity; the chaincode decides (on real peers, or run by the embedded ledger).
The same assertions run on both ledgers (the ``directory`` fixture). Error cases also check that
nothing reached the ledger (channel height unchanged after the orderer's batch timeout, or the
entity unchanged).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest

from tests.integration.rest import (
    BUREAU,
    CIVIL,
    HEALTH,
    MSPS,
    ROLES,
    Api,
    Reply,
    SseStream,
    catalog,
    department,
    ok,
    responsibility,
    unique,
)

TX_ID = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class World:
    """Departments of three orgs with a responsibility and published catalogs each side needs."""

    bureau: str
    civil: str
    health: str
    health_resp: str
    conditional: str  # Health's conditional catalog (published)
    unconditional: str  # Health's unconditional catalog (published)


def created(reply: Reply) -> dict[str, Any]:
    assert reply.status == 201, reply
    body = reply.json
    assert TX_ID.match(body["tx_id"]) and isinstance(body["block"], int), body
    data: dict[str, Any] = body["data"]
    return data


def written(reply: Reply) -> dict[str, Any]:
    """A 200 write's data, checked to carry its own transaction and block."""
    body = ok(reply)
    assert TX_ID.match(body["tx_id"]) and isinstance(body["block"], int), body
    data: dict[str, Any] = body["data"]
    return data


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    bureau, civil, health = unique("bureau"), unique("civil"), unique("health")
    for dept_id, msp in ((bureau, BUREAU), (civil, CIVIL), (health, HEALTH)):
        created(api.post("/departments", department(dept_id, msp)))
    health_resp = unique("resp")
    created(
        api.post(
            f"/departments/{health}/responsibilities",
            responsibility(health_resp, health),
            as_=(HEALTH, "admin"),
        )
    )
    conditional, unconditional = unique("cond"), unique("open")
    created(api.post("/catalogs", catalog(conditional, health, health_resp), as_=(HEALTH, "admin")))
    created(
        api.post(
            "/catalogs",
            catalog(
                unconditional,
                health,
                health_resp,
                share_type="unconditional",
                zh="医疗机构名录",
                en="Directory of hospitals and clinics",
            ),
            as_=(HEALTH, "admin"),
        )
    )
    for cat in (conditional, unconditional):
        assert written(api.post(f"/catalogs/{cat}/publish", as_=(HEALTH, "admin")))["status"] == "published"
    return World(bureau, civil, health, health_resp, conditional, unconditional)


# --- operations ------------------------------------------------------------------------------


def test_health_readiness_and_openapi(api: Api) -> None:
    assert ok(api.get("/healthz", auth=False)) == {"status": "ok"}
    ready = ok(api.get("/readyz", auth=False))
    assert ready["ready"] is True and ready["ping"]["ok"] is True
    assert len(ready["peers"]) == len(api.peer_msps) and all(p["height"] > 0 for p in ready["peers"])

    doc = ok(api.get("/openapi.json", auth=False))
    assert doc["openapi"].startswith("3.1")
    expected = {
        ("/api/v1/departments", "get"),
        ("/api/v1/departments", "post"),
        ("/api/v1/departments/{id}", "patch"),
        ("/api/v1/departments/{id}/suspend", "post"),
        ("/api/v1/departments/{id}/reactivate", "post"),
        ("/api/v1/departments/{id}/responsibilities", "post"),
        ("/api/v1/responsibilities/{id}", "patch"),
        ("/api/v1/catalogs", "get"),
        ("/api/v1/catalogs/batch", "post"),
        ("/api/v1/catalogs/{id}/history", "get"),
        ("/api/v1/access-requests/{id}/approve", "post"),
        ("/api/v1/grants/{id}/revoke", "post"),
        ("/api/v1/access-check", "get"),
        ("/api/v1/usage", "post"),
        ("/api/v1/events", "get"),
        ("/api/v1/ledger", "get"),
        ("/api/v1/transactions/{tx_id}", "get"),
        ("/api/v1/metrics", "get"),
    }
    found = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert expected <= found, expected - found
    body = doc["paths"]["/api/v1/departments"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/RegisterDepartment"}
    assert doc["components"]["schemas"]["RegisterDepartment"]["additionalProperties"] is False
    wait = [p for p in doc["paths"]["/api/v1/catalogs"]["post"]["parameters"] if p["name"] == "wait"]
    assert wait and wait[0]["schema"]["type"] == "boolean"
    assert doc["paths"]["/api/v1/healthz"]["get"]["security"] == []


def test_metrics_count_requests_and_fabric_stages(api: Api, world: World) -> None:
    ok(api.get(f"/departments/{world.health}"))
    text = api.get("/metrics", auth=False)
    assert text.status == 200 and text.headers["Content-Type"].startswith("text/plain")
    metrics = text.text
    assert (
        'citydir_http_requests_total{route="/api/v1/departments/<id>",method="GET",status="200"}' in metrics
    )
    assert 'citydir_http_requests_total{route="/api/v1/departments",method="POST",status="201"}' in metrics
    assert "citydir_http_request_duration_seconds_bucket" in metrics
    # Ids never become labels.
    assert world.health not in metrics
    for stage in ("evaluate", "endorse", "submit", "commit"):
        assert f'citydir_fabric_calls_total{{stage="{stage}",outcome="ok"}}' in metrics, stage
        assert f'citydir_fabric_call_duration_seconds_count{{stage="{stage}"}}' in metrics, stage


def test_ledger_reports_equal_heights_per_peer_and_recent_blocks(api: Api, world: World) -> None:
    reply = written(
        api.patch(f"/departments/{world.bureau}", {"contact": department(world.bureau, BUREAU)["contact"]})
    )
    tx_id = reply["ledger"]["tx_id"]
    height = api.settled_height()
    data = ok(api.get("/ledger", query={"blocks": 3}))["data"]
    assert data["channel"] == "citydir" and data["chaincode"] == "citydir"
    assert [p["msp_id"] for p in data["peers"]] == api.peer_msps
    assert {p["height"] for p in data["peers"]} == {height} and data["height"] == height
    assert [b["number"] for b in data["blocks"]] == [height - 1, height - 2, height - 3]
    txs = {t["tx_id"]: t for b in data["blocks"] for t in b["transactions"]}
    assert txs[tx_id]["validation_code"] == "VALID" and txs[tx_id]["creator_msp_id"] == BUREAU
    assert ok(api.get("/ledger", query={"blocks": 51}), 400)
    # Every identity sees the same channel.
    for msp in MSPS:
        for role in ROLES:
            peers = ok(api.get("/ledger", query={"blocks": 0}, as_=(msp, role)))["data"]["peers"]
            assert {p["height"] for p in peers} == {height}


# --- departments -------------------------------------------------------------------------------


def test_only_data_bureau_admins_register_departments(api: Api) -> None:
    dept_id = unique("reg")
    for msp in MSPS:
        for role in ROLES:
            if (msp, role) == (BUREAU, "admin"):
                continue
            reply = api.assert_writes_nothing(
                partial(api.post, "/departments", department(dept_id, HEALTH), as_=(msp, role)),
                403,
            )
            assert reply.error["code"] == "FORBIDDEN", reply
            assert ok(api.get(f"/departments/{dept_id}"), 404)["error"]["code"] == "NOT_FOUND"
    reply = api.post("/departments", department(dept_id, HEALTH))
    data = created(reply)
    assert data["id"] == dept_id and data["version"] == 1 and data["status"] == "active"
    assert data["ledger"]["tx_id"] == reply.json["tx_id"] and data["ledger"]["block"] == reply.json["block"]
    assert data["name"]["zh"] == "测试部门"
    for msp in MSPS:
        for role in ROLES:
            assert ok(api.get(f"/departments/{dept_id}", as_=(msp, role)))["data"] == data


def test_department_update_suspend_reactivate(api: Api) -> None:
    dept_id = unique("susp")
    created(api.post("/departments", department(dept_id, HEALTH)))
    patched = written(
        api.patch(f"/departments/{dept_id}", {"name": {"zh": "市卫健委", "en": "Health Commission"}})
    )
    assert patched["version"] == 2 and patched["name"]["en"] == "Health Commission"
    # Its own org's admin may not edit a department record: only the data bureau may.
    reply = api.assert_writes_nothing(
        lambda: api.patch(f"/departments/{dept_id}", {"level": "district"}, as_=(HEALTH, "admin")), 403
    )
    assert reply.error["code"] == "FORBIDDEN"

    api.assert_writes_nothing(
        lambda: api.post(f"/departments/{dept_id}/suspend", {"reason": "audit"}, as_=(BUREAU, "client")), 403
    )
    suspended = written(api.post(f"/departments/{dept_id}/suspend", {"reason": "审计期间暂停"}))
    assert suspended["status"] == "suspended" and suspended["version"] == 3
    assert suspended["suspension"]["reason"] == "审计期间暂停"
    assert (
        suspended["suspension"]["by"]["msp_id"] == BUREAU and suspended["suspension"]["by"]["role"] == "admin"
    )
    listed = ok(api.get("/departments", query={"msp_id": HEALTH, "status": "suspended", "page_size": 200}))
    assert dept_id in [d["id"] for d in listed["data"]]

    # A suspended department's own admins cannot add to it: FAILED_PRECONDITION is a 409.
    reply = api.assert_writes_nothing(
        lambda: api.post(
            f"/departments/{dept_id}/responsibilities",
            responsibility(unique("r"), dept_id),
            as_=(HEALTH, "admin"),
        ),
        409,
    )
    assert reply.error["code"] == "FAILED_PRECONDITION"

    reactivated = written(api.post(f"/departments/{dept_id}/reactivate"))
    assert (
        reactivated["status"] == "active"
        and reactivated["version"] == 4
        and reactivated["suspension"] is None
    )
    created(
        api.post(
            f"/departments/{dept_id}/responsibilities",
            responsibility(unique("r"), dept_id),
            as_=(HEALTH, "admin"),
        )
    )


def test_list_departments_filters_and_pages(api: Api, world: World) -> None:
    parent = unique("parent")
    created(api.post("/departments", department(parent, CIVIL)))
    children = sorted(unique(f"child{i}") for i in range(3))
    for child in children:
        created(api.post("/departments", department(child, CIVIL, level="district", parent_id=parent)))
    pages = list(api.pages("/departments", {"parent": parent, "page_size": 2}, as_=(HEALTH, "client")))
    assert [len(p.json["data"]) for p in pages] == [2, 1]
    assert [p.json["count"] for p in pages] == [2, 1]
    seen = [d["id"] for p in pages for d in p.json["data"]]
    assert sorted(seen) == children and len(set(seen)) == 3
    assert all(d["parent_id"] == parent and d["level"] == "district" for p in pages for d in p.json["data"])
    # Unfiltered lists run in id order across pages.
    everyone = [d["id"] for p in api.pages("/departments", {"page_size": 3}) for d in p.json["data"]]
    assert everyone == sorted(everyone) and len(everyone) == len(set(everyone))
    assert {world.bureau, world.civil, world.health, parent, *children} <= set(everyone)
    by_msp = [d for p in api.pages("/departments", {"msp_id": HEALTH}) for d in p.json["data"]]
    assert world.health in [d["id"] for d in by_msp] and {d["msp_id"] for d in by_msp} == {HEALTH}
    # A bookmark from another query, a garbage bookmark and bad parameters are 400s.
    first = pages[0].json["bookmark"]
    assert ok(api.get("/departments", query={"msp_id": HEALTH, "bookmark": first}), 400)["error"]["code"] == (
        "INVALID_ARGUMENT"
    )
    assert ok(api.get("/departments", query={"bookmark": "not-a-bookmark"}), 400)
    assert ok(api.get("/departments", query={"page_size": 0}), 400)
    assert ok(api.get("/departments", query={"page_size": 201}), 400)
    assert ok(api.get("/departments", query={"page_size": "ten"}), 400)
    assert ok(api.get("/departments", query={"status": "sleeping"}), 400)
    reply = ok(api.get("/departments", query={"colour": "blue"}), 400)
    assert reply["error"]["details"]["unknown"] == ["colour"]


# --- responsibilities ------------------------------------------------------------------------


def test_responsibilities(api: Api, world: World) -> None:
    resp_id = unique("resp")
    body = responsibility(resp_id, world.health)
    for who in ((CIVIL, "admin"), (HEALTH, "client"), (BUREAU, "admin")):
        reply = api.assert_writes_nothing(
            partial(api.post, f"/departments/{world.health}/responsibilities", body, as_=who), 403
        )
        assert reply.error["code"] == "FORBIDDEN"
    data = created(api.post(f"/departments/{world.health}/responsibilities", body, as_=(HEALTH, "admin")))
    assert data["department_id"] == world.health and data["status"] == "active" and data["version"] == 1
    # The path names the department: a body naming another one is refused before Fabric.
    clash = {**responsibility(unique("resp"), world.civil)}
    reply = api.assert_writes_nothing(
        lambda: api.post(f"/departments/{world.health}/responsibilities", clash, as_=(HEALTH, "admin")), 400
    )
    assert reply.error["details"]["field"] == "department_id"

    listed = [
        r["id"]
        for p in api.pages(f"/departments/{world.health}/responsibilities", {"page_size": 1})
        for r in p.json["data"]
    ]
    assert {world.health_resp, resp_id} <= set(listed) and len(listed) == len(set(listed))
    assert ok(api.get(f"/responsibilities/{resp_id}", as_=(CIVIL, "client")))["data"] == data

    retired = written(api.patch(f"/responsibilities/{resp_id}", {"status": "retired"}, as_=(HEALTH, "admin")))
    assert retired["status"] == "retired" and retired["version"] == 2
    api.assert_writes_nothing(
        lambda: api.patch(f"/responsibilities/{resp_id}", {"status": "active"}, as_=(CIVIL, "admin")), 403
    )
    assert ok(api.get(f"/responsibilities/{resp_id}"))["data"]["version"] == 2


# --- catalogs ----------------------------------------------------------------------------------


def test_catalog_lifecycle_versions_and_history(api: Api, world: World) -> None:
    cat_id = unique("cat")
    health_admin = (HEALTH, "admin")
    body = catalog(cat_id, world.health, world.health_resp)
    api.assert_writes_nothing(lambda: api.post("/catalogs", body, as_=(CIVIL, "admin")), 403)
    api.assert_writes_nothing(lambda: api.post("/catalogs", body, as_=(HEALTH, "client")), 403)

    writes: list[Reply] = []
    writes.append(api.post("/catalogs", body, as_=health_admin))
    first = created(writes[-1])
    assert (first["status"], first["version"], first["deprecation"]) == ("draft", 1, None)
    assert first["endpoint"] is None and first["schema_hash"] is None

    writes.append(
        api.patch(f"/catalogs/{cat_id}", {"description": "第二版 second version"}, as_=health_admin)
    )
    assert written(writes[-1])["version"] == 2
    writes.append(
        api.patch(
            f"/catalogs/{cat_id}", {"tags": ["test", "welfare"], "schema_hash": "ab" * 32}, as_=health_admin
        )
    )
    third = written(writes[-1])
    assert (
        third["version"] == 3
        and third["tags"] == ["test", "welfare"]
        and third["description"] == "第二版 second version"
    )
    api.assert_writes_nothing(
        lambda: api.patch(f"/catalogs/{cat_id}", {"description": "x"}, as_=(CIVIL, "admin")), 403
    )
    writes.append(api.post(f"/catalogs/{cat_id}/publish", as_=health_admin))
    published = written(writes[-1])
    assert published["status"] == "published" and published["version"] == 4
    writes.append(api.post(f"/catalogs/{cat_id}/deprecate", {"reason": "replaced by v2"}, as_=health_admin))
    deprecated = written(writes[-1])
    assert deprecated["status"] == "deprecated" and deprecated["version"] == 5
    assert deprecated["deprecation"]["reason"] == "replaced by v2"
    assert deprecated["deprecation"]["by"]["msp_id"] == HEALTH

    # Each write's entity carries the block its transaction landed in.
    for reply in writes:
        assert reply.json["data"]["ledger"]["tx_id"] == reply.json["tx_id"]
        assert reply.json["data"]["ledger"]["block"] == reply.json["block"]
    blocks = [r.json["block"] for r in writes]
    assert blocks == sorted(blocks) and len(set(blocks)) == len(blocks)

    history = ok(api.get(f"/catalogs/{cat_id}/history", as_=(CIVIL, "client")))["data"]
    assert [h["tx_id"] for h in history] == [r.json["tx_id"] for r in reversed(writes)]
    assert [h["block"] for h in history] == list(reversed(blocks))
    assert [h["value"]["version"] for h in history] == [5, 4, 3, 2, 1]
    assert [h["value"]["ledger"]["block"] for h in history] == list(reversed(blocks))
    assert not any(h["is_delete"] for h in history)
    assert ok(api.get(f"/catalogs/{cat_id}", as_=(BUREAU, "client")))["data"] == deprecated
    assert ok(api.get(f"/catalogs/{unique('nope')}/history"), 404)["error"]["code"] == "NOT_FOUND"


def test_catalog_batch_filters_and_pages(api: Api, world: World) -> None:
    dept = unique("batch")
    created(api.post("/departments", department(dept, HEALTH)))
    resp_id = unique("resp")
    created(
        api.post(
            f"/departments/{dept}/responsibilities", responsibility(resp_id, dept), as_=(HEALTH, "admin")
        )
    )
    ids = sorted(unique("bc") for _ in range(5))
    catalogs = [
        catalog(
            cat_id,
            dept,
            resp_id,
            share_type="unconditional" if i % 2 else "conditional",
            tags=["batch", "even" if i % 2 == 0 else "odd"],
        )
        for i, cat_id in enumerate(ids)
    ]
    reply = api.post("/catalogs/batch", {"catalogs": catalogs}, as_=(HEALTH, "admin"))
    assert sorted(created(reply)["created"]) == ids
    for cat_id in ids[:2]:
        written(api.post(f"/catalogs/{cat_id}/publish", as_=(HEALTH, "admin")))

    pages = list(api.pages("/catalogs", {"department": dept, "page_size": 2}, as_=(CIVIL, "client")))
    assert [len(p.json["data"]) for p in pages] == [2, 2, 1]
    seen = [c["id"] for p in pages for c in p.json["data"]]
    assert sorted(seen) == ids and len(set(seen)) == 5
    # Filtered lists run in index order: status before id (draft before published).
    assert [c["status"] for p in pages for c in p.json["data"]] == ["draft"] * 3 + ["published"] * 2

    def all_of(**query: Any) -> list[str]:
        return sorted(c["id"] for p in api.pages("/catalogs", query) for c in p.json["data"])

    assert all_of(department=dept, status="published") == ids[:2]
    assert all_of(department=dept, status="draft") == ids[2:]
    assert all_of(department=dept, share_type="unconditional") == [ids[1], ids[3]]
    assert all_of(department=dept, tag="even") == [ids[0], ids[2], ids[4]]
    assert set(ids) <= set(all_of(tag="batch"))
    assert all_of(department=dept, status="deprecated") == []
    assert ok(api.get("/catalogs", query={"share_type": "sometimes"}), 400)


def test_full_text_search_in_chinese_and_english(api: Api, world: World) -> None:
    dept = unique("search")
    created(api.post("/departments", department(dept, HEALTH)))
    resp_id = unique("resp")
    created(
        api.post(
            f"/departments/{dept}/responsibilities", responsibility(resp_id, dept), as_=(HEALTH, "admin")
        )
    )
    marker = unique("zq").replace("-", "")
    allowance, hospitals = unique("allow"), unique("hosp")
    created(
        api.post(
            "/catalogs",
            catalog(
                allowance,
                dept,
                resp_id,
                zh="最低生活保障对象名册",
                en=f"Minimum living allowance recipients {marker}",
            ),
            as_=(HEALTH, "admin"),
        )
    )
    created(
        api.post(
            "/catalogs",
            catalog(
                hospitals, dept, resp_id, zh="医疗机构执业登记", en=f"Licensed hospitals register {marker}"
            ),
            as_=(HEALTH, "admin"),
        )
    )

    def search(q: str, **extra: Any) -> list[str]:
        reply = ok(api.get("/catalogs", query={"q": q, "department": dept, **extra}, as_=(CIVIL, "client")))
        return [c["id"] for c in reply["data"]]

    def eventually(q: str, expected: list[str]) -> None:
        # The off-chain index follows chaincode events: give it a moment to catch up.
        deadline = time.monotonic() + 30
        while (found := search(q)) != expected:
            assert time.monotonic() < deadline, (q, found, expected)
            time.sleep(0.5)

    eventually("低保", [allowance])  # characters, not words: 低 and 保 both occur in 最低生活保障
    eventually("最低生活保障", [allowance])
    eventually("医疗机构", [hospitals])
    eventually("hosp", [hospitals])  # an English word by prefix
    eventually("living allowance", [allowance])
    eventually(marker, sorted([allowance, hospitals]))
    assert search("住房公积金") == []
    assert search(marker, share_type="unconditional") == []

    first = ok(api.get("/catalogs", query={"q": marker, "department": dept, "page_size": 1}))
    assert len(first["data"]) == 1 and first["bookmark"] == "q:1"
    second = ok(
        api.get("/catalogs", query={"q": marker, "department": dept, "page_size": 1, "bookmark": "q:1"})
    )
    assert len(second["data"]) == 1 and second["bookmark"] == ""
    assert {first["data"][0]["id"], second["data"][0]["id"]} == {allowance, hospitals}
    assert isinstance(first["data"][0]["ledger"]["block"], int)
    assert ok(api.get("/catalogs", query={"q": marker, "bookmark": "garbage"}), 400)

    # A write is seen by search once the index has followed its event.
    written(
        api.patch(
            f"/catalogs/{hospitals}",
            {"title": {"zh": "医院名录", "en": f"Hospital list {marker}"}},
            as_=(HEALTH, "admin"),
        )
    )
    eventually("医院名录", [hospitals])


# --- access requests, grants, usage ----------------------------------------------------------


def request_body(world: World, catalog_id: str, items: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "requester_id": world.civil,
        "catalog_id": catalog_id,
        "items": items,
        "purpose": "最低生活保障资格复核",
        "legal_basis": "《社会救助暂行办法》第十一条",
        "requested_until": "2028-12-31",
        **extra,
    }


def check(
    api: Api, world: World, catalog_id: str, item: str, who: tuple[str, str] = (CIVIL, "client")
) -> dict[str, Any]:
    reply = ok(
        api.get(
            "/access-check", query={"department": world.civil, "catalog": catalog_id, "item": item}, as_=who
        )
    )
    data: dict[str, Any] = reply["data"]
    return data


def test_conditional_access_request_approve_use_revoke(api: Api, world: World) -> None:
    civil_client, health_admin = (CIVIL, "client"), (HEALTH, "admin")
    req_id = unique("req")
    # Only the requester department's members may ask.
    api.assert_writes_nothing(
        lambda: api.post(
            "/access-requests",
            request_body(world, world.conditional, ["person_id"], id=req_id),
            as_=(HEALTH, "client"),
        ),
        403,
    )
    reply = api.post(
        "/access-requests",
        request_body(world, world.conditional, ["person_id", "district"], id=req_id),
        as_=civil_client,
    )
    data = created(reply)
    request, grant = data["request"], data["grant"]
    assert grant is None
    assert request["id"] == req_id and request["status"] == "pending" and request["owner_id"] == world.health
    assert request["requested_by"]["msp_id"] == CIVIL and request["requested_by"]["role"] == "client"
    assert request["ledger"]["block"] == reply.json["block"]
    assert check(api, world, world.conditional, "person_id") == {
        "allowed": False,
        "reason": "no-grant",
        "grant_id": None,
    }

    incoming = [
        r["id"]
        for p in api.pages(
            "/access-requests",
            {"role": "incoming", "department": world.health, "status": "pending"},
            as_=health_admin,
        )
        for r in p.json["data"]
    ]
    assert req_id in incoming
    outgoing = [
        r["id"]
        for p in api.pages("/access-requests", {"department": world.civil}, as_=civil_client)
        for r in p.json["data"]
    ]
    assert req_id in outgoing
    assert ok(api.get(f"/access-requests/{req_id}", as_=(BUREAU, "client")))["data"]["status"] == "pending"

    for who in ((HEALTH, "client"), (CIVIL, "admin"), (BUREAU, "admin")):
        api.assert_writes_nothing(
            partial(api.post, f"/access-requests/{req_id}/approve", {"reason": "ok"}, as_=who), 403
        )
    approved = written(
        api.post(
            f"/access-requests/{req_id}/approve",
            {"reason": "依法履职需要", "valid_until": "2028-06-30"},
            as_=health_admin,
        )
    )
    request, grant = approved["request"], approved["grant"]
    assert request["status"] == "approved" and request["decision"]["reason"] == "依法履职需要"
    assert request["grant_id"] == grant["id"] == f"grant-{req_id}"
    assert grant["status"] == "active" and grant["items"] == ["person_id", "district"]
    assert grant["valid_until"].startswith("2028-06-30T23:59:59")
    grant_id = grant["id"]
    # Deciding twice is a conflict.
    api.assert_writes_nothing(
        lambda: api.post(f"/access-requests/{req_id}/approve", {"reason": "again"}, as_=health_admin), 409
    )

    assert check(api, world, world.conditional, "person_id") == {
        "allowed": True,
        "reason": "grant",
        "grant_id": grant_id,
    }
    assert check(api, world, world.conditional, "allowance")["allowed"] is False
    assert check(api, world, world.conditional, "no_such_item")["reason"] == "unknown-item"
    owner = ok(
        api.get(
            "/access-check",
            query={"department": world.health, "catalog": world.conditional, "item": "allowance"},
        )
    )
    assert owner["data"]["allowed"] is True and owner["data"]["reason"] == "owner"

    held = [
        g["id"]
        for p in api.pages("/grants", {"department": world.civil}, as_=civil_client)
        for g in p.json["data"]
    ]
    assert grant_id in held
    given = [
        g["id"]
        for p in api.pages("/grants", {"catalog": world.conditional, "status": "active"}, as_=health_admin)
        for g in p.json["data"]
    ]
    assert grant_id in given
    assert ok(api.get("/grants", query={"department": world.civil, "catalog": world.conditional}), 400)
    assert ok(api.get(f"/grants/{grant_id}", as_=civil_client))["data"]["request_id"] == req_id

    # Usage: only under the grant, only for covered items, only by the grantee's members.
    usage = created(
        api.post(
            "/usage",
            {
                "grant_id": grant_id,
                "department_id": world.civil,
                "items": ["person_id"],
                "purpose_ref": "case-2026-001",
                "record_count": 42,
            },
            as_=civil_client,
        )
    )
    assert usage["catalog_id"] == world.conditional and usage["recorded_by"]["role"] == "client"
    assert usage["id"].startswith("use-")
    assert ok(api.get(f"/usage/{usage['id']}", as_=health_admin))["data"] == usage
    assert usage["id"] in [u["id"] for u in ok(api.get("/usage", query={"grant": grant_id}))["data"]]
    assert usage["id"] in [
        u["id"] for u in ok(api.get("/usage", query={"department": world.civil}, as_=civil_client))["data"]
    ]
    api.assert_writes_nothing(
        lambda: api.post(
            "/usage",
            {
                "grant_id": grant_id,
                "department_id": world.civil,
                "items": ["allowance"],
                "purpose_ref": "x",
                "record_count": 1,
            },
            as_=civil_client,
        ),
        403,
    )
    api.assert_writes_nothing(
        lambda: api.post(
            "/usage",
            {
                "grant_id": grant_id,
                "department_id": world.civil,
                "items": ["person_id"],
                "purpose_ref": "x",
                "record_count": 1,
            },
            as_=(HEALTH, "admin"),
        ),
        403,
    )

    api.assert_writes_nothing(
        lambda: api.post(f"/grants/{grant_id}/revoke", {"reason": "no"}, as_=(CIVIL, "admin")), 403
    )
    revoked = written(api.post(f"/grants/{grant_id}/revoke", {"reason": "复核结束"}, as_=health_admin))
    assert revoked["status"] == "revoked" and revoked["revoked"]["reason"] == "复核结束"
    assert check(api, world, world.conditional, "person_id")["allowed"] is False
    reply = api.assert_writes_nothing(
        lambda: api.post(
            "/usage",
            {
                "grant_id": grant_id,
                "department_id": world.civil,
                "items": ["person_id"],
                "purpose_ref": "x",
                "record_count": 1,
            },
            as_=civil_client,
        ),
        409,
    )
    assert reply.error["code"] == "FAILED_PRECONDITION"
    assert [
        g["id"]
        for g in ok(api.get("/grants", query={"catalog": world.conditional, "status": "revoked"}))["data"]
    ].count(grant_id) == 1


def test_unconditional_request_is_granted_at_once(api: Api, world: World) -> None:
    data = created(
        api.post("/access-requests", request_body(world, world.unconditional, []), as_=(CIVIL, "admin"))
    )
    request, grant = data["request"], data["grant"]
    assert request["id"].startswith("req-") and request["status"] == "approved"
    assert request["decision"]["by"] == {"msp_id": HEALTH, "role": "policy", "subject": "unconditional-share"}
    assert grant is not None and grant["status"] == "active" and grant["items"] == []
    assert check(api, world, world.unconditional, "district") == {
        "allowed": True,
        "reason": "grant",
        "grant_id": grant["id"],
    }


def test_reject_and_withdraw(api: Api, world: World) -> None:
    rejected_id = created(
        api.post(
            "/access-requests", request_body(world, world.conditional, ["allowance"]), as_=(CIVIL, "client")
        )
    )["request"]["id"]
    api.assert_writes_nothing(
        lambda: api.post(f"/access-requests/{rejected_id}/reject", {"reason": "  "}, as_=(HEALTH, "admin")),
        400,
    )
    rejected = written(
        api.post(f"/access-requests/{rejected_id}/reject", {"reason": "目的不明确"}, as_=(HEALTH, "admin"))
    )
    assert (
        rejected["status"] == "rejected"
        and rejected["decision"]["reason"] == "目的不明确"
        and rejected["grant_id"] is None
    )
    assert ok(
        api.get(
            "/access-requests", query={"department": world.civil, "status": "rejected"}, as_=(CIVIL, "client")
        )
    )["data"]

    withdrawn_id = created(
        api.post(
            "/access-requests", request_body(world, world.conditional, ["district"]), as_=(CIVIL, "client")
        )
    )["request"]["id"]
    api.assert_writes_nothing(
        lambda: api.post(f"/access-requests/{withdrawn_id}/withdraw", as_=(HEALTH, "admin")), 403
    )
    withdrawn = written(api.post(f"/access-requests/{withdrawn_id}/withdraw", as_=(CIVIL, "client")))
    assert withdrawn["status"] == "withdrawn" and withdrawn["decision"]["by"]["msp_id"] == CIVIL
    reply = api.assert_writes_nothing(
        lambda: api.post(f"/access-requests/{withdrawn_id}/withdraw", as_=(CIVIL, "client")), 409
    )
    assert reply.error["code"] in ("FAILED_PRECONDITION", "CONFLICT")
    api.assert_writes_nothing(
        lambda: api.post(
            f"/access-requests/{withdrawn_id}/approve", {"reason": "late"}, as_=(HEALTH, "admin")
        ),
        409,
    )


def test_listing_defaults_to_the_callers_only_department(api: Api, world: World) -> None:
    def departments_of(msp: str) -> list[str]:
        return [
            d["id"]
            for p in api.pages("/departments", {"msp_id": msp, "page_size": 200})
            for d in p.json["data"]
        ]

    for msp in MSPS:
        mine = departments_of(msp)
        reply = api.get("/grants", as_=(msp, "client"))
        if len(mine) == 1:
            assert reply.status == 200, reply
            assert all(g["grantee_id"] == mine[0] for g in reply.json["data"])
        else:
            assert reply.status == 400, reply
            assert sorted(reply.error["details"]["departments"]) == sorted(mine)
            explicit = ok(api.get("/grants", query={"department": mine[0]}, as_=(msp, "client")))
            assert all(g["grantee_id"] == mine[0] for g in explicit["data"])


# --- asynchronous writes and transactions ------------------------------------------------------


def test_wait_false_answers_202_then_the_transaction_commits(api: Api) -> None:
    dept_id = unique("async")
    reply = api.post("/departments", department(dept_id, CIVIL), query={"wait": "false"})
    assert reply.status == 202, reply
    tx_id = reply.json["tx_id"]
    assert TX_ID.match(tx_id) and reply.headers["Location"] == f"/api/v1/transactions/{tx_id}"
    status = api.wait_valid(tx_id)
    assert status["status"] == "VALID" and isinstance(status["block"], int) and status["tx_id"] == tx_id
    data = ok(api.get(f"/departments/{dept_id}", as_=(HEALTH, "client")))["data"]
    assert data["ledger"]["tx_id"] == tx_id and data["ledger"]["block"] == status["block"]
    # Any identity of the channel may ask; a well-formed id never seen is pending.
    assert ok(api.get(f"/transactions/{tx_id}", as_=(HEALTH, "client")))["data"]["block"] == status["block"]
    assert ok(api.get(f"/transactions/{'0' * 64}"))["data"] == {
        "tx_id": "0" * 64,
        "status": "pending",
        "block": None,
    }
    assert ok(api.get("/transactions/not-a-tx"), 400)["error"]["code"] == "INVALID_ARGUMENT"
    assert ok(api.post("/departments", department(unique("x"), CIVIL), query={"wait": "maybe"}), 400)


# --- errors: statuses, and nothing written ------------------------------------------------------


def test_authentication_errors_write_nothing(api: Api, world: World) -> None:
    for token in (None, "not-a-token", ""):
        kwargs: dict[str, Any] = {"auth": False} if token is None else {"token": token}
        reply = api.get(f"/departments/{world.health}", **kwargs)
        assert reply.status == 401, reply
        assert reply.error["code"] == "UNAUTHENTICATED" and reply.headers["WWW-Authenticate"].startswith(
            "Bearer"
        )
        reply = api.assert_writes_nothing(
            partial(api.post, "/departments", department(unique("anon"), HEALTH), **kwargs), 401
        )
        assert reply.error["code"] == "UNAUTHENTICATED"
    reply = api.get("/departments", headers={"Authorization": f"Basic {api.token(BUREAU)}"}, auth=False)
    assert reply.status == 401
    # Unauthenticated reads of the event stream are refused too.
    assert api.get("/events", auth=False).status == 401


def test_bad_input_is_refused_before_the_ledger(api: Api, world: World) -> None:
    dept_id = unique("bad")
    for raw in (b'{"id": ', b"[1, 2]", b"NaN", b'{"id": "a", "id": "b"}', b"\xff\xfe"):
        reply = api.assert_writes_nothing(partial(api.post, "/departments", raw=raw), 400)
        assert reply.error["code"] == "INVALID_ARGUMENT", (raw, reply)
    reply = api.assert_writes_nothing(
        lambda: api.post("/departments", {**department(dept_id, HEALTH), "colour": "red"}), 400
    )
    assert reply.error["code"] == "INVALID_ARGUMENT" and "colour" in reply.error["message"]
    reply = api.assert_writes_nothing(
        lambda: api.post("/departments", {**department(dept_id, HEALTH), "version": 7}), 400
    )
    reply = api.assert_writes_nothing(
        lambda: api.post("/departments", {**department(dept_id, HEALTH), "level": "galactic"}), 400
    )
    api.assert_writes_nothing(lambda: api.post("/departments", raw=b""), 400)
    assert ok(api.get(f"/departments/{dept_id}"), 404)

    # Unknown field on an update: the entity is unchanged.
    before = ok(api.get(f"/departments/{world.bureau}"))["data"]
    api.assert_writes_nothing(lambda: api.patch(f"/departments/{world.bureau}", {"status": "suspended"}), 400)
    api.assert_writes_nothing(
        lambda: api.patch(f"/departments/{world.bureau}", {"id": world.civil, "level": "district"}), 400
    )
    api.assert_writes_nothing(lambda: api.patch(f"/departments/{world.bureau}", {}), 400)
    assert ok(api.get(f"/departments/{world.bureau}"))["data"] == before


def test_not_found_and_method_errors(api: Api) -> None:
    missing = unique("missing")
    for path in (
        f"/departments/{missing}",
        f"/catalogs/{missing}",
        f"/responsibilities/{missing}",
        f"/access-requests/{missing}",
        f"/grants/grant-{missing}",
        f"/usage/{missing}",
    ):
        reply = api.get(path, as_=(CIVIL, "client"))
        assert reply.status == 404 and reply.error["code"] == "NOT_FOUND", (path, reply)
    reply = api.assert_writes_nothing(
        lambda: api.patch(f"/departments/{missing}", {"level": "district"}), 404
    )
    assert reply.error["code"] == "NOT_FOUND"
    api.assert_writes_nothing(lambda: api.post(f"/catalogs/{missing}/publish", as_=(HEALTH, "admin")), 404)
    reply = api.get("/no-such-route")
    assert reply.status == 404 and reply.error["code"] == "NOT_FOUND"
    reply = api.request("DELETE", f"/departments/{missing}")
    assert (
        reply.status == 405
        and reply.error["code"] == "METHOD_NOT_ALLOWED"
        and "PATCH" in reply.headers["Allow"]
    )


def test_duplicate_id_is_a_conflict_and_changes_nothing(api: Api, world: World) -> None:
    before = ok(api.get(f"/departments/{world.health}"))["data"]
    reply = api.assert_writes_nothing(
        lambda: api.post("/departments", department(world.health, CIVIL, zh="冒名")), 409
    )
    assert reply.error["code"] == "CONFLICT"
    assert ok(api.get(f"/departments/{world.health}"))["data"] == before

    cat_before = ok(api.get(f"/catalogs/{world.conditional}"))["data"]
    body = catalog(world.conditional, world.health, world.health_resp, zh="重复")
    reply = api.assert_writes_nothing(lambda: api.post("/catalogs", body, as_=(HEALTH, "admin")), 409)
    assert reply.error["code"] == "CONFLICT"
    assert ok(api.get(f"/catalogs/{world.conditional}"))["data"] == cat_before


def test_body_too_large_is_413_and_writes_nothing(api: Api, world: World) -> None:
    before = ok(api.get(f"/catalogs/{world.conditional}"))["data"]
    huge = json.dumps({"description": "x" * (200 * 1024)}).encode()
    reply = api.assert_writes_nothing(
        lambda: api.patch(f"/catalogs/{world.conditional}", raw=huge, as_=(HEALTH, "admin")), 413
    )
    assert reply.error["code"] == "PAYLOAD_TOO_LARGE"
    reply = api.assert_writes_nothing(
        lambda: api.post(
            "/departments",
            raw=json.dumps({**department(unique("big"), HEALTH), "pad": "x" * 140_000}).encode(),
        ),
        413,
    )
    assert ok(api.get(f"/catalogs/{world.conditional}"))["data"] == before


# --- Server-Sent Events ------------------------------------------------------------------------


def test_events_stream_live_and_resume_with_last_event_id(api: Api, world: World) -> None:
    token = api.token(CIVIL, "client")
    start = api.settled_height()

    def mine(tx_ids: list[str]) -> Callable[[list[Any]], bool]:
        return lambda seen: set(tx_ids) <= {e.json["tx_id"] for e in seen}

    with SseStream(api.base_url, token, query={"start_block": start}) as stream:
        assert stream.status == 200 and stream.response.headers["Content-Type"].startswith(
            "text/event-stream"
        )
        first = created(api.post("/departments", department(unique("sse"), CIVIL)))
        live = stream.events_until(mine([first["ledger"]["tx_id"]]))
        assert stream.retry == 3000
        last = live[-1]
        assert last.event == "DepartmentRegistered" and last.json["payload"] == {
            "entity": "department",
            "id": first["id"],
            "version": 1,
        }
        assert (
            last.id == f"{last.json['block']}:{last.json['tx_id']}"
            and last.json["block"] == first["ledger"]["block"]
        )

    # While disconnected: several writes, some sharing a block (ordered without waiting).
    missed: list[str] = []
    dept_ids = [unique("gap") for _ in range(3)]
    for dept_id in dept_ids:
        reply = api.post("/departments", department(dept_id, HEALTH), query={"wait": "false"})
        assert reply.status == 202, reply
        missed.append(reply.json["tx_id"])
    for tx_id in missed:
        assert api.wait_valid(tx_id)["status"] == "VALID"
    written(api.post(f"/departments/{dept_ids[0]}/suspend", {"reason": "sse test"}))
    suspended = ok(api.get(f"/departments/{dept_ids[0]}"))["data"]["ledger"]["tx_id"]
    missed.append(suspended)

    with SseStream(api.base_url, token, last_event_id=last.id) as stream:
        resumed = stream.events_until(lambda seen: len(seen) >= len(missed))
        assert [e.json["tx_id"] for e in resumed] == _commit_order(api, missed)
        assert last.id not in [e.id for e in resumed]
        assert [e.event for e in resumed][-1] == "DepartmentSuspended"
        # Nothing else follows (no duplicates): the next read only sees heartbeats.
        with pytest.raises(TimeoutError):
            stream.set_read_timeout(2)
            stream.next_event()

    # Resuming from the middle of a block skips exactly what came before in that block.
    middle = resumed[0]
    with SseStream(api.base_url, token, last_event_id=middle.id) as stream:
        again = stream.events_until(lambda seen: len(seen) >= len(missed) - 1)
        assert [e.id for e in again] == [e.id for e in resumed[1:]]

    # A malformed Last-Event-ID is refused rather than silently replaying from now.
    reply = api.get("/events", headers={"Last-Event-ID": "yesterday"}, as_=(CIVIL, "client"))
    assert reply.status == 400 and reply.error["code"] == "INVALID_ARGUMENT"


def _commit_order(api: Api, tx_ids: list[str]) -> list[str]:
    """The transactions in ledger order (block, then position in the block)."""
    position: dict[str, tuple[int, int]] = {}
    for tx_id in tx_ids:
        block = api.wait_valid(tx_id)["block"]
        blocks = ok(api.get("/ledger", query={"blocks": 50}))["data"]["blocks"]
        for b in blocks:
            if b["number"] == block:
                index = [t["tx_id"] for t in b["transactions"]].index(tx_id)
                position[tx_id] = (block, index)
    return sorted(tx_ids, key=lambda t: position[t])
