"""The REST gateway's edges on a live directory (each ledger, via the ``directory`` fixture):
credentials in the query string never reach a log, logs are private, writes need a JSON body
and every entity kind has its history.
"""

from __future__ import annotations

import http.client
import json
import stat
import time
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from tests.integration.localnet import LocalNetwork
from tests.integration.rest import (
    BUREAU,
    CIVIL,
    HEALTH,
    PREFIX,
    Api,
    Headers,
    Reply,
    catalog,
    department,
    responsibility,
    unique,
)


@pytest.fixture(scope="module")
def api(directory: LocalNetwork) -> Api:
    return Api.for_network(directory)


@dataclass(frozen=True)
class World:
    civil: str
    health: str
    health_resp: str
    conditional: str  # Health's conditional catalog (published)


def created(reply: Reply) -> Reply:
    assert reply.status == 201, reply
    return reply


def written(reply: Reply) -> Reply:
    assert reply.status == 200, reply
    return reply


@pytest.fixture(scope="module")
def world(api: Api) -> World:
    civil, health = unique("civil"), unique("health")
    created(api.post("/departments", department(civil, CIVIL)))
    created(api.post("/departments", department(health, HEALTH)))
    resp = unique("resp")
    created(
        api.post(
            f"/departments/{health}/responsibilities", responsibility(resp, health), as_=(HEALTH, "admin")
        )
    )
    conditional = unique("cond")
    created(api.post("/catalogs", catalog(conditional, health, resp), as_=(HEALTH, "admin")))
    written(api.post(f"/catalogs/{conditional}/publish", as_=(HEALTH, "admin")))
    return World(civil, health, resp, conditional)


def send(api: Api, method: str, path: str, body: bytes | None, content_type: str | None, token: str) -> Reply:
    """Exactly these headers: urllib would add a form Content-Type to any body sent without one."""
    parts = urlsplit(api.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=api.timeout)
    headers = {"Authorization": f"Bearer {token}", "Content-Length": str(len(body or b""))}
    if content_type is not None:
        headers["Content-Type"] = content_type
    try:
        conn.request(method, PREFIX + path, body=body, headers=headers)
        response = conn.getresponse()
        return Reply(response.status, Headers(response.getheaders()), response.read())
    finally:
        conn.close()


def all_tokens(directory: LocalNetwork) -> dict[str, str]:
    doc = json.loads((directory.home / "gateway" / "tokens.json").read_text(encoding="utf-8"))
    return {f"{msp} {role}": token for msp, roles in doc.items() for role, token in roles.items()}


# --- credentials in the query string ------------------------------------------------------------


def test_a_token_in_the_query_string_is_400_and_reaches_no_log(directory: LocalNetwork, api: Api) -> None:
    token = api.token(BUREAU)
    marker = unique("marker")  # a path to find this test's requests in the access log
    replies = [
        api.get(f"/departments/{marker}", query={"access_token": token}, auth=False),
        api.get(f"/departments/{marker}", query={"access_token": token}),
        api.get(f"/departments/{marker}", query={"token": token}, auth=False),
        api.get("/healthz", query={"access_token": token}, auth=False),
        api.get("/catalogs", query={"q": token}),  # a real token under an innocent name
        api.assert_writes_nothing(
            lambda: api.post("/departments", department(marker, HEALTH), query={"access_token": token}), 400
        ),
    ]
    for reply in replies:
        assert reply.status == 400, reply
        assert reply.error["code"] == "TOKEN_IN_QUERY" and "Authorization" in reply.error["message"]
        assert token not in reply.text
    assert api.get(f"/departments/{marker}").status == 404

    time.sleep(1)  # let the gateway flush its log
    logs = directory.home / "logs"
    gateway_log = (logs / "gateway.log").read_text(errors="replace")
    # The refused requests were logged (so the check below checks something), without a query.
    lines = [line for line in gateway_log.splitlines() if f"/departments/{marker}" in line]
    assert any('" 400 ' in line for line in lines), lines or "the access log recorded none of them"
    secrets = all_tokens(directory)
    leaks = [
        f"{path.relative_to(directory.home)}: {name}"
        for path in sorted(logs.rglob("*"))
        if path.is_file()
        for name, secret in secrets.items()
        for form in {secret, quote(secret, safe="")}
        if form.encode() in path.read_bytes()
    ]
    assert leaks == [], leaks


def test_log_files_are_readable_by_their_owner_only(directory: LocalNetwork) -> None:
    """Needs network/lib/common.sh to create logs 0600 (its umask), not only the gateway."""
    logs = directory.home / "logs"
    mode = stat.S_IMODE((logs / "gateway.log").stat().st_mode)
    assert mode in (0o600, 0o640), oct(mode)
    readable = [
        f"{p.name} {oct(stat.S_IMODE(p.stat().st_mode))}"
        for p in sorted(logs.rglob("*"))
        if p.is_file() and p.stat().st_mode & 0o007
    ]
    assert readable == [], readable


# --- Content-Type of writes ------------------------------------------------------------------------


def test_writes_without_a_json_content_type_are_415_and_write_nothing(api: Api, world: World) -> None:
    token = api.token(HEALTH)
    cat_id = unique("ctype")
    body = json.dumps(catalog(cat_id, world.health, world.health_resp), ensure_ascii=False).encode()
    refused: list[tuple[str | None, bytes]] = [
        (None, body),
        ("text/plain", body),
        ("text/plain; charset=utf-8", body),
        ("application/xml", f'<catalog id="{cat_id}"/>'.encode()),
        ("application/x-www-form-urlencoded", body),
        ("application/json; charset=iso-8859-1", body),
    ]
    for content_type, raw in refused:
        reply = api.assert_writes_nothing(
            partial(send, api, "POST", "/catalogs", raw, content_type, token), 415
        )
        assert reply.error["code"] == "UNSUPPORTED_MEDIA_TYPE", (content_type, reply)
        assert "application/json" in reply.error["message"]
    assert api.get(f"/catalogs/{cat_id}").status == 404

    before = api.get(f"/departments/{world.health}").data
    patch = json.dumps({"contact": department(world.health, HEALTH)["contact"] | {"name": "改名"}}).encode()
    reply = api.assert_writes_nothing(
        lambda: send(api, "PATCH", f"/departments/{world.health}", patch, "text/plain", api.token(BUREAU)),
        415,
    )
    assert reply.error["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert api.get(f"/departments/{world.health}").data == before

    # JSON with a charset parameter is JSON; a route whose body is optional takes no body at all.
    created(send(api, "POST", "/catalogs", body, "application/json; charset=utf-8", token))
    published = written(send(api, "POST", f"/catalogs/{cat_id}/publish", None, None, token))
    assert published.data["status"] == "published"


# --- history of every entity kind ---------------------------------------------------------------


def history_matches(api: Api, path: str, writes: list[Reply], entity_id: str) -> list[dict[str, Any]]:
    """``path``'s history = these writes, newest first, each with its block (also in its value)."""
    reply = api.get(path, as_=(CIVIL, "client"))
    assert reply.status == 200, (path, reply)
    assert set(reply.json) == {"data"}
    history: list[dict[str, Any]] = reply.data
    assert [h["tx_id"] for h in history] == [w.json["tx_id"] for w in reversed(writes)], path
    assert [h["block"] for h in history] == [w.json["block"] for w in reversed(writes)], path
    for entry in history:
        assert entry["is_delete"] is False and entry["timestamp"]
        assert entry["value"]["id"] == entity_id
        assert entry["value"]["ledger"] == {
            "tx_id": entry["tx_id"],
            "timestamp": entry["value"]["ledger"]["timestamp"],
            "block": entry["block"],
            "validation_code": "VALID",
            "endorsers": entry["value"]["ledger"]["endorsers"],
        }
    return history


def test_every_entity_kind_has_its_history(api: Api, world: World) -> None:
    health_admin, civil_client = (HEALTH, "admin"), (CIVIL, "client")

    dept = unique("hist")
    dept_writes = [created(api.post("/departments", department(dept, HEALTH)))]
    renamed = {"name": {"zh": "历史测试部门", "en": "History test department"}}
    dept_writes.append(written(api.patch(f"/departments/{dept}", renamed)))
    versions = [
        h["value"]["version"] for h in history_matches(api, f"/departments/{dept}/history", dept_writes, dept)
    ]
    assert versions == [2, 1]

    resp = unique("resp")
    resp_writes = [
        created(
            api.post(f"/departments/{dept}/responsibilities", responsibility(resp, dept), as_=health_admin)
        )
    ]
    resp_writes.append(
        written(api.patch(f"/responsibilities/{resp}", {"status": "retired"}, as_=health_admin))
    )
    history = history_matches(api, f"/responsibilities/{resp}/history", resp_writes, resp)
    assert [h["value"]["status"] for h in history] == ["retired", "active"]

    cat = unique("cat")
    cat_writes = [
        created(api.post("/catalogs", catalog(cat, world.health, world.health_resp), as_=health_admin))
    ]
    cat_writes.append(written(api.post(f"/catalogs/{cat}/publish", as_=health_admin)))
    history_matches(api, f"/catalogs/{cat}/history", cat_writes, cat)

    req = unique("req")
    request_body = {
        "id": req,
        "requester_id": world.civil,
        "catalog_id": world.conditional,
        "items": ["district"],
        "purpose": "历史记录测试",
        "legal_basis": "《社会救助暂行办法》第十一条",
        "requested_until": "2028-12-31",
    }
    req_writes = [created(api.post("/access-requests", request_body, as_=civil_client))]
    approved = written(api.post(f"/access-requests/{req}/approve", {"reason": "依法履职"}, as_=health_admin))
    req_writes.append(approved)
    history = history_matches(api, f"/access-requests/{req}/history", req_writes, req)
    assert [h["value"]["status"] for h in history] == ["approved", "pending"]

    grant = approved.data["grant"]["id"]
    usage = created(
        api.post(
            "/usage",
            {
                "grant_id": grant,
                "department_id": world.civil,
                "items": ["district"],
                "purpose_ref": "hist-001",
                "record_count": 1,
            },
            as_=civil_client,
        )
    )
    history_matches(api, f"/usage/{usage.data['id']}/history", [usage], usage.data["id"])

    revoked = written(api.post(f"/grants/{grant}/revoke", {"reason": "测试结束"}, as_=health_admin))
    history = history_matches(api, f"/grants/{grant}/history", [approved, revoked], grant)
    assert [h["value"]["status"] for h in history] == ["revoked", "active"]

    missing = unique("missing")
    for path in (
        f"/departments/{missing}/history",
        f"/responsibilities/{missing}/history",
        f"/catalogs/{missing}/history",
        f"/access-requests/{missing}/history",
        f"/grants/grant-{missing}/history",
        f"/usage/{missing}/history",
    ):
        reply = api.get(path)
        assert reply.status == 404 and reply.error["code"] == "NOT_FOUND", (path, reply)

    doc = api.get("/openapi.json", auth=False).json
    for kind in ("departments", "responsibilities", "catalogs", "access-requests", "grants", "usage"):
        assert doc["paths"][f"{PREFIX}/{kind}/{{id}}/history"]["get"]["x-chaincode-functions"] == [
            "GetHistory"
        ]
